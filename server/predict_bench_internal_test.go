package server

import (
	"context"
	"encoding/csv"
	"os"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/train"
)

// BenchmarkPredictOne scores one spambase row (57 numeric inputs, as a REST or gRPC instance
// carries them) with a 100-tree GBDT loaded through the serving registry: the part of a
// single-row prediction between the decoded request and the response message.
func BenchmarkPredictOne(b *testing.B) {
	path := datasets.MustPath(b, "spambase.csv")
	ctx := context.Background()
	f, err := frame.ReadFile(ctx, path, frame.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	res, err := train.Train(ctx, f, train.Options{Target: "type", Learners: []string{"gbdt"}, Seed: 1,
		Params: map[string]string{"num_iterations": "100", "num_leaves": "31", "learning_rate": "0.1"}})
	if err != nil {
		b.Fatal(err)
	}
	lm := loadedFromArtifact(b, res.Artifact)
	inst := SpambaseInstance(b, path)
	var pred model.Prediction
	for b.Loop() {
		if p := predictOne(ctx, lm, inst, nil, false, &pred); p.Error != "" {
			b.Fatal(p.Error)
		}
	}
}

// loadedFromArtifact loads a through a serving registry over a throwaway blob store.
func loadedFromArtifact(tb testing.TB, a *model.Artifact) *serving.Loaded {
	ctx := context.Background()
	bs, err := blob.Open(ctx, "", tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	w, err := bs.Create(ctx, "model.bin", "application/octet-stream")
	if err != nil {
		tb.Fatal(err)
	}
	if err := a.Save(w); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	reg, err := serving.New(serving.Options{Blobs: bs})
	if err != nil {
		tb.Fatal(err)
	}
	lm, err := reg.Get(ctx, serving.Ref{ID: uuid.New(), ArtifactKey: "model.bin"})
	if err != nil {
		tb.Fatal(err)
	}
	return lm
}

// SpambaseInstance returns the first row of spambase.csv as a request instance of numbers
// (exported for the package's external tests).
func SpambaseInstance(tb testing.TB, path string) *structpb.Struct {
	file, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer file.Close()
	r := csv.NewReader(file)
	header, err := r.Read()
	if err != nil {
		tb.Fatal(err)
	}
	rec, err := r.Read()
	if err != nil {
		tb.Fatal(err)
	}
	inst := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for i, name := range header {
		if x, err := strconv.ParseFloat(rec[i], 64); err == nil {
			inst.Fields[name] = structpb.NewNumberValue(x)
		}
	}
	return inst
}
