package vertex

import (
	"math"
	"time"
)

// AutoML training budgets, in milli node hours (1000 = one node hour), as Vertex bounds them.
const (
	// MinTabularBudget is the smallest AutoML tabular budget (1 node hour).
	MinTabularBudget = 1000
	// MaxTabularBudget is the largest AutoML tabular budget (72 node hours).
	MaxTabularBudget = 72000
	// MinImageClassificationBudget is the smallest AutoML image classification budget (8 node hours).
	MinImageClassificationBudget = 8000
	// MinObjectDetectionBudget is the smallest AutoML object detection budget (20 node hours).
	MinObjectDetectionBudget = 20000
	// MaxImageBudget is the largest AutoML image budget (800 node hours).
	MaxImageBudget = 800000
)

// MilliNodeHours converts a wall-clock budget on nodes machines into the milli node hours
// AutoML bills, rounded up and clamped to [lo, hi]. The project's time budget is the input:
// one hour on one node is 1000.
func MilliNodeHours(budget time.Duration, nodes int, lo, hi int64) int64 {
	if nodes < 1 {
		nodes = 1
	}
	m := int64(math.Ceil(budget.Hours() * float64(nodes) * 1000))
	return max(lo, min(hi, m))
}
