package gbdt

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// widen appends extra noisy copies of d's numerical features, so that the
// row store spans several words with a partly filled last one.
func widen(d *Dataset, extra int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := &Dataset{Label: d.Label, Weight: d.Weight, Features: append([]Feature(nil), d.Features...)}
	for k := 0; k < extra; k++ {
		src := d.Features[k%5].Values
		v := make([]float64, len(src))
		for i, x := range src {
			v[i] = x + rng.NormFloat64()*0.3
		}
		out.Features = append(out.Features, Feature{Name: "x" + string(rune('a'+k)), Values: v})
	}
	return out
}

// TestRowWiseEqualsColumnWise: histograms and partitions over the row store
// give the same model, bit for bit, as the column-wise path.
func TestRowWiseEqualsColumnWise(t *testing.T) {
	bin := synth(6000, 4)
	multi := synth(6000, 5)
	for i, y := range multi.Label {
		multi.Label[i] = y + float64(i%3)
	}
	reg := synth(6000, 6)
	for i := range reg.Label {
		reg.Label[i] += reg.Features[0].Values[i]
	}
	tests := []struct {
		name, objective, params string
		d                       *Dataset
	}{
		{"binary", "binary", "num_iterations=15", bin},
		{"binary 20 features, bagging, feature fraction", "binary", "num_iterations=15,bagging_fraction=0.7,bagging_freq=1,feature_fraction=0.7", widen(bin, 13, 1)},
		{"multiclass", "multiclass", "num_iterations=8,num_class=4", widen(multi, 3, 2)},
		{"regression 2 threads", "regression", "num_iterations=15,num_threads=2,lambda_l1=0.5", widen(reg, 10, 3)},
		{"regression 3 threads, 63 leaves", "regression", "num_iterations=10,num_threads=3,num_leaves=63,min_data_in_leaf=5", widen(reg, 17, 4)},
		// The random choices per node are drawn before a split's dispatch.
		{"binary, extra trees, feature fraction by node, 2 threads", "binary", "num_iterations=10,num_threads=2,extra_trees=true,feature_fraction_bynode=0.6", widen(bin, 9, 6)},
		// Leaves of 100k rows are partitioned in 3 parallel blocks.
		{"binary 100k rows, 3 threads", "binary", "num_iterations=3,num_threads=3", widen(synth(100000, 7), 4, 5)},
	}
	for _, tc := range tests {
		p := mustParams(t, tc.objective, tc.params)
		enc := func(rowMin int) string {
			m := mustTrain(t, p, tc.d, Options{rowMinRows: rowMin})
			m.Params = nil
			js, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			return string(js)
		}
		col, row := enc(-1), enc(1)
		if diff := cmp.Diff(col, row); diff != "" {
			t.Errorf("%s: row-wise model differs from column-wise (-col +row):\n%.2000s", tc.name, diff)
		}
	}
}
