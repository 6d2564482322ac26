package main

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// TestCLITextAndImages trains through a real server on the embedded default, as a person
// would: a table of messages and their label (text only), and a zip of picture folders. Both
// reach COMPLETED; the text model predicts the CLI's CSV rows from their text, and the image
// model classifies a picture sent as base64 over REST.
func TestCLITextAndImages(t *testing.T) {
	if testing.Short() {
		t.Skip("trains models")
	}
	dir := t.TempDir()
	vars := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config")}
	base, serverLog, stop := startServe(t, filepath.Join(dir, "data"), vars)
	defer stop()
	c := cliRunner{t, vars}

	// Text: every fifth message, then 20 of the others to predict.
	recs := readAll(t, sharedDataset(t, "sms_spam.csv"))
	train, rows := [][]string{recs[0]}, [][]string{recs[0]}
	for i, r := range recs[1:] {
		switch {
		case i%5 == 0:
			train = append(train, r)
		case i%97 == 1 && len(rows) <= 20:
			rows = append(rows, r)
		}
	}
	trainPath, rowsPath := filepath.Join(dir, "messages.csv"), filepath.Join(dir, "rows.csv")
	writeAll(t, trainPath, train)
	writeAll(t, rowsPath, rows)
	out, errOut := c.ok("train", trainPath, "--goal", "predict whether each message is spam (the label)", "--budget", "4s", "--output", "json")
	var p trainyardv1.Project
	if err := protojson.Unmarshal([]byte(out), &p); err != nil || p.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_COMPLETED {
		t.Fatalf("train on messages = %s (%v)\nstderr:\n%s\nserver:\n%s", out, err, errOut, serverLog)
	}
	out, _ = c.ok("predict", p.GetModelId(), "--input", rowsPath, "--output", "json")
	var res trainyardv1.PredictResponse
	if err := protojson.Unmarshal([]byte(out), &res); err != nil || len(res.GetPredictions()) != len(rows)-1 {
		t.Fatalf("predict = %s (%v), want %d predictions", out, err, len(rows)-1)
	}
	right := 0
	for i, pr := range res.GetPredictions() {
		if pr.GetLabel() == rows[i+1][1] {
			right++
		}
	}
	if right < len(rows)-3 {
		t.Errorf("text model got %d of %d messages right, want at most two wrong", right, len(rows)-1)
	}

	// Images: 40 pictures per class in class folders; one more per class is held back.
	zipPath, held := picturesZip(t, filepath.Join(sharedDataset(t, "fashion_mnist"), "train"), filepath.Join(dir, "pictures.zip"), 40)
	out, errOut = c.ok("train", zipPath, "--goal", "classify the clothing in each picture", "--budget", "6s", "--output", "json")
	p = trainyardv1.Project{}
	if err := protojson.Unmarshal([]byte(out), &p); err != nil || p.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_COMPLETED {
		t.Fatalf("train on pictures = %s (%v)\nstderr:\n%s\nserver:\n%s", out, err, errOut, serverLog)
	}
	key := readKey(t, vars)
	ok := 0
	for class, b := range held {
		body, _ := json.Marshal(map[string]any{"instances": []any{map[string]any{"image": base64.StdEncoding.EncodeToString(b)}}})
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/models/"+p.GetModelId()+"/predict", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		hres, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := io.ReadAll(hres.Body)
		hres.Body.Close()
		var pr trainyardv1.PredictResponse
		if hres.StatusCode != http.StatusOK || protojson.Unmarshal(rb, &pr) != nil || pr.GetPredictions()[0].GetError() != "" {
			t.Fatalf("REST predict of a picture = %d %s", hres.StatusCode, rb)
		}
		if pr.GetPredictions()[0].GetLabel() == class {
			ok++
		}
	}
	if ok < 5 {
		t.Errorf("image model classified %d of %d held-back pictures right, want at least 5", ok, len(held))
	}
}

func readAll(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func writeAll(t *testing.T, path string, recs [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := csv.NewWriter(f).WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// picturesZip zips the first n pictures of each class folder under root into dst, and returns
// the next picture of each class, left out.
func picturesZip(t *testing.T, root, dst string, n int) (string, map[string][]byte) {
	t.Helper()
	classes, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	held := map[string][]byte{}
	for _, c := range classes {
		files, _ := os.ReadDir(filepath.Join(root, c.Name()))
		var names []string
		for _, fi := range files {
			names = append(names, fi.Name())
		}
		sort.Strings(names)
		for i, name := range names[:n+1] {
			b, err := os.ReadFile(filepath.Join(root, c.Name(), name))
			if err != nil {
				t.Fatal(err)
			}
			if i == n {
				held[c.Name()] = b
				continue
			}
			w, _ := zw.Create(c.Name() + "/" + name)
			w.Write(b)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dst, held
}
