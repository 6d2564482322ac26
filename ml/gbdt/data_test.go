package gbdt

import (
	"encoding/csv"
	"math"
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/trainyard/trainyard/ml/datasets"
)

// loadCSV reads a shared dataset: numeric columns as numbers, others as
// category codes (sorted distinct strings), blanks as NaN. The target is
// numeric for regression, else class codes of the sorted distinct labels.
func loadCSV(t testing.TB, name, target string, regression bool) *Dataset {
	t.Helper()
	f, err := os.Open(datasets.MustPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head, rows := recs[0], recs[1:]
	d := &Dataset{}
	for j, name := range head {
		numeric := true
		for _, r := range rows {
			if r[j] == "" {
				continue
			}
			if _, err := strconv.ParseFloat(r[j], 64); err != nil {
				numeric = false
				break
			}
		}
		var vals []float64
		if numeric && (name != target || regression) {
			for _, r := range rows {
				v := math.NaN()
				if r[j] != "" {
					v, _ = strconv.ParseFloat(r[j], 64)
				}
				vals = append(vals, v)
			}
		} else {
			set := map[string]bool{}
			for _, r := range rows {
				if r[j] != "" {
					set[r[j]] = true
				}
			}
			var levels []string
			for s := range set {
				levels = append(levels, s)
			}
			sort.Strings(levels)
			code := map[string]int{}
			for i, s := range levels {
				code[s] = i
			}
			for _, r := range rows {
				v := math.NaN()
				if r[j] != "" {
					v = float64(code[r[j]])
				}
				vals = append(vals, v)
			}
			numeric = false
		}
		if name == target {
			d.Label = vals
			continue
		}
		d.Features = append(d.Features, Feature{Name: name, Values: vals, Categorical: !numeric})
	}
	return d
}

// splitEvery returns (train, test) where every k-th row is a test row.
func splitEvery(d *Dataset, k int) (*Dataset, *Dataset) {
	tr, te := &Dataset{}, &Dataset{}
	for _, f := range d.Features {
		var a, b []float64
		for i, v := range f.Values {
			if i%k == k-1 {
				b = append(b, v)
			} else {
				a = append(a, v)
			}
		}
		tr.Features = append(tr.Features, Feature{Name: f.Name, Values: a, Categorical: f.Categorical})
		te.Features = append(te.Features, Feature{Name: f.Name, Values: b, Categorical: f.Categorical})
	}
	for i, y := range d.Label {
		if i%k == k-1 {
			te.Label = append(te.Label, y)
		} else {
			tr.Label = append(tr.Label, y)
		}
	}
	return tr, te
}
