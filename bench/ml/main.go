// Command ml trains the module's GBDT (or forest) on one prepared benchmark
// split and prints one JSON record: binning and training seconds, peak RSS,
// prediction throughput; test-set predictions at each checkpoint go to files
// that bench.py scores, the same way for every engine.
//
// Usage (normally driven by bench/ml/run.sh):
//
//	go run ./bench/ml -data tmp/bench-ml -dataset adult -params num_threads=2 -out tmp/bench-ml/out
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/trainyard/trainyard/ml/forest"
	"github.com/trainyard/trainyard/ml/gbdt"
)

type meta struct {
	Name        string   `json:"name"`
	Target      string   `json:"target"`
	Task        string   `json:"task"`
	NumClass    int      `json:"num_class"`
	Categorical []string `json:"categorical"`
}

type result struct {
	Engine          string             `json:"engine"`
	Dataset         string             `json:"dataset"`
	Params          string             `json:"params"`
	LoadSeconds     float64            `json:"load_seconds"`
	BinSeconds      float64            `json:"bin_seconds"`
	TrainSeconds    float64            `json:"train_seconds"`
	TrainCPUSeconds float64            `json:"train_cpu_seconds"`
	PeakRSSMB       float64            `json:"peak_rss_mb"`
	Iterations      int                `json:"iterations"`
	PredFiles       map[string]string  `json:"pred_files"`
	PredictBatchRPS float64            `json:"predict_batch_rows_per_s"`
	PredictSingleUS float64            `json:"predict_single_us"`
	Extra           map[string]float64 `json:"extra,omitempty"`
}

