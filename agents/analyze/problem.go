package analyze

import (
	"fmt"
	"slices"
	"strings"

	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/ml/frame"
)

// problemOptions scores the three tasks for a chosen target from its data and
// from the wording of the description.
func problemOptions(p parsed, c *colFacts) []reasoner.Option {
	bin := reasoner.Option{Value: string(Binary)}
	multi := reasoner.Option{Value: string(Multiclass)}
	reg := reasoner.Option{Value: string(Regression)}
	switch {
	case c.present == 0:
		// No values yet (the data is to be labeled): only the wording can tell.
		bin.Score, multi.Score, reg.Score = 0.3, 0.35, 0.1
		bin.Evidence = []string{"the column has no values yet; the wording decides"}
		if len(p.classCues) > 0 {
			bin.Score += 0.4
			bin.Evidence = append(bin.Evidence, fmt.Sprintf("the wording asks a yes/no question (%s)", strings.Join(uniq(p.classCues), ", ")))
		}
		if len(p.regressionCues) > 0 {
			reg.Score += 0.6
			reg.Evidence = []string{fmt.Sprintf("the wording asks for a quantity (%s)", strings.Join(uniq(p.regressionCues), ", "))}
		}
	case c.distinct == 2:
		bin.Score = 0.95
		bin.Evidence = []string{fmt.Sprintf("exactly two distinct values (%s)", levelList(c, 2))}
		reg.Score = 0.02
		reg.Evidence = []string{"two values are classes, not a quantity"}
	case !c.numeric():
		multi.Score = 0.95
		multi.Evidence = []string{fmt.Sprintf("%d distinct non-numeric values", c.distinct)}
		if c.kind == frame.Categorical && c.distinct > 30 {
			multi.Score = 0.8
			multi.Evidence = append(multi.Evidence, "many classes")
		}
	case c.integer && c.distinct <= 12:
		multi.Score, reg.Score = 0.55, 0.4
		multi.Evidence = []string{fmt.Sprintf("%d distinct whole numbers, few enough to be classes", c.distinct)}
		reg.Evidence = []string{"the values are numbers and may be ordered"}
	case c.integer && c.distinct <= 30:
		multi.Score, reg.Score = 0.3, 0.65
		multi.Evidence = []string{fmt.Sprintf("%d distinct whole numbers", c.distinct)}
		reg.Evidence = []string{"numbers with many distinct values"}
	default:
		reg.Score, multi.Score = 0.92, 0.03
		reg.Evidence = []string{fmt.Sprintf("numeric with %d distinct values", c.distinct)}
	}
	if c.numeric() && c.distinct > 2 {
		if len(p.regressionCues) > 0 {
			reg.Score += 0.2
			reg.Evidence = append(reg.Evidence, fmt.Sprintf("the wording asks for a quantity (%s)", strings.Join(uniq(p.regressionCues), ", ")))
		}
		if len(p.classCues) > 0 && c.distinct <= 30 {
			multi.Score += 0.15
			multi.Evidence = append(multi.Evidence, fmt.Sprintf("the wording asks for classes (%s)", strings.Join(uniq(p.classCues), ", ")))
		}
	}
	for _, o := range []*reasoner.Option{&bin, &multi, &reg} {
		o.Score = min(o.Score, 1)
	}
	return []reasoner.Option{bin, multi, reg}
}

// positiveClass picks the class of interest of a binary target: a class
// the description mentions, else a "yes"-like class, else the rarer class.
func positiveClass(c *colFacts, mentioned []string) (string, string) {
	if len(c.levels) != 2 {
		return "", ""
	}
	if len(mentioned) == 1 {
		return mentioned[0], "the description mentions it"
	}
	for _, lv := range c.levels {
		if positiveWords[strings.ToLower(lv.Value)] {
			return lv.Value, "it is the affirmative value"
		}
	}
	a, b := c.levels[0], c.levels[1]
	if a.Count == b.Count {
		// Deterministic: the alphabetically later class.
		if strings.Compare(a.Value, b.Value) > 0 {
			return a.Value, "classes are balanced; the later label"
		}
		return b.Value, "classes are balanced; the later label"
	}
	if a.Count < b.Count {
		return a.Value, fmt.Sprintf("the rarer class (%d of %d rows)", a.Count, a.Count+b.Count)
	}
	return b.Value, fmt.Sprintf("the rarer class (%d of %d rows)", b.Count, a.Count+b.Count)
}

// minorityShare returns the share of the rarest class.
func minorityShare(c *colFacts) float64 {
	if len(c.levels) < 2 {
		return 0
	}
	total, least := 0, c.levels[0].Count
	for _, lv := range c.levels {
		total += lv.Count
		least = min(least, lv.Count)
	}
	return float64(least) / float64(total)
}

func levelList(c *colFacts, n int) string {
	var vs []string
	for _, lv := range c.levels[:min(n, len(c.levels))] {
		vs = append(vs, fmt.Sprintf("%q", lv.Value))
	}
	return strings.Join(vs, ", ")
}

func uniq(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}
