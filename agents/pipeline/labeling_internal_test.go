package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/llm"
	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"

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

// TestChooseKClustersLargeDataOnASample: data beyond kmeansMaxRows is clustered on a sample,
// and every row, sampled or not, then joins the cluster of the blob it was drawn from.
func TestChooseKClustersLargeDataOnASample(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	perBlob := kmeansMaxRows/3 + 1000
	var rows [][]float64
	for i := range 3 * perBlob {
		c := float64(i % 3 * 10)
		rows = append(rows, []float64{c + rng.NormFloat64(), c - rng.NormFloat64()})
	}
	x := text.FromDense(rows)
	scores, err := chooseK(context.Background(), x, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	best := scores[0]
	if best.k != 3 || len(best.res.Assign) != x.Rows {
		t.Fatalf("chooseK chose k=%d assigning %d rows, want k=3 over all %d rows", best.k, len(best.res.Assign), x.Rows)
	}
	for i, c := range best.res.Assign {
		if c != best.res.Assign[i%3] {
			t.Fatalf("row %d of blob %d is in cluster %d, its blob's first row in %d", i, i%3, c, best.res.Assign[i%3])
		}
	}
	if !slices.Equal(best.res.Sizes, []int{perBlob, perBlob, perBlob}) {
		t.Errorf("cluster sizes %v, want %d each", best.res.Sizes, perBlob)
	}
}

// keywordModel is a model-backed reasoner on the shared llm path (prompt, meter, cache, reply
// parsing) whose "model" reads the prompt: asked for classes it answers the two the task names
// in quotes; asked to label messages it calls one "spam" when it has a typical spam word.
type keywordModel struct{ meter *llm.Meter }

func (keywordModel) Name() string { return "keyword-model" }

// Usage reports the meter, as the real model reasoners do.
func (m keywordModel) Usage(id string) llm.Usage { return m.meter.Project(id) }

func (m keywordModel) Decide(ctx context.Context, req reasoner.Request) (reasoner.Answer, error) {
	call := func(_ context.Context, prompt string, _ json.RawMessage) (llm.Reply, error) {
		_, facts, _ := strings.Cut(prompt, "Facts measured on the data (JSON):\n")
		var f struct {
			Task string `json:"task"`
			Rows []struct {
				Row    int               `json:"row"`
				Values map[string]string `json:"values"`
			} `json:"rows"`
		}
		if err := json.NewDecoder(strings.NewReader(facts)).Decode(&f); err != nil {
			return llm.Reply{}, err
		}
		var value any
		switch {
		case strings.Contains(prompt, "Which classes"):
			parts := strings.Split(f.Task, `"`)
			value = []string{parts[1], parts[3]}
		case strings.Contains(prompt, "Label each row"):
			var out []map[string]any
			for _, r := range f.Rows {
				label := "ham"
				if regexp.MustCompile(`(?i)\b(free|win|won|prize|claim|txt|urgent|cash)\b`).MatchString(r.Values["text"]) {
					label = "spam"
				}
				out = append(out, map[string]any{"row": r.Row, "label": label})
			}
			value = out
		default:
			return llm.Reply{}, errors.New("cannot answer")
		}
		b, err := json.Marshal(map[string]any{"value": value, "reasoning": "from the words", "confidence": 0.7})
		return llm.Reply{Text: string(b), InputTokens: int64(len(prompt) / 4), OutputTokens: int64(len(b) / 4)}, err
	}
	return llm.Decide(ctx, m.Name(), "test", nil, m.meter, call, req)
}

// TestZeroShotModelLabels: with no label at all, the model is first asked for the classes
// (from the task's wording), then labels a sample; the classes and the labels are recorded,
// self-consistency is measured, and no agreement is claimed where nothing could be compared.
func TestZeroShotModelLabels(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bl, err := blob.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer bl.Close()
	meter := llm.NewMeter(llm.Price{Input: 1, Output: 2})
	p := New(Deps{Store: st, Blobs: bl, Reasoner: reasoner.NewGuard(keywordModel{meter: meter})}, Options{})
	fh, err := os.Open(datasets.MustPath(t, "sms_spam.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	full, err := frame.Read(ctx, fh, frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := full.Head(400)
	truth := f.Col("label")
	ds := &dataState{Target: "label", Rows: f.NRows()}
	ls := &labelSet{Values: make([]string, f.NRows()), Source: make([]string, f.NRows())}
	r := &run{p: p, proj: &ent.Project{ID: uuid.New(), ProblemDescription: `sort the messages into "ham" and "spam"`}, ctx: ctx}
	out := &outcome{}
	ok, err := p.llmLabel(ctx, r, out, ds, f, &analyze.Analysis{}, ls)
	if err != nil || !ok {
		t.Fatalf("llmLabel = %v, %v; want the model's labels used (decisions %v)", ok, err, out.decisions)
	}
	if len(out.decisions) != 2 || out.decisions[0].Reasoner != "keyword-model" {
		t.Fatalf("decisions = %+v, want the model's classes and the labeling", out.decisions)
	}
	ev := out.decisions[1].Evidence
	if ev["zero_shot"] != true || ev["agreement_with_given_labels"] != -1.0 || ev["self_consistency"] != 1.0 || ev["labeled_rows"] != 200 {
		t.Errorf("evidence = %v, want zero-shot, no agreement claimed, consistency 1, 200 rows", ev)
	}
	right, n := 0, 0
	for i, s := range ls.Source {
		if s == sourceLLM {
			n++
			if ls.Values[i] == truth.Value(i) {
				right++
			}
		}
	}
	t.Logf("%s; %d of %d model labels right; usage %+v", out.decisions[1].Decision, right, n, meter.Project(r.proj.ID.String()))
	if calls, _ := ev["calls"].(int); calls != ev["batches"].(int)+1 || ev["cost_usd"].(float64) <= 0 {
		t.Errorf("evidence calls %v, cost %v; want one call per batch plus the classes question, and a cost", ev["calls"], ev["cost_usd"])
	}
	if n != 200 || float64(right)/float64(n) < 0.85 {
		t.Errorf("%d of %d model labels right, want 200 labels and at least 85%%", right, n)
	}
}
