package server

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/types"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
)

// openLabelingTask returns the project's labeling task when it waits for the owner's labels.
func openLabelingTask(p *ent.Project) *trainyardv1.LabelingTask {
	t := unmarshalStored(p.LabelingTask, &trainyardv1.LabelingTask{})
	if t == nil || t.GetState() != trainyardv1.LabelingTaskState_LABELING_TASK_STATE_OPEN {
		return nil
	}
	return t
}

// approveLabeling answers the project's open labeling task with the owner's cluster names and
// row labels and resumes the pipeline in LABELING, which applies them. It refuses answers that
// name clusters the task does not have, rows the data does not have, or fewer than two classes.
func (h *ProjectService) approveLabeling(ctx context.Context, p *ent.Project, task *trainyardv1.LabelingTask, req *trainyardv1.ApproveProjectRequest) (*trainyardv1.Project, error) {
	clusters, rows := req.GetClusterLabels(), req.GetRowLabels()
	if len(clusters) == 0 && len(rows) == 0 {
		return nil, fieldError("cluster_labels", "the project waits for labels: name its clusters (cluster id to class label) or label rows in row_labels", nil)
	}
	ids := map[int32]bool{}
	for _, c := range task.GetClusters() {
		ids[c.GetId()] = true
	}
	classes := map[string]bool{}
	for _, k := range task.GetKnownClasses() {
		classes[k] = true
	}
	for _, k := range task.GetClusterLabels() {
		classes[k] = true
	}
	for _, k := range task.GetRowLabels() {
		classes[k] = true
	}
	named := make([]string, 0, len(clusters))
	for id, label := range clusters {
		if !ids[id] {
			return nil, fieldError("cluster_labels", fmt.Sprintf("cluster %d is not in the labeling task", id), nil)
		}
		label = strings.TrimSpace(label)
		if label == "" {
			return nil, fieldError("cluster_labels", fmt.Sprintf("cluster %d has an empty label", id), nil)
		}
		clusters[id] = label
		classes[label] = true
		named = append(named, fmt.Sprintf("cluster %d = %q", id, label))
	}
	for row, label := range rows {
		if row >= task.GetTotalRows() {
			return nil, fieldError("row_labels", fmt.Sprintf("row %d is not in the data (%d rows)", row, task.GetTotalRows()), nil)
		}
		label = strings.TrimSpace(label)
		if label == "" {
			return nil, fieldError("row_labels", fmt.Sprintf("row %d has an empty label", row), nil)
		}
		rows[row] = label
		classes[label] = true
	}
	if len(classes) < 2 {
		return nil, fieldError("cluster_labels", "the labels name a single class; a classifier needs at least two different labels", nil)
	}
	task.State = trainyardv1.LabelingTaskState_LABELING_TASK_STATE_ANSWERED
	// Answers given to an earlier round of the task (it is asked again when they were not
	// enough) stay; the new ones add to them or replace them.
	if task.ClusterLabels == nil {
		task.ClusterLabels = map[int32]string{}
	}
	if task.RowLabels == nil {
		task.RowLabels = map[int64]string{}
	}
	maps.Copy(task.ClusterLabels, clusters)
	maps.Copy(task.RowLabels, rows)
	raw, err := protojson.Marshal(task)
	if err != nil {
		return nil, err
	}
	slices.Sort(named)
	decision := "labels given"
	var parts []string
	if len(named) > 0 {
		parts = append(parts, strings.Join(named, ", "))
	}
	if len(rows) > 0 {
		parts = append(parts, fmt.Sprintf("%d rows labeled by hand", len(rows)))
	}
	decision += ": " + strings.Join(parts, "; ")
	return h.decide(ctx, p.ID, p.Stage, types.StageLabeling, []types.Stage{types.StageAwaitingApproval}, decision, req.GetComment(),
		&store.ProjectChanges{LabelingTask: raw})
}
