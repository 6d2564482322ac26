package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"google.golang.org/grpc"

	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/server"
)

// childReady is the serving child's first line on stdout.
type childReady struct {
	// Addr is the API's host:port; Pprof the host:port of its /debug/pprof handlers; GRPC, the
	// floor's only, the host:port of its grpc-go server.
	Addr, Pprof, GRPC string
}

// serveChild serves the store and blobs in dir as `trainyard serve` does (SQLite, file blobs,
// the whole API with the prediction plane) until interrupted, with net/http/pprof on a second
// port for profiles under load.
func serveChild(dir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "trainyard.db"), store.Options{NoMigrate: true})
	if err != nil {
		return err
	}
	defer st.Close()
	blobs, err := blob.Open(ctx, "", dir)
	if err != nil {
		return err
	}
	defer blobs.Close()
	secret, err := blob.LoadOrCreateSecret(dir)
	if err != nil {
		return err
	}
	signer, err := blob.NewSigner(secret)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv, err := server.New(ctx, server.Options{Store: st, PublicURL: "http://" + ln.Addr().String(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	dp := server.DataPlane{Datasets: datasets.New(st, blobs, datasets.Options{}), Blobs: blobs, Signer: signer}
	if err := srv.MountDataPlane(dp); err != nil {
		return err
	}
	if _, err := srv.MountServing(dp, server.Serving{}); err != nil {
		return err
	}
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	pm := http.NewServeMux()
	pm.HandleFunc("/debug/pprof/", pprof.Index)
	pm.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go func() { _ = http.Serve(pln, pm) }()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if err := announce(ctx, childReady{Addr: ln.Addr().String(), Pprof: pln.Addr().String()}, served); err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// announce writes a child's addresses as its first line, for startChild, and waits until the
// child is interrupted (nil: shut down) or a server stops serving (its error).
func announce(ctx context.Context, ready childReady, served <-chan error) error {
	if err := json.NewEncoder(os.Stdout).Encode(ready); err != nil {
		return err
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
		return nil
	}
}

// floorAnswer is the floor child's answer to every REST prediction.
const floorAnswer = `{"predictions":[{"label":"spam","probabilities":{"nonspam":0.01,"spam":0.99}}]}`

// floorChild serves a fixed answer to every prediction over the HTTP stack the Trainyard child
// uses (net/http with HTTP/1.1 and unencrypted HTTP/2): REST at POST /predict, and Predict over
// gRPC and Connect through a connect-go handler with no interceptors and no model. Nothing a
// server does per request can cost less, so its cells are the floor that the HTTP stack, the load
// generator and the two shared cores put under every server measured here. A second port serves
// the same gRPC answer through grpc-go's own server and HTTP/2 transport, for comparison.
func floorChild() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /predict", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, floorAnswer)
	})
	mux.Handle(trainyardv1connect.NewPredictionServiceHandler(floorPredictions{}))
	srv := &http.Server{Handler: mux, Protocols: new(http.Protocols)}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	gs := grpc.NewServer()
	trainyardv1.RegisterPredictionServiceServer(gs, floorGRPC{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	gln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	served := make(chan error, 2)
	go func() { served <- srv.Serve(ln) }()
	go func() { served <- gs.Serve(gln) }()
	if err := announce(ctx, childReady{Addr: ln.Addr().String(), GRPC: gln.Addr().String()}, served); err != nil {
		return err
	}
	gs.Stop()
	return srv.Close()
}

// floorGRPC is floorPredictions as a grpc-go service.
type floorGRPC struct {
	trainyardv1.UnimplementedPredictionServiceServer
}

func (floorGRPC) Predict(ctx context.Context, req *trainyardv1.PredictRequest) (*trainyardv1.PredictResponse, error) {
	return floorPredictions{}.Predict(ctx, req)
}

// floorPredictions answers every Predict with one fixed prediction.
type floorPredictions struct {
	trainyardv1connect.UnimplementedPredictionServiceHandler
}

func (floorPredictions) Predict(context.Context, *trainyardv1.PredictRequest) (*trainyardv1.PredictResponse, error) {
	return &trainyardv1.PredictResponse{Predictions: []*trainyardv1.Prediction{{
		Result:        &trainyardv1.Prediction_Label{Label: "spam"},
		Probabilities: map[string]float64{"nonspam": 0.01, "spam": 0.99},
	}}}, nil
}

// profileCell starts fetching a CPU profile of the serving child for the measured part of a
// Trainyard cell when -profiles is set; the returned function waits for it.
func profileCell(cfg config, ts *trainyard, t target, clients int) func() {
	if cfg.profiles == "" || !isTrainyard(t.name()) {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(cfg.warmup)
		secs := max(1, int(cfg.duration.Seconds()))
		res, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", ts.pprof, secs))
		if err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
			return
		}
		defer res.Body.Close()
		if err := os.MkdirAll(cfg.profiles, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
			return
		}
		name := strings.NewReplacer(" ", "-", "/", "").Replace(strings.TrimPrefix(t.name(), "trainyard "))
		f, err := os.Create(filepath.Join(cfg.profiles, fmt.Sprintf("%s-%d.pprof", strings.ToLower(name), clients)))
		if err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
			return
		}
		defer f.Close()
		_, _ = io.Copy(f, res.Body)
	}()
	return func() { <-done }
}
