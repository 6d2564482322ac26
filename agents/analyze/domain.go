package analyze

import (
	"fmt"
	"slices"
	"strings"

	"github.com/trainyard/trainyard/agents/reasoner"
)

// generalDomain is the answer when no field's vocabulary stands out.
const generalDomain = "general"

// domains lists, for each field, words that people and column names from it
// use. Words are compared by stem.
var domains = map[string][]string{
	"telecom":     {"telecom", "telco", "phone", "mobile", "cellular", "carrier", "subscriber", "broadband", "streaming", "tariff", "roaming", "minutes", "calls", "wireless", "fiber"},
	"finance":     {"bank", "banking", "loan", "debt", "finance", "financial", "fraud", "transaction", "payment", "account", "salary", "earn", "wage", "investment", "stock", "mortgage", "tax", "insurance", "wealth", "rich"},
	"healthcare":  {"patient", "medical", "clinical", "hospital", "disease", "diagnose", "tumor", "tumour", "cancer", "malignant", "benign", "cell", "blood", "glucose", "insulin", "cholesterol", "health", "symptom", "treatment", "doctor", "diabetic"},
	"real_estate": {"house", "home", "housing", "property", "rent", "apartment", "bedroom", "bathroom", "garage", "basement", "roof", "realtor", "lot", "porch", "fireplace", "mortgage"},
	"reviews":     {"review", "rating", "stars", "feedback", "taste", "flavor", "delicious", "opinion", "sentiment", "comment"},
	"retail":      {"shop", "store", "purchase", "buyer", "shopper", "basket", "cart", "ecommerce", "retail", "sku", "inventory"},
	"messaging":   {"message", "sms", "inbox", "spam", "junk", "phishing", "sender", "newsletter", "chat"},
	"biology":     {"flower", "petal", "sepal", "plant", "penguin", "bird", "animal", "flipper", "genus", "wildlife", "botanical", "beak", "zoo"},
	"food_drink":  {"wine", "grape", "vineyard", "beer", "acid", "phenol", "chemical", "beverage", "vintage", "food", "recipe"},
	"vision":      {"pixel", "image", "images", "handwritten", "handwriting", "scanned", "ocr", "glyph", "photo", "picture"},
	"travel":      {"passenger", "ship", "voyage", "cruise", "flight", "airline", "boarding", "sailing", "traveler", "journey"},
	"hr":          {"employee", "hire", "hiring", "job", "staff", "workforce", "promotion", "manager", "resignation"},
	"marketing":   {"campaign", "advert", "advertising", "conversion", "click", "lead", "funnel", "marketing"},
}

// domainOptions scores each field by the description's words (weight 1) and
// the column names' words (weight 0.5 each, counted once).
func domainOptions(p parsed, cols []colFacts) []reasoner.Option {
	colWords := map[string]bool{}
	for i := range cols {
		for _, t := range cols[i].tokens {
			colWords[t] = true
		}
	}
	var opts []reasoner.Option
	names := make([]string, 0, len(domains))
	for d := range domains {
		names = append(names, d)
	}
	slices.Sort(names)
	for _, d := range names {
		weight := 0.0
		var ev []string
		for _, w := range domains[d] {
			st := stem(w)
			inDesc := false
			for _, x := range p.all {
				if x == w || (len(x) > 3 && stem(x) == st) {
					inDesc = true
					break
				}
			}
			inCols := false
			for t := range colWords {
				if t == w || (len(t) > 3 && stem(t) == st) {
					inCols = true
					break
				}
			}
			switch {
			case inDesc:
				weight++
				ev = append(ev, fmt.Sprintf("description says %q", w))
			case inCols:
				weight += 0.5
				ev = append(ev, fmt.Sprintf("columns mention %q", w))
			}
		}
		if weight == 0 {
			continue
		}
		score := weight / (weight + 1.5)
		opts = append(opts, reasoner.Option{Value: d, Score: score, Evidence: []string{strings.Join(ev, ", ")}})
	}
	opts = append(opts, reasoner.Option{Value: generalDomain, Score: 0.2,
		Evidence: []string{"no field's vocabulary stands out"}})
	return opts
}
