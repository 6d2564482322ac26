package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/types"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
)

// batchOutputPattern is the route of a batch job's output reached by key or signed link.
const batchOutputPattern = "GET /api/v1/batch-predictions/{id}/output.csv"

// batchStates maps stored job states to the API's.
var batchStates = map[types.BatchState]trainyardv1.BatchPredictionState{
	types.BatchPending:   trainyardv1.BatchPredictionState_BATCH_PREDICTION_STATE_PENDING,
	types.BatchRunning:   trainyardv1.BatchPredictionState_BATCH_PREDICTION_STATE_RUNNING,
	types.BatchSucceeded: trainyardv1.BatchPredictionState_BATCH_PREDICTION_STATE_SUCCEEDED,
	types.BatchFailed:    trainyardv1.BatchPredictionState_BATCH_PREDICTION_STATE_FAILED,
	types.BatchCancelled: trainyardv1.BatchPredictionState_BATCH_PREDICTION_STATE_CANCELLED,
}

// BatchPredict implements trainyard.v1.PredictionService.BatchPredict: it records a PENDING
// job over the dataset's CSV and starts it in this process (at most Serving.MaxBatchJobs at
// once, counting those started by triggers and sweeps; the others wait their turn). Poll GetBatchPrediction for progress.
func (h *PredictionService) BatchPredict(ctx context.Context, req *trainyardv1.BatchPredictRequest) (*trainyardv1.BatchPrediction, error) {
	id, err := parseName(req.GetName(), "models")
	if err != nil {
		return nil, err
	}
	if v, _ := store.ViewerFrom(ctx); v.Scoped() && v.ModelScope != id {
		return nil, connect.NewError(connect.CodePermissionDenied,
			fmt.Errorf("this API key may only call predictions of model %s", v.ModelScope))
	}
	if m, err := h.p.models.get(ctx, h.p.d, id); err == nil {
		if lm, err := h.p.load(ctx, m); err == nil && lm.IsImage() {
			return nil, &store.Error{Kind: store.ErrFailedPrecondition, Msg: fmt.Sprintf("model %s classifies images: batch prediction reads rows of a CSV; send the images to Predict (up to 10,000 a request)", id)}
		}
	}
	dsID, err := uuid.Parse(strings.TrimPrefix(req.GetDatasetId(), "datasets/"))
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("dataset_id %q: want a dataset id (a UUID) from an upload", req.GetDatasetId()))
	}
	ds, err := h.p.d.ds.Get(ctx, dsID)
	if err != nil {
		return nil, err
	}
	key := ""
	for _, f := range ds.Files {
		if strings.HasSuffix(strings.ToLower(f.Name), ".csv") || strings.Contains(f.ContentType, "csv") {
			key = f.BlobKey
			break
		}
	}
	if key == "" {
		return nil, &store.Error{Kind: store.ErrFailedPrecondition, Msg: fmt.Sprintf("dataset %s has no CSV file: batch prediction reads a CSV with a header row", dsID)}
	}
	bp, err := h.p.d.s.store.CreateBatchPrediction(ctx, store.NewBatchPrediction{
		ModelID: id, InputKey: key, RowsTotal: ds.NumRows, RequestID: req.GetRequestId(),
	})
	if err != nil {
		return nil, err
	}
	h.p.d.s.outboxWritten()
	if bp.State == types.BatchPending {
		h.p.start(bp.ID)
	}
	return h.p.batchToProto(bp, dsID), nil
}

// start runs a batch job in the background, once the batcher has a free slot.
func (p *plane) start(id uuid.UUID) {
	go func() {
		if err := p.batcher.Run(context.Background(), id); err != nil {
			p.log.Error("batch prediction", "batch", id, "err", err)
		}
	}()
}

// GetBatchPrediction implements trainyard.v1.PredictionService.GetBatchPrediction.
func (h *PredictionService) GetBatchPrediction(ctx context.Context, req *trainyardv1.GetBatchPredictionRequest) (*trainyardv1.BatchPrediction, error) {
	id, err := parseName(req.GetName(), "batch-predictions")
	if err != nil {
		return nil, err
	}
	bp, err := h.p.d.s.store.GetBatchPrediction(ctx, id)
	if err != nil {
		return nil, err
	}
	if v, _ := store.ViewerFrom(ctx); v.Scoped() && v.ModelScope != bp.ModelID {
		return nil, &store.Error{Kind: store.ErrNotFound, Msg: fmt.Sprintf("batch prediction %s not found", id)}
	}
	return h.p.batchToProto(bp, uuid.Nil), nil
}

// batchToProto converts a stored job; the output link is signed once the job has succeeded.
func (p *plane) batchToProto(bp *ent.BatchPrediction, dataset uuid.UUID) *trainyardv1.BatchPrediction {
	out := &trainyardv1.BatchPrediction{
		Name:          resourceName("batch-predictions", bp.ID),
		Id:            bp.ID.String(),
		ModelId:       bp.ModelID.String(),
		State:         batchStates[bp.State],
		RowsProcessed: bp.RowsProcessed,
		RowsTotal:     bp.RowsTotal,
		Error:         bp.Error,
		CreateTime:    timestamppb.New(bp.CreatedAt),
		UpdateTime:    timestamppb.New(bp.UpdatedAt),
	}
	if dataset != uuid.Nil {
		out.InputDatasetId = dataset.String()
	}
	if bp.State == types.BatchSucceeded && bp.OutputKey != "" {
		path := "/api/v1/batch-predictions/" + bp.ID.String() + "/output.csv"
		out.OutputUrl = p.d.public + p.d.signer.Sign(path, url.Values{}, p.d.linkTTL)
	}
	return out
}

// mountBatchOutput serves the job output by API key (through the usual checks) or by the
// signed link in BatchPrediction.output_url.
func (p *plane) mountBatchOutput(s *Server) {
	keyed := s.guardRoute(Route{Pattern: batchOutputPattern, Handler: http.HandlerFunc(p.d.batchOutput), ModelScoped: true})
	signed := s.signedRouteNamed(batchOutputPattern+" (signed)", p.batchOutputSigned)
	s.mux.Handle(batchOutputPattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if blob.Signed(r.URL.Query()) && r.Header.Get("Authorization") == "" {
			signed.ServeHTTP(w, r)
			return
		}
		keyed.ServeHTTP(w, r)
	}))
}

// batchOutputSigned serves a job's output for a signed link.
func (p *plane) batchOutputSigned(w http.ResponseWriter, r *http.Request) {
	err := p.d.signer.Verify(r.URL.Path, r.URL.Query())
	switch {
	case errors.Is(err, blob.ErrLinkExpired):
		p.d.s.WriteError(w, r, connect.NewError(connect.CodePermissionDenied, errors.New("this output link has expired: get a fresh one from GetBatchPrediction (output_url), or download with an API key")))
	case err != nil:
		p.d.s.WriteError(w, r, connect.NewError(connect.CodePermissionDenied, errors.New("this output link is not valid (altered or signed by another server): get a fresh one from GetBatchPrediction")))
	default:
		p.d.batchOutput(w, r.WithContext(store.SystemContext(r.Context())))
	}
}
