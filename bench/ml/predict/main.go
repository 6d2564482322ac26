// Command predict measures the Go predictor's throughput for
// bench/ml/predict.py: it trains a GBDT with LightGBM's defaults through
// `trainyard ml train`, exports it to ONNX, and times batch prediction
// (records of string cells, and parsed frames) and single-row prediction
// on a test file tiled to a fixed row count. It prints one JSON record and
// writes the model, the ONNX file and the Go probabilities of the test rows
// (for the parity check) into -out.
//
// Usage (normally driven by bench/ml/predict.sh):
//
//	go run ./bench/ml/predict -train adult.csv -test adult_test.csv -target income -out tmp/bench-ml/predict/adult
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/trainyard/trainyard/ml/cli"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
)

// result is the JSON record printed on stdout.
type result struct {
	Dataset    string         `json:"dataset"`
	Classes    []string       `json:"classes"`
	Schema     []model.Column `json:"schema"`
	Trees      int            `json:"trees"`
	Threads    int            `json:"threads"`
	TestRows   int            `json:"test_rows"`
	BatchRows  int            `json:"batch_rows"`
	Load1      float64        `json:"load1"`
	Model      string         `json:"model"`
	ONNX       string         `json:"onnx"`
	ProbaFile  string         `json:"proba_file"`
	TrainSecs  float64        `json:"train_seconds"`
	Records    timing         `json:"batch_records"`
	Frame      timing         `json:"batch_frame"`
	SingleRec  latency        `json:"single_record"`
	SingleMap  latency        `json:"single_map"`
	ONNXInputs []inputInfo    `json:"onnx_inputs"`
}

// timing is a batch measurement: the best and median of several runs.
type timing struct {
	Runs          int     `json:"runs"`
	BestRowsPerS  float64 `json:"best_rows_per_s"`
	MedRowsPerS   float64 `json:"median_rows_per_s"`
	CPUNsPerRow   float64 `json:"cpu_ns_per_row"`
	RowsPerSAtCPU float64 `json:"rows_per_s_at_2_cores_cpu"`
}

// latency is a single-row measurement in microseconds.
type latency struct {
	Calls       int     `json:"calls"`
	MeanUS      float64 `json:"mean_us"`
	P50US       float64 `json:"p50_us"`
	P99US       float64 `json:"p99_us"`
	CPUUSPerRow float64 `json:"cpu_us_per_row"`
}

type inputInfo struct {
	Name   string `json:"name"`
	String bool   `json:"string"`
}

func main() {
	trainPath := flag.String("train", "", "training CSV")
	testPath := flag.String("test", "", "test CSV (default: the training file)")
	target := flag.String("target", "", "target column")
	name := flag.String("dataset", "", "dataset name for the report")
	rows := flag.Int("rows", 200000, "rows per batch (the test rows tiled)")
	iters := flag.Int("trees", 100, "boosting iterations")
	runs := flag.Int("runs", 5, "timed batch runs")
	out := flag.String("out", "tmp/bench-ml/predict", "folder for the model, ONNX file and probabilities")
	flag.Parse()
	if *testPath == "" {
		*testPath = *trainPath
	}
	if err := run(*name, *trainPath, *testPath, *target, *rows, *iters, *runs, *out); err != nil {
		fmt.Fprintln(os.Stderr, "bench predict:", err)
		os.Exit(1)
	}
}

