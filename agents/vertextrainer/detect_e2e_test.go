package vertextrainer_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/vertextrainer"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/internal/vertex/vertextest"
)

// autoMLDetect plays Vertex AI AutoML image object detection inside the fake: a training
// pipeline reads the bounding box import file its dataset was loaded from (checking every
// image it names is in the bucket), learns each label's average box, and the deployed model
// answers {"displayNames", "confidences", "bboxes": [[xMin, xMax, yMin, yMax]]} for
// {"content": base64} instances, as AutoML does.
type autoMLDetect struct {
	tr                             *vertextrainer.Trainer
	srv                            *vertextest.Server
	trained[map[string][5]float64] // pipeline → label → summed xmin, ymin, xmax, ymax and count
}

func (a *autoMLDetect) train(p *aiplatformpb.TrainingPipeline) error {
	if p.GetTrainingTaskDefinition() != vertex.ImageObjectDetectionTraining {
		return fmt.Errorf("definition %s: this fake trains object detectors", p.GetTrainingTaskDefinition())
	}
	if err := a.nextFailure(); err != nil {
		return err
	}
	read := bucketReader(context.Background(), a.tr)
	boxes := map[string][5]float64{}
	recs, err := importRecords(a.srv, read, p.GetInputDataConfig().GetDatasetId())
	if err != nil {
		return err
	}
	for i, rec := range recs {
		// GCS_FILE_PATH,LABEL,X_MIN,Y_MIN,,,X_MAX,Y_MAX,,
		if len(rec) != 10 || rec[4] != "" || rec[5] != "" || rec[8] != "" || rec[9] != "" {
			return fmt.Errorf("import row %d %q is not in the bounding box format", i+1, rec)
		}
		if _, err := read(rec[0]); err != nil {
			return fmt.Errorf("import row %d: %w", i+1, err)
		}
		s := boxes[rec[1]]
		for j, col := range []int{2, 3, 6, 7} {
			v, err := strconv.ParseFloat(rec[col], 64)
			if err != nil || v < 0 || v > 1 {
				return fmt.Errorf("import row %d: coordinate %q", i+1, rec[col])
			}
			s[j] += v
		}
		s[4]++
		boxes[rec[1]] = s
	}
	a.put(p.GetName(), boxes)
	return nil
}

func (a *autoMLDetect) serve(m *aiplatformpb.Model, in []*structpb.Value) ([]*structpb.Value, error) {
	boxes := a.get(m.GetTrainingPipeline())
	if boxes == nil {
		return nil, fmt.Errorf("model %s was not trained by AutoML object detection", m.GetName())
	}
	out := make([]*structpb.Value, len(in))
	for i, v := range in {
		if _, err := imageContent(i, v); err != nil {
			return nil, err
		}
		var names, conf, bbs []any
		total := 0.0
		for _, s := range boxes {
			total += s[4]
		}
		for label, s := range boxes {
			n := s[4]
			names, conf = append(names, label), append(conf, n/total)
			bbs = append(bbs, []any{s[0] / n, s[2] / n, s[1] / n, s[3] / n})
		}
		sv, err := structpb.NewValue(map[string]any{"ids": names, "displayNames": names, "confidences": conf, "bboxes": bbs})
		if err != nil {
			return nil, err
		}
		out[i] = sv
	}
	return out, nil
}

