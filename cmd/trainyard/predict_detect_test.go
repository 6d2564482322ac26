package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	goimage "image"
	"image/color"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/config"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/internal/vertex/vertextest"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/server"
)

// colorDetector is the object detector the fake Vertex AI endpoint serves: it finds the red
// pixels of a picture (a "square", confidence 0.92) and the blue ones (a "bar", 0.61), and
// answers their bounding boxes as AutoML image object detection answers: {"displayNames",
// "confidences", "bboxes": [[xMin, xMax, yMin, yMax]]}, fractions of the picture.
func colorDetector(_ *aiplatformpb.Model, in []*structpb.Value) ([]*structpb.Value, error) {
	out := make([]*structpb.Value, len(in))
	for i, v := range in {
		b, err := base64.StdEncoding.DecodeString(v.GetStructValue().GetFields()["content"].GetStringValue())
		if err != nil {
			return nil, fmt.Errorf("instance %d: want {\"content\": base64}", i)
		}
		img, err := image.Decode(b)
		if err != nil {
			return nil, fmt.Errorf("instance %d: %w", i, err)
		}
		names, conf, boxes := []any{}, []any{}, []any{}
		for _, c := range []struct {
			label      string
			confidence float64
			col        color.RGBA
		}{{"square", 0.92, color.RGBA{R: 255, A: 255}}, {"bar", 0.61, color.RGBA{B: 255, A: 255}}} {
			if r, ok := colorBounds(img, c.col); ok {
				w, h := float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
				names, conf = append(names, c.label), append(conf, c.confidence)
				boxes = append(boxes, []any{float64(r.Min.X) / w, float64(r.Max.X) / w, float64(r.Min.Y) / h, float64(r.Max.Y) / h})
			}
		}
		if out[i], err = structpb.NewValue(map[string]any{"displayNames": names, "confidences": conf, "bboxes": boxes}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// colorBounds returns the smallest rectangle holding every pixel of img of color c.
func colorBounds(img goimage.Image, c color.RGBA) (goimage.Rectangle, bool) {
	var r goimage.Rectangle
	found := false
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) != c {
				continue
			}
			px := goimage.Rect(x, y, x+1, y+1)
			if found {
				r = r.Union(px)
			} else {
				r, found = px, true
			}
		}
	}
	return r, found
}

