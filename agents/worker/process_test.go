package worker_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/ent/model"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/pgtest"
	"github.com/trainyard/trainyard/internal/store"
)

// binary is the trainyard binary built once for the package's tests.
var binary struct {
	once sync.Once
	path string
	err  error
}

// buildOnce builds the binary into a temporary folder removed when the tests end (TestMain).
func buildOnce(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		start := time.Now()
		binary.path = filepath.Join(binDir, "trainyard")
		out, err := exec.Command("go", "build", "-o", binary.path, "github.com/trainyard/trainyard/cmd/trainyard").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
		t.Logf("built the binary in %s", time.Since(start))
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// binDir holds the built binary.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "trainyard-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cluster is a Postgres database, a shared blob folder and the trainyard binary.
type cluster struct {
	t       *testing.T
	bin     string
	dbURL   string
	dataDir string
	st      *store.Store
	user    context.Context
}

// newCluster builds the binary and prepares a fresh database with a member user.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	dbURL := pgtest.New(t)
	if testing.Short() {
		t.Skip("multi-process test skipped in -short mode")
	}
	dir := t.TempDir()
	bin := buildOnce(t)
	st, err := store.Open(context.Background(), dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sys := store.SystemContext(context.Background())
	u, err := st.GetOrCreateUser(sys, "member@example.com", "Member", store.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	return &cluster{t: t, bin: bin, dbURL: dbURL, dataDir: filepath.Join(dir, "data"), st: st,
		user: store.WithViewer(context.Background(), store.Viewer{UserID: u.ID, Role: store.RoleMember})}
}

// upload stores a shared dataset in the cluster's blob folder.
func (c *cluster) upload(name string) uuid.UUID {
	c.t.Helper()
	path, err := pipelinetest.DatasetPath(name)
	if err != nil {
		c.t.Fatal(err)
	}
	bl, err := blob.Open(context.Background(), "", c.dataDir)
	if err != nil {
		c.t.Fatal(err)
	}
	defer bl.Close()
	f, err := os.Open(path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	sent := false
	ds, err := datasets.New(c.st, bl, datasets.Options{}).Upload(c.user, &datasets.Upload{}, func() (datasets.File, error) {
		if sent {
			return datasets.File{}, io.EOF
		}
		sent = true
		return datasets.File{Name: name, Body: f}, nil
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return ds.ID
}

// proc is a running trainyard process with its output.
type proc struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	out bytes.Buffer
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// start runs the binary with args and env, collecting its stderr.
func (c *cluster) start(env []string, args ...string) *proc {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "TRAINYARD_DATABASE_URL="+c.dbURL, "TRAINYARD_DATA_DIR="+c.dataDir, "HOME="+c.t.TempDir())
	p := &proc{cmd: cmd}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	c.t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	return p
}

// worker starts a `trainyard worker` process.
func (c *cluster) worker(id string, extra ...string) *proc {
	return c.start(nil, append([]string{"worker", "--worker-id", id, "--concurrency", "2", "--lease-ttl", "3s",
		"--sweep-interval", "300ms", "--sweep-grace", "1s", "--min-budget", "1s", "--log-level", "info"}, extra...)...)
}

// waitAll waits until every project is finished.
func (c *cluster) waitAll(ids []uuid.UUID, timeout time.Duration) {
	c.t.Helper()
	sys := store.SystemContext(context.Background())
	deadline := time.Now().Add(timeout)
	for {
		done := 0
		var pending []string
		for _, id := range ids {
			p, err := c.st.GetProject(sys, id)
			if err != nil {
				c.t.Fatal(err)
			}
			if p.Stage.Terminal() {
				done++
			} else {
				pending = append(pending, string(p.Stage))
			}
		}
		if done == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%d of %d projects finished after %s; pending stages %v", done, len(ids), timeout, pending)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestTwoWorkerProcesses: one API process and two worker processes on one Postgres; 20
// projects submitted at once through the REST API each complete exactly once, and both
// workers take part.
func TestTwoWorkerProcesses(t *testing.T) {
	c := newCluster(t)
	ds := c.upload("iris.csv")
	sys := store.SystemContext(context.Background())
	u, err := c.st.GetUserByEmail(sys, "member@example.com")
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := c.st.CreateAPIKey(sys, store.NewAPIKey{OwnerID: u.ID, DisplayName: "test", Role: store.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	api := c.start([]string{"TRAINYARD_MAX_ACTIVE_PROJECTS=100", "TRAINYARD_RATE_LIMIT=0"}, "serve", "--addr", addr, "--workers", "0")
	w1, w2 := c.worker("worker-1"), c.worker("worker-2")
	base := "http://" + addr
	for i := 0; ; i++ {
		if r, err := http.Get(base + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				break
			}
		}
		if i > 150 {
			t.Fatalf("API not ready:\n%s", api.output())
		}
		time.Sleep(100 * time.Millisecond)
	}

	const n = 20
	ids := make([]uuid.UUID, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			body, _ := json.Marshal(map[string]any{"problemDescription": "predict the species", "datasetId": ds.String(), "budget": "1s"})
			req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/projects", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var out struct{ ID string }
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil {
				errs <- fmt.Errorf("create project: %s %s", resp.Status, b)
				return
			}
			ids[i] = uuid.MustParse(out.ID)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	start := time.Now()
	c.waitAll(ids, 150*time.Second)
	t.Logf("20 projects finished in %s", time.Since(start))
	for _, id := range ids {
		p, err := c.st.GetProject(sys, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Stage != store.StageCompleted {
			t.Errorf("project %s is %s (%s), want COMPLETED", id, p.Stage, p.ErrorMessage)
		}
		if m, err := c.st.Client().Model.Query().Where(model.ProjectID(id)).Count(sys); err != nil || m != 1 {
			t.Errorf("project %s has %d models (%v), want 1", id, m, err)
		}
	}
	s1, s2 := strings.Count(w1.output(), `msg="stage done"`), strings.Count(w2.output(), `msg="stage done"`)
	t.Logf("stages run: worker-1 %d, worker-2 %d", s1, s2)
	if s1 == 0 || s2 == 0 {
		t.Errorf("stages run by worker-1 = %d, worker-2 = %d; want both to take part", s1, s2)
	}
	if s1+s2 != 6*n {
		t.Errorf("stages run = %d, want %d (6 per project, each exactly once)", s1+s2, 6*n)
	}
}

// TestKillDuringTraining: kill -9 the only worker while a project trains; a new worker process
// resumes the project once the dead worker's lease expires, and it completes. The trials the
// dead worker finished are replayed from their records, not fitted again.
func TestKillDuringTraining(t *testing.T) {
	c := newCluster(t)
	ds := c.upload("telco_churn.csv")
	p, err := c.st.CreateProject(c.user, store.NewProject{DatasetID: ds, ProblemDescription: "predict which customers will churn", BudgetSeconds: 6})
	if err != nil {
		t.Fatal(err)
	}
	w1 := c.worker("doomed")
	sys := store.SystemContext(context.Background())
	deadline := time.Now().Add(60 * time.Second)
	for {
		cur, err := c.st.GetProject(sys, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Stage == store.StageTraining && cur.StageProgress > 0.1 && len(c.trialRecords(p.ID)) > 0 {
			break
		}
		if cur.Stage.Terminal() || time.Now().After(deadline) {
			t.Fatalf("project %s before training was seen:\n%s", cur.Stage, w1.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := w1.cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup, the lease stays
		t.Fatal(err)
	}
	_ = w1.cmd.Wait()
	killed := time.Now()
	before := c.trialRecords(p.ID)
	cur, _ := c.st.GetProject(sys, p.ID)
	if cur.Stage != store.StageTraining || cur.LeaseOwner != "doomed" {
		t.Fatalf("after kill: stage %s, lease %q; want TRAINING held by the dead worker", cur.Stage, cur.LeaseOwner)
	}
	w2 := c.worker("rescuer")
	c.waitAll([]uuid.UUID{p.ID}, 90*time.Second)
	cur, _ = c.st.GetProject(sys, p.ID)
	if cur.Stage != store.StageCompleted {
		t.Fatalf("stage = %s (%s), want COMPLETED\n%s", cur.Stage, cur.ErrorMessage, w2.output())
	}
	t.Logf("completed %s after kill -9", time.Since(killed))
	if !strings.Contains(w2.output(), `stage=TRAINING`) {
		t.Errorf("the new worker did not run TRAINING:\n%s", w2.output())
	}
	if m, err := c.st.Client().Model.Query().Where(model.ProjectID(p.ID)).Count(sys); err != nil || m != 1 {
		t.Errorf("models = %d (%v), want 1", m, err)
	}
	var st struct {
		Replayed int `json:"replayed"`
		Trials   []struct {
			Number int     `json:"number"`
			Score  float64 `json:"score"`
		} `json:"trials"`
	}
	if err := json.Unmarshal(c.state(p.ID, "train-1.json"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Replayed != len(before) || len(st.Trials) < len(before) {
		t.Fatalf("resumed search replayed %d trials of %d, want the %d the dead worker recorded", st.Replayed, len(st.Trials), len(before))
	}
	for i, r := range before {
		if st.Trials[i].Number != r.Number || st.Trials[i].Score != r.Score {
			t.Errorf("trial %d after resuming = %+v, want the dead worker's %+v", i, st.Trials[i], r)
		}
	}
	t.Logf("the dead worker finished %d trials; they were replayed, and %d more were fitted", len(before), len(st.Trials)-len(before))
}

// trialRecord is the part of a stored trial record the test compares.
type trialRecord struct {
	Number int     `json:"number"`
	Score  float64 `json:"score"`
}

// state reads a pipeline state blob of a project from the shared blob folder (nil if absent).
func (c *cluster) state(id uuid.UUID, name string) []byte {
	c.t.Helper()
	bl, err := blob.Open(context.Background(), "", c.dataDir)
	if err != nil {
		c.t.Fatal(err)
	}
	defer bl.Close()
	r, err := bl.Open(context.Background(), "projects/"+id.String()+"/pipeline/"+name)
	if err != nil {
		return nil
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

// trialRecords returns the trial records of iteration 1 stored for a project, in order.
func (c *cluster) trialRecords(id uuid.UUID) []trialRecord {
	var out []trialRecord
	for n := 0; ; n++ {
		b := c.state(id, fmt.Sprintf("train-1.trials/%05d.json", n))
		var r trialRecord
		if b == nil || json.Unmarshal(b, &r) != nil {
			return out
		}
		out = append(out, r)
	}
}
