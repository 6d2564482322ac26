package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/store"
)

// restStatus decodes the JSON error body of a REST answer.
func restStatus(t *testing.T, body []byte) (int, string) {
	t.Helper()
	var st struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("error body is not a JSON status: %s", body)
	}
	return st.Code, st.Message
}

func sqliteURL(t testing.TB) string { return "sqlite://" + filepath.Join(t.TempDir(), "t.db") }

func TestUploadRESTErrors(t *testing.T) {
	h := newDataHarness(t, sqliteURL(t), datasets.Options{MaxBytes: 5000})
	a := h.newUser("a@example.com", store.RoleMember)
	viewer := h.newUser("a@example.com", store.RoleViewer)
	big := []byte("x,y\n" + strings.Repeat("1,2\n", 2000))
	tests := []struct {
		name     string
		key      string
		parts    []part
		status   int
		code     int
		msgParts []string
	}{
		{"too large", a.key, []part{fileOf("big.csv", big)}, http.StatusRequestEntityTooLarge, 3, []string{"limit of 5 kB"}},
		{"ragged", a.key, []part{fileOf("r.csv", []byte("x,y\n1,2\n3,4,5\n"))}, 400, 3, []string{`"r.csv"`, "line 3 (row 2)", "3 fields", "header has 2"}},
		{"not utf-8", a.key, []part{fileOf("l.csv", []byte("name,n\nJos\xe9,1\n"))}, 400, 3, []string{`column "name"`, "not UTF-8", "CSV UTF-8"}},
		{"header only", a.key, []part{fileOf("h.csv", []byte("x,y\n"))}, 400, 3, []string{"no data rows"}},
		{"empty", a.key, []part{fileOf("e.csv", nil)}, 400, 3, []string{"empty"}},
		{"no file", a.key, []part{fieldOf("displayName", "x")}, 400, 3, []string{`field named "file"`}},
		{"unknown field", a.key, []part{fieldOf("colour", "red"), fileOf("a.csv", []byte("x\n1\n"))}, 400, 3, []string{`"colour"`, "unknown form field"}},
		{"bad data type", a.key, []part{fieldOf("dataType", "VIDEO"), fileOf("a.csv", []byte("x\n1\n"))}, 400, 3, []string{`"VIDEO"`, "TABULAR"}},
		{"viewer key", viewer.key, []part{fileOf("a.csv", []byte("x\n1\n"))}, 403, 7, []string{"read-only"}},
		{"no key", "", []part{fileOf("a.csv", []byte("x\n1\n"))}, 401, 16, []string{"missing API key"}},
	}
	for _, tt := range tests {
		status, body := h.restUpload(tt.key, nil, tt.parts...)
		if status != tt.status {
			t.Errorf("%s: status = %d (%s), want %d", tt.name, status, body, tt.status)
			continue
		}
		code, msg := restStatus(t, body)
		if code != tt.code {
			t.Errorf("%s: code = %d, want %d", tt.name, code, tt.code)
		}
		for _, p := range tt.msgParts {
			if !strings.Contains(msg, p) {
				t.Errorf("%s: message %q lacks %q", tt.name, msg, p)
			}
		}
	}

	// Not multipart at all.
	req, _ := http.NewRequest(http.MethodPost, h.base+"/api/v1/data/upload", strings.NewReader(`{"file": "x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.key)
	res, err := h.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("JSON body to the upload route: status %d, want 400", res.StatusCode)
	}

	// None of the failures left a dataset behind.
	list, err := h.gds.ListDatasets(grpcCtx(context.Background(), a.key), &trainyardv1.ListDatasetsRequest{})
	if err != nil || len(list.GetDatasets()) != 0 {
		t.Errorf("datasets after failed uploads = %d, %v; want 0", len(list.GetDatasets()), err)
	}
}

func TestUploadRESTSeveralFilesAndIdempotency(t *testing.T) {
	h := newDataHarness(t, sqliteURL(t), datasets.Options{})
	a := h.newUser("a@example.com", store.RoleMember)
	iris := readShared(t, "iris.csv")
	lines := bytes.SplitAfter(iris, []byte("\n"))
	header := lines[0]
	train := bytes.Join(lines[:101], nil)
	test := append(append([]byte{}, header...), bytes.Join(lines[101:], nil)...)

	status, body := h.restUpload(a.key, nil,
		fieldOf("requestId", "req-1"), fieldOf("dataType", "tabular"),
		fileOf("train.csv", train), fileOf("test.csv", test), fieldOf("displayName", "iris split"))
	d := restDataset(t, status, body, http.StatusCreated)
	if len(d.GetFiles()) != 2 || d.GetNumRows() != 150 || d.GetSizeBytes() != int64(len(train)+len(test)) || d.GetDisplayName() != "iris split" {
		t.Errorf("upload of 2 files = %d files, %d rows, %d bytes, %q; want 2, 150, %d, \"iris split\"",
			len(d.GetFiles()), d.GetNumRows(), d.GetSizeBytes(), d.GetDisplayName(), len(train)+len(test))
	}
	if d.GetFiles()[0].GetFilename() != "train.csv" || d.GetFiles()[1].GetFilename() != "test.csv" || d.GetFiles()[1].GetSha256() != sha(test) {
		t.Errorf("files = %v, want train.csv then test.csv with their checksums", d.GetFiles())
	}

	// The same request id again returns the same dataset (200, not 201), also by header.
	status, body = h.restUpload(a.key, nil, fieldOf("requestId", "req-1"), fileOf("train.csv", train))
	again := restDataset(t, status, body, http.StatusOK)
	if again.GetId() != d.GetId() {
		t.Errorf("retry with request id = dataset %s, want %s", again.GetId(), d.GetId())
	}
	status, body = h.restUpload(a.key, http.Header{"Idempotency-Key": {"req-2"}}, fileOf("iris.csv", iris))
	first := restDataset(t, status, body, http.StatusCreated)
	status, body = h.restUpload(a.key, http.Header{"Idempotency-Key": {"req-2"}}, fileOf("iris.csv", iris))
	if second := restDataset(t, status, body, http.StatusOK); second.GetId() != first.GetId() {
		t.Errorf("retry with Idempotency-Key = dataset %s, want %s", second.GetId(), first.GetId())
	}

	// Text data is detected; a zip of images too (over the client stream).
	status, body = h.restUpload(a.key, nil, fileOf("sms.csv", readShared(t, "sms_spam.csv")))
	if sms := restDataset(t, status, body, http.StatusCreated); sms.GetDataType() != trainyardv1.DataType_DATA_TYPE_TEXT || sms.GetNumRows() != 5574 {
		t.Errorf("sms_spam upload = %v, %d rows; want TEXT, 5574", sms.GetDataType(), sms.GetNumRows())
	}
}

func TestUploadStreamErrors(t *testing.T) {
	h := newDataHarness(t, sqliteURL(t), datasets.Options{})
	ctx := context.Background()
	a := h.newUser("a@example.com", store.RoleMember)
	viewer := h.newUser("a@example.com", store.RoleViewer)
	chunk := func(b string) *trainyardv1.UploadDatasetRequest {
		return &trainyardv1.UploadDatasetRequest{Part: &trainyardv1.UploadDatasetRequest_Chunk{Chunk: []byte(b)}}
	}
	head := func(name string) *trainyardv1.UploadDatasetRequest {
		return &trainyardv1.UploadDatasetRequest{Part: &trainyardv1.UploadDatasetRequest_Header{Header: &trainyardv1.UploadHeader{Filename: name}}}
	}
	tests := []struct {
		name string
		key  string
		msgs []*trainyardv1.UploadDatasetRequest
		code connect.Code
		msg  string
	}{
		{"chunk first", a.key, []*trainyardv1.UploadDatasetRequest{chunk("x\n1\n")}, connect.CodeInvalidArgument, "first message"},
		{"two headers", a.key, []*trainyardv1.UploadDatasetRequest{head("a.csv"), chunk("x\n1\n"), head("b.csv")}, connect.CodeInvalidArgument, "second header"},
		{"no filename", a.key, []*trainyardv1.UploadDatasetRequest{head(""), chunk("x\n1\n")}, connect.CodeInvalidArgument, "filename"},
		{"ragged", a.key, []*trainyardv1.UploadDatasetRequest{head("r.csv"), chunk("x,y\n1,"), chunk("2\n3\n")}, connect.CodeInvalidArgument, "line 3 (row 2) has 1 fields"},
		{"empty", a.key, []*trainyardv1.UploadDatasetRequest{head("e.csv")}, connect.CodeInvalidArgument, "empty"},
		{"viewer", viewer.key, []*trainyardv1.UploadDatasetRequest{head("a.csv"), chunk("x\n1\n")}, connect.CodePermissionDenied, "read-only"},
		{"no key", "", []*trainyardv1.UploadDatasetRequest{head("a.csv"), chunk("x\n1\n")}, connect.CodeUnauthenticated, "missing API key"},
	}
	for _, proto := range []string{"connect", "grpc"} {
		for _, tt := range tests {
			_, err := h.streamUpload(ctx, proto, tt.key, tt.msgs...)
			if codeOf(err) != tt.code || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%s %s: UploadDataset error = %v, want %v containing %q", proto, tt.name, err, tt.code, tt.msg)
			}
		}
	}
}

func TestUploadStreamIdempotencyAndImages(t *testing.T) {
	h := newDataHarness(t, sqliteURL(t), datasets.Options{})
	ctx := context.Background()
	a := h.newUser("a@example.com", store.RoleMember)
	iris := readShared(t, "iris.csv")
	hdr := &trainyardv1.UploadHeader{Filename: "iris.csv", RequestId: "stream-1"}
	first, err := h.streamUpload(ctx, "connect", a.key, uploadMsgs(hdr, iris, 512)...)
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.streamUpload(ctx, "grpc", a.key, uploadMsgs(hdr, iris, 512)...)
	if err != nil || again.GetId() != first.GetId() {
		t.Errorf("second upload with request_id = %v, %v; want dataset %s", again.GetId(), err, first.GetId())
	}

	// A zip of class folders is an IMAGE dataset; the preview lists images and labels.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range []string{"cats/1.png", "cats/2.png", "dogs/1.png"} {
		w, _ := zw.Create(p)
		w.Write([]byte("\x89PNG fake image bytes"))
	}
	zw.Close()
	status, body := h.restUpload(a.key, nil, fileOf("pets.zip", buf.Bytes()))
	d := restDataset(t, status, body, http.StatusCreated)
	if d.GetDataType() != trainyardv1.DataType_DATA_TYPE_IMAGE || d.GetNumRows() != 3 || !d.GetIsLabeled() {
		t.Errorf("zip upload = %v, %d rows, labeled %v; want IMAGE, 3, true", d.GetDataType(), d.GetNumRows(), d.GetIsLabeled())
	}
	p, err := h.preview(ctx, "rest", a.key, d.GetId(), 5)
	if err != nil || len(p.GetRows()) != 3 || p.GetRows()[2].GetValues()[1] != "dogs" || p.GetColumns()[1].GetCardinality() != 2 {
		t.Errorf("zip preview = %v, %v; want 3 rows, the last labeled dogs, 2 classes", p, err)
	}
}
