package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/ent/types"
	"github.com/trainyard/trainyard/gen/go/inference"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/model"
)

// fashionImages reads the first n images of each class of a split of the shared image set.
func fashionImages(t *testing.T, split string, n int) []image.Example {
	t.Helper()
	ex, err := image.ReadFolders(filepath.Join(sharedPath(t, "fashion_mnist"), split), n)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// deployImage stores an image artifact and records a DEPLOYED model of u (no ONNX export).
func (h *servingHarness) deployImage(u user, art *model.Artifact) string {
	h.t.Helper()
	ctx := store.WithViewer(context.Background(), store.Viewer{UserID: u.id, Role: store.RoleMember})
	p, err := h.st.CreateProject(ctx, store.NewProject{DatasetID: uuid.MustParse(h.newDataset(u)), ProblemDescription: "classify the pictures"})
	if err != nil {
		h.t.Fatal(err)
	}
	id := uuid.Must(uuid.NewV7())
	key := blob.ModelPrefix(id.String()) + "model.json.gz"
	h.putArtifact(key, art)
	if _, err := h.st.Client().Model.Create().SetID(id).SetOwnerID(u.id).SetProjectID(p.ID).SetLearner("pixels_logistic").
		SetArtifactKey(key).SetState(types.ModelDeployed).Save(store.SystemContext(context.Background())); err != nil {
		h.t.Fatal(err)
	}
	return id.String()
}

// TestPredictImageOverEveryProtocol deploys an image classifier and sends it images over
// Connect, gRPC and REST (base64 text in the instance's image field) and over the Open
// Inference Protocol (a BYTES tensor: base64 in JSON over HTTP, raw bytes over gRPC): every
// protocol gives the model's own answer for each image, and a field that is not an image is
// refused with a message.
func TestPredictImageOverEveryProtocol(t *testing.T) {
	h := newServingHarness(t)
	owner := h.newUser("owner@example.com", store.RoleMember)
	c, err := image.FitClassifier(context.Background(), fashionImages(t, "train", 30), image.ClassifierParams{SkipNet: true, Seed: 1, Budget: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	art, err := model.NewImage(c, model.Training{Rows: 300})
	if err != nil {
		t.Fatal(err)
	}
	id := h.deployImage(owner, art)
	test := fashionImages(t, "test", 2)
	want := make([]string, len(test))
	var insts []*structpb.Struct
	for i, e := range test {
		var d model.Prediction
		if err := art.PredictImage(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		want[i] = d.Label
		s, _ := structpb.NewStruct(map[string]any{"image": base64.StdEncoding.EncodeToString(e.Data)})
		insts = append(insts, s)
	}
	res, codes := h.predictOver(t, owner.key, &trainyardv1.PredictRequest{Name: "models/" + id, Instances: insts, Explain: true})
	if len(codes) > 0 {
		t.Fatalf("Predict failed: %v", codes)
	}
	for proto, r := range res {
		right := 0
		for i, p := range r.GetPredictions() {
			if p.GetError() != "" || p.GetLabel() != want[i] || len(p.GetProbabilities()) != 10 {
				t.Errorf("%s: prediction %d = %v, want label %q with 10 probabilities", proto, i, p, want[i])
			}
			if p.GetLabel() == test[i].Label {
				right++
			}
		}
		if right < len(test)/2 {
			t.Errorf("%s: %d of %d test images right, want at least half", proto, right, len(test))
		}
	}
	// The same images as bytes in the request's images field, each beside an empty instance.
	var raws [][]byte
	var empties []*structpb.Struct
	for _, e := range test {
		raws = append(raws, e.Data)
		empties = append(empties, &structpb.Struct{})
	}
	ireq := &trainyardv1.PredictRequest{Name: "models/" + id, Instances: empties, Images: raws}
	got := map[string]*trainyardv1.PredictResponse{}
	if got["connect"], err = h.cps.Predict(withKey(context.Background(), owner.key), ireq); err != nil {
		t.Fatalf("Connect Predict with images = %v", err)
	}
	gctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+owner.key)
	if got["grpc"], err = h.gps.Predict(gctx, ireq); err != nil {
		t.Fatalf("gRPC Predict with images = %v", err)
	}
	got["rest"] = restPredict(t, h, owner.key, id, ireq)
	for proto, r := range got {
		for i, p := range r.GetPredictions() {
			if p.GetError() != "" || p.GetLabel() != want[i] {
				t.Errorf("%s: prediction %d from the images field = %v, want label %q", proto, i, p, want[i])
			}
		}
	}
	if _, err := h.cps.Predict(withKey(context.Background(), owner.key), &trainyardv1.PredictRequest{Name: "models/" + id, Instances: empties[:1], Images: raws[:2]}); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("Predict with more images than instances = %v, want InvalidArgument", err)
	}

	if _, err := h.cps.BatchPredict(withKey(context.Background(), owner.key), &trainyardv1.BatchPredictRequest{Name: "models/" + id, DatasetId: h.newDataset(owner)}); connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Errorf("BatchPredict with an image model = %v, want FailedPrecondition", err)
	}

	bad, _ := structpb.NewStruct(map[string]any{"image": "aGVsbG8="})
	res, _ = h.predictOver(t, owner.key, &trainyardv1.PredictRequest{Name: "models/" + id, Instances: []*structpb.Struct{bad}})
	if p := res["connect"].GetPredictions(); len(p) != 1 || p[0].GetError() == "" {
		t.Errorf("Predict(base64 of text) = %v, want an error naming the image", p)
	}

	// OIP over HTTP: a BYTES tensor of base64 texts.
	var data []string
	for _, e := range test {
		data = append(data, base64.StdEncoding.EncodeToString(e.Data))
	}
	body, _ := json.Marshal(map[string]any{"inputs": []any{map[string]any{"name": "image", "datatype": "BYTES", "shape": []int{len(data), 1}, "data": data}}})
	req, _ := http.NewRequest(http.MethodPost, h.base+"/v2/models/"+id+"/infer", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+owner.key)
	req.Header.Set("Content-Type", "application/json")
	hres, err := h.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(hres.Body)
	hres.Body.Close()
	var oip struct {
		Outputs []struct {
			Name string `json:"name"`
			Data []any  `json:"data"`
		} `json:"outputs"`
	}
	if hres.StatusCode != http.StatusOK || json.Unmarshal(b, &oip) != nil {
		t.Fatalf("OIP infer = %d %s", hres.StatusCode, b)
	}
	for _, o := range oip.Outputs {
		if o.Name != "label" {
			continue
		}
		for i, l := range o.Data {
			if l != want[i] {
				t.Errorf("OIP HTTP label %d = %v, want %q", i, l, want[i])
			}
		}
	}

	// OIP over gRPC: raw image bytes in bytes_contents.
	conn, err := grpc.NewClient(h.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var raw [][]byte
	for _, e := range test {
		raw = append(raw, e.Data)
	}
	gres, err := inference.NewGRPCInferenceServiceClient(conn).ModelInfer(gctx, &inference.ModelInferRequest{
		ModelName: id, Outputs: []*inference.ModelInferRequest_InferRequestedOutputTensor{{Name: "label"}},
		Inputs: []*inference.ModelInferRequest_InferInputTensor{{Name: "image", Datatype: "BYTES", Shape: []int64{int64(len(raw)), 1},
			Contents: &inference.InferTensorContents{BytesContents: raw}}},
	})
	if err != nil {
		t.Fatalf("OIP ModelInfer = %v", err)
	}
	labels := decodeBytesTensor(gres.GetRawOutputContents()[0])
	if len(labels) != len(want) {
		t.Fatalf("OIP gRPC gave %d labels, want %d", len(labels), len(want))
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Errorf("OIP gRPC label %d = %q, want %q", i, labels[i], want[i])
		}
	}
}

// decodeBytesTensor splits a raw BYTES tensor (4-byte little-endian lengths) into texts.
func decodeBytesTensor(b []byte) []string {
	var out []string
	for len(b) >= 4 {
		n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16 | int(b[3])<<24
		out = append(out, string(b[4:4+n]))
		b = b[4+n:]
	}
	return out
}

// restPredict posts a PredictRequest as JSON (bytes as base64, as protojson writes them) to
// the REST route and decodes the answer.
func restPredict(t *testing.T, h *servingHarness, key, id string, req *trainyardv1.PredictRequest) *trainyardv1.PredictResponse {
	t.Helper()
	body, err := protojson.Marshal(&trainyardv1.PredictRequest{Instances: req.Instances, Images: req.Images, Explain: req.Explain})
	if err != nil {
		t.Fatal(err)
	}
	hreq, _ := http.NewRequest(http.MethodPost, h.base+"/api/v1/models/"+id+"/predict", bytes.NewReader(body))
	hreq.Header.Set("Authorization", "Bearer "+key)
	hreq.Header.Set("Content-Type", "application/json")
	hres, err := h.http.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(hres.Body)
	hres.Body.Close()
	out := &trainyardv1.PredictResponse{}
	if hres.StatusCode != http.StatusOK || protojson.Unmarshal(b, out) != nil {
		t.Fatalf("REST predict = %d %s", hres.StatusCode, b)
	}
	return out
}
