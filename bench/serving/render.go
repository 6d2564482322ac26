package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/ml/model"
)

// peerName is the peer's target name; floorName starts the floor's over net/http (see
// floorChild).
const (
	peerName  = "FastAPI + LightGBM"
	floorName = "floor: net/http, fixed answer,"
)

// isTrainyard tells Trainyard's targets from the peer and the floor.
func isTrainyard(target string) bool { return strings.HasPrefix(target, "trainyard") }

// render writes the results as markdown.
func render(cfg config, art *model.Artifact, trees int, cells []cell, b batchResult, agree float64) string {
	var s strings.Builder
	fmt.Fprintf(&s, "# Serving benchmark\n\n")
	fmt.Fprintf(&s, "Measured %s on %s. Model: %d trees (GBDT, 100 iterations, 31 leaves, learning rate 0.1) trained on `%s` (%d inputs, target `%s`); the peer is LightGBM with the same parameters on the same file, served by FastAPI under uvicorn with %d workers. Single-row requests `{\"instances\": [row]}`; each cell runs %v after %v of warm-up; all processes share the same cores on loopback. Label agreement between the two models on the first 200 rows: %.1f%%.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), cpuInfo(), trees, filepath.Base(cfg.data), len(art.Schema), cfg.target, cfg.peerWorkers, cfg.duration, cfg.warmup, 100*agree)
	fmt.Fprintf(&s, "| server / protocol | clients | requests/s | p50 ms | p99 ms | serving CPU ms/req | load avg |\n|---|---:|---:|---:|---:|---:|---:|\n")
	peer := map[int]float64{}
	best := map[int]float64{}
	p99 := map[int]float64{}
	floorP99 := map[int]float64{}
	for _, c := range cells {
		fmt.Fprintf(&s, "| %s | %d | %.0f | %.2f | %.2f | %.3f | %s |\n", c.target, c.clients, c.throughput, c.p50, c.p99, c.cpuPerReq, c.cpu)
		switch {
		case c.target == peerName:
			peer[c.clients] = c.throughput
		case isTrainyard(c.target):
			best[c.clients] = max(best[c.clients], c.throughput)
			p99[c.clients] = max(p99[c.clients], c.p99)
		default:
			floorP99[c.clients] = max(floorP99[c.clients], c.p99)
		}
	}
	fmt.Fprintf(&s, "\n| clients | Trainyard best / peer throughput | Trainyard worst p99 ms | floor worst p99 ms |\n|---:|---:|---:|---:|\n")
	for _, c := range cfg.clients {
		ratio := 0.0
		if peer[c] > 0 {
			ratio = best[c] / peer[c]
		}
		fmt.Fprintf(&s, "| %d | %.1fx | %.2f | %.2f |\n", c, ratio, p99[c], floorP99[c])
	}
	fmt.Fprintf(&s, "\nThe floor rows are a server that answers every prediction with a fixed answer over the same net/http stack as Trainyard (`benchserving -serve-floor`: no model, no interceptors): what the HTTP stack, the load generator and the two shared cores cost by themselves, under every Go server measured here. The grpc-go row answers the same over grpc-go's own server and HTTP/2 transport, for comparison with net/http's.\n")
	fmt.Fprintf(&s, "\nServing CPU per request: the CPU time of the serving process alone (Trainyard runs in a child process, `benchserving -serve`, with the same handlers and interceptor chain as `trainyard serve`; the peer's uvicorn processes; the floor's process), divided by the requests answered; the load generator runs in the parent process, with GOGC %d while it generates load (its collector shares the cores with the servers; the servers keep Go's default). Load avg is the machine's 1-minute load average at the end of the cell: on 2 cores, anything above 2 means other work competed for them, which inflates wall-clock latencies and lowers throughput for both servers.\n", cfg.loadGOGC)
	fmt.Fprintf(&s, "\nBatch prediction, %d-tree model: a %d-row CSV (%d MB) from the blob store to a predictions CSV in the blob store (`serving.Batcher`: a reader goroutine cutting the input into chunks of %d whole records, one worker per core predicting a chunk's lines from their text (`Record.PredictLines`: cells wrapped whole in quotes are read in place; only a line with a comma, quote or line break inside quotes is split into fields by encoding/csv) and formatting its output lines, a writer writing chunks in input order) took %v wall: **%.0f rows/s**, using %v of CPU (%.0f rows per CPU-second, %.0f rows/s on 2 uncontended cores). `Record.PredictBatch` alone on %d parsed records: %.0f rows/s wall, %.0f rows per CPU-second. The job end to end runs at %.0f%% of the predictor's rows per CPU-second (the rest is reading cells from the text and writing the output).\n",
		trees, b.rows, b.inputBytes>>20, serving.BatchChunk, b.job.Round(time.Millisecond), float64(b.rows)/b.job.Seconds(), b.jobCPU.Round(time.Millisecond),
		float64(b.rows)/b.jobCPU.Seconds(), 2*float64(b.rows)/b.jobCPU.Seconds(), b.predictN, float64(b.predictN)/b.predict.Seconds(), float64(b.predictN)/b.predictCPU.Seconds(),
		100*(float64(b.rows)/b.jobCPU.Seconds())/(float64(b.predictN)/b.predictCPU.Seconds()))
	return s.String()
}
