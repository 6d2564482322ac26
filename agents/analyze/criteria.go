package analyze

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/trainyard/trainyard/ml/metrics"
)

// metricPhrases map the words people use to the metric names; longer
// phrases are tried first.
var metricPhrases = []struct{ phrase, metric string }{
	{"root mean squared error", "rmse"}, {"root mean square error", "rmse"},
	{"mean absolute percentage error", "mape"}, {"mean absolute error", "mae"},
	{"area under the curve", "roc_auc"}, {"area under the roc curve", "roc_auc"},
	{"coefficient of determination", "r2"}, {"variance explained", "r2"},
	{"true positive rate", "recall"}, {"positive predictive value", "precision"},
	{"average precision", "pr_auc"}, {"pr auc", "pr_auc"}, {"roc auc", "roc_auc"},
	{"r squared", "r2"}, {"r2", "r2"}, {"r²", "r2"},
	{"f1 score", "f1"}, {"f score", "f1"}, {"f1", "f1"},
	{"log loss", "logloss"}, {"logloss", "logloss"}, {"cross entropy", "logloss"},
	{"recall", "recall"}, {"sensitivity", "recall"}, {"catch", "recall"}, {"detect", "recall"},
	{"precision", "precision"}, {"precise", "precision"},
	{"accuracy", "accuracy"}, {"accurate", "accuracy"}, {"correct", "accuracy"}, {"right", "accuracy"},
	{"auc", "roc_auc"}, {"rmse", "rmse"}, {"mae", "mae"}, {"mape", "mape"},
	{"average error", "mae"}, {"off by", "mae"}, {"error", "rmse"},
}

// lowerIsBetter tells the error metrics (rmse, mae, mape, logloss) by the direction the metrics
// registry gives them; a name it does not know is not one.
func lowerIsBetter(metric string) bool {
	m, err := metrics.Lookup(metric)
	return err == nil && !m.HigherIsBetter
}

// perClass lists metrics that refer to one class of a binary problem.
var perClass = set("recall", "precision", "f1")

var (
	numberRe = regexp.MustCompile(`(?:\$\s*)?\b(\d+(?:[.,]\d+)*)\s*(%|percent|k\b|thousand)?`)
	moreRe   = regexp.MustCompile(`at least|above|over|more than|greater than|higher than|minimum|no less than|or better|or more|or higher|exceed|>=|≥|>`)
	lessRe   = regexp.MustCompile(`at most|below|under|less than|lower than|no more than|maximum|or less|or lower|within|<=|≤|<`)
	clauseRe = regexp.MustCompile(`\band\b|,\s|,$|;|\?|!|\.\s|\.$|\bwith\b|\bwhile\b|\bbut\b`)
)

// parseCriteria reads measurable goals from the description: "at least 90%
// recall on churners", "99% recall and 99% precision", "an RMSE under
// 25,000". A clause without a number takes the number of the next clause
// ("precision and recall above 0.9"). target and levels resolve class words
// ("churners") to a class label.
func parseCriteria(desc string, target *colFacts, positive string, task ProblemType) []SuccessCriterion {
	text := strings.ToLower(desc)
	text = strings.NewReplacer("-", " ", "_", " ").Replace(text)
	parts := clauseRe.Split(text, -1)
	type clause struct {
		text, metric string
		num          float64
		pct, hasNum  bool
	}
	var cls []clause
	for _, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		c := clause{text: part, metric: findMetric(part, task)}
		if m := nearestNumber(part, c.metric); m != nil {
			v, err := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", ""), 64)
			if err == nil {
				switch m[2] {
				case "%", "percent":
					c.pct = true
				case "k", "thousand":
					v *= 1000
				}
				c.num, c.hasNum = v, true
			}
		}
		cls = append(cls, c)
	}
	var out []SuccessCriterion
	for i, c := range cls {
		if c.metric == "" {
			continue
		}
		src := c
		if !c.hasNum {
			// Borrow the number of the next clause when it has no metric of its own
			// or shares it: "precision and recall above 90%".
			if i+1 < len(cls) && cls[i+1].hasNum && cls[i+1].metric != "" {
				src = cls[i+1]
			} else {
				continue
			}
		}
		crit := SuccessCriterion{Metric: c.metric, Text: original(desc, text, c.text)}
		if src.text != c.text {
			crit.Text += " … " + original(desc, text, src.text)
		}
		v := src.num
		if lowerIsBetter(c.metric) {
			if src.pct {
				if c.metric == "mae" || c.metric == "rmse" {
					crit.Metric = "mape"
				}
				v /= 100
			}
		} else if src.pct || v > 1 {
			v /= 100
		}
		if !lowerIsBetter(crit.Metric) && (v <= 0 || v > 1) {
			continue
		}
		crit.Threshold = v
		switch {
		case lessRe.MatchString(src.text):
			crit.AtLeast = false
		case moreRe.MatchString(src.text):
			crit.AtLeast = true
		default:
			crit.AtLeast = !lowerIsBetter(crit.Metric)
		}
		if task == Binary && perClass[crit.Metric] {
			crit.ClassLabel = classFor(c.text+" "+src.text, target, positive)
		}
		out = append(out, crit)
	}
	return out
}

