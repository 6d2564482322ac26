package server

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/store"
)

// access is what a procedure needs of the caller's key.
type access int

const (
	// accessWrite changes something: members and admins only. Unknown procedures need it too.
	accessWrite access = iota
	// accessRead only reads: every role.
	accessRead
)

// procedureAccess classifies every procedure; anything missing is treated as a write (fail
// closed). A test checks that every procedure of every service is listed.
var procedureAccess = map[string]access{
	trainyardv1connect.ProjectServiceCreateProjectProcedure:         accessWrite,
	trainyardv1connect.ProjectServiceGetProjectProcedure:            accessRead,
	trainyardv1connect.ProjectServiceListProjectsProcedure:          accessRead,
	trainyardv1connect.ProjectServiceDeleteProjectProcedure:         accessWrite,
	trainyardv1connect.ProjectServiceGetProjectProgressProcedure:    accessRead,
	trainyardv1connect.ProjectServiceWatchProjectProcedure:          accessRead,
	trainyardv1connect.ProjectServiceListAuditEntriesProcedure:      accessRead,
	trainyardv1connect.ProjectServiceApproveProjectProcedure:        accessWrite,
	trainyardv1connect.ProjectServiceRejectProjectProcedure:         accessWrite,
	trainyardv1connect.ProjectServiceCancelProjectProcedure:         accessWrite,
	trainyardv1connect.ApiKeyServiceCreateApiKeyProcedure:           accessWrite,
	trainyardv1connect.ApiKeyServiceListApiKeysProcedure:            accessRead,
	trainyardv1connect.ApiKeyServiceDeleteApiKeyProcedure:           accessWrite,
	trainyardv1connect.ApiKeyServiceGetCurrentUserProcedure:         accessRead,
	trainyardv1connect.DatasetServiceUploadDatasetProcedure:         accessWrite,
	trainyardv1connect.DatasetServiceGetDatasetProcedure:            accessRead,
	trainyardv1connect.DatasetServiceListDatasetsProcedure:          accessRead,
	trainyardv1connect.DatasetServiceGetDataPreviewProcedure:        accessRead,
	trainyardv1connect.DatasetServiceDeleteDatasetProcedure:         accessWrite,
	trainyardv1connect.ModelServiceGetModelProcedure:                accessRead,
	trainyardv1connect.ModelServiceListModelsProcedure:              accessRead,
	trainyardv1connect.ModelServiceDeleteModelProcedure:             accessWrite,
	trainyardv1connect.ModelServiceDownloadModelProcedure:           accessRead,
	trainyardv1connect.PredictionServicePredictProcedure:            accessRead,
	trainyardv1connect.PredictionServiceBatchPredictProcedure:       accessWrite,
	trainyardv1connect.PredictionServiceGetBatchPredictionProcedure: accessRead,
}

// scopedProcedures are the only procedures a key limited to one model may call. Those whose
// request names a model must name the key's model.
var scopedProcedures = map[string]bool{
	trainyardv1connect.PredictionServicePredictProcedure:            true,
	trainyardv1connect.PredictionServiceBatchPredictProcedure:       true,
	trainyardv1connect.PredictionServiceGetBatchPredictionProcedure: true,
	trainyardv1connect.ModelServiceGetModelProcedure:                true,
	trainyardv1connect.ApiKeyServiceGetCurrentUserProcedure:         true,
}

// namedModel is a request that names a model ("models/{id}").
type namedModel interface{ GetName() string }

// checkAccess decides whether the viewer in ctx may call procedure with msg (nil for streams,
// whose requests are checked by the handler and the store's privacy rules).
func checkAccess(ctx context.Context, procedure string, msg any) error {
	v, ok := store.ViewerFrom(ctx)
	if !ok {
		return connect.NewError(connect.CodeUnauthenticated, errors.New(missingKeyMessage))
	}
	if v.Scoped() {
		if !scopedProcedures[procedure] {
			return connect.NewError(connect.CodePermissionDenied,
				fmt.Errorf("this API key may only call predictions of model %s", v.ModelScope))
		}
		if n, ok := msg.(namedModel); ok && procedure != trainyardv1connect.PredictionServiceGetBatchPredictionProcedure &&
			procedure != trainyardv1connect.ApiKeyServiceGetCurrentUserProcedure {
			id, err := parseName(n.GetName(), "models")
			if err != nil || id != v.ModelScope {
				return connect.NewError(connect.CodePermissionDenied,
					fmt.Errorf("this API key may only call predictions of model %s", v.ModelScope))
			}
		}
		return nil
	}
	if procedureAccess[procedure] == accessWrite && v.ReadOnly() {
		return connect.NewError(connect.CodePermissionDenied,
			errors.New("this API key has the viewer role, which is read-only; use a member or admin key"))
	}
	return nil
}

// accessInterceptor enforces roles and model scopes per procedure.
type accessInterceptor struct{}

// WrapUnary implements connect.Interceptor.
func (accessInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if err := checkAccess(ctx, req.Spec().Procedure, req.Any()); err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (accessInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (accessInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if err := checkAccess(ctx, conn.Spec().Procedure, nil); err != nil {
			return err
		}
		return next(ctx, conn)
	}
}
