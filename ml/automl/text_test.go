package automl

import (
	"context"
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/text"
)

// textData reads the first n messages of the shared SMS set as TF-IDF rows, labeled spam (1)
// or ham (0), or, for a regression, with each message's word count as the target.
func textData(t *testing.T, n int, task string) *Data {
	t.Helper()
	f, err := os.Open(datasets.MustPath(t, "sms_spam.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	d := &Data{Task: task, NumClass: 2}
	for _, r := range recs[1 : n+1] {
		docs = append(docs, r[0])
		switch {
		case task == Regression:
			d.Label = append(d.Label, float64(len(strings.Fields(r[0]))))
		case r[1] == "spam":
			d.Label = append(d.Label, 1)
		default:
			d.Label = append(d.Label, 0)
		}
	}
	if task == Regression {
		d.NumClass = 1
	}
	v, err := text.Fit(text.Config{WordMax: 2, Sublinear: true, MinDF: 2}, docs)
	if err != nil {
		t.Fatal(err)
	}
	d.Text = v.Transform(docs)
	return d
}

// TestTextSearchTriesNaiveBayes replays a text-only search: logistic regression and both
// naive Bayes variants are tried in the grid's order, every trial beats the majority class and
// the best reaches 0.95, and the kept member is the linear form of the winner with its family named.
func TestTextSearchTriesNaiveBayes(t *testing.T) {
	d := textData(t, 1500, Binary)
	res, err := Search(context.Background(), d, Config{Trials: 4, Seed: 1, Metric: "accuracy", NoEnsemble: true})
	if err != nil {
		t.Fatal(err)
	}
	spam := 0.0
	for _, y := range d.Label {
		spam += y
	}
	majority := 1 - spam/float64(len(d.Label))
	if res.Score < 0.95 {
		t.Errorf("best out-of-fold accuracy %.4f, want at least 0.95", res.Score)
	}
	models := map[string]bool{}
	for _, tr := range res.Trials {
		m := tr.Params["model"]
		if m == "" {
			m = textLogistic
		}
		models[m] = true
		if tr.Status != "ok" || tr.Score <= majority {
			t.Errorf("trial %d (%v) = %s, accuracy %.4f; want ok and above the majority class's %.4f", tr.Number, tr.Params, tr.Status, tr.Score, majority)
		}
	}
	for _, m := range []string{textLogistic, textComplement, textMultinomial} {
		if !models[m] {
			t.Errorf("trials %v never tried %s", res.Trials, m)
		}
	}
	if len(res.Members) != 1 || res.Members[0].Text == nil {
		t.Fatalf("members %+v, want one text member", res.Members)
	}
	best := res.Trials[res.Best].Params["model"]
	if best == "" {
		best = textLogistic
	}
	if fam := res.Members[0].Text.Family; fam != best && !(best == textLogistic && fam == "") {
		t.Errorf("kept member's family %q, want the best trial's %q", fam, best)
	}
}

// TestTextSearchRegression searches ridge penalties over TF-IDF for a numeric target (the
// number of words of a message): every trial is a ridge fit, and the best explains most of
// the variance out of fold.
func TestTextSearchRegression(t *testing.T) {
	d := textData(t, 1500, Regression)
	res, err := Search(context.Background(), d, Config{Trials: 3, Seed: 1, Metric: "r2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Trials {
		if tr.Params["model"] != textRidge || tr.Status != "ok" {
			t.Errorf("trial %d = %v %s, want an ok ridge fit", tr.Number, tr.Params, tr.Status)
		}
	}
	if res.Score < 0.5 {
		t.Errorf("best out-of-fold R² = %.3f, want at least 0.5", res.Score)
	}
	if m := res.Members[0].Text; m == nil || m.NumClasses != 1 || m.Family != "ridge" {
		t.Errorf("member = %+v, want a ridge text model", res.Members[0])
	}
	if _, err := parseTextParams(Regression, map[string]string{"model": textComplement}); err == nil {
		t.Error("parseTextParams(regression, complement_nb) = nil error, want one")
	}
}
