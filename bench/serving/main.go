// Command benchserving measures Trainyard's prediction serving side by side with a FastAPI +
// LightGBM server (peer.py) serving a model trained on the same data with the same
// parameters: single-row latency (p50, p99) and throughput at several client counts over
// Connect, gRPC and REST, and batch prediction rows per second for a 100-tree model. Run it
// through run.sh.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	shared "github.com/trainyard/trainyard/ml/datasets"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent/types"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/train"
)

// config is the command line.
type config struct {
	data, target, out string
	duration, warmup  time.Duration
	clients           []int
	rates             []float64
	rateClients       int
	batchRows         int
	peerWorkers       int
	peerPort          int
	profiles          string
	batchOnly         bool
	batchQuoted       bool
	floor             bool
	only              string
	loadGOGC          int
}

func main() {
	var cfg config
	var clients string
	flag.StringVar(&cfg.data, "data", "", "CSV to train on (default: spambase.csv of the shared datasets)")
	flag.StringVar(&cfg.target, "target", "type", "target column")
	flag.StringVar(&cfg.out, "out", "", "write the markdown table here too")
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "measured time per cell")
	flag.DurationVar(&cfg.warmup, "warmup", time.Second, "unmeasured time before each cell")
	flag.StringVar(&clients, "clients", "1,8,64", "concurrent clients per cell")
	rates := flag.String("rates", "200,1000,2000,4000", "offered loads (requests/s) of the fixed-load cells; empty: none")
	flag.IntVar(&cfg.rateClients, "rate-clients", 64, "clients of the fixed-load cells")
	flag.IntVar(&cfg.batchRows, "batch-rows", 1_000_000, "rows of the batch prediction input")
	flag.BoolVar(&cfg.batchOnly, "batch-only", false, "measure batch prediction only (no peer, no single-row cells, no -out table)")
	flag.BoolVar(&cfg.batchQuoted, "batch-quoted", false, "keep the target column in the batch input, its cells quoted as spambase.csv quotes them (\"spam\")")
	flag.BoolVar(&cfg.floor, "floor", true, "also measure a server answering a fixed prediction over the same HTTP stack (REST and gRPC), the floor under every server")
	flag.StringVar(&cfg.only, "only", "", "measure only the servers and protocols whose row name contains this (e.g. \"trainyard\", \"REST\"); the table is printed, not written to -out")
	flag.IntVar(&cfg.peerWorkers, "peer-workers", 2, "uvicorn workers of the peer (one per core is fair)")
	flag.IntVar(&cfg.peerPort, "peer-port", 18777, "the peer's port")
	flag.IntVar(&cfg.loadGOGC, "load-gogc", 400, "GOGC of this process while it generates load (the latency cells); the batch job it runs keeps Go's default")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run here")
	flag.StringVar(&cfg.profiles, "profiles", "", "write a CPU profile of the serving child per Trainyard cell into this folder")
	serveDir := flag.String("serve", "", "internal: serve the benchmark's store and blobs in this folder")
	serveFloor := flag.Bool("serve-floor", false, "internal: serve the floor's fixed answer")
	flag.Parse()
	if *serveFloor {
		if err := floorChild(); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *serveDir != "" {
		if err := serveChild(*serveDir); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	for _, c := range strings.Split(clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n <= 0 {
			log.Fatalf("-clients %q: want positive integers", clients)
		}
		cfg.clients = append(cfg.clients, n)
	}
	for _, r := range strings.Split(*rates, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		v, err := strconv.ParseFloat(r, 64)
		if err != nil || v <= 0 {
			log.Fatalf("-rates %q: want positive numbers", *rates)
		}
		cfg.rates = append(cfg.rates, v)
	}
	if cfg.data == "" {
		cfg.data = sharedDataset("spambase.csv")
	}
	if err := run(context.Background(), cfg); err != nil {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
}

// sharedDataset returns the path of a shared dataset, or name itself when it is not found.
func sharedDataset(name string) string {
	if p, err := shared.Path(name); err == nil {
		return p
	}
	return name
}

func run(ctx context.Context, cfg config) error {
	start := time.Now()
	f, err := frame.ReadFile(ctx, cfg.data, frame.ReadOptions{})
	if err != nil {
		return err
	}
	res, err := train.Train(ctx, f, train.Options{Target: cfg.target, Learners: []string{"gbdt"}, Seed: 1,
		Params: map[string]string{"num_iterations": "100", "num_leaves": "31", "learning_rate": "0.1", "min_data_in_leaf": "20"}})
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	art := res.Artifact
	trees := 0
	for _, m := range art.Members {
		if m.Trees != nil {
			trees += len(m.Trees.Trees)
		}
	}
	fmt.Printf("trained %d trees on %s in %v\n", trees, filepath.Base(cfg.data), time.Since(start).Round(time.Millisecond))

	header, rows, labels, err := readRows(cfg.data, cfg.target)
	if err != nil {
		return err
	}
	var quoted *quotedColumn
	if cfg.batchQuoted {
		quoted = &quotedColumn{name: cfg.target, cells: labels}
	}
	ts, err := startTrainyard(ctx, art)
	if err != nil {
		return err
	}
	defer ts.close()
	if cfg.batchOnly {
		_, err := measureBatch(ctx, ts, art, header, rows, quoted, cfg.batchRows)
		return err
	}
	peer, err := startPeer(ctx, cfg)
	if err != nil {
		return err
	}
	defer peer.stop()

	conns := slices.Max(append(slices.Clone(cfg.clients), cfg.rateClients))
	model := ts.model.String()
	rest := newRESTTarget("trainyard REST", ts.base+"/api/v1/models/"+model+"/predict", ts.key, header, rows, conns)
	fastapi := newRESTTarget(peerName, peer.url+"/predict", "", header, rows, conns)
	targets := []target{
		newConnectTarget("trainyard Connect", ts.addr, ts.key, model, true, header, rows, conns),
		newConnectTarget("trainyard Connect HTTP/1.1", ts.addr, ts.key, model, false, header, rows, conns),
		newGRPCTarget("trainyard gRPC", ts.addr, ts.key, model, header, rows, conns),
		rest,
	}
	for _, t := range targets {
		t.setPID(ts.child.Process.Pid)
	}
	fastapi.setPID(peer.cmd.Process.Pid)
	targets = append(targets, fastapi)
	if cfg.floor {
		floor, ready, err := startChild(ctx, "-serve-floor")
		if err != nil {
			return err
		}
		defer interrupt(floor, 5*time.Second)
		for _, t := range []target{
			newGRPCTarget(floorName+" gRPC", ready.Addr, "", model, header, rows, conns),
			newGRPCTarget("floor: grpc-go's server, fixed answer, gRPC", ready.GRPC, "", model, header, rows, conns),
			newRESTTarget(floorName+" REST", "http://"+ready.Addr+"/predict", "", header, rows, conns),
		} {
			t.setPID(floor.Process.Pid)
			targets = append(targets, t)
		}
	}
	if cfg.only != "" {
		targets = slices.DeleteFunc(targets, func(t target) bool { return !strings.Contains(t.name(), cfg.only) })
	}
	agree, err := agreement(rest, fastapi, 200)
	if err != nil {
		return err
	}
	var cells []cell
	// The load generator is not under test, but its collector shares the two cores with the
	// servers and shows in their tail latencies; collecting less often keeps it out of the way.
	defaultGOGC := debug.SetGCPercent(cfg.loadGOGC)
	for _, c := range cfg.clients {
		for _, t := range targets {
			stopProfile := profileCell(cfg, ts, t, c)
			r, err := measure(ctx, t, c, cfg.warmup, cfg.duration)
			stopProfile()
			if err != nil {
				return fmt.Errorf("%s at %d clients: %w", t.name(), c, err)
			}
			fmt.Printf("%-40s %3d clients: %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU %.3f ms/req  load %s\n", t.name(), c, r.throughput, r.p50, r.p99, r.cpuPerReq, r.cpu)
			cells = append(cells, r)
		}
	}
	rated, peerMax, err := measureRates(ctx, cfg, targets, cells)
	if err != nil {
		return err
	}
	debug.SetGCPercent(defaultGOGC)
	batch, err := measureBatch(ctx, ts, art, header, rows, quoted, cfg.batchRows)
	if err != nil {
		return err
	}
	table := render(cfg, art, trees, cells, batch, agree)
	if len(rated) > 0 {
		table += renderRates(rated, cfg.rateClients, peerMax)
	}
	fmt.Print("\n" + table)
	if cfg.out != "" && cfg.only == "" { // a partial table does not replace the results
		return os.WriteFile(cfg.out, []byte(table), 0o644)
	}
	return nil
}

// readRows reads the CSV's feature columns (the target left out) as text records, and the
// target's cells.
func readRows(path, target string) ([]string, [][]string, []string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		return nil, nil, nil, err
	}
	ti := -1
	for i, h := range recs[0] {
		if h == target {
			ti = i
		}
	}
	if ti < 0 {
		return nil, nil, nil, fmt.Errorf("no column %q in %s", target, path)
	}
	drop := func(r []string) []string { return append(append([]string{}, r[:ti]...), r[ti+1:]...) }
	var rows [][]string
	var labels []string
	for _, r := range recs[1:] {
		rows = append(rows, drop(r))
		labels = append(labels, r[ti])
	}
	return drop(recs[0]), rows, labels, nil
}

// trainyard is the Trainyard side of the benchmark: a store and blob folder with one deployed
// model and a key, served by a child process (`benchserving -serve DIR`, the same handlers and
// interceptor chain as `trainyard serve`) so that its CPU is measured apart from the load
// generator's, as the peer's is; batch jobs run in this process.
type trainyard struct {
	st      *store.Store
	blobs   *blob.Store
	batcher *serving.Batcher
	child   *exec.Cmd
	base    string
	addr    string
	pprof   string
	key     string
	model   uuid.UUID
	viewer  context.Context
	dir     string
}

// startTrainyard records the model as the pipeline deploys it and starts the serving child.
func startTrainyard(ctx context.Context, art *model.Artifact) (*trainyard, error) {
	dir, err := os.MkdirTemp("", "bench-serving-")
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "trainyard.db"), store.Options{})
	if err != nil {
		return nil, err
	}
	blobs, err := blob.Open(ctx, "", dir)
	if err != nil {
		return nil, err
	}
	reg, err := serving.New(serving.Options{Blobs: blobs})
	if err != nil {
		return nil, err
	}
	sys := store.SystemContext(ctx)
	u, err := st.GetOrCreateUser(sys, "bench@example.com", "", store.RoleMember)
	if err != nil {
		return nil, err
	}
	key, _, err := st.CreateAPIKey(sys, store.NewAPIKey{OwnerID: u.ID, Role: store.RoleMember, DisplayName: "bench"})
	if err != nil {
		return nil, err
	}
	vctx := store.WithViewer(ctx, store.Viewer{UserID: u.ID, Role: store.RoleMember})
	ds, err := st.CreateDataset(vctx, store.NewDataset{DisplayName: "bench.csv", DataType: store.DataTypeTabular, NumRows: 1, NumColumns: 1, Labeled: true})
	if err != nil {
		return nil, err
	}
	p, err := st.CreateProject(vctx, store.NewProject{DatasetID: ds.ID, ProblemDescription: "benchmark"})
	if err != nil {
		return nil, err
	}
	id := uuid.Must(uuid.NewV7())
	akey := blob.ModelPrefix(id.String()) + "model.json.gz"
	w, err := blobs.Create(ctx, akey, "application/gzip")
	if err != nil {
		return nil, err
	}
	if err := art.Save(w); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if _, err := st.Client().Model.Create().SetID(id).SetOwnerID(u.ID).SetProjectID(p.ID).SetLearner("gbdt").
		SetArtifactKey(akey).SetState(types.ModelDeployed).Save(sys); err != nil {
		return nil, err
	}
	ts := &trainyard{st: st, blobs: blobs, batcher: serving.NewBatcher(st, blobs, reg, nil),
		key: key, model: id, viewer: vctx, dir: dir}
	if err := ts.startChild(ctx); err != nil {
		ts.close()
		return nil, err
	}
	return ts, nil
}

