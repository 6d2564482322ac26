package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/testing/protocmp"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/store"
)

// part is one part of a multipart form: a file when filename is set, else a field.
type part struct {
	field, filename string
	body            io.Reader
}

// fileOf is a "file" part.
func fileOf(name string, data []byte) part {
	return part{field: "file", filename: name, body: bytes.NewReader(data)}
}

// fieldOf is a text field.
func fieldOf(name, value string) part { return part{field: name, body: strings.NewReader(value)} }

// restUpload posts a multipart form as curl -F does, streaming it through a pipe.
func (h *dataHarness) restUpload(key string, header http.Header, parts ...part) (int, []byte) {
	h.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, p := range parts {
			var w io.Writer
			var err error
			if p.filename != "" {
				w, err = mw.CreateFormFile(p.field, p.filename)
			} else {
				w, err = mw.CreateFormField(p.field)
			}
			if err == nil {
				_, err = io.Copy(w, p.body)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	req, err := http.NewRequest(http.MethodPost, h.base+"/api/v1/data/upload", pr)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range header {
		req.Header[k] = v
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := h.http.Do(req)
	if err != nil {
		h.t.Fatalf("POST /api/v1/data/upload: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

// restDataset decodes a Dataset answer, failing on an error status.
func restDataset(t *testing.T, code int, body []byte, want int) *trainyardv1.Dataset {
	t.Helper()
	if code != want {
		t.Fatalf("upload status = %d (%s), want %d", code, body, want)
	}
	d := &trainyardv1.Dataset{}
	if err := protojson.Unmarshal(body, d); err != nil {
		t.Fatalf("upload answer %s: %v", body, err)
	}
	return d
}

// streamUpload uploads data over the client stream of Connect ("connect") or gRPC ("grpc").
func (h *dataHarness) streamUpload(ctx context.Context, proto, key string, msgs ...*trainyardv1.UploadDatasetRequest) (*trainyardv1.Dataset, error) {
	switch proto {
	case "connect":
		s, err := h.cds.UploadDataset(withKey(ctx, key))
		if err != nil {
			return nil, connectErr(err)
		}
		for _, m := range msgs {
			if err := s.Send(m); err != nil {
				break // the server answered early; CloseAndReceive has its error
			}
		}
		res, err := s.CloseAndReceive()
		return res, connectErr(err)
	default:
		s, err := h.gds.UploadDataset(grpcCtx(ctx, key))
		if err != nil {
			return nil, grpcErr(err)
		}
		for _, m := range msgs {
			if err := s.Send(m); err != nil {
				break
			}
		}
		res, err := s.CloseAndRecv()
		return res, grpcErr(err)
	}
}

// uploadMsgs is a header and the data in chunks of n bytes.
func uploadMsgs(h *trainyardv1.UploadHeader, data []byte, n int) []*trainyardv1.UploadDatasetRequest {
	msgs := []*trainyardv1.UploadDatasetRequest{{Part: &trainyardv1.UploadDatasetRequest_Header{Header: h}}}
	for len(data) > 0 {
		k := min(n, len(data))
		msgs = append(msgs, &trainyardv1.UploadDatasetRequest{Part: &trainyardv1.UploadDatasetRequest_Chunk{Chunk: data[:k]}})
		data = data[k:]
	}
	return msgs
}

// getDataset reads a dataset over one protocol.
func (h *dataHarness) getDataset(ctx context.Context, proto, key, id string) (*trainyardv1.Dataset, error) {
	switch proto {
	case "connect":
		d, err := h.cds.GetDataset(withKey(ctx, key), &trainyardv1.GetDatasetRequest{Name: "datasets/" + id})
		return d, connectErr(err)
	case "grpc":
		d, err := h.gds.GetDataset(grpcCtx(ctx, key), &trainyardv1.GetDatasetRequest{Name: id})
		return d, grpcErr(err)
	default:
		d := &trainyardv1.Dataset{}
		return d, restClient{base: h.base, hc: h.http}.do(ctx, key, http.MethodGet, "/api/v1/data/"+id, nil, d)
	}
}

// preview reads a preview over one protocol.
func (h *dataHarness) preview(ctx context.Context, proto, key, id string, rows int32) (*trainyardv1.DataPreview, error) {
	req := &trainyardv1.GetDataPreviewRequest{Name: "datasets/" + id, Rows: rows}
	switch proto {
	case "connect":
		p, err := h.cds.GetDataPreview(withKey(ctx, key), req)
		return p, connectErr(err)
	case "grpc":
		p, err := h.gds.GetDataPreview(grpcCtx(ctx, key), req)
		return p, grpcErr(err)
	default:
		p := &trainyardv1.DataPreview{}
		return p, restClient{base: h.base, hc: h.http}.do(ctx, key, http.MethodGet, fmt.Sprintf("/api/v1/data/%s/preview?rows=%d", id, rows), nil, p)
	}
}

var protocols = []string{"connect", "grpc", "rest"}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestDatasetUploadAndRead(t *testing.T) {
	forEachBackend(t, func(t *testing.T, url string) {
		h := newDataHarness(t, url, datasets.Options{})
		ctx := context.Background()
		a := h.newUser("a@example.com", store.RoleMember)
		b := h.newUser("b@example.com", store.RoleMember)

		// REST, as curl -F file=@titanic.csv -F displayName=Titanic.
		titanic := readShared(t, "titanic.csv")
		code, body := h.restUpload(a.key, nil, fieldOf("displayName", "Titanic"), fileOf("titanic.csv", titanic))
		var raw map[string]any
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("upload answer is not JSON: %s", body)
		}
		for _, k := range []string{"id", "displayName", "dataType", "numRows", "numColumns", "sizeBytes", "columns", "createTime"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("upload answer lacks camelCase field %q: %s", k, body)
			}
		}
		dt := restDataset(t, code, body, http.StatusCreated)
		if dt.GetNumRows() != 891 || dt.GetNumColumns() != 12 || dt.GetDisplayName() != "Titanic" ||
			dt.GetDataType() != trainyardv1.DataType_DATA_TYPE_TABULAR || dt.GetFiles()[0].GetSha256() != sha(titanic) {
			t.Errorf("REST upload = %d rows, %d cols, %q, %v, sha %s; want 891, 12, Titanic, TABULAR, %s",
				dt.GetNumRows(), dt.GetNumColumns(), dt.GetDisplayName(), dt.GetDataType(), dt.GetFiles()[0].GetSha256(), sha(titanic))
		}

		// Connect and gRPC client streams.
		iris := readShared(t, "iris.csv")
		di, err := h.streamUpload(ctx, "connect", a.key, uploadMsgs(&trainyardv1.UploadHeader{Filename: "iris.csv"}, iris, 1000)...)
		if err != nil {
			t.Fatalf("Connect UploadDataset(iris) = %v", err)
		}
		penguins := readShared(t, "penguins.csv")
		dp, err := h.streamUpload(ctx, "grpc", a.key, uploadMsgs(&trainyardv1.UploadHeader{Filename: "penguins.csv", DisplayName: "Penguins"}, penguins, 4096)...)
		if err != nil {
			t.Fatalf("gRPC UploadDataset(penguins) = %v", err)
		}
		if di.GetNumRows() != 150 || di.GetColumns()[4].GetKind() != trainyardv1.ColumnKind_COLUMN_KIND_CATEGORICAL || di.GetFiles()[0].GetSha256() != sha(iris) {
			t.Errorf("Connect upload of iris = %d rows, species %v, sha %s; want 150, CATEGORICAL, %s", di.GetNumRows(), di.GetColumns()[4].GetKind(), di.GetFiles()[0].GetSha256(), sha(iris))
		}
		if dp.GetNumRows() != 344 || dp.GetDisplayName() != "Penguins" {
			t.Errorf("gRPC upload of penguins = %d rows, %q; want 344, Penguins", dp.GetNumRows(), dp.GetDisplayName())
		}
		if c := dp.GetColumns()[2]; c.GetName() != "bill_length_mm" || c.GetMin() != 32.1 || c.GetMax() != 59.6 || c.GetMissingRatio() != 2.0/344 {
			t.Errorf("penguins bill_length_mm = %s min %v max %v missing %v; want 32.1, 59.6, 2/344", c.GetName(), c.GetMin(), c.GetMax(), c.GetMissingRatio())
		}

		uploaded := []*trainyardv1.Dataset{dt, di, dp}
		for _, proto := range protocols {
			for _, want := range uploaded {
				got, err := h.getDataset(ctx, proto, a.key, want.GetId())
				if err != nil {
					t.Errorf("%s GetDataset(%s) = %v", proto, want.GetDisplayName(), err)
					continue
				}
				if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
					t.Errorf("%s GetDataset(%s) differs from the upload answer (-want +got):\n%s", proto, want.GetDisplayName(), diff)
				}
				if _, err := h.getDataset(ctx, proto, b.key, want.GetId()); codeOf(err) != connect.CodeNotFound {
					t.Errorf("%s GetDataset(another user's) error = %v, want NotFound", proto, err)
				}
				if _, err := h.preview(ctx, proto, b.key, want.GetId(), 3); codeOf(err) != connect.CodeNotFound {
					t.Errorf("%s GetDataPreview(another user's) error = %v, want NotFound", proto, err)
				}
			}
			p, err := h.preview(ctx, proto, a.key, dt.GetId(), 3)
			if err != nil {
				t.Fatalf("%s GetDataPreview(titanic) = %v", proto, err)
			}
			recs, _ := csv.NewReader(bytes.NewReader(titanic)).ReadAll()
			if p.GetTotalRows() != 891 || !cmp.Equal(p.GetColumnNames(), recs[0]) || len(p.GetRows()) != 3 || len(p.GetColumns()) != 12 {
				t.Errorf("%s preview = %d total, columns %q, %d rows, %d profiles; want 891, the header, 3, 12", proto, p.GetTotalRows(), p.GetColumnNames(), len(p.GetRows()), len(p.GetColumns()))
			} else if got := p.GetRows()[1].GetValues(); !cmp.Equal(got, recs[2]) {
				t.Errorf("%s preview row 2 = %q, want %q", proto, got, recs[2])
			}
		}

		// Lists are per owner, newest first.
		res, err := h.cds.ListDatasets(withKey(ctx, a.key), &trainyardv1.ListDatasetsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range res.GetDatasets() {
			ids = append(ids, d.GetId())
		}
		if want := []string{dp.GetId(), di.GetId(), dt.GetId()}; !cmp.Equal(ids, want) {
			t.Errorf("ListDatasets = %q, want %q", ids, want)
		}
		other, err := h.gds.ListDatasets(grpcCtx(ctx, b.key), &trainyardv1.ListDatasetsRequest{})
		if err != nil || len(other.GetDatasets()) != 0 {
			t.Errorf("ListDatasets by another user = %d, %v; want 0", len(other.GetDatasets()), err)
		}

		// Delete: another user cannot, the owner can (over REST), and then it is gone.
		if _, err := h.gds.DeleteDataset(grpcCtx(ctx, b.key), &trainyardv1.DeleteDatasetRequest{Name: di.GetName()}); codeOf(grpcErr(err)) != connect.CodeNotFound {
			t.Errorf("DeleteDataset by another user = %v, want NotFound", err)
		}
		if err := (restClient{base: h.base, hc: h.http}).do(ctx, a.key, http.MethodDelete, "/api/v1/data/"+di.GetId(), nil, &trainyardv1.DeleteDatasetResponse{}); err != nil {
			t.Errorf("REST DELETE /api/v1/data/{id} = %v", err)
		}
		if _, err := h.getDataset(ctx, "connect", a.key, di.GetId()); codeOf(err) != connect.CodeNotFound {
			t.Errorf("GetDataset after delete = %v, want NotFound", err)
		}
	})
}
