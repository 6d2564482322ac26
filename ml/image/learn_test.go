package image

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trainyard/trainyard/ml/datasets"
)

// fashion returns up to perClass train and test images per class of the
// shared fashion_mnist folder, read through ReadCSV.
func fashion(t *testing.T, trainPer, testPer int) (tr, te []Example) {
	t.Helper()
	dir := datasets.MustPath(t, "fashion_mnist")
	f, err := os.Open(filepath.Join(dir, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := ReadCSV(f, dir)
	if err != nil {
		t.Fatal(err)
	}
	nTr, nTe := map[string]int{}, map[string]int{}
	for _, e := range all {
		if strings.HasPrefix(e.Name, "test/") {
			if nTe[e.Label] < testPer {
				nTe[e.Label]++
				te = append(te, e)
			}
		} else if nTr[e.Label] < trainPer {
			nTr[e.Label]++
			tr = append(tr, e)
		}
	}
	return tr, te
}

// TestNetLearns trains a small network on 600 fashion images for a few
// epochs: it must beat chance (0.1) by far and the loss must fall.
func TestNetLearns(t *testing.T) {
	tr, te := fashion(t, 60, 20)
	x, shape, err := Tensors(tr, Shape{})
	if err != nil {
		t.Fatal(err)
	}
	if shape != (Shape{Channels: 1, Height: 28, Width: 28}) {
		t.Fatalf("Tensors shape = %+v, want 1x28x28", shape)
	}
	classes := map[string]int{}
	y := make([]int, len(tr))
	for i, e := range tr {
		if _, ok := classes[e.Label]; !ok {
			classes[e.Label] = len(classes)
		}
		y[i] = classes[e.Label]
	}
	n, err := NewNet(Arch{Channels: 1, Height: 28, Width: 28, Blocks: []int{8, 16}, Hidden: 32, Classes: 10}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var losses []float64
	start := time.Now()
	rep, err := n.Train(context.Background(), x, y, TrainParams{Epochs: 4, LR: 2e-3, Seed: 1, Progress: func(_ int, l float64) { losses = append(losses, l) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d epochs in %v, losses %.3f", rep.Epochs, time.Since(start), losses)
	if losses[len(losses)-1] > 0.8*losses[0] {
		t.Errorf("loss went from %.3f to %.3f, want a fall of at least 20%%", losses[0], losses[len(losses)-1])
	}
	xt, _, err := Tensors(te, shape)
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.PredictProba(xt)
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i, e := range te {
		if argmax(p[i]) == classes[e.Label] {
			ok++
		}
	}
	acc := float64(ok) / float64(len(te))
	t.Logf("test accuracy %.3f on %d images", acc, len(te))
	if acc < 0.6 {
		t.Errorf("accuracy %.3f, want at least 0.6", acc)
	}
}
