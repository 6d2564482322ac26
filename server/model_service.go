package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/model"
	"github.com/trainyard/trainyard/ent/privacy"
	"github.com/trainyard/trainyard/ent/types"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
)

// ModelService implements trainyard.v1.ModelService: trained models, their signed download
// links and their artifacts.
type ModelService struct{ d *data }

var _ trainyardv1connect.ModelServiceHandler = (*ModelService)(nil)

// downloadChunk is the size of a DownloadModel message.
const downloadChunk = 1 << 20

// getModel loads a model the viewer of ctx may see.
func (d *data) getModel(ctx context.Context, id uuid.UUID) (*ent.Model, error) {
	m, err := d.s.store.Client().Model.Get(ctx, id)
	if err != nil {
		return nil, modelErr(err, id)
	}
	return m, nil
}

// modelErr classifies an ent error about model id.
func modelErr(err error, id uuid.UUID) error {
	switch {
	case ent.IsNotFound(err):
		return &store.Error{Kind: store.ErrNotFound, Msg: fmt.Sprintf("model %s not found", id)}
	case errors.Is(err, privacy.Deny):
		return &store.Error{Kind: store.ErrPermissionDenied, Msg: fmt.Sprintf("model %s: permission denied", id)}
	}
	return fmt.Errorf("model %s: %w", id, err)
}

// GetModel implements trainyard.v1.ModelService.GetModel.
func (h *ModelService) GetModel(ctx context.Context, req *trainyardv1.GetModelRequest) (*trainyardv1.Model, error) {
	id, err := parseName(req.GetName(), "models")
	if err != nil {
		return nil, err
	}
	m, err := h.d.getModel(ctx, id)
	if err != nil {
		return nil, err
	}
	return h.d.modelToProto(ctx, m, true), nil
}

// modelPage is the decoded page token of ListModels.
type modelPage struct {
	Time time.Time `json:"t"`
	ID   uuid.UUID `json:"i"`
}

// ListModels implements trainyard.v1.ModelService.ListModels: the viewer's models that are not
// deleted, newest first.
func (h *ModelService) ListModels(ctx context.Context, req *trainyardv1.ListModelsRequest) (*trainyardv1.ListModelsResponse, error) {
	size := int(req.GetPageSize())
	if size <= 0 {
		size = store.DefaultPageSize
	}
	size = min(size, store.MaxPageSize)
	q := h.d.s.store.Client().Model.Query().Where(model.StateNEQ(types.ModelDeleted))
	if tok := req.GetPageToken(); tok != "" {
		var p modelPage
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err == nil {
			err = json.Unmarshal(b, &p)
		}
		if err != nil || p.ID == uuid.Nil {
			return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("page_token is not valid for this request"))
		}
		q = q.Where(model.Or(model.CreatedAtLT(p.Time), model.And(model.CreatedAt(p.Time), model.IDLT(p.ID))))
	}
	ms, err := q.Order(ent.Desc(model.FieldCreatedAt), ent.Desc(model.FieldID)).Limit(size + 1).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	out := &trainyardv1.ListModelsResponse{Models: make([]*trainyardv1.Model, 0, min(len(ms), size))}
	if len(ms) > size {
		ms = ms[:size]
		last := ms[size-1]
		b, _ := json.Marshal(modelPage{Time: last.CreatedAt, ID: last.ID})
		out.NextPageToken = base64.RawURLEncoding.EncodeToString(b)
	}
	for _, m := range ms {
		// Lists leave out the signed links and the artifact size: they cost a blob call each.
		out.Models = append(out.Models, h.d.modelToProto(ctx, m, false))
	}
	return out, nil
}

// DeleteModel implements trainyard.v1.ModelService.DeleteModel: the model is marked DELETED
// (projects and batch jobs keep their record of it), this process stops serving it at once
// (its loaded copies are evicted and predictions answer NotFound; other processes follow
// within DefaultModelCacheTTL), and its stored objects are removed.
func (h *ModelService) DeleteModel(ctx context.Context, req *trainyardv1.DeleteModelRequest) (*trainyardv1.DeleteModelResponse, error) {
	id, err := parseName(req.GetName(), "models")
	if err != nil {
		return nil, err
	}
	m, err := h.d.getModel(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.EndpointID != "" && h.d.remove != nil { // undeploy first: a kept endpoint is billed
		if err := h.d.remove(ctx, m.EndpointID, m.ExternalID); err != nil {
			h.d.s.log.ErrorContext(ctx, "undeploy deleted model", "model", id, "endpoint", m.EndpointID, "err", err)
			return nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("model %s: its endpoint could not be undeployed; try again", id))
		}
	}
	if m.State != types.ModelDeleted {
		if err := m.Update().SetState(types.ModelDeleted).SetArtifactKey("").SetOnnxKey("").SetEndpointID("").Exec(ctx); err != nil {
			return nil, modelErr(err, id)
		}
	}
	h.d.s.modelDeleted(id)
	bg := context.WithoutCancel(ctx)
	var errs []error
	for _, key := range []string{m.ArtifactKey, m.OnnxKey} {
		if key != "" {
			errs = append(errs, h.d.blobs.Delete(bg, key))
		}
	}
	errs = append(errs, h.d.blobs.DeletePrefix(bg, blob.ModelPrefix(id.String())))
	if err := errors.Join(errs...); err != nil {
		h.d.s.log.WarnContext(ctx, "deleted model left objects behind", "model", id, "err", err)
	}
	return &trainyardv1.DeleteModelResponse{}, nil
}