func run(name, trainPath, testPath, target string, nrows, iters, runs int, out string) error {
	ctx := context.Background()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	res := result{Dataset: name, Threads: runtime.GOMAXPROCS(0), Load1: load1()}
	res.Model = filepath.Join(out, "model.tym")
	start := time.Now()
	args := []string{"train", "--data", trainPath, "--target", target, "--learner", "gbdt", "--quiet",
		"--params", fmt.Sprintf("num_iterations=%d,num_threads=%d", iters, res.Threads), "--out", res.Model}
	if err := cli.Run(ctx, cli.IO{Stdout: io.Discard, Stderr: os.Stderr}, args); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	res.TrainSecs = time.Since(start).Seconds()
	a, err := model.LoadFile(res.Model)
	if err != nil {
		return err
	}
	res.Classes, res.Schema, res.Trees = a.Classes, a.Schema, len(a.Members[0].Trees.Trees)
	p, err := model.NewPredictor(a)
	if err != nil {
		return err
	}

	// Test records, tiled to nrows.
	header, recs, err := readRecords(testPath)
	if err != nil {
		return err
	}
	res.TestRows, res.BatchRows = len(recs), nrows
	batch := make([][]string, nrows)
	for i := range batch {
		batch[i] = recs[i%len(recs)]
	}
	rec, err := p.Bind(header)
	if err != nil {
		return err
	}
	f, err := frame.ReadFile(ctx, testPath, frame.ReadOptions{})
	if err != nil {
		return err
	}
	idx := make([]int, nrows)
	for i := range idx {
		idx[i] = i % f.NRows()
	}
	big := f.Take(idx)

	res.Records, err = timeBatch(runs, nrows, func() error {
		b, err := rec.PredictBatch(ctx, batch)
		if err == nil && len(b.Errors) > 0 {
			err = b.Errors[0]
		}
		return err
	})
	if err != nil {
		return err
	}
	res.Frame, err = timeBatch(runs, nrows, func() error {
		_, err := p.PredictFrame(ctx, big)
		return err
	})
	if err != nil {
		return err
	}
	var d model.Prediction
	res.SingleRec, err = timeSingle(len(recs), func(i int) error { return rec.Predict(recs[i], &d) })
	if err != nil {
		return err
	}
	maps := make([]map[string]any, len(recs))
	for i, r := range recs {
		maps[i] = make(map[string]any, len(header))
		for j, h := range header {
			maps[i][h] = r[j]
		}
	}
	res.SingleMap, err = timeSingle(len(recs), func(i int) error { return p.PredictMap(maps[i], &d) })
	if err != nil {
		return err
	}

	// The ONNX export and the Go probabilities of the test rows.
	onnxModel, err := a.ONNX(model.ONNXOptions{})
	if err != nil {
		return err
	}
	res.ONNX = filepath.Join(out, "model.onnx")
	if err := os.WriteFile(res.ONNX, onnxModel, 0o644); err != nil {
		return err
	}
	inputs, err := a.ONNXInputs()
	if err != nil {
		return err
	}
	for _, in := range inputs {
		res.ONNXInputs = append(res.ONNXInputs, inputInfo{Name: in.Name, String: in.String})
	}
	b, err := rec.PredictBatch(ctx, recs)
	if err != nil {
		return err
	}
	res.ProbaFile = filepath.Join(out, "go_proba.json")
	pb, err := json.Marshal(b.Probabilities)
	if err != nil {
		return err
	}
	if err := os.WriteFile(res.ProbaFile, pb, 0o644); err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	return enc.Encode(res)
}

// readRecords reads a CSV with the frame package's record reader.
func readRecords(path string) ([]string, [][]string, error) {
	rs, err := frame.OpenRecords(path, frame.ReadOptions{})
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	var recs [][]string
	for {
		r, err := rs.Next()
		if errors.Is(err, io.EOF) {
			return rs.Header(), recs, nil
		}
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, r)
	}
}

// timeBatch runs fn once to warm up, then runs times, each over n rows.
func timeBatch(runs, n int, fn func() error) (timing, error) {
	if err := fn(); err != nil {
		return timing{}, err
	}
	var rates []float64
	cpu0 := cpuTime()
	for range runs {
		t := time.Now()
		if err := fn(); err != nil {
			return timing{}, err
		}
		rates = append(rates, float64(n)/time.Since(t).Seconds())
	}
	cpu := float64(cpuTime()-cpu0) / float64(runs*n)
	slices.Sort(rates)
	return timing{Runs: runs, BestRowsPerS: rates[len(rates)-1], MedRowsPerS: rates[len(rates)/2],
		CPUNsPerRow: cpu, RowsPerSAtCPU: 2e9 / cpu}, nil
}

// timeSingle calls fn on rows 0..n-1 in turn for about two seconds after a
// warm-up pass, timing each call.
func timeSingle(n int, fn func(i int) error) (latency, error) {
	for i := range min(n, 1000) {
		if err := fn(i); err != nil {
			return latency{}, err
		}
	}
	var durs []float64
	cpu0 := cpuTime()
	begin := time.Now()
	total := 0.0
	for i := 0; time.Since(begin) < 2*time.Second || i < 1000; i++ {
		t := time.Now()
		if err := fn(i % n); err != nil {
			return latency{}, err
		}
		d := float64(time.Since(t).Nanoseconds()) / 1e3
		durs = append(durs, d)
		total += d
	}
	cpu := float64(cpuTime()-cpu0) / 1e3 / float64(len(durs))
	slices.Sort(durs)
	return latency{Calls: len(durs), MeanUS: total / float64(len(durs)), P50US: durs[len(durs)/2],
		P99US: durs[len(durs)*99/100], CPUUSPerRow: cpu}, nil
}

// cpuTime returns the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load1 is the 1-minute load average (0 when unknown).
func load1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var v float64
	fmt.Sscanf(string(b), "%f", &v)
	return v
}