// startChild runs this program with -serve on the folder and waits for its addresses.
func (t *trainyard) startChild(ctx context.Context) error {
	cmd, ready, err := startChild(ctx, "-serve", t.dir)
	if err != nil {
		return err
	}
	t.child, t.addr, t.pprof = cmd, ready.Addr, ready.Pprof
	t.base = "http://" + ready.Addr
	return nil
}

// startChild runs this program with args and waits for the first line it writes.
func startChild(ctx context.Context, args ...string) (*exec.Cmd, childReady, error) {
	var ready childReady
	self, err := os.Executable()
	if err != nil {
		return nil, ready, err
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, ready, err
	}
	if err := cmd.Start(); err != nil {
		return nil, ready, fmt.Errorf("start the child %v: %w", args, err)
	}
	if err := json.NewDecoder(out).Decode(&ready); err != nil {
		interrupt(cmd, time.Second)
		return nil, ready, fmt.Errorf("the child %v did not start: %w", args, err)
	}
	return cmd, ready, nil
}

func (t *trainyard) close() {
	if t.child != nil {
		interrupt(t.child, 10*time.Second)
	}
	t.blobs.Close()
	t.st.Close()
	os.RemoveAll(t.dir)
}

// peerProc is the running FastAPI peer.
type peerProc struct {
	cmd *exec.Cmd
	url string
}

