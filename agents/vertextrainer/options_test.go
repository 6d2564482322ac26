package vertextrainer

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/internal/vertex"
)

func TestVertexTrainerURLOptions(t *testing.T) {
	var tr Trainer
	if err := tr.setOptions("vertex://projects/p/locations/l?automl=1&automl_min_budget=2h&machine=n1-standard-8&min_replicas=2&max_replicas=5"); err != nil {
		t.Fatalf("setOptions = %v", err)
	}
	want := vertex.Autoscaling{MachineType: "n1-standard-8", MinReplicas: 2, MaxReplicas: 5}
	if !tr.AutoML || tr.AutoMLMinBudget != 2*time.Hour || tr.MachineType != "n1-standard-8" {
		t.Errorf("AutoML %v, min budget %v, machine %q", tr.AutoML, tr.AutoMLMinBudget, tr.MachineType)
	}
	if diff := cmp.Diff(want, tr.Autoscaling); diff != "" {
		t.Errorf("autoscaling (-want +got):\n%s", diff)
	}
	var plain Trainer
	if err := plain.setOptions("vertex://projects/p/locations/l"); err != nil || plain.AutoML || plain.autoscaling() != (vertex.Autoscaling{MachineType: vertex.DefaultMachineType, MinReplicas: 1, MaxReplicas: 3}) {
		t.Errorf("no options: err %v, AutoML %v, autoscaling %+v; want the defaults", err, plain.AutoML, plain.autoscaling())
	}
	for _, bad := range []string{"?automl=maybe", "?min_replicas=0", "?max_replicas=x", "?automl_min_budget=1", "?gpu=1"} {
		var tr Trainer
		if err := tr.setOptions("vertex://projects/p/locations/l" + bad); err == nil {
			t.Errorf("setOptions(%q) = nil error", bad)
		}
	}
}
