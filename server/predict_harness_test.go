package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/types"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/train"
	"github.com/trainyard/trainyard/server"
)

// servingHarness is a real server with the data plane and the prediction plane mounted.
type servingHarness struct {
	*dataHarness
	cps trainyardv1connect.PredictionServiceClient
	gps trainyardv1.PredictionServiceClient
}

// newServingHarness serves the whole API over SQLite and a file blob store.
func newServingHarness(t testing.TB) *servingHarness {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, sqliteURL(t), store.Options{PollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
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
		t.Fatal(err)
	}
	dp := server.DataPlane{Datasets: datasets.New(st, blobs, datasets.Options{}), Blobs: blobs, Signer: signer}
	if err := srv.MountDataPlane(dp); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.MountServing(dp, server.Serving{}); err != nil {
		t.Fatalf("MountServing = %v", err)
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
	dh := &dataHarness{
		harness: h, blobs: blobs, dir: dir, now: now,
		cds:  trainyardv1connect.NewDatasetServiceClient(hc, base),
		cms:  trainyardv1connect.NewModelServiceClient(hc, base),
		gds:  trainyardv1.NewDatasetServiceClient(conn),
		gms:  trainyardv1.NewModelServiceClient(conn),
		http: &http.Client{},
	}
	return &servingHarness{dataHarness: dh,
		cps: trainyardv1connect.NewPredictionServiceClient(hc, base),
		gps: trainyardv1.NewPredictionServiceClient(conn),
	}
}

// trainOn trains a small GBDT on a shared dataset.
func trainOn(t testing.TB, name, target string, iters string, drop ...string) *model.Artifact {
	t.Helper()
	f, err := frame.ReadFile(context.Background(), sharedPath(t, name), frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := train.Train(context.Background(), f, train.Options{
		Target: target, Learners: []string{"gbdt"}, Drop: drop, Seed: 1,
		Params: map[string]string{"num_iterations": iters, "num_leaves": "15"},
	})
	if err != nil {
		t.Fatalf("train on %s: %v", name, err)
	}
	return res.Artifact
}

// deploy stores art (native and ONNX) and records a DEPLOYED model of u.
func (h *servingHarness) deploy(u user, art *model.Artifact) *ent.Model {
	h.t.Helper()
	ctx := store.WithViewer(context.Background(), store.Viewer{UserID: u.id, Role: store.RoleMember})
	p, err := h.st.CreateProject(ctx, store.NewProject{DatasetID: uuid.MustParse(h.newDataset(u)), ProblemDescription: "predict " + art.Target})
	if err != nil {
		h.t.Fatal(err)
	}
	id := uuid.Must(uuid.NewV7())
	native := blob.ModelPrefix(id.String()) + "model.json.gz"
	h.putArtifact(native, art)
	onnxKey := blob.ModelPrefix(id.String()) + "model.onnx"
	ob, err := art.ONNX(model.ONNXOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	h.putBlob(onnxKey, ob)
	m, err := h.st.Client().Model.Create().SetID(id).SetOwnerID(u.id).SetProjectID(p.ID).SetLearner("gbdt").
		SetArtifactKey(native).SetOnnxKey(onnxKey).SetState(types.ModelDeployed).
		Save(store.SystemContext(context.Background()))
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

// putArtifact saves an artifact at key.
func (h *servingHarness) putArtifact(key string, art *model.Artifact) {
	h.t.Helper()
	var buf bytes.Buffer
	if err := art.Save(&buf); err != nil {
		h.t.Fatal(err)
	}
	h.putBlob(key, buf.Bytes())
}
