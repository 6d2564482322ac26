package server_test

import (
	"context"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/store"
)

// TestProjectHeadlineMetric: a project with a model shows the model's held-out primary
// metric, in lists and on its own.
func TestProjectHeadlineMetric(t *testing.T) {
	h := newDataHarness(t, sqliteURL(t), datasets.Options{})
	u := h.newUser("hana@example.com", store.RoleMember)
	m := h.newModel(u, []byte("native"), []byte("onnx"))
	sys := store.SystemContext(context.Background())
	metrics, _ := protojson.Marshal(&trainyardv1.Metrics{Primary: &trainyardv1.Metric{Name: "roc_auc", Value: 0.91, HigherIsBetter: true}})
	if err := h.st.Client().Model.UpdateOneID(m.ID).SetMetrics(metrics).Exec(sys); err != nil {
		t.Fatal(err)
	}
	if err := h.st.Client().Project.UpdateOneID(m.ProjectID).SetModelID(m.ID).Exec(sys); err != nil {
		t.Fatal(err)
	}
	projects, _ := h.connectClients()
	ctx := withKey(context.Background(), u.key)
	list, err := projects.ListProjects(ctx, &trainyardv1.ListProjectsRequest{})
	if err != nil || len(list.GetProjects()) != 1 {
		t.Fatalf("ListProjects = %v, %v; want one project", list, err)
	}
	if got := list.GetProjects()[0].GetHeadlineMetric(); got.GetName() != "roc_auc" || got.GetValue() != 0.91 {
		t.Errorf("listed headline = %v, want roc_auc 0.91", got)
	}
	p, err := projects.GetProject(ctx, &trainyardv1.GetProjectRequest{Name: "projects/" + m.ProjectID.String()})
	if err != nil || p.GetHeadlineMetric().GetName() != "roc_auc" || p.GetModelId() != m.ID.String() {
		t.Errorf("GetProject = %v, %v; want the model and its roc_auc headline", p, err)
	}
}
