package pipeline

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/trainyard/trainyard/ml/cluster"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/text"
)

// TestTextClustersHaveTopTerms: messages without labels are clustered over TF-IDF; every
// cluster shows its top terms and examples, and the clusters separate the spam the owner would
// name: one of them is mostly spam while the data is 13% spam.
func TestTextClustersHaveTopTerms(t *testing.T) {
	fh, err := os.Open(datasets.MustPath(t, "sms_spam.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := frame.Read(context.Background(), fh, frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	truth := f.Col("label")
	ds := &dataState{Target: "label", Rows: f.NRows()}
	feats, err := buildLabelFeatures(f, ds)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(feats.Docs, []string{"text"}) || len(feats.Terms) < 1000 {
		t.Fatalf("features read documents %v with %d terms, want the text column as TF-IDF", feats.Docs, len(feats.Terms))
	}
	scores, err := chooseK(context.Background(), feats.X, nil, 42)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scores {
		sizes := make([]int, sc.k)
		spam := make([]int, sc.k)
		for i, a := range sc.res.Assign {
			sizes[a]++
			if truth.Value(i) == "spam" {
				spam[a]++
			}
		}
		t.Logf("k=%d silhouette %.3f sizes %v spam %v", sc.k, sc.silhouette, sizes, spam)
	}
	p := New(Deps{}, Options{})
	ls := &labelSet{Values: make([]string, f.NRows()), Source: make([]string, f.NRows())}
	task := p.labelingTask(f, ds, ls, feats, scores[0].res, nil, scores[0].k)
	best := 0.0
	for _, c := range task.GetClusters() {
		if len(c.GetTopTerms()) == 0 || len(c.GetExamples()) == 0 {
			t.Errorf("cluster %d has top terms %v and %d examples, want both", c.GetId(), c.GetTopTerms(), len(c.GetExamples()))
		}
		spam := 0
		for i, a := range scores[0].res.Assign {
			if a == int(c.GetId()) && truth.Value(i) == "spam" {
				spam++
			}
		}
		share := float64(spam) / float64(c.GetSize())
		t.Logf("cluster %d: %d rows, %.0f%% spam, top terms %v", c.GetId(), c.GetSize(), 100*share, c.GetTopTerms())
		if c.GetSize() >= 50 {
			best = max(best, share)
		}
	}
	if best < 0.6 {
		t.Errorf("no cluster of 50+ rows is mostly spam (best %.2f); the clusters do not separate what the owner would name", best)
	}
}

// TestValidationSampleKeepsLabels: the validation sample of large data keeps its labeled rows
// (up to half of it) and fills the rest with unlabeled ones.
func TestValidationSampleKeepsLabels(t *testing.T) {
	y := make([]int, 50000)
	for i := range y {
		y[i] = -1
		if i%1000 == 0 {
			y[i] = i / 1000 % 2
		}
	}
	pick := validationSample(y, 10000, 1)
	labeled := 0
	for k, j := range pick {
		if k > 0 && pick[k-1] >= j {
			t.Fatalf("validationSample positions not increasing at %d", k)
		}
		if y[j] != -1 {
			labeled++
		}
	}
	if len(pick) != 10000 || labeled != 50 {
		t.Errorf("validationSample = %d rows with %d labeled, want 10000 with all 50 labeled", len(pick), labeled)
	}
}

// TestAssignAllMatchesKMeans: rows joined to the nearest centroid of a clustering get the
// clusters k-means assigned them.
func TestAssignAllMatchesKMeans(t *testing.T) {
	var rows [][]float64
	for i := range 300 {
		c := float64(i % 3 * 10)
		rows = append(rows, []float64{c + float64(i%7)/7, c - float64(i%5)/5})
	}
	x := text.FromDense(rows)
	res, err := cluster.KMeans(context.Background(), x, 3, cluster.Params{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := assignAll(x, res)
	if !slices.Equal(got.Assign, res.Assign) || !slices.Equal(got.Sizes, res.Sizes) {
		t.Errorf("assignAll sizes %v, want k-means' %v", got.Sizes, res.Sizes)
	}
}
