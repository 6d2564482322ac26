package serving_test

import (
	"bytes"
	"context"
	"errors"
	"github.com/trainyard/trainyard/ml/datasets"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/train"
)

// datasetPath returns the path of a shared dataset.
func datasetPath(t testing.TB, name string) string { return datasets.MustPath(t, name) }

// irisArtifact trains a small GBDT on iris with iters iterations.
func irisArtifact(t testing.TB, iters string) *model.Artifact {
	t.Helper()
	f, err := frame.ReadFile(context.Background(), datasetPath(t, "iris.csv"), frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := train.Train(context.Background(), f, train.Options{Target: "species", Learners: []string{"gbdt"}, Seed: 1,
		Params: map[string]string{"num_iterations": iters, "num_leaves": "7"}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Artifact
}

// newBlobs returns a file blob store in a temp dir.
func newBlobs(t *testing.T) *blob.Store {
	t.Helper()
	b, err := blob.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func put(t *testing.T, b *blob.Store, key string, a *model.Artifact) {
	t.Helper()
	var buf bytes.Buffer
	if err := a.Save(&buf); err != nil {
		t.Fatal(err)
	}
	w, err := b.Create(context.Background(), key, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRegistryLoadsOncePerVersion(t *testing.T) {
	b := newBlobs(t)
	put(t, b, "a.json.gz", irisArtifact(t, "5"))
	reg, err := serving.New(serving.Options{Blobs: b})
	if err != nil {
		t.Fatal(err)
	}
	ref := serving.Ref{ID: uuid.New(), ArtifactKey: "a.json.gz", Version: time.Unix(1, 0)}
	var wg sync.WaitGroup
	got := make([]*serving.Loaded, 32)
	for i := range got {
		wg.Go(func() {
			m, err := reg.Get(context.Background(), ref)
			if err != nil {
				t.Errorf("Get = %v", err)
			}
			got[i] = m
		})
	}
	wg.Wait()
	for i, m := range got {
		if m != got[0] {
			t.Fatalf("Get #%d returned another model than #0", i)
		}
	}
	if s := reg.Stats(); s.Loads != 1 || s.Models != 1 {
		t.Errorf("after 32 concurrent Gets: %+v, want 1 load and 1 model", s)
	}
	// A redeploy (new key or time) loads the new version; the old pointer stays usable.
	put(t, b, "b.json.gz", irisArtifact(t, "20"))
	ref2 := ref
	ref2.ArtifactKey, ref2.Version = "b.json.gz", time.Unix(2, 0)
	m2, err := reg.Get(context.Background(), ref2)
	if err != nil {
		t.Fatal(err)
	}
	if m2 == got[0] || m2.Ref != ref2 {
		t.Errorf("Get after redeploy = %+v, want the new version", m2.Ref)
	}
	var p model.Prediction
	row := map[string]any{"sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2}
	if err := got[0].Predictor.PredictMap(row, &p); err != nil {
		t.Errorf("the old version no longer predicts: %v", err)
	}
	if s := reg.Stats(); s.Loads != 2 || s.Models != 1 {
		t.Errorf("after redeploy: %+v, want 2 loads and 1 model", s)
	}
	// A missing artifact is an error, and is not cached.
	_, err = reg.Get(context.Background(), serving.Ref{ID: uuid.New(), ArtifactKey: "missing.json.gz"})
	if !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Get of a missing artifact = %v, want blob.ErrNotFound", err)
	}
}

func TestRegistryEvictsLeastRecentlyUsed(t *testing.T) {
	b := newBlobs(t)
	put(t, b, "m.json.gz", irisArtifact(t, "10"))
	probe, err := serving.New(serving.Options{Blobs: b})
	if err != nil {
		t.Fatal(err)
	}
	one, err := probe.Get(context.Background(), serving.Ref{ID: uuid.New(), ArtifactKey: "m.json.gz"})
	if err != nil {
		t.Fatal(err)
	}
	// Room for two models: loading a third evicts the least recently used.
	reg, err := serving.New(serving.Options{Blobs: b, MaxBytes: 2*one.Bytes + one.Bytes/2})
	if err != nil {
		t.Fatal(err)
	}
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	get := func(id uuid.UUID) {
		t.Helper()
		if _, err := reg.Get(context.Background(), serving.Ref{ID: id, ArtifactKey: "m.json.gz"}); err != nil {
			t.Fatal(err)
		}
	}
	get(ids[0])
	get(ids[1])
	get(ids[0]) // ids[1] is now the least recently used
	get(ids[2])
	if s := reg.Stats(); s.Models != 2 || s.Bytes > s.MaxBytes || s.Loads != 3 {
		t.Errorf("Stats = %+v, want 2 models within the budget after 3 loads", s)
	}
	get(ids[0]) // still cached
	if s := reg.Stats(); s.Loads != 3 {
		t.Errorf("ids[0] was evicted (loads %d), want ids[1] evicted", s.Loads)
	}
	get(ids[1]) // reloaded
	if s := reg.Stats(); s.Loads != 4 {
		t.Errorf("ids[1] loads = %d, want a reload (4)", s.Loads)
	}
	// A model larger than the whole budget is refused.
	tiny, _ := serving.New(serving.Options{Blobs: b, MaxBytes: 1000})
	if _, err := tiny.Get(context.Background(), serving.Ref{ID: uuid.New(), ArtifactKey: "m.json.gz"}); !errors.Is(err, serving.ErrTooLarge) {
		t.Errorf("Get over budget = %v, want ErrTooLarge", err)
	}
}

// TestRegistryEvict: an evicted model leaves memory and the next Get loads it again.
func TestRegistryEvict(t *testing.T) {
	b := newBlobs(t)
	put(t, b, "a.json.gz", irisArtifact(t, "3"))
	reg, err := serving.New(serving.Options{Blobs: b})
	if err != nil {
		t.Fatal(err)
	}
	ref := serving.Ref{ID: uuid.New(), ArtifactKey: "a.json.gz", Version: time.Unix(1, 0)}
	if _, err := reg.Get(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	reg.Evict(ref.ID)
	if st := reg.Stats(); st.Models != 0 || st.Bytes != 0 {
		t.Errorf("Stats after Evict = %+v, want no models and no bytes", st)
	}
	if _, err := reg.Get(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	if st := reg.Stats(); st.Models != 1 || st.Loads != 2 {
		t.Errorf("Stats after Evict and Get = %+v, want 1 model and 2 loads", st)
	}
}
