package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/types"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/server"
)

// putBlob stores data at key.
func (h *dataHarness) putBlob(key string, data []byte) {
	h.t.Helper()
	w, err := h.blobs.Create(context.Background(), key, "")
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		h.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		h.t.Fatal(err)
	}
}

// newModel records a READY model of u, as the pipeline will, with native and ONNX artifacts.
func (h *dataHarness) newModel(u user, native, onnx []byte) *ent.Model {
	h.t.Helper()
	ctx := store.WithViewer(context.Background(), store.Viewer{UserID: u.id, Role: store.RoleMember})
	dsID := uuid.MustParse(h.newDataset(u))
	p, err := h.st.CreateProject(ctx, store.NewProject{DatasetID: dsID, ProblemDescription: "predict species"})
	if err != nil {
		h.t.Fatalf("CreateProject = %v", err)
	}
	id := uuid.Must(uuid.NewV7())
	schema, _ := protojson.Marshal(&trainyardv1.Model{
		DisplayName: "species classifier", TargetColumn: "species", Classes: []string{"setosa", "versicolor"},
		ProblemType: trainyardv1.ProblemType_PROBLEM_TYPE_BINARY_CLASSIFICATION,
		Features:    []*trainyardv1.FeatureSpec{{Name: "petal_length_cm", Kind: trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC, Example: "1.4"}},
	})
	metrics, _ := protojson.Marshal(&trainyardv1.Metrics{Values: map[string]float64{"accuracy": 0.97}})
	native_, onnx_ := blob.ModelPrefix(id.String())+"model.tymodel", blob.ModelPrefix(id.String())+"model.onnx"
	h.putBlob(native_, native)
	h.putBlob(onnx_, onnx)
	m, err := h.st.Client().Model.Create().SetID(id).SetOwnerID(u.id).SetProjectID(p.ID).SetLearner("gbdt").
		SetArtifactKey(native_).SetOnnxKey(onnx_).SetState(types.ModelReady).
		SetFeatureSchema(schema).SetMetrics(metrics).Save(store.SystemContext(context.Background()))
	if err != nil {
		h.t.Fatalf("create model = %v", err)
	}
	return m
}