// writePicture writes a white w×h PNG with the given rectangles filled in their colors.
func writePicture(t *testing.T, path string, w, h int, fill map[goimage.Rectangle]color.RGBA) {
	t.Helper()
	img := goimage.NewRGBA(goimage.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for r, c := range fill {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				img.SetRGBA(x, y, c)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// deployDetector trains an AutoML object detector on the fake Vertex AI and deploys it as
// the pipeline does, and returns the deployment.
func deployDetector(t *testing.T, vc *vertex.Client) vertex.Deployment {
	t.Helper()
	ctx := context.Background()
	m, err := vc.TrainImage(ctx, vertex.ImageTask{DisplayName: "shapes", ImportURI: "gs://bucket/shapes/boxes.csv", ObjectDetection: true, Budget: time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dep, err := vc.Deploy(ctx, m.GetName(), "shapes", vertex.Autoscaling{Automatic: true})
	if err != nil {
		t.Fatal(err)
	}
	return dep
}

// startVertexAPI starts the API server as serve wires it with a vertex:// trainer URL, on the
// SQLite store and the blobs in dataDir, answering endpoint models through vc, until the test
// ends; it returns the base URL and an admin's API key.
func startVertexAPI(t *testing.T, dataDir string, vc *vertex.Client) (base, key string) {
	t.Helper()
	ctx := context.Background()
	st := openStore(t, dataDir)
	bl, err := blob.Open(ctx, "", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bl.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base = "http://" + ln.Addr().String()
	api, err := server.New(ctx, server.Options{Store: st, PublicURL: base})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = dataDir
	if _, err := mountDataServices(api, st, bl, cfg, vc); err != nil {
		t.Fatal(err)
	}
	go api.Serve(ln)
	t.Cleanup(func() { api.Shutdown(context.Background()) })
	sys := store.SystemContext(ctx)
	admin, err := st.GetOrCreateUser(sys, "admin@example.com", "", store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if key, _, err = st.CreateAPIKey(sys, store.NewAPIKey{OwnerID: admin.ID, Role: store.RoleAdmin, DisplayName: "cli"}); err != nil {
		t.Fatal(err)
	}
	return base, key
}

// TestCLIPredictDetections predicts with an object detector that Vertex AI (the fake) serves
// through a real API server: for a folder of pictures the terminal shows each picture's
// objects with their labels, confidences and boxes in the picture's pixels; --out writes one
// CSV line per object; --output json is the API's answer, boxes in fractions. A picture
// given inline as base64 has no size the CLI knows, and its boxes stay in fractions.
func TestCLIPredictDetections(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	loc := vertex.Location{Project: "p1", Region: "us-central1"}
	fake, opts := vertextest.Start(t, loc.Parent())
	fake.Serve = colorDetector
	vc, err := vertex.New(context.Background(), loc, vertex.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vc.Close() })
	base, key := startVertexAPI(t, dataDir, vc)
	dep := deployDetector(t, vc)
	id := addModel(t, dataDir, nil, &trainyardv1.Model{
		Features:    []*trainyardv1.FeatureSpec{{Name: model.ImageInput, Kind: trainyardv1.FeatureKind_FEATURE_KIND_IMAGE}},
		Classes:     []string{"bar", "square"},
		ProblemType: trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION,
	})
	deployed := store.ModelDeployed
	if _, err := openStore(t, dataDir).UpdateModel(store.SystemContext(context.Background()), uuid.MustParse(id),
		store.ModelChanges{State: &deployed, EndpointID: &dep.Endpoint, ExternalID: &dep.Model}); err != nil {
		t.Fatal(err)
	}
	c := cliRunner{t, map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config"), "TRAINYARD_URL": base, "TRAINYARD_API_KEY": key}}

	photos := filepath.Join(dir, "photos")
	if err := os.Mkdir(photos, 0o755); err != nil {
		t.Fatal(err)
	}
	shapes, empty := filepath.Join(photos, "a.png"), filepath.Join(photos, "b.png")
	writePicture(t, shapes, 200, 100, map[goimage.Rectangle]color.RGBA{
		goimage.Rect(20, 10, 60, 50):   {R: 255, A: 255},
		goimage.Rect(100, 70, 180, 80): {B: 255, A: 255},
	})
	writePicture(t, empty, 32, 32, nil)

	out, _ := c.ok("predict", id, "--input", photos)
	want := "   1  " + shapes + "  2 objects in 200×100 px\n" +
		"        square  (p=0.920)  20,10 → 60,50 px\n" +
		"        bar     (p=0.610)  100,70 → 180,80 px\n" +
		"   2  " + empty + "  no objects found\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("predict of a folder printed (-want +got):\n%s", diff)
	}

	dets := filepath.Join(dir, "objects.csv")
	c.ok("predict", id, "--input", photos, "--out", dets)
	wantCSV := [][]string{
		{"image", "object", "label", "confidence", "xmin", "ymin", "xmax", "ymax", "box_unit", "error"},
		{shapes, "1", "square", "0.92", "20", "10", "60", "50", "px", ""},
		{shapes, "2", "bar", "0.61", "100", "70", "180", "80", "px", ""},
		{empty, "", "", "", "", "", "", "", "", ""},
	}
	if diff := cmp.Diff(wantCSV, readAll(t, dets)); diff != "" {
		t.Errorf("--out CSV (-want +got):\n%s", diff)
	}

	out, _ = c.ok("predict", id, "--input", shapes, "--output", "json")
	var res trainyardv1.PredictResponse
	if err := protojson.Unmarshal([]byte(out), &res); err != nil || len(res.GetPredictions()) != 1 {
		t.Fatalf("predict --output json = %s (%v), want one PredictResponse with one prediction", out, err)
	}
	wantObj := &trainyardv1.DetectedObject{Label: "square", Confidence: 0.92, Xmin: 0.1, Ymin: 0.1, Xmax: 0.3, Ymax: 0.5}
	if objs := res.GetPredictions()[0].GetObjects(); len(objs) != 2 || !proto.Equal(objs[0], wantObj) {
		t.Errorf("predict --output json objects = %v, want 2, the first %v", objs, wantObj)
	}

	b, err := os.ReadFile(shapes)
	if err != nil {
		t.Fatal(err)
	}
	rows := filepath.Join(dir, "rows.csv")
	if err := os.WriteFile(rows, []byte("image\n"+base64.StdEncoding.EncodeToString(b)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ = c.ok("predict", id, "--input", rows)
	if !strings.Contains(out, "   1  2 objects\n        square  (p=0.920)  0.1,0.1 → 0.3,0.5 (fractions of the picture's width and height)\n") {
		t.Errorf("predict of an inline picture printed %q, want its boxes in fractions", out)
	}
}
