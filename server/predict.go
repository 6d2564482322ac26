package server

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/types"
	"github.com/trainyard/trainyard/gen/go/inference/inferenceconnect"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/model"
)

// Serving configures the prediction plane mounted by MountServing.
type Serving struct {
	// Registry loads and caches deployed models. Default: a new one over the data plane's
	// blob store with serving.DefaultMaxBytes.
	Registry *serving.Registry
	// MaxBatchJobs is how many batch prediction jobs run at once in this process (default 1).
	MaxBatchJobs int
	// ModelCacheTTL is how long predictions reuse a model's record before reading it again,
	// which is also the longest a redeployment takes to reach them (default
	// DefaultModelCacheTTL; negative: read it on every request).
	ModelCacheTTL time.Duration
}

// plane is the mounted prediction plane of a server.
type plane struct {
	d       *data
	reg     *serving.Registry
	batcher *serving.Batcher
	log     *slog.Logger
	models  *modelCache
}

// MountServing serves the PredictionService (Connect, gRPC, gRPC-Web and REST, including
// POST /api/v1/models/{id}/predict), the Open Inference Protocol v2 over REST (/v2/...) and
// gRPC (inference.GRPCInferenceService), and the signed batch output link
// GET /api/v1/batch-predictions/{id}/output.csv. dp is the same data plane given to
// MountDataPlane. It returns the batch runner, which a queue consumer of the store's batch
// topic may also call (jobs are claimed once, so a trigger delivered twice is harmless).
// Call it once, before Serve.
func (s *Server) MountServing(dp DataPlane, sv Serving) (*serving.Batcher, error) {
	if dp.Datasets == nil || dp.Blobs == nil || dp.Signer == nil {
		return nil, errors.New("server: DataPlane needs Datasets, Blobs and Signer")
	}
	if dp.LinkTTL <= 0 {
		dp.LinkTTL = DefaultLinkTTL
	}
	if sv.Registry == nil {
		reg, err := serving.New(serving.Options{Blobs: dp.Blobs, Logger: s.log})
		if err != nil {
			return nil, err
		}
		sv.Registry = reg
	}
	if sv.MaxBatchJobs <= 0 {
		sv.MaxBatchJobs = 1
	}
	d := &data{s: s, ds: dp.Datasets, blobs: dp.Blobs, signer: dp.Signer, linkTTL: dp.LinkTTL,
		public: strings.TrimSuffix(s.opts.PublicURL, "/")}
	if sv.ModelCacheTTL == 0 {
		sv.ModelCacheTTL = DefaultModelCacheTTL
	}
	p := &plane{d: d, reg: sv.Registry, log: s.log, models: newModelCache(sv.ModelCacheTTL)}
	p.batcher = serving.NewBatcher(s.store, dp.Blobs, sv.Registry, s.log).WithMaxJobs(sv.MaxBatchJobs)
	s.onModelDeleted(func(id uuid.UUID) {
		p.models.forget(id)
		p.reg.Evict(id)
	})
	svc := &PredictionService{p: p}
	s.MountConnect(trainyardv1connect.NewPredictionServiceHandler(svc,
		append(s.HandlerOptions(), connect.WithCodec(predictCodec{}))...))
	s.MountConnect(inferenceconnect.NewGRPCInferenceServiceHandler(&InferenceService{p: p}, s.oipChain()...))
	p.mountOIP(s)
	p.mountBatchOutput(s)
	p.mountPredictREST(s, svc)
	return p.batcher, nil
}

// PredictionService implements trainyard.v1.PredictionService.
type PredictionService struct{ p *plane }

var _ trainyardv1connect.PredictionServiceHandler = (*PredictionService)(nil)

// explainTop is how many contributions a prediction lists when explain is asked.
const explainTop = 5

// deployed loads the model of id for serving: the viewer must see it and it must be DEPLOYED.
func (p *plane) deployed(ctx context.Context, m *ent.Model) (*serving.Loaded, error) {
	switch m.State {
	case types.ModelDeployed:
	case types.ModelReady:
		return nil, &store.Error{Kind: store.ErrFailedPrecondition, Msg: fmt.Sprintf("model %s is not deployed (it is offered for download only): download it, or run a batch prediction", m.ID)}
	case types.ModelDeleted:
		return nil, &store.Error{Kind: store.ErrNotFound, Msg: fmt.Sprintf("model %s not found: it was deleted", m.ID)}
	default:
		return nil, &store.Error{Kind: store.ErrFailedPrecondition, Msg: fmt.Sprintf("model %s is %s, not deployed yet: wait until its project completes", m.ID, strings.ToLower(string(m.State)))}
	}
	return p.load(ctx, m)
}

// load gets the model's current version from the registry.
func (p *plane) load(ctx context.Context, m *ent.Model) (*serving.Loaded, error) {
	lm, err := p.reg.Get(ctx, serving.Ref{ID: m.ID, ArtifactKey: m.ArtifactKey, Version: m.UpdatedAt, Endpoint: m.EndpointID, Detection: isDetector(m)})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, &store.Error{Kind: store.ErrFailedPrecondition, Msg: fmt.Sprintf("model %s cannot be served: %v", m.ID, err)}
	}
	return lm, nil
}