func main() {
	dataDir := flag.String("data", "tmp/bench-ml", "folder with the prepared splits")
	name := flag.String("dataset", "adult", "dataset name")
	params := flag.String("params", "", "LightGBM-style k=v,k=v parameters")
	engine := flag.String("engine", "gbdt", "gbdt or forest")
	checkpoints := flag.String("checkpoints", "10,50,100,200", "iteration counts to score")
	outDir := flag.String("out", "tmp/bench-ml/out", "folder for prediction files")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of training to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*dataDir, *name, *params, *engine, *checkpoints, *outDir); err != nil {
		fmt.Fprintln(os.Stderr, "bench ml:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(dataDir, name, params, engine, checkpoints, outDir string) error {
	var md meta
	mb, err := os.ReadFile(filepath.Join(dataDir, name+".json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(mb, &md); err != nil {
		return err
	}
	t0 := time.Now()
	train, err := readCSV(filepath.Join(dataDir, name+"_train.csv"), md)
	if err != nil {
		return err
	}
	test, err := readCSV(filepath.Join(dataDir, name+"_test.csv"), md)
	if err != nil {
		return err
	}
	res := result{Engine: engine, Dataset: name, Params: params, LoadSeconds: time.Since(t0).Seconds(), PredFiles: map[string]string{}}
	runtime.GC()
	debug.FreeOSMemory()

	var cps []int
	for _, s := range strings.Split(checkpoints, ",") {
		c, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("checkpoint %q: %w", s, err)
		}
		cps = append(cps, c)
	}
	maxIt := cps[len(cps)-1]
	ps := fmt.Sprintf("num_iterations=%d", maxIt)
	if md.Task == "multiclass" {
		ps += fmt.Sprintf(",num_class=%d", md.NumClass)
	}
	if params != "" {
		ps += "," + params
	}
	var model *gbdt.Model
	switch engine {
	case "gbdt":
		p, err := gbdt.ParseParams(md.Task, ps)
		if err != nil {
			return err
		}
		t1 := time.Now()
		b, err := gbdt.NewBinned(train, p)
		if err != nil {
			return err
		}
		res.BinSeconds = time.Since(t1).Seconds()
		t2, c2 := time.Now(), cpuSeconds()
		model, err = gbdt.TrainBinned(context.Background(), p, b, gbdt.Options{})
		if err != nil {
			return err
		}
		res.TrainSeconds = time.Since(t2).Seconds()
		res.TrainCPUSeconds = cpuSeconds() - c2
	case "forest":
		p, err := forest.ParseParams(md.Task, ps)
		if err != nil {
			return err
		}
		t2, c2 := time.Now(), cpuSeconds()
		model, err = forest.Train(context.Background(), p, train)
		if err != nil {
			return err
		}
		res.TrainSeconds = time.Since(t2).Seconds()
		res.TrainCPUSeconds = cpuSeconds() - c2
	default:
		return fmt.Errorf("unknown engine %q", engine)
	}
	res.PeakRSSMB = peakRSSMB()
	res.Iterations = model.Iterations
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	k := model.NumOutputs()
	for _, c := range cps {
		if c > model.Iterations && engine == "gbdt" {
			c = model.Iterations
		}
		sub := truncate(model, c)
		pred, err := sub.PredictDataset(test, false)
		if err != nil {
			return err
		}
		f := filepath.Join(outDir, fmt.Sprintf("%s_%s_%d.f64", engine, name, c))
		if err := writeF64(f, pred); err != nil {
			return err
		}
		res.PredFiles[strconv.Itoa(c)] = f
	}
	// Predict throughput on the 100-iteration model (or the whole model).
	pm := truncate(model, min(100, model.Iterations))
	cols := make([][]float64, len(test.Features))
	for j := range test.Features {
		cols[j] = test.Features[j].Values
	}
	n := len(test.Label)
	start := time.Now()
	reps := 0
	for time.Since(start) < 2*time.Second || reps < 1 {
		if _, err := pm.PredictColumns(cols, false); err != nil {
			return err
		}
		reps++
	}
	res.PredictBatchRPS = float64(n*reps) / time.Since(start).Seconds()
	x := make([]float64, len(cols))
	out := make([]float64, k)
	start = time.Now()
	rows := 0
	for time.Since(start) < time.Second {
		for i := 0; i < 1000; i++ {
			r := (rows + i) % n
			for j := range cols {
				x[j] = cols[j][r]
			}
			pm.Predict(x, out)
		}
		rows += 1000
	}
	res.PredictSingleUS = time.Since(start).Seconds() / float64(rows) * 1e6
	return json.NewEncoder(os.Stdout).Encode(res)
}

// truncate returns a model with the first it iterations of m.
func truncate(m *gbdt.Model, it int) *gbdt.Model {
	k := m.NumOutputs()
	if it > m.Iterations {
		it = m.Iterations
	}
	return &gbdt.Model{Version: m.Version, Objective: m.Objective, Transform: m.Transform, NumClass: m.NumClass,
		TreesPerIteration: m.TreesPerIteration, InitScore: m.InitScore, Trees: m.Trees[:it*k],
		Features: m.Features, Iterations: it, Params: m.Params}
}

func writeF64(path string, v []float64) error {
	buf := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(x))
	}
	return os.WriteFile(path, buf, 0o644)
}

// cpuSeconds returns the user+system CPU time of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return math.NaN()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return math.NaN()
}

// readCSV reads a prepared split: header, numbers, blank = missing.
func readCSV(path string, md meta) (*gbdt.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	if !sc.Scan() {
		return nil, fmt.Errorf("%s: empty", path)
	}
	head := strings.Split(sc.Text(), ",")
	cat := map[string]bool{}
	for _, c := range md.Categorical {
		cat[c] = true
	}
	cols := make([][]float64, len(head))
	line := 1
	for sc.Scan() {
		line++
		s := sc.Text()
		for j := range head {
			var field string
			if j == len(head)-1 {
				field = s
			} else {
				i := strings.IndexByte(s, ',')
				if i < 0 {
					return nil, fmt.Errorf("%s:%d: %d fields, want %d", path, line, j+1, len(head))
				}
				field, s = s[:i], s[i+1:]
			}
			v := math.NaN()
			if field != "" {
				if v, err = strconv.ParseFloat(field, 64); err != nil {
					return nil, fmt.Errorf("%s:%d: column %s: %w", path, line, head[j], err)
				}
			}
			cols[j] = append(cols[j], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	d := &gbdt.Dataset{}
	for j, h := range head {
		if h == md.Target {
			d.Label = cols[j]
			continue
		}
		d.Features = append(d.Features, gbdt.Feature{Name: h, Values: cols[j], Categorical: cat[h]})
	}
	return d, nil
}
