package model

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	a, tb, _ := treesArtifact(t, "penguins.csv", "species", 20)
	a.Metrics = map[string]float64{"accuracy": 0.97}
	path := filepath.Join(t.TempDir(), "m.tym")
	if err := a.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	b, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.Format != Format || b.Version != Version || b.MinReaderVersion != 1 || b.Metrics["accuracy"] != 0.97 {
		t.Errorf("LoadFile header = %q %d %d %v", b.Format, b.Version, b.MinReaderVersion, b.Metrics)
	}
	pa, _ := NewPredictor(a)
	pb, err := NewPredictor(b)
	if err != nil {
		t.Fatal(err)
	}
	ra, _ := pa.Bind(tb.header)
	rb, _ := pb.Bind(tb.header)
	var da, db Prediction
	for i, r := range tb.recs {
		if err := ra.Predict(r, &da); err != nil {
			t.Fatal(err)
		}
		if err := rb.Predict(r, &db); err != nil {
			t.Fatal(err)
		}
		for c := range da.Probabilities {
			if da.Probabilities[c] != db.Probabilities[c] {
				t.Fatalf("row %d: loaded model predicts %v, saved one %v", i, db.Probabilities, da.Probabilities)
			}
		}
	}
}

// plainJSON returns the uncompressed JSON of a saved artifact.
func plainJSON(t *testing.T, a *Artifact) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := a.Save(&buf); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestLoadToleratesUnknownFieldsAndRejectsNewerReaders(t *testing.T) {
	a, _, _ := treesArtifact(t, "iris.csv", "species", 3)
	data := plainJSON(t, a)
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["version"] = Version + 5
	doc["a_future_field"] = map[string]any{"x": 1}
	doc["training"].(map[string]any)["future"] = "yes"
	future, _ := json.Marshal(doc)
	if _, err := Load(bytes.NewReader(future)); err != nil {
		t.Errorf("Load(newer version, same min_reader_version, unknown fields) = %v, want success", err)
	}
	doc["min_reader_version"] = Version + 1
	tooNew, _ := json.Marshal(doc)
	if _, err := Load(bytes.NewReader(tooNew)); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "this build reads up to") {
		t.Errorf("Load(min_reader_version %d) = %v, want ErrFormat naming the versions", Version+1, err)
	}
	doc["min_reader_version"] = 1
	doc["format"] = "something-else"
	other, _ := json.Marshal(doc)
	if _, err := Load(bytes.NewReader(other)); !errors.Is(err, ErrFormat) {
		t.Errorf("Load(other format) = %v, want ErrFormat", err)
	}
}

func TestLoadRejectsBrokenModels(t *testing.T) {
	a, _, _ := treesArtifact(t, "iris.csv", "species", 3)
	data := plainJSON(t, a)
	breaks := map[string]func(doc map[string]any){
		"child out of range": func(doc map[string]any) {
			tree(doc)[0].(map[string]any)["left"] = 9999
		},
		"cycle": func(doc map[string]any) {
			tree(doc)[0].(map[string]any)["left"] = 0
		},
		"feature out of range": func(doc map[string]any) {
			tree(doc)[0].(map[string]any)["feature"] = 99
		},
		"class count": func(doc map[string]any) {
			doc["classes"] = []string{"a", "b"}
		},
		"no members": func(doc map[string]any) {
			doc["members"] = []any{}
		},
		"too deep": func(doc map[string]any) {
			m := doc["members"].([]any)[0].(map[string]any)
			var nodes []any
			for i := range 1100 {
				nodes = append(nodes, map[string]any{"feature": 0, "threshold": i, "left": 2*i + 1, "right": 2*i + 2})
				nodes = append(nodes, map[string]any{"leaf": true, "value": 0.1})
			}
			nodes = append(nodes, map[string]any{"leaf": true})
			m["trees"].(map[string]any)["trees"].([]any)[0].(map[string]any)["nodes"] = nodes
		},
		"huge category": func(doc map[string]any) {
			n := tree(doc)[0].(map[string]any)
			n["categorical"], n["categories"] = true, []int{1 << 30}
		},
	}
	for name, brk := range breaks {
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		brk(doc)
		b, _ := json.Marshal(doc)
		if _, err := Load(bytes.NewReader(b)); !errors.Is(err, ErrFormat) {
			t.Errorf("Load(%s) = %v, want ErrFormat", name, err)
		}
	}
}

func tree(doc map[string]any) []any {
	m := doc["members"].([]any)[0].(map[string]any)
	return m["trees"].(map[string]any)["trees"].([]any)[0].(map[string]any)["nodes"].([]any)
}

func TestLoadGarbage(t *testing.T) {
	for _, in := range []string{"", "{", "null", "[]", `{"format":"trainyard-model"}`, "\x1f\x8b\x08\x00garbage"} {
		if _, err := Load(strings.NewReader(in)); err == nil {
			t.Errorf("Load(%q) = nil error", in)
		}
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "absent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile(absent) = %v, want not exist", err)
	}
}
