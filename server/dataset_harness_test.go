package server_test

import (
	"context"
	shared "github.com/trainyard/trainyard/ml/datasets"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/server"
)

// dataHarness is a real server with the data plane mounted, over a real store and a file
// blob store, with a clock the signed links read.
type dataHarness struct {
	*harness
	blobs *blob.Store
	dir   string
	now   *atomic.Pointer[time.Time]
	// Clients of every protocol.
	cds  trainyardv1connect.DatasetServiceClient
	cms  trainyardv1connect.ModelServiceClient
	gds  trainyardv1.DatasetServiceClient
	gms  trainyardv1.ModelServiceClient
	http *http.Client
}

// newDataHarness serves the API with the data plane until the test ends.
func newDataHarness(t *testing.T, dbURL string, opts datasets.Options) *dataHarness {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, store.Options{PollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("store.Open(%q) = %v", dbURL, err)
	}
	t.Cleanup(func() { st.Close() })
	dir := t.TempDir()
	blobs, err := blob.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	secret, err := blob.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := blob.NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	now := new(atomic.Pointer[time.Time])
	t0 := time.Now()
	now.Store(&t0)
	signer = signer.WithClock(func() time.Time { return *now.Load() })

	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv, err := server.New(ctx, server.Options{Store: st, Logger: log, PublicURL: base})
	if err != nil {
		t.Fatalf("server.New = %v", err)
	}
	if err := srv.MountDataPlane(server.DataPlane{Datasets: datasets.New(st, blobs, opts), Blobs: blobs, Signer: signer}); err != nil {
		t.Fatalf("MountDataPlane = %v", err)
	}
	h := &harness{t: t, st: st, srv: srv, addr: ln.Addr().String(), base: base, serve: make(chan error, 1)}
	go func() { h.serve <- srv.Serve(ln) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
	})
	conn, err := grpc.NewClient(h.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	hc := h2cClient()
	return &dataHarness{
		harness: h, blobs: blobs, dir: dir, now: now,
		cds:  trainyardv1connect.NewDatasetServiceClient(hc, base),
		cms:  trainyardv1connect.NewModelServiceClient(hc, base),
		gds:  trainyardv1.NewDatasetServiceClient(conn),
		gms:  trainyardv1.NewModelServiceClient(conn),
		http: &http.Client{},
	}
}

// advance moves the signer's clock.
func (h *dataHarness) advance(d time.Duration) {
	t := h.now.Load().Add(d)
	h.now.Store(&t)
}

// sharedPath returns the path of a shared dataset.
func sharedPath(t testing.TB, name string) string { return shared.MustPath(t, name) }

// readShared returns a shared dataset's bytes.
func readShared(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(sharedPath(t, name))
	if err != nil {
		t.Fatalf("dataset %s: %v", name, err)
	}
	return b
}
