package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
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

// newConnectTarget calls Predict on model with the Connect protocol (binary protobuf) to the
// server at addr, over conns connections of HTTP/2, or of keep-alive HTTP/1.1 as browsers and
// connect-node's default transport use it, with the bearer key when not empty.
func newConnectTarget(label, addr, key, model string, http2 bool, header []string, rows [][]string, conns int) target {
	t := &rpcTarget{label: label, reqs: requests(model, header, rows)}
	for range conns {
		tr := &http.Transport{MaxIdleConnsPerHost: 1}
		tr.Protocols = new(http.Protocols)
		if http2 {
			tr.Protocols.SetUnencryptedHTTP2(true)
		} else {
			tr.Protocols.SetHTTP1(true)
		}
		c := trainyardv1connect.NewPredictionServiceClient(&http.Client{Transport: tr}, "http://"+addr)
		t.conns = append(t.conns, func(ctx context.Context, req *trainyardv1.PredictRequest) (*trainyardv1.PredictResponse, error) {
			if key != "" {
				var ci connect.CallInfo
				ctx, ci = connect.NewClientContext(ctx)
				ci.RequestHeader().Set("Authorization", "Bearer "+key)
			}
			return c.Predict(ctx, req)
		})
	}
	return t
}

// newGRPCTarget calls Predict on model with grpc-go to the server at addr, over conns
// connections, with the bearer key when not empty.
func newGRPCTarget(label, addr, key, model string, header []string, rows [][]string, conns int) target {
	t := &rpcTarget{label: label, reqs: requests(model, header, rows)}
	for range conns {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			panic(err)
		}
		c := trainyardv1.NewPredictionServiceClient(conn)
		t.conns = append(t.conns, func(ctx context.Context, req *trainyardv1.PredictRequest) (*trainyardv1.PredictResponse, error) {
			if key != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
			}
			return c.Predict(ctx, req)
		})
	}
	return t
}

// restTarget posts {"instances": [row]} as JSON over keep-alive HTTP/1.1, each client on a
// connection of its own. It writes a request's prepared bytes and reads the answer with
// http.ReadResponse, with no HTTP client in between, much as wrk does: the generator shares the
// two cores with the server under test, and net/http's client spent about as much CPU a request
// as Trainyard's server does, which the servers' throughput and latency then paid for.
type restTarget struct {
	label, addr string
	reqs        [][]byte // per row, the whole request
	conns       []*restConn
	pid         int
}

// restConn is one client's connection; nil until its first call.
type restConn struct {
	conn net.Conn
	r    *bufio.Reader
	body bytes.Buffer
}

// newRESTTarget posts rows to rawURL (http://host:port/path) with the bearer key, when not
// empty, from at most clients clients.
func newRESTTarget(label, rawURL, key string, header []string, rows [][]string, clients int) target {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	t := &restTarget{label: label, addr: u.Host, conns: make([]*restConn, clients)}
	auth := ""
	if key != "" {
		auth = "Authorization: Bearer " + key + "\r\n"
	}
	for _, r := range rows {
		body, _ := json.Marshal(map[string]any{"instances": []any{instance(header, r)}})
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n",
			u.RequestURI(), u.Host, auth, len(body))
		t.reqs = append(t.reqs, append([]byte(head), body...))
	}
	return t
}

func (t *restTarget) name() string { return t.label }

func (t *restTarget) cpu() time.Duration { return treeCPU(t.pid) }

func (t *restTarget) setPID(pid int) { t.pid = pid }

// call sends row i on the client's connection, dialled on its first call. A connection the
// server closed while it sat idle between cells (uvicorn closes them after 5 seconds) is dialled
// again once.
func (t *restTarget) call(_ context.Context, client, i int) (string, error) {
	req := t.reqs[i%len(t.reqs)]
	c := t.conns[client]
	status, err := c.roundTrip(req)
	if err != nil {
		c.close()
		if c, err = dialREST(t.addr); err == nil {
			t.conns[client] = c
			status, err = c.roundTrip(req)
		}
		if err != nil {
			return "", err
		}
	}
	return predictedLabel(status, c.body.Bytes())
}

// errNotDialled is the round trip of a client with no connection yet.
var errNotDialled = errors.New("not dialled")

func dialREST(addr string) (*restConn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &restConn{conn: conn, r: bufio.NewReader(conn)}, nil
}

// roundTrip writes req and reads its answer, whose body it leaves in c.body.
func (c *restConn) roundTrip(req []byte) (status int, err error) {
	if c == nil {
		return 0, errNotDialled
	}
	if _, err := c.conn.Write(req); err != nil {
		return 0, err
	}
	res, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	c.body.Reset()
	_, err = c.body.ReadFrom(res.Body)
	return res.StatusCode, err
}

func (c *restConn) close() {
	if c != nil {
		c.conn.Close()
	}
}

// predictedLabel reads the label of a one-row REST answer.
func predictedLabel(status int, b []byte) (string, error) {
	if status != http.StatusOK {
		return "", fmt.Errorf("status %d: %s", status, b)
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
