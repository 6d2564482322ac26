package analyze

import (
	"fmt"
	"math"
	"strings"

	"github.com/trainyard/trainyard/ml/frame"
)

// complexity rates how hard the problem looks, 0 to 1, from the data's
// size and shape, and says why. It guides budgets, not correctness.
func complexity(cols []colFacts, target *colFacts, task ProblemType, rows int) (float64, string) {
	var parts []string
	score := 0.0
	add := func(v float64, why string) {
		if v > 0.005 {
			score += v
			parts = append(parts, fmt.Sprintf("%s (+%.2f)", why, v))
		}
	}
	features, text, missing := 0, 0, 0.0
	for i := range cols {
		c := &cols[i]
		if c == target || c.unusable != "" && c.kind != frame.Text {
			continue
		}
		features++
		if c.kind == frame.Text {
			text++
		}
		missing += c.missing
	}
	if features > 0 {
		missing /= float64(features)
	}
	add(min(0.25, 0.06*math.Log2(1+float64(features)/4)), fmt.Sprintf("%d input columns", features))
	if rows < 1000 {
		add(0.1, fmt.Sprintf("only %d rows", rows))
	}
	switch task {
	case Multiclass:
		add(min(0.25, 0.05*math.Log2(float64(target.distinct))), fmt.Sprintf("%d classes", target.distinct))
	case Binary:
		if m := minorityShare(target); m < imbalanced {
			add(0.15*(1-m/imbalanced)+0.05, fmt.Sprintf("imbalanced classes (rarer %.0f%%)", 100*m))
		}
	case Regression:
		add(0.1, "a continuous target")
	}
	if text > 0 {
		add(0.2, fmt.Sprintf("%d free-text column(s)", text))
	}
	add(min(0.15, missing), fmt.Sprintf("%.1f%% missing values on average", 100*missing))
	score = math.Round(min(1, score)*100) / 100
	if len(parts) == 0 {
		return score, "a small, clean problem"
	}
	return score, strings.Join(parts, ", ")
}
