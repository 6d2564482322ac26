package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent/types"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/store"
	shared "github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/train"
)

// TestRESTPredictMatchesGateway: the direct REST route of Predict answers every request as the
// gateway does (status, JSON body, the headers clients read), for answers and errors alike.
func TestRESTPredictMatchesGateway(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir := t.TempDir()
	blobs, err := blob.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	signer, err := blob.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(ctx, Options{Store: st, RateLimit: 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	dp := DataPlane{Datasets: datasets.New(st, blobs, datasets.Options{}), Blobs: blobs, Signer: signer}
	if err := s.MountDataPlane(dp); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MountServing(dp, Serving{}); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()

	// A deployed iris model of a member, and a key of another member.
	sys := store.SystemContext(ctx)
	u, err := st.GetOrCreateUser(sys, "m@example.com", "", store.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := st.CreateAPIKey(sys, store.NewAPIKey{OwnerID: u.ID, Role: store.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	o, err := st.GetOrCreateUser(sys, "o@example.com", "", store.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _, err := st.CreateAPIKey(sys, store.NewAPIKey{OwnerID: o.ID, Role: store.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	f, err := frame.ReadFile(ctx, shared.MustPath(t, "iris.csv"), frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := train.Train(ctx, f, train.Options{Target: "species", Learners: []string{"gbdt"}, Seed: 1, Params: map[string]string{"num_iterations": "5"}})
	if err != nil {
		t.Fatal(err)
	}
	vctx := store.WithViewer(ctx, store.Viewer{UserID: u.ID, Role: store.RoleMember})
	ds, err := st.CreateDataset(vctx, store.NewDataset{DisplayName: "iris.csv", DataType: store.DataTypeTabular, NumRows: 1, NumColumns: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.CreateProject(vctx, store.NewProject{DatasetID: ds.ID, ProblemDescription: "iris"})
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.Must(uuid.NewV7())
	akey := blob.ModelPrefix(id.String()) + "model.json.gz"
	w, err := blobs.Create(ctx, akey, "application/gzip")
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Artifact.Save(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Client().Model.Create().SetID(id).SetOwnerID(u.ID).SetProjectID(p.ID).SetLearner("gbdt").
		SetArtifactKey(akey).SetState(types.ModelDeployed).Save(sys); err != nil {
		t.Fatal(err)
	}

	if _, pattern := s.mux.Handler(httptest.NewRequest(http.MethodPost, "/api/v1/models/"+id.String()+"/predict", nil)); pattern != predictRESTPattern {
		t.Fatalf("the public mux routes Predict to %q, want the direct route %q", pattern, predictRESTPattern)
	}
	row := `{"sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2}`
	path := "/api/v1/models/" + id.String() + "/predict"
	for _, tc := range []struct {
		name, path, key, body string
		header                map[string]string
	}{
		{"ok", path, key, `{"instances": [` + row + `, {"sepal_length_cm": "x"}], "explain": true}`, nil},
		{"ok with request id", path, key, `{"instances": [` + row + `]}`, map[string]string{"X-Request-Id": "abc-123"}},
		{"trailing data ignored", path, key, `{"instances": [` + row + `]} {"junk"`, nil},
		{"name in body overridden", path, key, `{"name": "models/nope", "instances": [` + row + `]}`, nil},
		{"no key", path, "", `{"instances": [` + row + `]}`, nil},
		{"bad key", path, "ty_nope", `{"instances": [` + row + `]}`, nil},
		{"other user", path, otherKey, `{"instances": [` + row + `]}`, nil},
		{"unknown model", "/api/v1/models/" + uuid.NewString() + "/predict", key, `{"instances": [` + row + `]}`, nil},
		{"not an id", "/api/v1/models/xyz/predict", key, `{"instances": [` + row + `]}`, nil},
		{"empty body", path, key, ``, nil},
		{"no instances", path, key, `{"instances": []}`, nil},
		{"unknown field", path, key, `{"instances": [` + row + `], "explian": true}`, nil},
		{"wrong type", path, key, `{"instances": [` + row + `], "explain": "yes"}`, nil},
		{"not json", path, key, `instances=1`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			direct := call(t, h, tc.path, tc.key, tc.body, tc.header)
			gateway := call(t, s.gateway, tc.path, tc.key, tc.body, tc.header)
			if diff := cmp.Diff(gateway, direct); diff != "" {
				t.Errorf("REST %s: direct route differs from the gateway (-gateway +direct):\n%s", tc.name, diff)
			}
			if strings.HasPrefix(tc.name, "ok") && (direct.Status != http.StatusOK || !strings.Contains(fmt.Sprint(direct.Body), "probabilities")) {
				t.Errorf("REST %s = %d %v, want 200 with predictions", tc.name, direct.Status, direct.Body)
			}
		})
	}
	// A body past the message limit is refused with what to do instead, before it is read whole.
	huge := `{"instances": [` + strings.Repeat(row+",", maxMessageBytes/len(row)) + row + `]}`
	if got := call(t, h, path, key, huge, nil); got.Status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(fmt.Sprint(got.Body), "batch prediction") {
		t.Errorf("REST with a %d MB body = %d %v, want 413 pointing to batch prediction", len(huge)>>20, got.Status, got.Body)
	}
	// Rate limited (30 a minute): both answer 429 with Retry-After once the budget is spent.
	var direct, gateway restAnswer
	for range 40 {
		direct = call(t, h, path, key, `{"instances": [`+row+`]}`, nil)
		gateway = call(t, s.gateway, path, key, `{"instances": [`+row+`]}`, nil)
	}
	if direct.Status != http.StatusTooManyRequests {
		t.Fatalf("after 80 calls the direct route answers %d, want 429", direct.Status)
	}
	if diff := cmp.Diff(gateway, direct); diff != "" {
		t.Errorf("REST rate-limited: direct route differs from the gateway (-gateway +direct):\n%s", diff)
	}
}

// restAnswer is what a REST client sees of an answer.
type restAnswer struct {
	Status                                int
	ContentType, RetryAfter, Authenticate string
	Body                                  any
}

// call posts body to path on h with key (when set) and reads the answer.
func call(t *testing.T, h http.Handler, path, key, body string, header map[string]string) restAnswer {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	if _, ok := header["X-Request-Id"]; !ok {
		r.Header.Set("X-Request-Id", "fixed") // the gateway alone would not echo one
	}
	h = withRequestIDHTTP(h)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("answer %q is not JSON: %v", b, err)
	}
	return restAnswer{Status: w.Code, ContentType: w.Header().Get("Content-Type"), RetryAfter: w.Header().Get("Retry-After"),
		Authenticate: w.Header().Get("WWW-Authenticate"), Body: v}
}
