package analyze

import (
	"strings"
)

// Roles weigh where a word stands in the description.
const (
	roleTarget  = 1.0  // right after a prediction cue: "predict churn"
	roleNeutral = 0.6  // anywhere else
	roleFeature = 0.25 // among the inputs: "from tenure and contract"
)

// dword is one content word of the description.
type dword struct {
	text    string
	stem    string
	role    float64
	concept string // the concept group of the word or of the phrase it starts, "" for none
}

// parsed is what the analyzer reads from a description.
type parsed struct {
	text  string   // lowercased description
	all   []string // every word, in order
	words []dword  // content words with roles
	// regressionCues and classCues list the words that suggest a task.
	regressionCues []string
	classCues      []string
}

// conceptOf maps a word (or two-word phrase) to its concept group.
func conceptOf(w string) string {
	for name, ws := range concepts {
		for _, c := range ws {
			if c == w || (!strings.Contains(c, " ") && len(w) > 3 && stem(c) == stem(w)) {
				return name
			}
		}
	}
	return ""
}

// parseDescription splits a description into content words and weighs each
// by its role: words after a prediction cue are the likely target, words
// after "from", "using", "based on" are inputs, and after a grouping verb
// ("classify ... by") the word after "by" is the target.
func parseDescription(desc string) parsed {
	p := parsed{text: strings.ToLower(desc)}
	// Clauses end at sentence punctuation, commas and semicolons.
	clauses := strings.FieldsFunc(p.text, func(r rune) bool {
		return r == '.' || r == ',' || r == ';' || r == '?' || r == '!' || r == ':' || r == '\n' || r == '(' || r == ')'
	})
	for _, cl := range clauses {
		ws, _ := words(cl)
		p.all = append(p.all, ws...)
		role, left := roleNeutral, 0
		grouping := false
		clauseStart := len(p.words)
		for i, w := range ws {
			if i+1 < len(ws) {
				bigram := w + " " + ws[i+1]
				switch bigram {
				case "how much", "how many":
					p.regressionCues = append(p.regressionCues, bigram)
				}
			}
			if regressionWords[w] && w != "much" && w != "many" {
				p.regressionCues = append(p.regressionCues, w)
			}
			if classWords[w] {
				p.classCues = append(p.classCues, w)
			}
			switch {
			case groupingVerbs[w]:
				grouping = true
			case w == "by" && grouping:
				// "classify flowers by species": the entity before "by" is
				// not the target; what follows is.
				for j := clauseStart; j < len(p.words); j++ {
					if p.words[j].role == roleTarget {
						p.words[j].role = roleNeutral
					}
				}
				role, left = roleTarget, 4
				continue
			}
			if featureMarkers[w] {
				role, left = roleFeature, 1<<30
				continue
			}
			if targetCues[w] {
				role, left = roleTarget, 6
				if !stopwords[w] && !isCueVerb(w) {
					p.words = append(p.words, dword{text: w, stem: stem(w), role: role, concept: conceptOf(w)})
				}
				continue
			}
			// Two-word phrases that belong to a concept ("made it").
			if i+1 < len(ws) {
				if c := conceptOf(w + " " + ws[i+1]); c != "" {
					p.words = append(p.words, dword{text: w + " " + ws[i+1], stem: w + " " + ws[i+1], role: role, concept: c})
				}
			}
			if stopwords[w] {
				continue
			}
			p.words = append(p.words, dword{text: w, stem: stem(w), role: role, concept: conceptOf(w)})
			if role == roleTarget {
				left--
				if left == 0 {
					role = roleNeutral
				}
			}
		}
	}
	return p
}

// isCueVerb reports cue words that are verbs of asking, never a target name.
func isCueVerb(w string) bool {
	return targetCues[w] && !labelNames[w] && w != "project" && w != "figure"
}

// hasWordStem reports whether the description has a word with the given stem.
func (p parsed) hasWord(w string) bool {
	for _, x := range p.all {
		if x == w {
			return true
		}
	}
	return false
}
