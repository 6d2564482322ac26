package serving_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent/types"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/store"
)

// childEnv names the folder and job a child process of TestBatchResumesAfterKill runs.
const childEnv = "TRAINYARD_TEST_BATCH_CHILD"

// crashLease is the lease of the tests' batch runners: they report progress every quarter of
// it, and the first report must come well before the child's job ends.
const crashLease = time.Second

// openEnv opens the store and blob folder of dir.
func openEnv(t testing.TB, dir string) (*store.Store, *blob.Store, *serving.Batcher) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bl, err := blob.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bl.Close() })
	reg, err := serving.New(serving.Options{Blobs: bl})
	if err != nil {
		t.Fatal(err)
	}
	return st, bl, serving.NewBatcher(st, bl, reg, nil).WithLease(crashLease)
}

// TestBatchChild runs one batch job in a child process of TestBatchResumesAfterKill.
func TestBatchChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("runs only as the child of TestBatchResumesAfterKill")
	}
	dir, id, _ := strings.Cut(spec, "|")
	_, _, b := openEnv(t, dir)
	if err := b.Run(context.Background(), uuid.MustParse(id)); err != nil {
		t.Fatal(err)
	}
}

// TestBatchResumesAfterKill: a process running a batch job is killed with SIGKILL halfway
// through; the job stays RUNNING with its lease, is left alone while the lease lasts, and is
// then run again by a new runner to exactly one complete output.
func TestBatchResumesAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test skipped in -short mode")
	}
	ctx := context.Background()
	dir := t.TempDir()
	st, bl, b := openEnv(t, dir)
	sys := store.SystemContext(ctx)

	const n = 1_000_000
	job := irisBatchJobs(t, st, bl, n, 1)[0]

	// The child runs the job; it is killed once it has reported progress.
	cmd := exec.Command(os.Args[0], "-test.run=^TestBatchChild$", "-test.v")
	// On one core, so that the job lasts several progress reports on an idle machine.
	cmd.Env = append(os.Environ(), childEnv+"="+dir+"|"+job.String(), "GOMAXPROCS=1")
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		bp, err := st.GetBatchPrediction(sys, job)
		if err != nil {
			t.Fatal(err)
		}
		if bp.State == store.BatchRunning && bp.RowsProcessed > 0 {
			break
		}
		if bp.State != store.BatchPending && bp.State != store.BatchRunning || time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("the child's job is %s with %d rows before it could be killed; child output:\n%s", bp.State, bp.RowsProcessed, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup, the job stays RUNNING
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()
	bp, err := st.GetBatchPrediction(sys, job)
	if err != nil {
		t.Fatal(err)
	}
	if bp.State != store.BatchRunning || bp.RowsProcessed == 0 || bp.RowsProcessed >= n {
		t.Fatalf("after kill -9 the job is %s with %d of %d rows, want RUNNING partway", bp.State, bp.RowsProcessed, n)
	}
	t.Logf("killed the runner at %d of %d rows", bp.RowsProcessed, n)
	if _, err := bl.Stat(ctx, serving.BatchOutputKey(job)); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat(output) after the kill = %v, want ErrNotFound: nothing is committed before the end", err)
	}

	// While the lease lasts, a new runner leaves the job alone.
	if err := b.ResumePending(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := st.GetBatchPrediction(sys, job)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(killed) < crashLease/2 && (again.State != store.BatchRunning || again.RowsProcessed != bp.RowsProcessed) {
		t.Fatalf("job right after the kill = %s with %d rows; want it left RUNNING with %d under its lease", again.State, again.RowsProcessed, bp.RowsProcessed)
	}

	// Once it has expired, the sweep runs the job again, to the end.
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); b.Sweep(sctx, 200*time.Millisecond) }()
	for {
		bp, err = st.GetBatchPrediction(sys, job)
		if err != nil {
			t.Fatal(err)
		}
		if bp.State == store.BatchSucceeded || bp.State == store.BatchFailed || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	<-done
	if bp.State != store.BatchSucceeded || bp.RowsProcessed != n {
		t.Fatalf("job after the restart = %s with %d rows (%s), want SUCCEEDED with %d", bp.State, bp.RowsProcessed, bp.Error, n)
	}
	t.Logf("done %v after the kill", time.Since(killed).Round(time.Millisecond))

	// One output, every row once, in order.
	r, err := bl.Open(ctx, serving.BatchOutputKey(job))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	lines := 0
	for sc.Scan() {
		if lines == 0 && !strings.HasPrefix(sc.Text(), "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm,prediction,") {
			t.Fatalf("output header = %q", sc.Text())
		}
		if lines > 0 {
			i := lines - 1
			want := fmt.Sprintf("%d.%d,3.%d,%d.4,0.%d,", 4+i%4, i%10, i%7, 1+i%6, i%9)
			if !strings.HasPrefix(sc.Text(), want) || strings.HasSuffix(sc.Text(), ",,") {
				t.Fatalf("output line %d = %q, want row %d (%q...) with a prediction", lines+1, sc.Text(), i, want)
			}
		}
		lines++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if lines != n+1 {
		t.Errorf("output has %d lines, want a header and %d rows", lines, n)
	}
}

// irisBatchJobs deploys an iris model and returns jobs PENDING batch predictions of one input
// of rows rows.
func irisBatchJobs(t *testing.T, st *store.Store, bl *blob.Store, rows, jobs int) []uuid.UUID {
	t.Helper()
	ctx := context.Background()
	sys := store.SystemContext(ctx)
	u, err := st.GetOrCreateUser(sys, "m@example.com", "", store.RoleMember)
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
	modelID := uuid.Must(uuid.NewV7())
	akey := blob.ModelPrefix(modelID.String()) + "model.json.gz"
	put(t, bl, akey, irisArtifact(t, "20"))
	if _, err := st.Client().Model.Create().SetID(modelID).SetOwnerID(u.ID).SetProjectID(p.ID).SetLearner("gbdt").
		SetArtifactKey(akey).SetState(types.ModelDeployed).Save(sys); err != nil {
		t.Fatal(err)
	}
	w, err := bl.Create(ctx, "input.csv", "text/csv")
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n")
	for i := range rows {
		fmt.Fprintf(bw, "%d.%d,3.%d,%d.4,0.%d\n", 4+i%4, i%10, i%7, 1+i%6, i%9)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ids := make([]uuid.UUID, jobs)
	for i := range ids {
		job, err := st.CreateBatchPrediction(vctx, store.NewBatchPrediction{ModelID: modelID, InputKey: "input.csv", RowsTotal: int64(rows)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = job.ID
	}
	return ids
}
