package store

import (
	"context"
	"encoding/json"
	"testing"
)

func TestBatchPredictions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		m := f.model(t)
		other := f.model(t)
		scoped := WithViewer(context.Background(), Viewer{UserID: f.a.ID, Role: RoleMember, ModelScope: m.ID})

		b, err := s.CreateBatchPrediction(scoped, NewBatchPrediction{ModelID: m.ID, InputKey: "in.csv", RowsTotal: 10, RequestID: "r1"})
		if err != nil {
			t.Fatalf("CreateBatchPrediction(scoped key, its model) = %v", err)
		}
		again, err := s.CreateBatchPrediction(scoped, NewBatchPrediction{ModelID: m.ID, InputKey: "in.csv", RequestID: "r1"})
		if err != nil || again.ID != b.ID {
			t.Errorf("CreateBatchPrediction(same request id) = %v, %v, want %s", again, err, b.ID)
		}
		_, err = s.CreateBatchPrediction(scoped, NewBatchPrediction{ModelID: other.ID, InputKey: "in.csv"})
		wantErr(t, "CreateBatchPrediction(scoped key, other model)", err, ErrNotFound)
		_, err = s.CreateBatchPrediction(f.ctxB, NewBatchPrediction{ModelID: m.ID, InputKey: "in.csv"})
		wantErr(t, "CreateBatchPrediction(B, A's model)", err, ErrNotFound)
		_, err = s.CreateBatchPrediction(f.ctxView, NewBatchPrediction{ModelID: m.ID, InputKey: "in.csv"})
		wantErr(t, "CreateBatchPrediction(viewer)", err, ErrPermissionDenied)
		if _, err := s.UpdateModel(f.sys, other.ID, ModelChanges{State: ptr(ModelFailed)}); err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateBatchPrediction(f.ctxA, NewBatchPrediction{ModelID: other.ID, InputKey: "in.csv"})
		wantErr(t, "CreateBatchPrediction(failed model)", err, ErrFailedPrecondition)

		msgs, _ := s.PendingOutbox(f.sys, 100)
		var trig BatchTrigger
		last := msgs[len(msgs)-1]
		if err := json.Unmarshal(last.Payload, &trig); err != nil || last.Topic != s.BatchTopic() || trig.BatchPredictionID != b.ID {
			t.Errorf("last outbox message = %s %s, want the batch trigger of %s", last.Topic, last.Payload, b.ID)
		}

		done, err := s.UpdateBatchPrediction(f.sys, b.ID, BatchChanges{State: ptr(BatchSucceeded), RowsProcessed: ptr(int64(10)), OutputKey: ptr("out.csv")})
		if err != nil || done.State != BatchSucceeded || done.RowsProcessed != 10 {
			t.Fatalf("UpdateBatchPrediction = %+v, %v", done, err)
		}
		_, err = s.UpdateBatchPrediction(f.sys, b.ID, BatchChanges{State: ptr(BatchFailed)})
		wantErr(t, "UpdateBatchPrediction(finished)", err, ErrFailedPrecondition)
		if got, err := s.GetBatchPrediction(scoped, b.ID); err != nil || got.OutputKey != "out.csv" {
			t.Errorf("GetBatchPrediction(scoped) = %v, %v", got, err)
		}
		_, err = s.GetBatchPrediction(f.ctxB, b.ID)
		wantErr(t, "GetBatchPrediction(B)", err, ErrNotFound)
	})
}
