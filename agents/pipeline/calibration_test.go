package pipeline_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/metrics"
	mlmodel "github.com/trainyard/trainyard/ml/model"
)

// calibrationEvidence is the evidence of a calibration decision: a temperature scaling's
// temperature, or a Platt scaling's slope and intercept.
type calibrationEvidence struct {
	Temperature   float64 `json:"temperature"`
	Slope         float64 `json:"slope"`
	Intercept     float64 `json:"intercept"`
	LoglossBefore float64 `json:"logloss_before"`
	LoglossAfter  float64 `json:"logloss_after"`
	Rows          int     `json:"validation_rows"`
}

// calibrationDecision returns the last calibration decision of a project and its evidence;
// it fails the test when there is none.
func calibrationDecision(t *testing.T, e *pipelinetest.Env, id uuid.UUID) (string, calibrationEvidence) {
	t.Helper()
	var found string
	var ev calibrationEvidence
	for _, d := range decisionsOf(audit(t, e, id), "calibration") {
		var got calibrationEvidence
		if json.Unmarshal(d.Evidence, &got) == nil && (got.Temperature > 0 || got.Slope > 0) {
			found, ev = d.Decision, got
		}
	}
	if found == "" {
		t.Fatal("no calibration decision recorded")
	}
	return found, ev
}

// checkCalibration checks that the deployed artifact carries the calibration the decision
// kept (none when it kept the model's probabilities), and that on held-out rows y the log loss
// of the predictions as served is not worse than without the calibration (raw). It returns
// the two log losses.
func checkCalibration(t *testing.T, art *mlmodel.Artifact, choice string, ev calibrationEvidence, y []float64, served, raw [][]float64) (servedLoss, rawLoss float64) {
	t.Helper()
	kept := art.Calibration != nil
	want := ev.LoglossAfter < ev.LoglossBefore && choice != "keep the probabilities as the model gives them"
	if kept != want || kept && *art.Calibration != (mlmodel.Calibration{A: ev.Slope, B: ev.Intercept, Temperature: ev.Temperature}) {
		t.Errorf("deployed calibration %+v after the decision %q (evidence %+v)", art.Calibration, choice, ev)
	}
	servedLoss, err := metrics.LogLoss(y, served)
	if err != nil {
		t.Fatal(err)
	}
	if rawLoss, err = metrics.LogLoss(y, raw); err != nil {
		t.Fatal(err)
	}
	if servedLoss > rawLoss+1e-12 {
		t.Errorf("held-out log loss %.4f served, %.4f without the calibration: calibration made it worse", servedLoss, rawLoss)
	}
	return servedLoss, rawLoss
}

// checkTemperature is checkCalibration for a temperature scaling, which also keeps every
// label; it returns the two log losses and the accuracy.
func checkTemperature(t *testing.T, art *mlmodel.Artifact, choice string, ev calibrationEvidence, y []float64, scaled, raw [][]float64) (served, uncalibrated, acc float64) {
	t.Helper()
	served, uncalibrated = checkCalibration(t, art, choice, ev, y, scaled, raw)
	right := 0
	for i := range y {
		a, b := argmax(scaled[i]), argmax(raw[i])
		if a != b {
			t.Fatalf("row %d: label %d served, %d without the temperature", i, a, b)
		}
		if float64(a) == y[i] {
			right++
		}
	}
	return served, uncalibrated, float64(right) / float64(len(y))
}

func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// TestTabularTemperature runs a penguins project (three species) with the deployment refit
// refused, so the deployed model is the evaluated one (tabularTemperature).
func TestTabularTemperature(t *testing.T) {
	t.Parallel()
	tabularTemperature(t, "penguins.csv", "predict the species of a penguin", 3)
}