// TestVertexObjectDetectionEndToEnd uploads generated photos with a boxes CSV, and with the
// Vertex AI backend the project trains an AutoML object detector on the fake (its first
// attempt failing and retried), deploys it on an endpoint and completes with the mean average
// precision Vertex reports; Predict with an image answers labeled boxes from the endpoint, and
// DeleteModel undeploys it.
func TestVertexObjectDetectionEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	tr, srv := newTrainer(t, dir)
	a := &autoMLDetect{tr: tr, srv: srv}
	a.fail = []error{errors.New("Internal error: training budget exhausted before the model converged")}
	srv.TrainAutoML = a.train
	srv.Serve = a.serve
	srv.EvaluateAutoML = func(*aiplatformpb.TrainingPipeline) map[string]any {
		return map[string]any{"boundingBoxMeanAveragePrecision": 0.83, "evaluatedBoundingBoxCount": 9.0, "boundingBoxMetrics": []any{}}
	}

	e := startPipeline(t, ctx, dir, tr)
	path, held, err := pipelinetest.BoxesZip(t.TempDir(), 12)
	if err != nil {
		t.Fatal(err)
	}
	p := completedProject(t, ctx, e, path, "find the squares and bars in the photos", 3600, 60*time.Second)
	var pa trainyardv1.ProblemAnalysis
	if err := protojson.Unmarshal(p.Analysis, &pa); err != nil || pa.GetProblemType() != trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION {
		t.Errorf("analysis problem type = %v (%v), want IMAGE_OBJECT_DETECTION", pa.GetProblemType(), err)
	}
	m := projectModel(t, ctx, e, p)
	eps := srv.Endpoints()
	if m.State != store.ModelDeployed || len(eps) != 1 || eps[0].GetName() != m.EndpointID || m.ExternalID == "" ||
		eps[0].GetDeployedModels()[0].GetAutomaticResources() == nil {
		t.Fatalf("model %s on endpoint %q (external %q), fake endpoints %v; want DEPLOYED on the one AutoML endpoint", m.State, m.EndpointID, m.ExternalID, eps)
	}
	var met trainyardv1.Metrics
	if err := protojson.Unmarshal(m.Metrics, &met); err != nil || met.GetPrimary().GetName() != "mean_average_precision" || met.GetPrimary().GetValue() != 0.83 {
		t.Errorf("model metrics = %v (%v), want mean_average_precision 0.83 as Vertex reported", &met, err)
	}
	if pl := srv.Pipeline(vm(srv, m.ExternalID)); pl.GetTrainingTaskInputs().GetStructValue().GetFields()["budgetMilliNodeHours"].GetNumberValue() < 20000 {
		t.Errorf("pipeline budget = %v, want at least AutoML's 20 node hours", pl.GetTrainingTaskInputs())
	}
	var retried, served bool
	for _, en := range auditEntries(t, ctx, e, p) {
		retried = retried || strings.HasPrefix(en.Decision, "retry AutoML object detection (attempt 2 of 3)")
		served = served || strings.HasPrefix(en.Decision, "serve the object detector on the ")
	}
	if !retried || !served {
		t.Errorf("decisions: retry %v, served %v; want both", retried, served)
	}

	base, hc := startAPI(t, ctx, e, tr)
	pc := trainyardv1connect.NewPredictionServiceClient(hc, base)
	resp, err := pc.Predict(ctx, &trainyardv1.PredictRequest{Name: "models/" + m.ID.String(), Instances: []*structpb.Struct{{}}, Images: [][]byte{held}})
	if err != nil {
		t.Fatalf("Predict = %v", err)
	}
	pred := resp.GetPredictions()[0]
	if pred.GetError() != "" || len(pred.GetObjects()) != 2 {
		t.Fatalf("prediction = %v, want the two labels' boxes", pred)
	}
	for _, o := range pred.GetObjects() {
		if (o.GetLabel() != "square" && o.GetLabel() != "bar") || o.GetConfidence() <= 0 || o.GetXmin() >= o.GetXmax() || o.GetYmin() >= o.GetYmax() {
			t.Errorf("object %v, want a square or bar with a box", o)
		}
	}
	if pred.GetObjects()[0].GetLabel() != "square" {
		t.Errorf("most confident object %q, want square (in every photo)", pred.GetObjects()[0].GetLabel())
	}
	// REST answers the same boxes.
	body := fmt.Sprintf(`{"instances": [{}], "images": [%q]}`, base64.StdEncoding.EncodeToString(held))
	hr, err := hc.Post(base+"/api/v1/models/"+m.ID.String()+"/predict", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var rest struct {
		Predictions []struct {
			Objects []struct {
				Label      string  `json:"label"`
				Confidence float64 `json:"confidence"`
				Xmax       float64 `json:"xmax"`
			} `json:"objects"`
		} `json:"predictions"`
	}
	err = json.NewDecoder(hr.Body).Decode(&rest)
	hr.Body.Close()
	if err != nil || hr.StatusCode != http.StatusOK || len(rest.Predictions) != 1 || len(rest.Predictions[0].Objects) != 2 ||
		rest.Predictions[0].Objects[0].Label != "square" || rest.Predictions[0].Objects[0].Xmax <= 0 {
		t.Errorf("REST predict = %d %+v (%v), want two objects, the square first", hr.StatusCode, rest, err)
	}

	mc := trainyardv1connect.NewModelServiceClient(hc, base)
	if _, err := mc.DeleteModel(ctx, &trainyardv1.DeleteModelRequest{Name: "models/" + m.ID.String()}); err != nil {
		t.Fatalf("DeleteModel = %v", err)
	}
	if eps := srv.Endpoints(); len(eps) != 0 || srv.Model(m.ExternalID) != nil {
		t.Errorf("after DeleteModel: %d endpoints, Vertex model kept %v; want both gone", len(eps), srv.Model(m.ExternalID) != nil)
	}
}

// vm returns the training pipeline that made a Vertex model.
func vm(srv *vertextest.Server, model string) string { return srv.Model(model).GetTrainingPipeline() }
