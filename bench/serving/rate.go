package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// rateCell is the measurement of one target under a fixed offered load.
type rateCell struct {
	target          string
	clients         int
	offered, served float64 // requests per second
	p50, p99, p999  float64 // milliseconds
	// sentP99 is the 99th percentile of the latency counted from when the load generator
	// really sent each request (milliseconds): without the generator's own lateness (its timers
	// and goroutines share the cores with the servers), and without the time a request waited
	// behind its client's previous answer.
	sentP99   float64
	cpuPerReq float64 // serving-side CPU milliseconds per request
	load      string
}

// measureRate offers t a fixed load of rate requests per second from clients connections: each
// client sends at the times of a Poisson process of rate/clients, as independent users would,
// whether or not its previous answer has come. A client still waiting for an answer sends its
// next request as soon as the answer comes, and that request's latency counts from the time it
// was due, so a slow server is charged for the requests it held back (no coordinated omission,
// which a closed loop of clients that wait for each answer has).
func measureRate(ctx context.Context, t target, clients int, rate float64, warmup, d time.Duration) (rateCell, error) {
	begin := time.Now()
	measureFrom, end := begin.Add(warmup), begin.Add(warmup+d)
	gap := time.Duration(float64(clients) / rate * float64(time.Second)) // mean, per client
	lat := make([][]time.Duration, clients)
	fromSent := make([][]time.Duration, clients)
	calls := make([]int, clients)
	// answered counts per client the answers that came within the measured window.
	answered := make([]int, clients)
	errs := make([]error, clients)
	cpu0 := t.cpu()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 1))
			due := begin.Add(time.Duration(rng.ExpFloat64() * float64(gap)))
			for i := c * 7919; due.Before(end); i++ {
				time.Sleep(time.Until(due))
				sent := time.Now()
				if _, err := t.call(ctx, c, i); err != nil {
					errs[c] = err
					return
				}
				calls[c]++
				if now := time.Now(); !now.Before(measureFrom) && now.Before(end) {
					answered[c]++
				}
				if !due.Before(measureFrom) {
					lat[c] = append(lat[c], time.Since(due))
					fromSent[c] = append(fromSent[c], time.Since(sent))
				}
				due = due.Add(time.Duration(rng.ExpFloat64() * float64(gap)))
			}
		})
	}
	wg.Wait()
	cpuUsed := t.cpu() - cpu0
	for _, err := range errs {
		if err != nil {
			return rateCell{}, err
		}
	}
	all, sentAll := slices.Concat(lat...), slices.Concat(fromSent...)
	if len(all) == 0 {
		return rateCell{}, fmt.Errorf("no request finished")
	}
	slices.Sort(all)
	slices.Sort(sentAll)
	ms := func(q float64) float64 { return quantileMs(all, q) }
	total, inWindow := 0, 0
	for c := range calls {
		total += calls[c]
		inWindow += answered[c]
	}
	return rateCell{target: t.name(), clients: clients, offered: rate, served: float64(inWindow) / d.Seconds(),
		p50: ms(0.50), p99: ms(0.99), p999: ms(0.999), sentP99: quantileMs(sentAll, 0.99), load: loadAverage(),
		cpuPerReq: float64(cpuUsed) / 1e6 / float64(max(total, 1))}, nil
}

// renderRates writes the fixed-load table. peerMax is the peer's best closed-loop throughput.
func renderRates(cells []rateCell, clients int, peerMax float64) string {
	var s strings.Builder
	fmt.Fprintf(&s, "\n## Latency under a fixed offered load, %d clients\n\n", clients)
	fmt.Fprintf(&s, "The closed loop above keeps every client waiting on its last answer, so at 64 clients the latency is 64 divided by the throughput the two shared cores give (Little's law), whatever the server does per request. Here %d clients send requests at the times of a Poisson process instead, at a fixed total rate, as independent users would; a request's latency counts from the time it was due, so time spent behind a slow answer counts too. The peer is measured only at rates below its closed-loop maximum (%.0f requests/s here); beyond it its queue grows without bound.\n\n", clients, peerMax)
	fmt.Fprintf(&s, "The last latency column counts from when each request was really sent: it leaves out the load generator's own lateness (its timers and goroutines share the two cores with the servers) and the wait behind a client's previous answer.\n\n")
	fmt.Fprintf(&s, "| server / protocol | offered req/s | x peer max | served req/s | p50 ms | p99 ms | p99.9 ms | p99 ms from sending | serving CPU ms/req | load avg |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range cells {
		fmt.Fprintf(&s, "| %s | %.0f | %.1fx | %.0f | %.2f | %.2f | %.2f | %.2f | %.3f | %s |\n",
			c.target, c.offered, c.offered/peerMax, c.served, c.p50, c.p99, c.p999, c.sentP99, c.cpuPerReq, c.load)
	}
	return s.String()
}

// measureRates runs the fixed-load cells: every Trainyard target at every rate, the peer at the
// rates below its best closed-loop throughput in cells.
func measureRates(ctx context.Context, cfg config, targets []target, cells []cell) ([]rateCell, float64, error) {
	peerMax := 0.0
	for _, c := range cells {
		if c.target == peerName {
			peerMax = max(peerMax, c.throughput)
		}
	}
	var out []rateCell
	for _, rate := range cfg.rates {
		for _, t := range targets {
			if t.name() == peerName && rate >= peerMax {
				continue
			}
			r, err := measureRate(ctx, t, cfg.rateClients, rate, cfg.warmup, cfg.duration)
			if err != nil {
				return nil, 0, fmt.Errorf("%s at %.0f requests/s: %w", t.name(), rate, err)
			}
			fmt.Printf("%-40s %6.0f req/s offered: %8.0f served  p50 %6.2f ms  p99 %6.2f ms  p99.9 %6.2f ms  p99 from sending %5.2f ms  CPU %.3f ms/req  load %s\n",
				t.name(), rate, r.served, r.p50, r.p99, r.p999, r.sentP99, r.cpuPerReq, r.load)
			out = append(out, r)
		}
	}
	return out, peerMax, nil
}
