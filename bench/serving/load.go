package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
)

// target is one server and protocol under load; call scores row i for the given client (each
// client has its own connection, as separate users do) and returns its label.
type target interface {
	name() string
	call(ctx context.Context, client, i int) (string, error)
	// cpu returns the CPU time the serving process (and its children) has used so far.
	cpu() time.Duration
	// setPID names the serving process.
	setPID(pid int)
}

// instance returns row i as a JSON-ready object of numbers (text when not a number).
func instance(header []string, row []string) map[string]any {
	m := make(map[string]any, len(header))
	for j, h := range header {
		if f, err := strconv.ParseFloat(row[j], 64); err == nil {
			m[h] = f
		} else {
			m[h] = row[j]
		}
	}
	return m
}

// predictFunc calls Predict over one connection.
type predictFunc func(ctx context.Context, req *trainyardv1.PredictRequest) (*trainyardv1.PredictResponse, error)

// rpcTarget calls Predict over Connect or gRPC, client c over connection c.
type rpcTarget struct {
	label string
	reqs  []*trainyardv1.PredictRequest
	conns []predictFunc
	pid   int
}

func (t *rpcTarget) name() string { return t.label }

func (t *rpcTarget) cpu() time.Duration { return treeCPU(t.pid) }

func (t *rpcTarget) setPID(pid int) { t.pid = pid }

func (t *rpcTarget) call(ctx context.Context, client, i int) (string, error) {
	res, err := t.conns[client%len(t.conns)](ctx, t.reqs[i%len(t.reqs)])
	if err != nil {
		return "", err
	}
	p := res.GetPredictions()[0]
	if p.GetError() != "" {
		return "", fmt.Errorf("row error: %s", p.GetError())
	}
	return p.GetLabel(), nil
}

// requests builds one PredictRequest per row.
func requests(model string, header []string, rows [][]string) []*trainyardv1.PredictRequest {
	reqs := make([]*trainyardv1.PredictRequest, len(rows))
	for i, r := range rows {
		s, err := structpb.NewStruct(instance(header, r))
		if err != nil {
			panic(err)
		}
		reqs[i] = &trainyardv1.PredictRequest{Name: model, Instances: []*structpb.Struct{s}}
	}
	return reqs
}

// newConnectTarget calls Predict with the Connect protocol over HTTP/2 (binary protobuf), over
// conns connections.
func newConnectTarget(ts *trainyard, header []string, rows [][]string, conns int) target {
	t := &rpcTarget{label: "trainyard Connect", reqs: requests(ts.model.String(), header, rows)}
	for range conns {
		tr := &http.Transport{}
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
		c := trainyardv1connect.NewPredictionServiceClient(&http.Client{Transport: tr}, ts.base)
		t.conns = append(t.conns, func(ctx context.Context, req *trainyardv1.PredictRequest) (*trainyardv1.PredictResponse, error) {
			ctx, ci := connect.NewClientContext(ctx)
			ci.RequestHeader().Set("Authorization", "Bearer "+ts.key)
			return c.Predict(ctx, req)
		})
	}
	return t
}

// newGRPCTarget calls Predict with grpc-go over conns connections.
func newGRPCTarget(ts *trainyard, header []string, rows [][]string, conns int) target {
	t := &rpcTarget{label: "trainyard gRPC", reqs: requests(ts.model.String(), header, rows)}
	for range conns {
		conn, err := grpc.NewClient(ts.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			panic(err)
		}
		c := trainyardv1.NewPredictionServiceClient(conn)
		t.conns = append(t.conns, func(ctx context.Context, req *trainyardv1.PredictRequest) (*trainyardv1.PredictResponse, error) {
			return c.Predict(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+ts.key), req)
		})
	}
	return t
}

// restTarget posts {"instances": [row]} as JSON over HTTP/1.1 with keep-alive; concurrent
// clients get connections of their own from the transport's pool.
type restTarget struct {
	label, url, key string
	bodies          [][]byte
	client          *http.Client
	pid             int
}

