package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/google/uuid"
	"gocloud.dev/gcerrors"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
)

// errNoState reports a stage output blob that does not exist (yet).
var errNoState = errors.New("no stored state")

// stateKey is the blob key of a pipeline output of a project.
func stateKey(id uuid.UUID, name string) string {
	return "projects/" + id.String() + "/pipeline/" + name
}

// putBytes writes a blob.
func (p *Pipeline) putBytes(ctx context.Context, key, contentType string, b []byte) error {
	w, err := p.blobs.Create(ctx, key, contentType)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		w.Abort()
		return fmt.Errorf("write %s: %w", key, err)
	}
	return w.Close()
}

// getBytes reads a blob; errNoState when it does not exist.
func (p *Pipeline) getBytes(ctx context.Context, key string) ([]byte, error) {
	r, err := p.blobs.Open(ctx, key)
	if err != nil {
		if errors.Is(err, blob.ErrNotFound) || gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("%s: %w", key, errNoState)
		}
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// putJSON stores v as JSON.
func (p *Pipeline) putJSON(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return p.putBytes(ctx, key, "application/json", b)
}

// getJSON reads JSON into v; errNoState when the blob does not exist.
func (p *Pipeline) getJSON(ctx context.Context, key string, v any) error {
	b, err := p.getBytes(ctx, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

// putArtifact saves a model artifact (gzip JSON).
func (p *Pipeline) putArtifact(ctx context.Context, key string, a *model.Artifact) error {
	var buf bytes.Buffer
	if err := a.Save(&buf); err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	return p.putBytes(ctx, key, "application/gzip", buf.Bytes())
}

// getArtifact loads a model artifact.
func (p *Pipeline) getArtifact(ctx context.Context, key string) (*model.Artifact, error) {
	b, err := p.getBytes(ctx, key)
	if err != nil {
		return nil, err
	}
	return model.Load(bytes.NewReader(b))
}

// protoJSON encodes a proto message as the API stores it.
func protoJSON(m proto.Message) json.RawMessage {
	b, err := protojson.Marshal(m)
	if err != nil {
		return nil
	}
	return b
}

// fromProtoJSON decodes a stored proto document (a missing one leaves m empty).
func fromProtoJSON(raw []byte, m proto.Message) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(raw, m)
}

// frameCache keeps the last few datasets read, by dataset id; frames are never modified.
type frameCache struct {
	mu    sync.Mutex
	size  int
	order []uuid.UUID
	byID  map[uuid.UUID]*frame.Frame
}

func newFrameCache(size int) *frameCache {
	return &frameCache{size: size, byID: map[uuid.UUID]*frame.Frame{}}
}

func (c *frameCache) get(id uuid.UUID) *frame.Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

func (c *frameCache) put(id uuid.UUID, f *frame.Frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byID[id]; ok {
		return
	}
	c.byID[id] = f
	c.order = append(c.order, id)
	for len(c.order) > c.size {
		delete(c.byID, c.order[0])
		c.order = c.order[1:]
	}
}
