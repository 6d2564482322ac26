package pipeline_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/server"
)

// apiEnv is the embedded default as a person reaches it: the API server and a pipeline worker
// on one SQLite store, talked to through a Connect client and plain REST with an API key.
type apiEnv struct {
	*pipelinetest.Env
	projects trainyardv1connect.ProjectServiceClient
	http     *http.Client
	base     string
}

// keyTransport adds the API key to every request.
type keyTransport struct {
	key  string
	next http.RoundTripper
}

func (k keyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+k.key)
	return k.next.RoundTrip(r)
}

// startAPI starts a pipeline worker (cfg) and the API server on its store.
func startAPI(t *testing.T, cfg pipelinetest.Config) *apiEnv {
	t.Helper()
	e := startEnv(t, cfg)
	ctx := context.Background()
	srv, err := server.New(ctx, server.Options{Store: e.Store, PublicURL: "http://test"})
	if err != nil {
		t.Fatalf("server.New = %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	})
	v, _ := store.ViewerFrom(e.User)
	secret, _, err := e.Store.CreateAPIKey(sys, store.NewAPIKey{OwnerID: v.UserID, Role: store.RoleMember, DisplayName: "labeling test"})
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: keyTransport{key: secret, next: http.DefaultTransport}}
	base := "http://" + ln.Addr().String()
	return &apiEnv{Env: e, projects: trainyardv1connect.NewProjectServiceClient(hc, base), http: hc, base: base}
}

// create submits a project through the API.
func (a *apiEnv) create(t *testing.T, dataset uuid.UUID, desc, target string) *trainyardv1.Project {
	t.Helper()
	p, err := a.projects.CreateProject(context.Background(), &trainyardv1.CreateProjectRequest{Submission: &trainyardv1.ProjectSubmission{
		ProblemDescription: desc, DatasetId: dataset.String(), TargetColumn: target, Budget: durationSeconds(4)}})
	if err != nil {
		t.Fatalf("CreateProject = %v", err)
	}
	a.Worker.Wake()
	return p
}

// waitAPI waits for a stage and reads the project through the API.
func (a *apiEnv) waitAPI(t *testing.T, name string, timeout time.Duration, stages ...store.Stage) *trainyardv1.Project {
	t.Helper()
	id := uuid.MustParse(name[len("projects/"):])
	wait(t, a.Env, id, timeout, stages...)
	p, err := a.projects.GetProject(context.Background(), &trainyardv1.GetProjectRequest{Name: name})
	if err != nil {
		t.Fatalf("GetProject = %v", err)
	}
	return p
}

// restJSON GETs a REST path and decodes the JSON body.
func (a *apiEnv) restJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	resp, err := a.http.Get(a.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s", path, resp.StatusCode, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

// hideLabels writes a copy of a shared dataset whose target column keeps its value in keep
// randomly chosen rows only (a seeded draw), and returns the path and every row's true value.
func hideLabels(t *testing.T, name, target string, keep int, seed uint64) (string, []string) {
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
	col := -1
	for j, h := range recs[0] {
		if h == target {
			col = j
		}
	}
	if col < 0 {
		t.Fatalf("%s has no column %s", name, target)
	}
	rows := recs[1:]
	truth := make([]string, len(rows))
	kept := map[int]bool{}
	for _, i := range rand.New(rand.NewPCG(seed, seed)).Perm(len(rows))[:keep] {
		kept[i] = true
	}
	for i, r := range rows {
		truth[i] = r[col]
		if !kept[i] {
			r[col] = ""
		}
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("unlabeled_%d.csv", keep))
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path, truth
}

// uploadPath uploads a file.
func uploadPath(t *testing.T, e *pipelinetest.Env, path string) uuid.UUID {
	t.Helper()
	ds, err := e.Upload(context.Background(), path)
	if err != nil {
		t.Fatalf("Upload(%s) = %v", path, err)
	}
	return ds.ID
}

// mustUUID parses an id.
func mustUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// decisionTexts lists decisions for messages.
func decisionTexts(es []*ent.AuditEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Decision
	}
	return out
}

// getState reads a pipeline output of a project.
func getState(e *pipelinetest.Env, p *ent.Project, name string, v any) error {
	r, err := e.Blobs.Open(context.Background(), "projects/"+p.ID.String()+"/pipeline/"+name)
	if err != nil {
		return err
	}
	defer r.Close()
	return json.NewDecoder(r).Decode(v)
}

// givenRows returns the rows of a CSV file with a value in column.
func givenRows(t *testing.T, path, column string) []int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], column)
	var out []int
	for i, r := range recs[1:] {
		if r[col] != "" {
			out = append(out, i)
		}
	}
	return out
}