// servedModel resolves a name to a deployed, loaded model the viewer may call; object
// detection models answer PredictionService.Predict only.
func (p *plane) servedModel(ctx context.Context, name string) (*ent.Model, *serving.Loaded, error) {
	m, lm, err := p.served(ctx, name)
	if err == nil && lm.IsDetector() {
		return nil, nil, &store.Error{Kind: store.ErrFailedPrecondition, Msg: fmt.Sprintf("model %s finds objects in images: call PredictionService.Predict (POST /api/v1/models/%s/predict) with the image", m.ID, m.ID)}
	}
	return m, lm, err
}

// served resolves a name to a deployed, loaded model the viewer may call.
func (p *plane) served(ctx context.Context, name string) (*ent.Model, *serving.Loaded, error) {
	id, err := parseName(name, "models")
	if err != nil {
		return nil, nil, err
	}
	if v, _ := store.ViewerFrom(ctx); v.Scoped() && v.ModelScope != id {
		return nil, nil, connect.NewError(connect.CodePermissionDenied,
			fmt.Errorf("this API key may only call predictions of model %s", v.ModelScope))
	}
	m, err := p.models.get(ctx, p.d, id)
	if err != nil {
		return nil, nil, err
	}
	lm, err := p.deployed(ctx, m)
	return m, lm, err
}

// Predict implements trainyard.v1.PredictionService.Predict: each instance is checked and
// scored on its own; a row that cannot be scored gets its error and the others their answers.
func (h *PredictionService) Predict(ctx context.Context, req *trainyardv1.PredictRequest) (*trainyardv1.PredictResponse, error) {
	m, lm, err := h.p.served(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	if n := len(req.GetImages()); n > len(req.GetInstances()) {
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("%d images for %d instances: images[i] is the image of instances[i], send an empty object per image", n, len(req.GetInstances())))
	}
	out := &trainyardv1.PredictResponse{ModelId: m.ID.String(), Predictions: make([]*trainyardv1.Prediction, len(req.GetInstances()))}
	var pred model.Prediction
	for i, inst := range req.GetInstances() {
		var img []byte
		if i < len(req.GetImages()) {
			img = req.GetImages()[i]
		}
		out.Predictions[i] = predictOne(ctx, lm, inst, img, req.GetExplain(), &pred)
	}
	return out, nil
}

// predictOne scores one instance; img, when not nil, is its image input (an image model's).
func predictOne(ctx context.Context, lm *serving.Loaded, inst *structpb.Struct, img []byte, explain bool, pred *model.Prediction) *trainyardv1.Prediction {
	fields := instanceFields{values: inst.GetFields(), image: img}
	if lm.IsDetector() {
		return detectOne(ctx, lm, fields)
	}
	row, warnings, err := lm.Row(fields)
	res := &trainyardv1.Prediction{Warnings: warnings}
	if err != nil {
		res.Error = err.Error()
		return res
	}
	p := lm.Predictor
	if err := lm.Predict(ctx, row, pred); err != nil { // through the model's endpoint when it has one
		res.Error = err.Error()
		return res
	}
	if p.Task() == model.Regression {
		res.Result = &trainyardv1.Prediction_Value{Value: pred.Value}
	} else {
		res.Result = &trainyardv1.Prediction_Label{Label: pred.Label}
		res.Probabilities = make(map[string]float64, len(pred.Probabilities))
		for c, label := range p.Classes() {
			res.Probabilities[label] = pred.Probabilities[c]
		}
	}
	if explain && lm.IsImage() {
		res.Warnings = append(res.Warnings, "no explanation: image models do not explain their predictions")
	} else if explain {
		ex, err := p.Explain(lm.Map(row), explainTop)
		if err != nil {
			res.Warnings = append(res.Warnings, "no explanation: "+err.Error())
			return res
		}
		for _, c := range ex.Contributions {
			v, _ := fields.Field(c.Column)
			res.Contributions = append(res.Contributions, &trainyardv1.FeatureContribution{
				Feature: c.Column, Contribution: c.Value, Value: valueText(v),
			})
		}
	}
	return res
}

// instanceFields reads a Predict instance as a row: a value is converted from its protobuf form
// only when it is read, and image, when not nil, is the value of model.ImageInput.
type instanceFields struct {
	values map[string]*structpb.Value
	image  []byte
}

// Field implements serving.Fields.
func (f instanceFields) Field(name string) (any, bool) {
	if f.image != nil && name == model.ImageInput {
		return f.image, true
	}
	v, ok := f.values[name]
	if !ok {
		return nil, false
	}
	return v.AsInterface(), true
}

// addsImage reports whether image is a field of its own (not one of values under its name).
func (f instanceFields) addsImage() bool {
	_, shadowed := f.values[model.ImageInput]
	return f.image != nil && !shadowed
}

// Len implements serving.Fields.
func (f instanceFields) Len() int {
	if f.addsImage() {
		return len(f.values) + 1
	}
	return len(f.values)
}

// Names implements serving.Fields.
func (f instanceFields) Names() iter.Seq[string] {
	return func(yield func(string) bool) {
		for k := range f.values {
			if !yield(k) {
				return
			}
		}
		if f.addsImage() {
			yield(model.ImageInput)
		}
	}
}

// valueText writes an input value as text.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}
