// Command text measures ml/text on the shared text datasets: TF-IDF (word
// 1–2-grams, sublinear tf, min_df 2) followed by logistic regression (C=10)
// and by complement and multinomial naive Bayes (alpha 1, as scikit-learn's
// defaults), with the same train/test split that
// peer.py gives scikit-learn. It prints one JSON line per dataset and
// learner.
//
//	go run ./bench/text -data ../shared/datasets
//
// Splits: fine_foods_reviews uses its own split column; sms_spam puts every
// fifth row (row index mod 5 == 0) into the test set.
//
// With -e2e BUDGET it also uploads each dataset's training rows to the whole
// pipeline on the embedded default (SQLite, file blobs, in-process queue,
// local engine, rules reasoner), waits for COMPLETED and scores the test rows
// with the deployed model as the API serves it.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/trainyard/trainyard/ml/text"
)

func main() {
	dir := flag.String("data", "", "folder with sms_spam.csv and fine_foods_reviews.csv")
	e2e := flag.Duration("e2e", 0, "also take each dataset through the whole pipeline with this training budget (0: skip)")
	flag.Parse()
	err := run(*dir)
	if err == nil && *e2e > 0 {
		err = runE2E(context.Background(), *dir, *e2e)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/text:", err)
		os.Exit(1)
	}
}

type split struct {
	trainX, trainY, testX, testY []string
	positive                     string
}

func load(path string) (split, error) {
	f, err := os.Open(path)
	if err != nil {
		return split{}, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return split{}, fmt.Errorf("read %s: %w", path, err)
	}
	head := recs[0]
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	var s split
	s.positive = "spam"
	if _, ok := col["split"]; ok {
		s.positive = "great"
	}
	for i, r := range recs[1:] {
		test := i%5 == 0
		if c, ok := col["split"]; ok {
			test = r[c] == "test"
		}
		if test {
			s.testX = append(s.testX, r[col["text"]])
			s.testY = append(s.testY, r[col["label"]])
		} else {
			s.trainX = append(s.trainX, r[col["text"]])
			s.trainY = append(s.trainY, r[col["label"]])
		}
	}
	return s, nil
}

func run(dir string) error {
	for _, name := range []string{"sms_spam", "fine_foods_reviews"} {
		s, err := load(filepath.Join(dir, name+".csv"))
		if err != nil {
			return err
		}
		for _, l := range []text.Learner{text.LearnLogistic, text.LearnComplement, text.LearnMultinomial} {
			p := text.ClassifierParams{
				Vectorizer: text.Config{WordMin: 1, WordMax: 2, Sublinear: true, MinDF: 2},
				Learner:    l,
				Logistic:   text.LogisticParams{C: 10, MaxIter: 1000, Tol: 1e-6},
			}
			start := time.Now()
			c, err := text.FitClassifier(context.Background(), s.trainX, s.trainY, p)
			if err != nil {
				return err
			}
			fit := time.Since(start)
			pred := c.Predict(s.testX)
			total := time.Since(start)
			acc, f1 := score(s.testY, pred, s.positive)
			out, _ := json.Marshal(map[string]any{
				"engine": "trainyard", "dataset": name, "learner": string(l),
				"train": len(s.trainX), "test": len(s.testX), "features": c.Vectorizer.NumFeatures(),
				"accuracy": acc, "f1": f1, "fit_s": fit.Seconds(), "total_s": total.Seconds(),
			})
			fmt.Println(string(out))
		}
	}
	return nil
}

func score(y, pred []string, pos string) (acc, f1 float64) {
	var ok, tp, fp, fn float64
	for i := range y {
		if y[i] == pred[i] {
			ok++
		}
		switch {
		case pred[i] == pos && y[i] == pos:
			tp++
		case pred[i] == pos:
			fp++
		case y[i] == pos:
			fn++
		}
	}
	return ok / float64(len(y)), 2 * tp / (2*tp + fp + fn)
}
