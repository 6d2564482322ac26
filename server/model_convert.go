package server

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/types"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/examples"
)

// modelStates maps stored model states to the API's; TRAINING and FAILED models have no API
// state (UNSPECIFIED) because they are not usable yet, or ever.
var modelStates = map[types.ModelState]trainyardv1.ModelState{
	types.ModelReady:    trainyardv1.ModelState_MODEL_STATE_READY,
	types.ModelDeployed: trainyardv1.ModelState_MODEL_STATE_DEPLOYED,
	types.ModelDeleted:  trainyardv1.ModelState_MODEL_STATE_DELETED,
}

// modelToProto converts a stored model. The agents store metrics, report and code examples as
// protojson of trainyard.v1.Metrics, ModelReport and CodeExamples, and the feature schema as
// protojson of a trainyard.v1.Model holding features, classes, targetColumn and problemType.
// With links, the download links are signed and the artifact's size is read from the store.
func (d *data) modelToProto(ctx context.Context, m *ent.Model, links bool) *trainyardv1.Model {
	out := &trainyardv1.Model{
		Name:         resourceName("models", m.ID),
		Id:           m.ID.String(),
		ModelId:      m.ID.String(),
		ProjectId:    m.ProjectID.String(),
		Architecture: m.Learner,
		State:        modelStates[m.State],
		ApiEndpoint:  d.public + "/api/v1/models/" + m.ID.String() + "/predict",
		Metrics:      unmarshalStored(m.Metrics, &trainyardv1.Metrics{}),
		Report:       unmarshalStored(m.Report, &trainyardv1.ModelReport{}),
		CodeExamples: unmarshalStored(m.CodeExamples, &trainyardv1.CodeExamples{}),
		Owner:        resourceName("users", m.OwnerID),
		CreateTime:   timestamppb.New(m.CreatedAt),
	}
	if fs := unmarshalStored(m.FeatureSchema, &trainyardv1.Model{}); fs != nil {
		out.Features, out.Classes, out.TargetColumn, out.ProblemType = fs.Features, fs.Classes, fs.TargetColumn, fs.ProblemType
		out.DisplayName = fs.DisplayName
	}
	if m.State == types.ModelDeleted {
		out.ApiEndpoint = ""
		return out
	}
	if links && len(out.Features) > 0 {
		// Examples follow the server's public URL and the model's inputs, so they are made
		// here rather than stored.
		out.CodeExamples = examples.Generate(d.public, out, nil)
	}
	if links && m.ArtifactKey != "" {
		out.DownloadUrl = d.signedLink(m.ID, "native")
		if a, err := d.blobs.Stat(ctx, m.ArtifactKey); err == nil {
			out.SizeBytes = a.Size
		}
	}
	if links && m.OnnxKey != "" {
		out.OnnxDownloadUrl = d.signedLink(m.ID, "onnx")
	}
	return out
}