// tabularTemperature runs a multiclass project on a shared dataset with the deployment refit
// refused, so the deployed model is the evaluated one: the temperature decision is recorded,
// the deployed model carries what it kept, and on the held-out test rows its log loss is not
// worse than without the temperature, with the same labels.
func tabularTemperature(t *testing.T, file, description string, budget int64) {
	e := startEnv(t, pipelinetest.Config{Trainer: evaluatedOnly{pipeline.LocalTrainer{Trials: pipelinetest.Trials}}})
	p := completed(t, e, pipelinetest.Submission{DatasetID: upload(t, e, file), Description: description, BudgetSeconds: budget}, 120*time.Second)
	choice, ev := calibrationDecision(t, e, p.ID)
	_, loaded, _ := deployedModel(t, e, p)
	art := loaded.Predictor.Artifact()
	raw := *art
	raw.Calibration = nil

	var ds struct {
		Target string `json:"target"`
		Test   []int  `json:"test"`
	}
	readState(t, e, p.ID, "data.json", &ds)
	header, rows := readCSV(t, file)
	target := slices.Index(header, ds.Target)
	var y []float64
	var scaled, unscaled [][]float64
	for _, a := range []*mlmodel.Artifact{art, &raw} {
		pred, err := mlmodel.NewPredictor(a)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := pred.Bind(header)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range ds.Test {
			k := slices.Index(a.Classes, rows[i][target])
			if k < 0 {
				continue
			}
			var d mlmodel.Prediction
			if err := rec.Predict(rows[i], &d); err != nil {
				t.Fatal(err)
			}
			if a == art {
				y = append(y, float64(k))
				scaled = append(scaled, d.Probabilities)
			} else {
				unscaled = append(unscaled, d.Probabilities)
			}
		}
	}
	served, before, acc := checkTemperature(t, art, choice, ev, y, scaled, unscaled)
	t.Logf("%s: %s (evidence %+v); %d test rows: log loss %.4f served, %.4f without the temperature; accuracy %.4f either way",
		file, choice, ev, len(y), served, before, acc)
}

