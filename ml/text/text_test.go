package text

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trainyard/trainyard/ml/datasets"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hello, World!", []string{"hello", "world"}},
		{"I <b>LOVE</b> it<br /><br />Great", []string{"love", "it", "great"}},
		{"Call &lt;#&gt; now &amp; win £1000", []string{"call", "now", "win", "1000"}},
		{"a < b and c>d", []string{"and"}},
		{"Ça coûte 5€, naïve Café", []string{"ça", "coûte", "naïve", "café"}},
		{"東京 ΑΘΗΝΑ snake_case x", []string{"東京", "αθηνα", "snake_case"}},
		{"&#39;quoted&#39; &quot;x&quot;", []string{"quoted"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := Tokenize(tt.in, 2); !cmp.Equal(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNgrams(t *testing.T) {
	got := Config{WordMin: 1, WordMax: 2}.Terms("the cat sat")
	want := []string{"the", "cat", "sat", "the cat", "cat sat"}
	if !cmp.Equal(got, want) {
		t.Errorf("Terms = %q, want %q", got, want)
	}
	got = Config{WordMax: -1, CharMin: 3, CharMax: 3}.Terms("abc")
	want = []string{"\x01 ab", "\x01abc", "\x01bc "}
	if !cmp.Equal(got, want) {
		t.Errorf("char Terms = %q, want %q", got, want)
	}
}

// TestTFIDFByHand checks the weights against values worked out on paper:
// idf = ln((1+n)/(1+df)) + 1, tf sublinear, rows L2-normalized.
func TestTFIDFByHand(t *testing.T) {
	docs := []string{"apple apple banana", "banana cherry", "cherry cherry cherry z"}
	v, err := Fit(Config{Sublinear: true}, docs)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"apple", "banana", "cherry"}; !cmp.Equal(v.Terms, want) {
		t.Fatalf("Terms = %q, want %q", v.Terms, want)
	}
	idfA := math.Log(4.0/2) + 1 // df 1
	idfB := math.Log(4.0/3) + 1 // df 2
	wantIDF := []float64{idfA, idfB, idfB}
	if !cmp.Equal(v.IDF, wantIDF, cmp.Comparer(close)) {
		t.Errorf("IDF = %v, want %v", v.IDF, wantIDF)
	}
	m := v.Transform(docs)
	a := (1 + math.Log(2)) * idfA
	b := idfB
	n := math.Hypot(a, b)
	idx, val := m.Row(0)
	if !cmp.Equal(idx, []int32{0, 1}) || !close(float64(val[0]), a/n) || !close(float64(val[1]), b/n) {
		t.Errorf("row 0 = %v %v, want [0 1] [%v %v]", idx, val, a/n, b/n)
	}
	idx, val = m.Row(2)
	if !cmp.Equal(idx, []int32{2}) || !close(float64(val[0]), 1) {
		t.Errorf("row 2 = %v %v, want [2] [1]", idx, val)
	}
	// min_df 2 drops apple; an unseen document is an empty row.
	v2, err := Fit(Config{MinDF: 2}, docs)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"banana", "cherry"}; !cmp.Equal(v2.Terms, want) {
		t.Errorf("min_df 2 Terms = %q, want %q", v2.Terms, want)
	}
	if e := v2.Transform([]string{"nothing known"}); e.NNZ() != 0 {
		t.Errorf("unknown doc has %d entries, want 0", e.NNZ())
	}
	// Hashing gives the same row norms and idf per bucket.
	h, err := Fit(Config{HashBits: 12, Sublinear: true}, docs)
	if err != nil {
		t.Fatal(err)
	}
	hm := h.Transform(docs[:1])
	var s float64
	for _, x := range hm.Values {
		s += float64(x) * float64(x)
	}
	if hm.NNZ() != 2 || !close(s, 1) {
		t.Errorf("hashed row: %d entries, squared norm %v; want 2 entries, 1", hm.NNZ(), s)
	}
}

func close(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func loadSMS(t *testing.T, n int) (docs, labels []string) {
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
	for _, r := range recs[1 : n+1] {
		docs = append(docs, r[0])
		labels = append(labels, r[1])
	}
	return docs, labels
}

// TestQualitySMS trains on 1,500 messages and tests on the next 500: every
// learner must beat always-ham (about 0.87) by a wide margin.
func TestQualitySMS(t *testing.T) {
	docs, labels := loadSMS(t, 2000)
	trX, trY, teX, teY := docs[:1500], labels[:1500], docs[1500:], labels[1500:]
	for _, tc := range []struct {
		p       ClassifierParams
		minAcc  float64
		minSpam float64 // recall on spam
	}{
		{ClassifierParams{Vectorizer: Config{WordMax: 2, Sublinear: true, MinDF: 2}, Learner: LearnLogistic, Logistic: LogisticParams{C: 10}}, 0.97, 0.8},
		{ClassifierParams{Vectorizer: Config{WordMax: -1, CharMin: 2, CharMax: 4, Sublinear: true, HashBits: 16}, Learner: LearnLogistic, Logistic: LogisticParams{C: 10}}, 0.97, 0.8},
		{ClassifierParams{Vectorizer: Config{Sublinear: true}, Learner: LearnMultinomial, Alpha: 0.1}, 0.95, 0.6},
		{ClassifierParams{Vectorizer: Config{Sublinear: true}, Learner: LearnComplement, Alpha: 0.3}, 0.95, 0.7},
	} {
		c, err := FitClassifier(context.Background(), trX, trY, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		// Round trip through JSON: the decoded model predicts the same.
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Classifier
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		pred := back.Predict(teX)
		if d := cmp.Diff(c.Predict(teX), pred); d != "" {
			t.Errorf("%s: decoded model predicts differently (-orig +decoded):\n%s", tc.p.Learner, d)
		}
		var ok, spam, caught float64
		for i := range teY {
			if pred[i] == teY[i] {
				ok++
			}
			if teY[i] == "spam" {
				spam++
				if pred[i] == "spam" {
					caught++
				}
			}
		}
		acc, rec := ok/float64(len(teY)), caught/spam
		t.Logf("%s %+v: accuracy %.4f, spam recall %.3f", tc.p.Learner, tc.p.Vectorizer, acc, rec)
		if acc < tc.minAcc || rec < tc.minSpam {
			t.Errorf("%s: accuracy %.4f, spam recall %.3f; want at least %.2f, %.2f", tc.p.Learner, acc, rec, tc.minAcc, tc.minSpam)
		}
	}
}

// TestLogisticGradient compares the analytic gradient with central
// differences, for the binary and the softmax objective.
func TestLogisticGradient(t *testing.T) {
	x := FromDense([][]float64{{1, 0, 2}, {0, 3, 1}, {1, 1, 0}, {0, 0, 1}, {2, 1, 1}})
	for _, k := range []int{2, 3} {
		y := []int{0, 1, k - 1, 1, 0}
		rk := k
		if k == 2 {
			rk = 1
		}
		o := &objective{x: x, y: y, k: k, rk: rk, d: 3, stride: 4, sumW: 5, lambda: 0.3, workers: 1}
		w := make([]float64, rk*4)
		for i := range w {
			w[i] = 0.1*float64(i) - 0.3
		}
		g := make([]float64, len(w))
		o.eval(w, g)
		for i := range w {
			const h = 1e-6
			w[i] += h
			fp, _ := o.eval(w, nil)
			w[i] -= 2 * h
			fm, _ := o.eval(w, nil)
			w[i] += h
			if num := (fp - fm) / (2 * h); math.Abs(num-g[i]) > 1e-6 {
				t.Errorf("k=%d: grad[%d] = %v, numeric %v", k, i, g[i], num)
			}
		}
	}
}