// startPeer starts peer.py with uvicorn and waits until it answers.
func startPeer(ctx context.Context, cfg config) (*peerProc, error) {
	py, err := filepath.Abs(".venv/bin/python")
	if err != nil {
		return nil, err
	}
	data, err := filepath.Abs(cfg.data)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, py, "peer.py", data, cfg.target, strconv.Itoa(cfg.peerPort), strconv.Itoa(cfg.peerWorkers))
	cmd.Dir = "bench/serving"
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start peer: %w", err)
	}
	p := &peerProc{cmd: cmd, url: "http://127.0.0.1:" + strconv.Itoa(cfg.peerPort)}
	deadline := time.Now().Add(4 * time.Minute)
	for time.Now().Before(deadline) {
		res, err := http.Get(p.url + "/health")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.stop()
	return nil, errors.New("the peer did not answer within 4 minutes")
}

func (p *peerProc) stop() { interrupt(p.cmd, 5*time.Second) }

// interrupt asks a started command to stop, so it can flush its output and close its stores,
// and kills it if it has not exited within grace.
func interrupt(cmd *exec.Cmd, grace time.Duration) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
	}
}

// loadAverage reads /proc/loadavg's first figure ("" when unavailable).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	return strings.Fields(string(b))[0]
}

// cpuInfo names the machine.
func cpuInfo() string {
	return fmt.Sprintf("%d cores (GOMAXPROCS %d), %s/%s, %s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
}