// readCSV reads a shared dataset's header and rows.
func readCSV(t *testing.T, file string) (header []string, rows [][]string) {
	t.Helper()
	path, err := pipelinetest.DatasetPath(file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[0], recs[1:]
}

// TestImageTemperature runs the fashion_mnist image project of TestImageProject: the
// temperature decision is recorded on the images the trainer held out, the deployed model
// carries what it kept, and on 300 pictures of the dataset's test split, which the project
// never saw, its log loss is not worse than without the temperature, with the same labels.
func TestImageTemperature(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	path, _ := imageZip(t, "fashion_mnist", "train", 50)
	p := completed(t, e, pipelinetest.Submission{DatasetID: uploadPath(t, e, path), Description: "classify the clothing in each picture", BudgetSeconds: 6}, 120*time.Second)
	choice, ev := calibrationDecision(t, e, p.ID)
	metrics, loaded, _ := deployedModel(t, e, p)
	art := loaded.Predictor.Artifact()
	y, scaled, _, unscaled := servedPictures(t, art, unseenPictures(t, "fashion_mnist", 30))
	served, before, acc := checkTemperature(t, art, choice, ev, y, scaled, unscaled)
	t.Logf("%s with %s (evidence %+v); project test images: %v; %d unseen pictures: log loss %.4f served, %.4f without the temperature; accuracy %.4f either way",
		choice, art.Image.Learner, ev, metrics.GetValues(), len(y), served, before, acc)
}

// TestImagePlatt runs a two-class image project (shirts and T-shirts of fashion_mnist, which a
// small model confuses): the Platt scaling decision is recorded on the images the trainer held
// out, the deployed model carries what it kept, and on the 200 pictures of the two classes in
// the dataset's test split, which the project never saw, its log loss is not worse than
// without the scaling.
func TestImagePlatt(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	classes := []string{"shirt", "tshirt_top"}
	path, _ := imageZip(t, "fashion_mnist", "train", 300, classes...)
	p := completed(t, e, pipelinetest.Submission{DatasetID: uploadPath(t, e, path), Description: "tell shirts from T-shirts", BudgetSeconds: 6}, 120*time.Second)
	choice, ev := calibrationDecision(t, e, p.ID)
	metrics, loaded, _ := deployedModel(t, e, p)
	art := loaded.Predictor.Artifact()
	if art.Task != mlmodel.Binary || ev.Slope <= 0 || ev.Temperature != 0 {
		t.Fatalf("%s model, calibration evidence %+v; want a binary model and a Platt scaling", art.Task, ev)
	}
	checkHeldOut(t, e, p.ID, path, art)
	pics := slices.DeleteFunc(unseenPictures(t, "fashion_mnist", 100), func(e image.Example) bool { return !slices.Contains(classes, e.Label) })
	y, served, class, raw := servedPictures(t, art, pics)
	rightServed, rightRaw := 0, 0
	for i, k := range y {
		if float64(class[i]) == k {
			rightServed++
		}
		if float64(argmax(raw[i])) == k {
			rightRaw++
		}
	}
	after, before := checkCalibration(t, art, choice, ev, y, served, raw)
	t.Logf("%s with %s (evidence %+v); project test images: %v; %d unseen pictures: log loss %.4f served, %.4f without the scaling; accuracy %.4f served, %.4f without",
		choice, art.Image.Learner, ev, metrics.GetValues(), len(y), after, before, float64(rightServed)/float64(len(y)), float64(rightRaw)/float64(len(y)))
}

// servedPictures predicts pics with the deployed image model art as it serves them and without
// its calibration: the pictures' labels y (class indexes), the served probabilities and
// classes, and the uncalibrated probabilities.
func servedPictures(t *testing.T, art *mlmodel.Artifact, pics []image.Example) (y []float64, served [][]float64, class []int, raw [][]float64) {
	t.Helper()
	raw, err := art.Image.PredictProba(pics)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range pics {
		var d mlmodel.Prediction
		if err := art.PredictImage(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		y = append(y, float64(slices.Index(art.Classes, e.Label)))
		served, class = append(served, d.Probabilities), append(class, d.Class)
	}
	return y, served, class, raw
}

// checkHeldOut checks the training record of the image project id, uploaded as the zip at
// path: it names the training images the trainer held out, a tenth of them, and the deployed
// model art, before its calibration, scores the recorded validation accuracy on them.
func checkHeldOut(t *testing.T, e *pipelinetest.Env, id uuid.UUID, path string, art *mlmodel.Artifact) {
	t.Helper()
	var ds struct {
		Train []int `json:"train"`
	}
	var st struct {
		Score   float64 `json:"score"`
		HeldOut []int   `json:"held_out"`
	}
	readState(t, e, id, "data.json", &ds)
	readState(t, e, id, "train-1.json", &st)
	if len(st.HeldOut) != len(ds.Train)/10 {
		t.Fatalf("training record holds %d held-out images of %d training images, want a tenth", len(st.HeldOut), len(ds.Train))
	}
	ex, err := image.ReadZipFile(path)
	if err != nil {
		t.Fatal(err)
	}
	held := make([]image.Example, len(st.HeldOut))
	for i, r := range st.HeldOut {
		if !slices.Contains(ds.Train, r) || slices.Contains(st.HeldOut[:i], r) {
			t.Fatalf("held-out image %d (row %d) is not a training image or is repeated", i, r)
		}
		held[i] = ex[r]
	}
	proba, err := art.Image.PredictProba(held)
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	for i, e := range held {
		if art.Classes[argmax(proba[i])] == e.Label {
			right++
		}
	}
	if acc := float64(right) / float64(len(held)); acc != st.Score {
		t.Errorf("accuracy %.4f on the recorded held-out images, want the recorded validation accuracy %.4f", acc, st.Score)
	}
}

// unseenPictures reads the first perClass pictures of each class of the test split of a
// shared image set, labeled by their class folder.
func unseenPictures(t *testing.T, set string, perClass int) []image.Example {
	t.Helper()
	ex, err := image.ReadFolders(filepath.Join(datasets.MustPath(t, set), "test"), perClass)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}
