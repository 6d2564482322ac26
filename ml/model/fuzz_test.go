package model

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the committed seed corpus of FuzzLoad")

// fuzzSeeds returns small valid artifacts (plain and gzip'd JSON).
func fuzzSeeds(t testing.TB) [][]byte {
	a, _, _ := treesArtifact(t, "penguins.csv", "species", 2)
	var gz bytes.Buffer
	if err := a.Save(&gz); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	if _, err := plain.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return [][]byte{plain.Bytes(), gz.Bytes()}
}

// TestWriteFuzzCorpus rewrites testdata/fuzz/FuzzLoad when run with
// -update-corpus.
func TestWriteFuzzCorpus(t *testing.T) {
	if !*updateCorpus {
		t.Skip("run with -update-corpus to rewrite the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzLoad")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range fuzzSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(s)))
		if err := os.WriteFile(filepath.Join(dir, "seed"+strconv.Itoa(i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzLoad checks that the loader never panics and that whatever it
// accepts can be predicted with and exported without panicking.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"format":"trainyard-model","version":1,"min_reader_version":1}`))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"))
	f.Add([]byte(`{"format":"trainyard-model","version":2,"min_reader_version":2,"task":"binary","classes":["a","b"],"threshold":0.3}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		p, err := NewPredictor(a)
		if err != nil {
			t.Fatalf("NewPredictor(loaded artifact) = %v", err)
		}
		header := make([]string, len(a.Schema))
		for i, c := range a.Schema {
			header[i] = c.Name
		}
		rec, err := p.Bind(header)
		if err != nil {
			t.Fatalf("Bind(schema) = %v", err)
		}
		var d Prediction
		for _, cell := range []string{"", "1.5", "NA", "x", "-1e300", "2024-01-02"} {
			row := make([]string, len(header))
			m := map[string]any{}
			for i := range row {
				row[i] = cell
				m[header[i]] = cell
			}
			_ = rec.Predict(row, &d)
			_ = p.PredictMap(m, &d)
			_, _ = p.Explain(m, 3)
		}
		_, _ = a.ONNX(ONNXOptions{})
	})
}
