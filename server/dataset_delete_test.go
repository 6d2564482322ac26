package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
)

// TestDeleteDatasetKeepsProjects: DeleteDataset does what its contract says. A dataset a
// running project uses is refused; one that finished projects use loses its files and leaves
// the API (get, list, new projects) while the projects keep their record and their model
// keeps answering; one no project uses is removed entirely.
func TestDeleteDatasetKeepsProjects(t *testing.T) {
	h := newServingHarness(t)
	owner := h.newUser("owner@example.com", store.RoleMember)
	ctx := context.Background()
	sys := store.SystemContext(ctx)
	octx := store.WithViewer(ctx, store.Viewer{UserID: owner.id, Role: store.RoleMember})
	m := h.deploy(owner, trainOn(t, "iris.csv", "species", "5"))
	proj, err := h.st.GetProject(sys, m.ProjectID)
	if err != nil {
		t.Fatal(err)
	}

	// The model's project is still running (ANALYZING): its dataset stays.
	_, err = h.cds.DeleteDataset(withKey(ctx, owner.key), &trainyardv1.DeleteDatasetRequest{Name: "datasets/" + proj.DatasetID.String()})
	if connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("DeleteDataset(dataset of a running project) = %v, want FailedPrecondition", err)
	}
	if err := h.st.Client().Project.UpdateOneID(proj.ID).SetStage(store.StageCompleted).Exec(sys); err != nil {
		t.Fatal(err)
	}

	// An uploaded dataset with a finished project on it.
	iris, err := os.ReadFile(sharedPath(t, "iris.csv"))
	if err != nil {
		t.Fatal(err)
	}
	code, body := h.restUpload(owner.key, nil, fileOf("iris.csv", iris))
	if code != http.StatusCreated {
		t.Fatalf("upload = %d %.200s", code, body)
	}
	var up struct{ ID string }
	if err := json.Unmarshal(body, &up); err != nil || up.ID == "" {
		t.Fatalf("upload answer %s: %v", body, err)
	}
	dsID := uuid.MustParse(up.ID)
	row, err := h.st.GetDataset(sys, dsID)
	if err != nil || len(row.Files) == 0 {
		t.Fatalf("uploaded dataset = %v, %v", row, err)
	}
	fileKey := row.Files[0].BlobKey
	q, err := h.st.CreateProject(octx, store.NewProject{DatasetID: dsID, ProblemDescription: "classify irises"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.st.Client().Project.UpdateOneID(q.ID).SetStage(store.StageCompleted).Exec(sys); err != nil {
		t.Fatal(err)
	}

	if err := (restClient{base: h.base, hc: h.http}).do(ctx, owner.key, http.MethodDelete, "/api/v1/data/"+dsID.String(), nil, &trainyardv1.DeleteDatasetResponse{}); err != nil {
		t.Fatalf("REST DELETE of a dataset finished projects use = %v, want success", err)
	}
	if _, err := h.blobs.Stat(ctx, fileKey); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat(file of the deleted dataset) = %v, want ErrNotFound", err)
	}
	if _, err := h.getDataset(ctx, "connect", owner.key, dsID.String()); codeOf(err) != connect.CodeNotFound {
		t.Errorf("GetDataset after the delete = %v, want NotFound", err)
	}
	list, err := h.cds.ListDatasets(withKey(ctx, owner.key), &trainyardv1.ListDatasetsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list.GetDatasets() {
		if d.GetId() == dsID.String() {
			t.Errorf("ListDatasets after the delete still lists %s", dsID)
		}
	}
	if _, err := h.st.CreateProject(octx, store.NewProject{DatasetID: dsID, ProblemDescription: "again"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateProject on the deleted dataset = %v, want ErrNotFound", err)
	}
	if kept, err := h.st.GetProject(octx, q.ID); err != nil || kept.DatasetID != dsID || kept.ProblemDescription != "classify irises" {
		t.Errorf("the project of the deleted dataset = %v, %v; want its record intact", kept, err)
	}
	if _, err := h.cds.DeleteDataset(withKey(ctx, owner.key), &trainyardv1.DeleteDatasetRequest{Name: dsID.String()}); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("DeleteDataset twice = %v, want NotFound", err)
	}

	// The model's dataset, now that its project finished: deleted, and the model still serves.
	if _, err := h.gds.DeleteDataset(grpcCtx(ctx, owner.key), &trainyardv1.DeleteDatasetRequest{Name: proj.DatasetID.String()}); err != nil {
		t.Fatalf("gRPC DeleteDataset of the model's dataset = %v", err)
	}
	req := &trainyardv1.PredictRequest{Name: "models/" + m.ID.String(),
		Instances: instances(t, `[{"sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2}]`)}
	if _, codes := h.predictOver(t, owner.key, req); len(codes) > 0 {
		t.Errorf("Predict after its dataset was deleted: errors %v, want answers", codes)
	}
	if _, err := h.cms.GetModel(withKey(ctx, owner.key), &trainyardv1.GetModelRequest{Name: "models/" + m.ID.String()}); err != nil {
		t.Errorf("GetModel after its dataset was deleted = %v", err)
	}

	// A dataset nobody uses leaves no row.
	unused := uuid.MustParse(h.newDataset(owner))
	if _, err := h.cds.DeleteDataset(withKey(ctx, owner.key), &trainyardv1.DeleteDatasetRequest{Name: unused.String()}); err != nil {
		t.Fatal(err)
	}
	if n, err := h.st.Client().Dataset.Query().Count(sys); err != nil || n != 2 {
		t.Errorf("dataset rows = %d, %v; want the 2 that projects reference", n, err)
	}
}