func newRESTTarget(label, url, key string, header []string, rows [][]string) target {
	t := &restTarget{label: label, url: url, key: key,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 0}}}
	for _, r := range rows {
		b, _ := json.Marshal(map[string]any{"instances": []any{instance(header, r)}})
		t.bodies = append(t.bodies, b)
	}
	return t
}

func (t *restTarget) name() string { return t.label }

func (t *restTarget) cpu() time.Duration { return treeCPU(t.pid) }

func (t *restTarget) setPID(pid int) { t.pid = pid }

func (t *restTarget) call(ctx context.Context, _, i int) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(t.bodies[i%len(t.bodies)]))
	req.Header.Set("Content-Type", "application/json")
	if t.key != "" {
		req.Header.Set("Authorization", "Bearer "+t.key)
	}
	res, err := t.client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d: %s", res.StatusCode, b)
	}
	var out struct {
		Predictions []struct {
			Label string `json:"label"`
			Error string `json:"error"`
		} `json:"predictions"`
	}
	if err := json.Unmarshal(b, &out); err != nil || len(out.Predictions) != 1 {
		return "", fmt.Errorf("answer %s: %v", b, err)
	}
	if out.Predictions[0].Error != "" {
		return "", fmt.Errorf("row error: %s", out.Predictions[0].Error)
	}
	return out.Predictions[0].Label, nil
}

// agreement is the share of the first n rows on which a and b predict the same label.
func agreement(a, b target, n int) (float64, error) {
	same := 0
	for i := range n {
		la, err := a.call(context.Background(), 0, i)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", a.name(), err)
		}
		lb, err := b.call(context.Background(), 0, i)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", b.name(), err)
		}
		if la == lb {
			same++
		}
	}
	return float64(same) / float64(n), nil
}

// cell is the measurement of one target at one client count.
type cell struct {
	target     string
	clients    int
	requests   int
	throughput float64 // answers received per second of the measured window
	p50, p99   float64 // milliseconds
	cpuPerReq  float64 // serving-side CPU milliseconds per request
	cpu        string
}

// measure runs clients goroutines against t for warmup, then for d: latencies are those of the
// calls made in the window, throughput the answers received in it.
func measure(ctx context.Context, t target, clients int, warmup, d time.Duration) (cell, error) {
	var wg sync.WaitGroup
	counts := make([]int, clients) // calls made, for the CPU per call
	served := make([]int, clients) // answers received within the measured window
	cpu0 := t.cpu()
	lat := make([][]time.Duration, clients)
	errs := make([]error, clients)
	begin := time.Now()
	measureFrom, end := begin.Add(warmup), begin.Add(warmup+d)
	for c := range clients {
		wg.Go(func() {
			i := c * 7919
			for {
				s := time.Now()
				if s.After(end) {
					return
				}
				if _, err := t.call(ctx, c, i); err != nil {
					errs[c] = err
					return
				}
				done := time.Now()
				i++
				counts[c]++
				if s.After(measureFrom) {
					lat[c] = append(lat[c], done.Sub(s))
				}
				if done.After(measureFrom) && !done.After(end) {
					served[c]++
				}
			}
		})
	}
	wg.Wait()
	cpuUsed := t.cpu() - cpu0
	calls, answers := 0, 0
	for c := range clients {
		calls += counts[c]
		answers += served[c]
	}
	for _, err := range errs {
		if err != nil {
			return cell{}, err
		}
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		return cell{}, fmt.Errorf("no request finished")
	}
	ms := func(q float64) float64 { return quantileMs(all, q) }
	return cell{target: t.name(), clients: clients, requests: len(all),
		throughput: float64(answers) / d.Seconds(), p50: ms(0.50), p99: ms(0.99), cpu: loadAverage(),
		cpuPerReq: float64(cpuUsed) / 1e6 / float64(max(calls, 1))}, nil
}

// quantileMs returns the q quantile of sorted latencies, in milliseconds.
func quantileMs(sorted []time.Duration, q float64) float64 {
	return float64(sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]) / 1e6
}
