package analyze

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitName(t *testing.T) {
	for in, want := range map[string][]string{
		"ListPrice":       {"list", "price"},
		"customer_id":     {"customer", "id"},
		"HTTPStatusCode":  {"http", "status", "code"},
		"v2len":           {"v", "2", "len"},
		"x.width":         {"x", "width"},
		"monthlyFeeUSD":   {"monthly", "fee", "usd"},
		"Number of Rooms": {"number", "of", "rooms"},
		"":                nil,
	} {
		if diff := cmp.Diff(want, splitName(in)); diff != "" {
			t.Errorf("splitName(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func TestStemMeets(t *testing.T) {
	for _, group := range [][]string{
		{"churn", "churners", "churned", "churning"},
		{"survive", "survived", "survival", "survivors"},
		{"price", "prices"},
		{"house", "houses", "housing"},
		{"progress", "progression"},
		{"class", "classes"},
		{"month", "monthly", "months"},
	} {
		for _, w := range group[1:] {
			if stem(w) != stem(group[0]) {
				t.Errorf("stem(%q) = %q, stem(%q) = %q; want equal", w, stem(w), group[0], stem(group[0]))
			}
		}
	}
	for _, pair := range [][2]string{{"status", "stat"}, {"species", "special"}, {"sex", "six"}} {
		if stem(pair[0]) == stem(pair[1]) {
			t.Errorf("stem(%q) = stem(%q) = %q; want different", pair[0], pair[1], stem(pair[0]))
		}
	}
}

func TestWordMatch(t *testing.T) {
	for _, tc := range []struct {
		word, token string
		want        float64
	}{
		{"churn", "churn", 1},
		{"churners", "churn", 0.95},
		{"letter", "lettr", 0.85},
		{"quantity", "qty", 0},      // too short to guess
		{"quantity", "quant", 0.85}, // an abbreviation
		{"sex", "six", 0},
		{"y", "y", 1},
		{"price", "prize", 0.85},
		{"age", "wage", 0},
		{"chrun", "churn", 0.85}, // swapped letters
		{"predcit", "predict", 0.85},
	} {
		if got := wordMatch(tc.word, tc.token); got != tc.want {
			t.Errorf("wordMatch(%q, %q) = %v, want %v", tc.word, tc.token, got, tc.want)
		}
	}
}

func TestParseDescriptionRoles(t *testing.T) {
	p := parseDescription(newLexicon(), "Predict churn from tenure and contract. Classify plans by region")
	roles := map[string]float64{}
	for _, w := range p.words {
		roles[w.text] = w.role
	}
	want := map[string]float64{"churn": roleTarget, "tenure": roleFeature, "contract": roleFeature, "plans": roleNeutral, "region": roleTarget}
	if diff := cmp.Diff(want, roles); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	p = parseDescription(newLexicon(), "Which members will cancel their plan, and the price of each house?")
	roles = map[string]float64{}
	for _, w := range p.words {
		roles[w.text] = w.role
	}
	want = map[string]float64{"members": roleTarget, "cancel": roleTarget, "plan": roleEntity, "price": roleNeutral, "house": roleEntity}
	if diff := cmp.Diff(want, roles); diff != "" {
		t.Errorf("roles of objects and row entities (-want +got):\n%s", diff)
	}
}