// DownloadModel implements trainyard.v1.ModelService.DownloadModel: the artifact in chunks,
// the first message carrying the file name and size.
func (h *ModelService) DownloadModel(ctx context.Context, req *trainyardv1.DownloadModelRequest, stream *connect.ServerStream[trainyardv1.DownloadModelResponse]) error {
	id, err := parseName(req.GetName(), "models")
	if err != nil {
		return err
	}
	m, err := h.d.getModel(ctx, id)
	if err != nil {
		return err
	}
	a, err := h.d.artifactOf(m, req.GetFormat())
	if err != nil {
		return err
	}
	r, err := h.d.openArtifact(ctx, m, a)
	if err != nil {
		return err
	}
	defer r.Close()
	first := &trainyardv1.DownloadModelResponse{Filename: a.filename, SizeBytes: r.Size()}
	buf := make([]byte, downloadChunk)
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 || first != nil {
			msg := &trainyardv1.DownloadModelResponse{}
			if first != nil {
				msg, first = first, nil
			}
			msg.Chunk = buf[:n]
			if err := stream.Send(msg); err != nil {
				return err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("read artifact of model %s: %w", id, rerr)
		}
	}
}

// artifact is one downloadable file of a model.
type artifact struct {
	key, filename, format string
}

// artifactOf picks the file of a model in a format.
func (d *data) artifactOf(m *ent.Model, f trainyardv1.ArtifactFormat) (artifact, error) {
	if m.State == types.ModelDeleted {
		return artifact{}, &store.Error{Kind: store.ErrFailedPrecondition, Msg: fmt.Sprintf("model %s was deleted; its files are gone", m.ID)}
	}
	if f == trainyardv1.ArtifactFormat_ARTIFACT_FORMAT_ONNX {
		if m.OnnxKey == "" {
			return artifact{}, &store.Error{Kind: store.ErrFailedPrecondition, Msg: fmt.Sprintf("model %s has no ONNX export (yet); download format=native, or wait until its project completes", m.ID)}
		}
		return artifact{key: m.OnnxKey, filename: "model-" + m.ID.String() + ".onnx", format: "onnx"}, nil
	}
	if m.ArtifactKey == "" {
		return artifact{}, &store.Error{Kind: store.ErrFailedPrecondition, Msg: fmt.Sprintf("model %s has no stored artifact yet: it is written when training finishes", m.ID)}
	}
	ext := path.Ext(m.ArtifactKey)
	if ext == "" {
		ext = ".bin"
	}
	return artifact{key: m.ArtifactKey, filename: "model-" + m.ID.String() + ext, format: "native"}, nil
}

// openArtifact opens a model's file; a missing blob is FailedPrecondition, not Internal.
func (d *data) openArtifact(ctx context.Context, m *ent.Model, a artifact) (interface {
	io.ReadCloser
	Size() int64
}, error) {
	r, err := d.blobs.Open(ctx, a.key)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, &store.Error{Kind: store.ErrFailedPrecondition, Msg: fmt.Sprintf("the %s file of model %s is missing from the blob store", a.format, m.ID)}
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// signedLink returns an absolute, signed download link of a model's file.
func (d *data) signedLink(id uuid.UUID, format string) string {
	p := "/api/v1/models/" + id.String() + "/download"
	return d.public + d.signer.Sign(p, url.Values{"format": {format}}, d.linkTTL)
}

// onModelDeleted registers fn to run after DeleteModel marked a model deleted.
func (s *Server) onModelDeleted(fn func(uuid.UUID)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onDelete = append(s.onDelete, fn)
}

// modelDeleted runs the functions registered with onModelDeleted.
func (s *Server) modelDeleted(id uuid.UUID) {
	s.mu.Lock()
	fns := slices.Clone(s.onDelete)
	s.mu.Unlock()
	for _, fn := range fns {
		fn(id)
	}
}
