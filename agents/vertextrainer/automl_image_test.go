package vertextrainer_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	goimage "image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/agents/vertextrainer"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/internal/vertex/vertextest"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/model"
)

// shapesZip writes a zip of two class folders of small PNGs: "bright" images are mostly light,
// "dark" ones mostly dark, both noisy.
func shapesZip(t *testing.T, perClass int) (string, map[string][]byte) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	path := filepath.Join(t.TempDir(), "shades.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	held := map[string][]byte{}
	for _, class := range []string{"bright", "dark"} {
		for i := range perClass + 1 {
			img := goimage.NewRGBA(goimage.Rect(0, 0, 12, 12))
			for y := range 12 {
				for x := range 12 {
					v := 40 + rng.IntN(80)
					if class == "bright" {
						v += 120
					}
					img.Set(x, y, color.RGBA{uint8(v), uint8(v), uint8(v), 255})
				}
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if i == perClass {
				held[class] = buf.Bytes()
				continue
			}
			w, err := zw.Create(fmt.Sprintf("%s/%03d.png", class, i))
			if err != nil {
				t.Fatal(err)
			}
			w.Write(buf.Bytes())
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, held
}

// autoMLImage plays Vertex AI AutoML image classification inside the fake: a training pipeline
// reads the import file its dataset was loaded from and the images it lists from the blob
// store, fits the engine's image classifier on them (standing in for Google's), and the
// deployed model answers {"displayNames", "confidences"} for {"content": base64} instances.
type autoMLImage struct {
	tr                         *vertextrainer.Trainer
	srv                        *vertextest.Server
	trained[*image.Classifier] // training pipeline → model
}

func (a *autoMLImage) train(p *aiplatformpb.TrainingPipeline) error {
	if p.GetTrainingTaskDefinition() != vertex.ImageClassificationTraining {
		return fmt.Errorf("definition %s: this fake trains image classifiers", p.GetTrainingTaskDefinition())
	}
	if err := a.nextFailure(); err != nil {
		return err
	}
	ctx := context.Background()
	read := bucketReader(ctx, a.tr)
	recs, err := importRecords(a.srv, read, p.GetInputDataConfig().GetDatasetId())
	if err != nil {
		return err
	}
	var ex []image.Example
	for _, rec := range recs {
		data, err := read(rec[0])
		if err != nil {
			return err
		}
		ex = append(ex, image.Example{Name: rec[0], Label: rec[1], Data: data})
	}
	c, err := image.FitClassifier(ctx, ex, image.ClassifierParams{Budget: time.Second, Seed: 3})
	if err != nil {
		return err
	}
	a.put(p.GetName(), c)
	return nil
}

func (a *autoMLImage) serve(m *aiplatformpb.Model, in []*structpb.Value) ([]*structpb.Value, error) {
	c := a.get(m.GetTrainingPipeline())
	if c == nil {
		return nil, fmt.Errorf("model %s was not trained by AutoML image", m.GetName())
	}
	out := make([]*structpb.Value, len(in))
	for i, v := range in {
		b, err := imageContent(i, v)
		if err != nil {
			return nil, err
		}
		pr, err := c.PredictProba([]image.Example{{Data: b}})
		if err != nil {
			return nil, err
		}
		var names, conf []any
		for j, cl := range c.Classes {
			names, conf = append(names, cl), append(conf, pr[0][j])
		}
		sv, err := structpb.NewValue(map[string]any{"ids": names, "displayNames": names, "confidences": conf})
		if err != nil {
			return nil, err
		}
		out[i] = sv
	}
	return out, nil
}

func TestVertexAutoMLImageChallengerInThePipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline")
	}
	ctx := context.Background()
	dir := t.TempDir()
	tr, srv := newTrainer(t, dir)
	a := &autoMLImage{tr: tr, srv: srv}
	a.fail = []error{errors.New("Internal error: training budget exhausted before the model converged")}
	srv.TrainAutoML = a.train
	srv.Serve = a.serve
	tr.AutoML, tr.AutoMLMinBudget = true, time.Second

	e := startPipeline(t, ctx, dir, tr)
	path, held := shapesZip(t, 30)
	p := completedProject(t, ctx, e, path, "is the picture bright or dark", 2, 90*time.Second)
	m := projectModel(t, ctx, e, p)
	entries := auditEntries(t, ctx, e, p)
	var retried, automlWon, engineWon bool
	for _, en := range entries {
		retried = retried || strings.HasPrefix(en.Decision, "retry AutoML image training (attempt 2 of 3)")
		automlWon = automlWon || strings.HasPrefix(en.Decision, "serve the AutoML image model on ")
		engineWon = engineWon || strings.HasPrefix(en.Decision, "serve the engine's image model: it scored accuracy")
	}
	if !retried || automlWon == engineWon {
		t.Fatalf("decisions: retry %v, AutoML served %v, engine served %v; want a retry and one verdict", retried, automlWon, engineWon)
	}
	t.Logf("AutoML image challenger won: %v", automlWon)
	if !automlWon {
		if m.EndpointID != "" || len(srv.Endpoints()) != 0 {
			t.Errorf("the engine's image model is served by Trainyard, but model endpoint %q, fake endpoints %d", m.EndpointID, len(srv.Endpoints()))
		}
		return
	}
	eps := srv.Endpoints()
	if len(eps) != 1 || eps[0].GetName() != m.EndpointID || eps[0].GetDeployedModels()[0].GetAutomaticResources() == nil {
		t.Fatalf("fake endpoints = %v, want the AutoML model on automatic resources", eps)
	}
	// The API's serving registry classifies an image through the endpoint.
	lm := loadServed(t, ctx, e, tr, m)
	for class, b := range held {
		row, _, err := lm.Row(serving.MapFields{"image": base64.StdEncoding.EncodeToString(b)})
		if err != nil {
			t.Fatal(err)
		}
		var pr model.Prediction
		if err := lm.Predict(ctx, row, &pr); err != nil {
			t.Fatalf("Predict through %s = %v", m.EndpointID, err)
		}
		if pr.Label != class {
			t.Errorf("unseen %s image labeled %q through the endpoint", class, pr.Label)
		}
	}
}

// TestDecodeAutoMLImage reads AutoML's display names and confidences as class probabilities and
// refuses predictions whose lists do not pair up.
func TestDecodeAutoMLImage(t *testing.T) {
	got, err := vertextrainer.DecodeAutoMLImage(map[string]any{"displayNames": []any{"cat", "dog"}, "confidences": []any{0.25, 0.75}})
	if err != nil || len(got.Probabilities) != 2 || got.Probabilities["cat"] != 0.25 || got.Probabilities["dog"] != 0.75 {
		t.Errorf("DecodeAutoMLImage(cat 0.25, dog 0.75) = %+v, %v; want those probabilities", got, err)
	}
	for _, bad := range []any{
		"not an object",
		map[string]any{"displayNames": []any{"cat"}, "confidences": []any{}},
		map[string]any{"displayNames": []any{"cat"}, "confidences": []any{"high"}},
		map[string]any{"classes": []any{"cat"}, "scores": []any{1.0}},
	} {
		if _, err := vertextrainer.DecodeAutoMLImage(bad); err == nil {
			t.Errorf("DecodeAutoMLImage(%v) = nil error, want one", bad)
		}
	}
}