// get fetches url without a key.
func (h *dataHarness) get(t *testing.T, rawURL, key string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := h.http.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestModelGetAndSignedLinks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		h := newDataHarness(t, dbURL, datasets.Options{})
		ctx := context.Background()
		a := h.newUser("a@example.com", store.RoleMember)
		b := h.newUser("b@example.com", store.RoleMember)
		native, onnx := randomBytes(3<<20+17), randomBytes(100<<10)
		m := h.newModel(a, native, onnx)
		name := "models/" + m.ID.String()

		cm, err := h.cms.GetModel(withKey(ctx, a.key), &trainyardv1.GetModelRequest{Name: name})
		if err != nil {
			t.Fatalf("Connect GetModel = %v", connectErr(err))
		}
		if cm.GetApiEndpoint() != h.base+"/api/v1/models/"+m.ID.String()+"/predict" || cm.GetSizeBytes() != int64(len(native)) ||
			cm.GetState() != trainyardv1.ModelState_MODEL_STATE_READY || cm.GetTargetColumn() != "species" ||
			cm.GetMetrics().GetValues()["accuracy"] != 0.97 || cm.GetArchitecture() != "gbdt" || len(cm.GetFeatures()) != 1 {
			t.Errorf("GetModel = %v", cm)
		}
		gm, err := h.gms.GetModel(grpcCtx(ctx, a.key), &trainyardv1.GetModelRequest{Name: m.ID.String()})
		if err != nil {
			t.Fatalf("gRPC GetModel = %v", grpcErr(err))
		}
		rm := &trainyardv1.Model{}
		if err := (restClient{base: h.base, hc: h.http}).do(ctx, a.key, http.MethodGet, "/api/v1/models/"+m.ID.String(), nil, rm); err != nil {
			t.Fatalf("REST GET /api/v1/models/{id} = %v", err)
		}
		ignoreLinks := protocmp.IgnoreFields(&trainyardv1.Model{}, "download_url", "onnx_download_url")
		for proto, got := range map[string]*trainyardv1.Model{"grpc": gm, "rest": rm} {
			if diff := cmp.Diff(cm, got, protocmp.Transform(), ignoreLinks); diff != "" {
				t.Errorf("%s GetModel differs from Connect's (-connect +%s):\n%s", proto, proto, diff)
			}
		}
		for _, proto := range protocols {
			var err error
			switch proto {
			case "connect":
				_, err = h.cms.GetModel(withKey(ctx, b.key), &trainyardv1.GetModelRequest{Name: name})
				err = connectErr(err)
			case "grpc":
				_, err = h.gms.GetModel(grpcCtx(ctx, b.key), &trainyardv1.GetModelRequest{Name: name})
				err = grpcErr(err)
			default:
				err = restClient{base: h.base, hc: h.http}.do(ctx, b.key, http.MethodGet, "/api/v1/"+name, nil, &trainyardv1.Model{})
			}
			if codeOf(err) != connect.CodeNotFound {
				t.Errorf("%s GetModel(another user's) = %v, want NotFound", proto, err)
			}
		}

		// A plain browser link: no key.
		res, body := h.get(t, cm.GetDownloadUrl(), "")
		if res.StatusCode != 200 || !bytes.Equal(body, native) {
			t.Fatalf("GET download_url = %d, %d bytes (%.200s); want 200 and the %d artifact bytes", res.StatusCode, len(body), body, len(native))
		}
		if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename=model-`+m.ID.String()+`.tymodel` {
			t.Errorf("Content-Disposition = %q", cd)
		}
		if res.Header.Get("Content-Length") != "3145745" {
			t.Errorf("Content-Length = %q, want 3145745", res.Header.Get("Content-Length"))
		}
		res, body = h.get(t, cm.GetOnnxDownloadUrl(), "")
		if res.StatusCode != 200 || !bytes.Equal(body, onnx) || !strings.HasSuffix(res.Header.Get("Content-Disposition"), ".onnx") {
			t.Errorf("GET onnx_download_url = %d, %d bytes, %q; want 200, the ONNX bytes, a .onnx name", res.StatusCode, len(body), res.Header.Get("Content-Disposition"))
		}

		// HEAD answers the headers without reading the artifact.
		head, _ := http.NewRequest(http.MethodHead, cm.GetDownloadUrl(), nil)
		if res, err := h.http.Do(head); err != nil || res.StatusCode != 200 || res.ContentLength != int64(len(native)) {
			t.Errorf("HEAD download_url = %v, %v; want 200 with Content-Length %d", res, err, len(native))
		} else {
			res.Body.Close()
		}

		// Tampered links.
		u, _ := url.Parse(cm.GetOnnxDownloadUrl())
		tamper := func(desc string, edit func(u *url.URL), want int) {
			t.Helper()
			c := *u
			edit(&c)
			res, body := h.get(t, c.String(), "")
			if res.StatusCode != want {
				t.Errorf("%s: status %d (%s), want %d", desc, res.StatusCode, body, want)
			}
		}
		tamper("other format", func(u *url.URL) { q := u.Query(); q.Set("format", "native"); u.RawQuery = q.Encode() }, 403)
		tamper("later expiry", func(u *url.URL) {
			q := u.Query()
			q.Set("expires", "9999999999")
			u.RawQuery = q.Encode()
		}, 403)
		other := h.newModel(b, []byte("theirs"), []byte("theirs"))
		tamper("other model", func(u *url.URL) { u.Path = "/api/v1/models/" + other.ID.String() + "/download" }, 403)
		tamper("no signature", func(u *url.URL) { q := u.Query(); q.Del("sig"); u.RawQuery = q.Encode() }, 401)

		// Expired after the TTL.
		h.advance(server.DefaultLinkTTL + time.Second)
		res, body = h.get(t, cm.GetDownloadUrl(), "")
		if res.StatusCode != 403 || !strings.Contains(string(body), "expired") {
			t.Errorf("GET download_url after 15 minutes = %d %s, want 403 expired", res.StatusCode, body)
		}

		// With a key instead of a signature.
		path := h.base + "/api/v1/models/" + m.ID.String() + "/download?format=onnx"
		if res, body := h.get(t, path, a.key); res.StatusCode != 200 || !bytes.Equal(body, onnx) {
			t.Errorf("download with key = %d, %d bytes; want 200 and the ONNX", res.StatusCode, len(body))
		}
		if res, _ := h.get(t, path, b.key); res.StatusCode != 404 {
			t.Errorf("download of another user's model = %d, want 404", res.StatusCode)
		}
		if res, _ := h.get(t, path, ""); res.StatusCode != 401 {
			t.Errorf("download without key or signature = %d, want 401", res.StatusCode)
		}
		if res, body := h.get(t, h.base+"/api/v1/models/"+m.ID.String()+"/download?format=pmml", a.key); res.StatusCode != 400 || !strings.Contains(string(body), "native or onnx") {
			t.Errorf("download format=pmml = %d %s, want 400", res.StatusCode, body)
		}

		// The server stream, over Connect and gRPC.
		for _, proto := range []string{"connect", "grpc"} {
			got, filename, size := h.downloadStream(t, proto, a.key, name, trainyardv1.ArtifactFormat_ARTIFACT_FORMAT_NATIVE)
			if !bytes.Equal(got, native) || size != int64(len(native)) || filename != "model-"+m.ID.String()+".tymodel" {
				t.Errorf("%s DownloadModel = %d bytes, %q, size %d; want the %d artifact bytes", proto, len(got), filename, size, len(native))
			}
		}

		// List, delete.
		list, err := h.cms.ListModels(withKey(ctx, a.key), &trainyardv1.ListModelsRequest{})
		if err != nil || len(list.GetModels()) != 1 || list.GetModels()[0].GetId() != m.ID.String() {
			t.Errorf("ListModels = %v, %v; want the one model", list, err)
		}
		if _, err := h.gms.DeleteModel(grpcCtx(ctx, b.key), &trainyardv1.DeleteModelRequest{Name: name}); codeOf(grpcErr(err)) != connect.CodeNotFound {
			t.Errorf("DeleteModel by another user = %v, want NotFound", err)
		}
		if _, err := h.gms.DeleteModel(grpcCtx(ctx, a.key), &trainyardv1.DeleteModelRequest{Name: name}); err != nil {
			t.Fatalf("DeleteModel = %v", err)
		}
		dm, err := h.cms.GetModel(withKey(ctx, a.key), &trainyardv1.GetModelRequest{Name: name})
		if err != nil || dm.GetState() != trainyardv1.ModelState_MODEL_STATE_DELETED || dm.GetDownloadUrl() != "" {
			t.Errorf("GetModel after delete = %v, %v; want DELETED without links", dm, err)
		}
		if list, _ := h.cms.ListModels(withKey(ctx, a.key), &trainyardv1.ListModelsRequest{}); len(list.GetModels()) != 0 {
			t.Errorf("ListModels after delete = %d models, want 0", len(list.GetModels()))
		}
		if _, err := h.blobs.Stat(ctx, m.ArtifactKey); err == nil {
			t.Errorf("artifact %s still stored after delete", m.ArtifactKey)
		}
		if res, body := h.get(t, path, a.key); res.StatusCode != 400 || !strings.Contains(string(body), "deleted") {
			t.Errorf("download after delete = %d %s, want 400 deleted", res.StatusCode, body)
		}
	})
}

// downloadStream reads a DownloadModel stream whole.
func (h *dataHarness) downloadStream(t *testing.T, proto, key, name string, f trainyardv1.ArtifactFormat) ([]byte, string, int64) {
	t.Helper()
	req := &trainyardv1.DownloadModelRequest{Name: name, Format: f}
	var out bytes.Buffer
	var filename string
	var size int64
	take := func(m *trainyardv1.DownloadModelResponse) {
		if m.GetFilename() != "" {
			filename, size = m.GetFilename(), m.GetSizeBytes()
		}
		out.Write(m.GetChunk())
	}
	if proto == "connect" {
		s, err := h.cms.DownloadModel(withKey(context.Background(), key), req)
		if err != nil {
			t.Fatalf("Connect DownloadModel = %v", err)
		}
		for s.Receive() {
			take(s.Msg())
		}
		if err := s.Err(); err != nil {
			t.Fatalf("Connect DownloadModel stream = %v", err)
		}
		return out.Bytes(), filename, size
	}
	s, err := h.gms.DownloadModel(grpcCtx(context.Background(), key), req)
	if err != nil {
		t.Fatalf("gRPC DownloadModel = %v", err)
	}
	for {
		m, err := s.Recv()
		if err == io.EOF {
			return out.Bytes(), filename, size
		}
		if err != nil {
			t.Fatalf("gRPC DownloadModel stream = %v", err)
		}
		take(m)
	}
}

func TestReportAndBatchOutput(t *testing.T) {
	h := newDataHarness(t, sqliteURL(t), datasets.Options{})
	ctx := context.Background()
	a := h.newUser("a@example.com", store.RoleMember)
	b := h.newUser("b@example.com", store.RoleMember)
	m := h.newModel(a, []byte("native"), []byte("onnx"))
	// Without stored results there is nothing to show yet.
	if err := m.Update().ClearMetrics().ClearReport().Exec(store.SystemContext(ctx)); err != nil {
		t.Fatal(err)
	}
	report := h.base + "/api/v1/models/" + m.ID.String() + "/report"
	if res, body := h.get(t, report, a.key); res.StatusCode != 404 || !strings.Contains(string(body), "no report yet") {
		t.Errorf("report before it exists = %d %s, want 404 no report yet", res.StatusCode, body)
	}
	html := []byte("<!doctype html><title>Report</title><svg></svg>")
	h.putBlob(blob.ModelReportKey(m.ID.String()), html)
	res, body := h.get(t, report, a.key)
	if res.StatusCode != 200 || !bytes.Equal(body, html) || res.Header.Get("Content-Type") != "text/html; charset=utf-8" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline") {
		t.Errorf("report = %d %q %q %q, want 200 inline HTML", res.StatusCode, body, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	if res, _ := h.get(t, report+"?download=1", a.key); !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("report?download=1 Content-Disposition = %q, want attachment", res.Header.Get("Content-Disposition"))
	}
	if res, _ := h.get(t, report, b.key); res.StatusCode != 404 {
		t.Errorf("report of another user's model = %d, want 404", res.StatusCode)
	}

	sys := store.SystemContext(ctx)
	bp, err := h.st.Client().BatchPrediction.Create().SetOwnerID(a.id).SetModelID(m.ID).SetInputKey("batch/in.csv").SetState(types.BatchRunning).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	output := h.base + "/api/v1/batch-predictions/" + bp.ID.String() + "/output"
	if res, body := h.get(t, output, a.key); res.StatusCode != 400 || !strings.Contains(string(body), "RUNNING") {
		t.Errorf("output of a running job = %d %s, want 400 naming RUNNING", res.StatusCode, body)
	}
	csvOut := []byte("id,label\n1,setosa\n2,versicolor\n")
	h.putBlob("batch/"+bp.ID.String()+"/out.csv", csvOut)
	if err := bp.Update().SetState(types.BatchSucceeded).SetOutputKey("batch/" + bp.ID.String() + "/out.csv").Exec(sys); err != nil {
		t.Fatal(err)
	}
	res, body = h.get(t, output, a.key)
	if res.StatusCode != 200 || !bytes.Equal(body, csvOut) || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("output = %d %q %q, want 200 and the CSV", res.StatusCode, body, res.Header.Get("Content-Type"))
	}
	if res, _ := h.get(t, output, b.key); res.StatusCode != 404 {
		t.Errorf("output of another user's job = %d, want 404", res.StatusCode)
	}
}

func TestModelScopedKeyDownloads(t *testing.T) {
	h := newDataHarness(t, sqliteURL(t), datasets.Options{})
	ctx := context.Background()
	a := h.newUser("a@example.com", store.RoleMember)
	m1 := h.newModel(a, []byte("one"), []byte("onnx one"))
	m2 := h.newModel(a, []byte("two"), []byte("onnx two"))
	scoped, _, err := h.st.CreateAPIKey(store.SystemContext(ctx), store.NewAPIKey{OwnerID: a.id, Role: store.RoleMember, DisplayName: "m1 only", ModelID: &m1.ID})
	if err != nil {
		t.Fatal(err)
	}
	base := h.base + "/api/v1/models/"
	if res, body := h.get(t, base+m1.ID.String()+"/download", scoped); res.StatusCode != 200 || string(body) != "one" {
		t.Errorf("scoped key downloading its model = %d %q, want 200 \"one\"", res.StatusCode, body)
	}
	if res, _ := h.get(t, base+m2.ID.String()+"/download", scoped); res.StatusCode != 404 {
		t.Errorf("scoped key downloading another model = %d, want 404", res.StatusCode)
	}
	if res, _ := h.get(t, base+m2.ID.String()+"/report", scoped); res.StatusCode != 404 {
		t.Errorf("scoped key reading another model's report = %d, want 404", res.StatusCode)
	}
	if status, body := h.restUpload(scoped, nil, fileOf("a.csv", []byte("x\n1\n"))); status != 403 {
		t.Errorf("scoped key uploading = %d %s, want 403", status, body)
	}
	if _, err := h.cds.ListDatasets(withKey(ctx, scoped), &trainyardv1.ListDatasetsRequest{}); codeOf(connectErr(err)) != connect.CodePermissionDenied {
		t.Errorf("scoped key listing datasets = %v, want PermissionDenied", err)
	}
}
