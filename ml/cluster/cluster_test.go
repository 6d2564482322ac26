package cluster

import (
	"context"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/text"
)

// blobs draws n rows around each of the given centres (spread 0.5).
func blobs(seed uint64, centres [][]float64, n int) ([][]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 9))
	var rows [][]float64
	var truth []int
	for c, ctr := range centres {
		for range n {
			r := make([]float64, len(ctr))
			for j, v := range ctr {
				r[j] = v + 0.5*rng.NormFloat64()
			}
			rows = append(rows, r)
			truth = append(truth, c)
		}
	}
	return rows, truth
}

func TestKMeansRecoversBlobs(t *testing.T) {
	centres := [][]float64{{0, 0, 0}, {6, 0, 1}, {0, 7, -2}, {5, 5, 5}}
	rows, truth := blobs(1, centres, 60)
	x := text.FromDense(rows)
	res, err := KMeans(context.Background(), x, 4, Params{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Each true blob must map to exactly one cluster, and no two blobs to
	// the same one.
	seen := map[int]int{}
	for c := range centres {
		var got []int
		for i, tr := range truth {
			if tr == c {
				got = append(got, res.Assign[i])
			}
		}
		slices.Sort(got)
		if got[0] != got[len(got)-1] {
			t.Errorf("blob %d split over clusters %v", c, slices.Compact(got))
		}
		if prev, ok := seen[got[0]]; ok {
			t.Errorf("blobs %d and %d share cluster %d", prev, c, got[0])
		}
		seen[got[0]] = c
	}
	if !cmp.Equal(res.Sizes, []int{60, 60, 60, 60}) {
		t.Errorf("Sizes = %v, want 60 each", res.Sizes)
	}
	// Same seed, same answer; the ranges name the distinctive feature.
	again, err := KMeans(context.Background(), x, 4, Params{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(res, again); d != "" {
		t.Errorf("KMeans with the same seed differs (-first +second):\n%s", d)
	}
	rg := Ranges(rows, []string{"a", "b", "c"}, res.Assign, 4, 1)
	for c, fr := range rg {
		if math.Abs(fr[0].Z) < 0.5 {
			t.Errorf("cluster %d: top feature %+v has |z| < 0.5", c, fr[0])
		}
	}
}

func TestKMeansTopTerms(t *testing.T) {
	docs := []string{
		"goal match striker football", "football match referee goal", "striker scored a goal in the match",
		"oven bake flour sugar", "bake bread with flour", "sugar butter flour cake bake",
	}
	v, err := text.Fit(text.Config{}, docs)
	if err != nil {
		t.Fatal(err)
	}
	res, err := KMeans(context.Background(), v.Transform(docs), 2, Params{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Assign[0] != res.Assign[1] || res.Assign[1] != res.Assign[2] || res.Assign[3] != res.Assign[4] || res.Assign[4] != res.Assign[5] || res.Assign[0] == res.Assign[3] {
		t.Fatalf("Assign = %v, want sport and baking apart", res.Assign)
	}
	top := TopTerms(res, v.Terms, 2)
	sport, baking := top[res.Assign[0]], top[res.Assign[3]]
	if !slices.Contains(sport, "goal") && !slices.Contains(sport, "match") {
		t.Errorf("sport top terms = %q, want goal or match", sport)
	}
	if !slices.Contains(baking, "flour") && !slices.Contains(baking, "bake") {
		t.Errorf("baking top terms = %q, want flour or bake", baking)
	}
}

// titanic returns standardized numeric features (class, sex, age with
// missing ages at the mean plus a missing flag, siblings, parents, log fare)
// and survival.
func titanic(t *testing.T) ([][]float64, []int) {
	t.Helper()
	f, err := os.Open(datasets.MustPath(t, "titanic.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	num := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
	var rows [][]float64
	var y []int
	for _, r := range recs[1:] {
		sex := 0.0
		if r[col["Sex"]] == "female" {
			sex = 1
		}
		age, missing := num(r[col["Age"]]), 0.0
		if r[col["Age"]] == "" {
			age, missing = 29.7, 1
		}
		rows = append(rows, []float64{num(r[col["Pclass"]]), sex, age, missing, num(r[col["SibSp"]]), num(r[col["Parch"]]), math.Log1p(num(r[col["Fare"]]))})
		y = append(y, int(num(r[col["Survived"]])))
	}
	for j := range rows[0] {
		var m, s float64
		for _, r := range rows {
			m += r[j]
		}
		m /= float64(len(rows))
		for _, r := range rows {
			s += (r[j] - m) * (r[j] - m)
		}
		s = math.Sqrt(s / float64(len(rows)))
		for _, r := range rows {
			r[j] = (r[j] - m) / s
		}
	}
	return rows, y
}

// TestSemiSupervisedTitanic keeps 50 labels of titanic's 891 rows: self-
// training and propagation must label most of the rest with sensible
// accuracy, and report how much of it is pseudo-labeled.
func TestSemiSupervisedTitanic(t *testing.T) {
	rows, truth := titanic(t)
	rng := rand.New(rand.NewPCG(5, 5))
	y := make([]int, len(truth))
	for i := range y {
		y[i] = Unlabeled
	}
	for _, i := range rng.Perm(len(y))[:50] {
		y[i] = truth[i]
	}
	x := text.FromDense(rows)
	x.Cols = len(rows[0])
	check := func(name string, c *Completed, minCover, minAcc float64) {
		t.Helper()
		var ok, n int
		for i, p := range c.Pseudo {
			if p {
				n++
				if c.Labels[i] == truth[i] {
					ok++
				}
			}
			if y[i] != Unlabeled && (c.Labels[i] != y[i] || p) {
				t.Errorf("%s: given label of row %d changed", name, i)
			}
		}
		r := c.Report
		acc := float64(ok) / float64(max(n, 1))
		t.Logf("%s: %+v, pseudo-label accuracy %.3f", name, r, acc)
		if r.Labeled != 50 || r.Pseudo != n || r.Labeled+r.Pseudo+r.Unresolved != len(y) {
			t.Errorf("%s: report %+v does not add up to %d rows with 50 labeled, %d pseudo", name, r, len(y), n)
		}
		if cover := float64(n) / float64(len(y)-50); cover < minCover || acc < minAcc {
			t.Errorf("%s: %.2f of the unlabeled rows pseudo-labeled at accuracy %.3f; want at least %.2f and %.2f", name, cover, acc, minCover, minAcc)
		}
		if r.PseudoShare <= 0 || r.MeanConfidence < r.MinConfidence || r.MinConfidence <= 0 {
			t.Errorf("%s: implausible report %+v", name, r)
		}
	}
	self, err := SelfTrain(context.Background(), x, y, 2, SelfParams{Threshold: 0.7, C: 1})
	if err != nil {
		t.Fatal(err)
	}
	check("self-training", self, 0.5, 0.75)
	// The final model against one fit on the 50 labels alone, both scored
	// on every row that had no label.
	var lab, labY, unl []int
	for i, l := range y {
		if l == Unlabeled {
			unl = append(unl, i)
		} else {
			lab, labY = append(lab, i), append(labY, l)
		}
	}
	only50, err := text.FitLogistic(context.Background(), x.SelectRows(lab), labY, 2, text.LogisticParams{C: 1})
	if err != nil {
		t.Fatal(err)
	}
	score := func(m *text.Logistic) float64 {
		ok := 0
		for j, p := range m.PredictProba(x.SelectRows(unl)) {
			if (p[1] > 0.5) == (truth[unl[j]] == 1) {
				ok++
			}
		}
		return float64(ok) / float64(len(unl))
	}
	base, final := score(only50), score(self.Model)
	t.Logf("accuracy on the %d unlabeled rows: 50 labels only %.3f, after self-training %.3f", len(unl), base, final)
	if final < base-0.03 {
		t.Errorf("self-training lowered accuracy from %.3f to %.3f", base, final)
	}
	prop, err := Propagate(x, y, 2, PropagateParams{})
	if err != nil {
		t.Fatal(err)
	}
	check("propagation", prop, 0.9, 0.7)
}

// TestSelfTrainBalancedKeepsClassShares: over several draws of 40 labels, Balanced keeps
// the pseudo-labels' class shares near the given labels' (plain self-training may drift toward
// the class it is most confident about).
func TestSelfTrainBalancedKeepsClassShares(t *testing.T) {
	rows, truth := titanic(t)
	x := text.FromDense(rows)
	x.Cols = len(rows[0])
	for seed := uint64(1); seed <= 5; seed++ {
		y := make([]int, len(truth))
		for i := range y {
			y[i] = Unlabeled
		}
		var prior float64
		for _, i := range rand.New(rand.NewPCG(seed, 9)).Perm(len(y))[:40] {
			y[i] = truth[i]
			prior += float64(truth[i]) / 40
		}
		share := func(balanced bool) float64 {
			c, err := SelfTrain(context.Background(), x, y, 2, SelfParams{Threshold: 0.8, C: 1, Balanced: balanced})
			if err != nil {
				t.Fatal(err)
			}
			var ones, n float64
			for i, p := range c.Pseudo {
				if p {
					n++
					ones += float64(c.Labels[i])
				}
			}
			return ones / n
		}
		plain, balanced := share(false), share(true)
		t.Logf("seed %d: class 1 share given %.2f, plain pseudo-labels %.2f, balanced %.2f", seed, prior, plain, balanced)
		if math.Abs(balanced-prior) > 0.1 {
			t.Errorf("seed %d: balanced pseudo-labels are %.2f class 1, want within 0.1 of the given %.2f", seed, balanced, prior)
		}
	}
}

// TestAssignExtendsASampleClustering: rows joined to the centroids of a clustering get the
// clusters k-means gave them, and rows the clustering never saw join the blob they were
// drawn from.
func TestAssignExtendsASampleClustering(t *testing.T) {
	centres := [][]float64{{0, 0}, {8, 0}, {0, 8}}
	rows, truth := blobs(5, centres, 200)
	x := text.FromDense(rows)
	sample := make([]int, 0, len(rows)/4)
	for i := 0; i < len(rows); i += 4 {
		sample = append(sample, i)
	}
	res, err := KMeans(context.Background(), x.SelectRows(sample), 3, Params{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	all := Assign(x, res.Centroids)
	for k, i := range sample {
		if all.Assign[i] != res.Assign[k] {
			t.Fatalf("Assign puts sampled row %d in cluster %d, k-means put it in %d", i, all.Assign[i], res.Assign[k])
		}
	}
	blobOf := map[int]int{} // cluster → blob, from the sampled rows
	for k, i := range sample {
		blobOf[res.Assign[k]] = truth[i]
	}
	for i, c := range all.Assign {
		if blobOf[c] != truth[i] {
			t.Errorf("row %d of blob %d assigned to cluster %d of blob %d", i, truth[i], c, blobOf[c])
		}
	}
	if !cmp.Equal(all.Sizes, []int{200, 200, 200}) {
		t.Errorf("Sizes = %v, want 200 each", all.Sizes)
	}
	if want := res.Inertia * 4; math.Abs(all.Inertia-want) > 0.25*want {
		t.Errorf("Inertia = %.1f on every row, want about 4 times the sample's %.1f", all.Inertia, res.Inertia)
	}
}