// original returns the words of a clause as the user wrote them, when the
// lowercased text lines up with the description byte for byte.
func original(desc, lower, clause string) string {
	if i := strings.Index(lower, clause); i >= 0 && len(desc) == len(lower) {
		return desc[i : i+len(clause)]
	}
	return clause
}

// nearestNumber returns the submatches of the number closest to the
// metric's name in a clause ("an F1 of 0.7 for people over 50"), or of the
// first number when the clause names no metric.
func nearestNumber(clause, metric string) []string {
	locs := numberRe.FindAllStringSubmatchIndex(clause, -1)
	if len(locs) == 0 {
		return nil
	}
	at := -1
	if metric != "" {
		for _, mp := range metricPhrases {
			if mp.metric == metric {
				if i := strings.Index(clause, mp.phrase); i >= 0 {
					at = i
					break
				}
			}
		}
	}
	best := locs[0]
	if at >= 0 {
		dist := func(l []int) int { return min(abs(l[0]-at), abs(l[1]-at)) }
		for _, l := range locs[1:] {
			if dist(l) < dist(best) {
				best = l
			}
		}
	}
	out := make([]string, 3)
	for i := range out {
		if best[2*i] >= 0 {
			out[i] = clause[best[2*i]:best[2*i+1]]
		}
	}
	return out
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// findMetric returns the first metric named in a clause. "within 10%" of a
// regression is a percentage error.
func findMetric(clause string, task ProblemType) string {
	ws, _ := words(clause)
	padded := " " + strings.Join(ws, " ") + " "
	for _, mp := range metricPhrases {
		if strings.Contains(padded, " "+mp.phrase+" ") || (strings.Contains(mp.phrase, "²") && strings.Contains(clause, mp.phrase)) {
			if task == Regression && !lowerIsBetter(mp.metric) && mp.metric != "r2" {
				// "accurate to within 10%" of a number is an error bound.
				if strings.Contains(clause, "within") {
					return "mae"
				}
				continue
			}
			if task != Regression && (lowerIsBetter(mp.metric) && mp.metric != "logloss" || mp.metric == "r2") {
				continue
			}
			return mp.metric
		}
	}
	if task == Regression && strings.Contains(padded, " within ") {
		return "mae"
	}
	return ""
}

// classFor finds the class a per-class criterion is about: a class label
// named in the words, else the positive class (words such as "churners"
// that name the target itself mean its positive class).
func classFor(text string, target *colFacts, positive string) string {
	ws, _ := words(text)
	for _, lv := range target.levels {
		lws, _ := words(lv.Value)
		if len(lws) == 0 || genericLevels[strings.ToLower(lv.Value)] {
			continue
		}
		all := true
		for _, l := range lws {
			found := false
			for _, w := range ws {
				if wordMatch(w, l) >= 0.85 {
					found = true
				}
			}
			all = all && found
		}
		if all {
			return lv.Value
		}
	}
	return positive
}
