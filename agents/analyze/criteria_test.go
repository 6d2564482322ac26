package analyze

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trainyard/trainyard/ml/profile"
)

func TestParseCriteria(t *testing.T) {
	yesNo := &colFacts{name: "left", levels: []profile.ValueCount{{Value: "No", Count: 70}, {Value: "Yes", Count: 30}}}
	hamSpam := &colFacts{name: "kind", levels: []profile.ValueCount{{Value: "ham", Count: 87}, {Value: "spam", Count: 13}}}
	price := &colFacts{name: "price"}
	for _, tc := range []struct {
		desc   string
		target *colFacts
		pos    string
		task   ProblemType
		want   []string
	}{
		{"predict who leaves, with at least 90% recall on leavers", yesNo, "Yes", Binary, []string{`recall ≥ 0.9 for class "Yes"`}},
		{"99% recall and 99% precision", yesNo, "Yes", Binary, []string{`recall ≥ 0.99 for class "Yes"`, `precision ≥ 0.99 for class "Yes"`}},
		{"precision and recall above 0.9", yesNo, "Yes", Binary, []string{`precision ≥ 0.9 for class "Yes"`, `recall ≥ 0.9 for class "Yes"`}},
		{"catch 80% of the spam", hamSpam, "spam", Binary, []string{`recall ≥ 0.8 for class "spam"`}},
		{"I want 95% precision on ham", hamSpam, "spam", Binary, []string{`precision ≥ 0.95 for class "ham"`}},
		{"an AUC of 0.85 or better", yesNo, "Yes", Binary, []string{"roc_auc ≥ 0.85"}},
		{"it should be right 95 percent of the time", nil, "", Multiclass, []string{"accuracy ≥ 0.95"}},
		{"estimate the price with an RMSE under 25,000", price, "", Regression, []string{"rmse ≤ 25000"}},
		{"MAE below 3k please", price, "", Regression, []string{"mae ≤ 3000"}},
		{"accurate to within 10% of the real price", price, "", Regression, []string{"mape ≤ 0.1"}},
		{"an R² of at least 0.8", price, "", Regression, []string{"r2 ≥ 0.8"}},
		{"predict whether income is over 50K", yesNo, "Yes", Binary, nil},
		{"which people earn more than 50K a year? I'd like an F1 of 0.7", yesNo, "Yes", Binary, []string{`f1 ≥ 0.7 for class "Yes"`}},
		{"an F1 of 0.75 for people over 50", yesNo, "Yes", Binary, []string{`f1 ≥ 0.75 for class "Yes"`}},
		{"predict the price of 3 bedroom houses", price, "", Regression, nil},
		{"which customers will churn", yesNo, "Yes", Binary, nil},
	} {
		target := tc.target
		if target == nil {
			target = &colFacts{}
		}
		var got []string
		for _, c := range parseCriteria(tc.desc, target, tc.pos, tc.task) {
			got = append(got, describeCriterion(c))
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("parseCriteria(%q) (-want +got):\n%s", tc.desc, diff)
		}
	}
}
