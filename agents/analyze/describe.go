package analyze

import (
	"slices"
	"strings"
)

// Roles weigh where a word stands in the description.
const (
	roleTarget  = 1.0  // right after a prediction cue: "predict churn"
	roleNeutral = 0.6  // anywhere else
	roleFeature = 0.25 // among the inputs: "from tenure and contract"
	roleEntity  = 0.3  // the thing each row is: "the price of each house"
)

// dword is one content word of the description.
type dword struct {
	text    string
	stem    string
	role    float64
	concept string // the concept group of the word or of the phrase it starts, "" for none
	sent    int    // the sentence it is in
}

// parsed is what the analyzer reads from a description.
type parsed struct {
	lx    *lexicon
	memo  map[string]string // tokenConcept results of this analysis
	text  string            // lowercased description
	all   []string          // every word, in order
	words []dword           // content words with roles
	// regressionCues and classCues list the words that suggest a task.
	regressionCues []string
	classCues      []string
}

// lexicon indexes the concept groups for fast look-up. It is built once per
// Analyzer and only read afterwards, so analyses may share it.
type lexicon struct {
	byWord map[string]string // word or phrase → concept
	byStem map[string]string // stem of a one-word entry → concept
	words  []conceptWord     // one-word entries, for spelling matches
}

type conceptWord struct{ word, concept string }

func newLexicon() *lexicon {
	lx := &lexicon{byWord: map[string]string{}, byStem: map[string]string{}}
	names := make([]string, 0, len(concepts))
	for name := range concepts {
		names = append(names, name)
	}
	slices.Sort(names) // the first group listing a word keeps it
	for _, name := range names {
		for _, w := range concepts[name] {
			if _, ok := lx.byWord[w]; !ok {
				lx.byWord[w] = name
			}
			if strings.Contains(w, " ") {
				continue
			}
			if _, ok := lx.byStem[stem(w)]; !ok {
				lx.byStem[stem(w)] = name
			}
			lx.words = append(lx.words, conceptWord{w, name})
		}
	}
	return lx
}

// concept maps a word (or two-word phrase) of a description to its group.
func (lx *lexicon) concept(w string) string {
	if c, ok := lx.byWord[w]; ok {
		return c
	}
	if len(w) > 3 && !strings.Contains(w, " ") {
		return lx.byStem[stem(w)]
	}
	return ""
}

// tokenConcept maps a column-name token to its group, allowing the
// abbreviations that column names use ("lettr" for letter).
func (lx *lexicon) tokenConcept(tok string) string {
	if c := lx.concept(tok); c != "" {
		return c
	}
	if len(tok) < 3 || !isAlpha(tok) {
		return ""
	}
	for _, cw := range lx.words {
		if len(tok) >= len(cw.word) || tok[0] != cw.word[0] {
			continue
		}
		// Three letters must begin the word ("inc" for income); longer
		// abbreviations keep its letters in order ("lettr").
		if len(tok) == 3 && strings.HasPrefix(cw.word, tok) || len(tok) > 3 && len(tok)*10 >= len(cw.word)*6 && subsequence(tok, cw.word) {
			return cw.concept
		}
	}
	return ""
}

// parseDescription splits a description into content words and weighs each
// by its role: words after a prediction cue are the likely target, words
// after "from", "using", "based on" are inputs, and after a grouping verb
// ("classify ... by") the word after "by" is the target.
func parseDescription(lx *lexicon, desc string) parsed {
	p := parsed{lx: lx, memo: map[string]string{}, text: strings.ToLower(desc)}
	// Sentences end at . ? ! ; and line ends; clauses also at commas,
	// colons and brackets.
	type clause struct {
		text  string
		sent  int
		first bool // the sentence's first clause
	}
	var clauses []clause
	sentences := strings.FieldsFunc(p.text, func(r rune) bool {
		return r == '.' || r == ';' || r == '?' || r == '!' || r == '\n'
	})
	for i, sent := range sentences {
		for j, cl := range strings.FieldsFunc(sent, func(r rune) bool { return r == ',' || r == ':' || r == '(' || r == ')' }) {
			clauses = append(clauses, clause{cl, i, j == 0})
		}
	}
	// "Will the borrower pay back?" asks yes or no.
	for _, q := range strings.SplitAfter(p.text, "?") {
		if ws, _ := words(lastSentence(q)); strings.HasSuffix(q, "?") && len(ws) > 2 && yesNoStarts[ws[0]] {
			p.classCues = append(p.classCues, "a yes/no question")
		}
	}
	prevSent, prevRole := -1, roleNeutral
	for _, cl := range clauses {
		ws, _ := words(cl.text)
		p.all = append(p.all, ws...)

		// A list of inputs goes on across commas: "from age, sex and class".
		role, left := roleNeutral, 0
		if cl.sent == prevSent && prevRole == roleFeature {
			role, left = roleFeature, 1<<30
		}
		grouping := false
		entity := 0     // content words left that name the row entity
		object := false // the next content word is an outcome verb's object
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
			if i == 0 && cl.first && w == "model" {
				// "Model the median value ..." is an order to predict.
				role, left = roleTarget, 6
				continue
			}
			if featureMarkers[w] {
				role, left = roleFeature, 1<<30
				continue
			}
			if targetCues[w] || isCueTypo(w) {
				role, left = roleTarget, 6
				if !stopwords[w] && !isCueVerb(w) {
					p.words = append(p.words, dword{text: w, stem: stem(w), role: role, concept: lx.concept(w), sent: cl.sent})
				}
				continue
			}
			// Two-word phrases that belong to a concept ("made it").
			if i+1 < len(ws) {
				if c := lx.concept(w + " " + ws[i+1]); c != "" {
					p.words = append(p.words, dword{text: w + " " + ws[i+1], stem: w + " " + ws[i+1], role: role, concept: c, sent: cl.sent})
				}
			}
			if w == "each" || w == "every" {
				entity = 1
			}
			if stopwords[w] {
				if !determiners[w] {
					object = false
				}
				continue
			}
			wr := role
			if entity > 0 || object {
				entity = max(entity-1, 0)
				if role != roleFeature {
					wr = roleEntity
				}
			}
			// The object of an outcome verb is not the outcome: in "cancel
			// their contract" the target is the cancelling.
			object = i+1 < len(ws) && determiners[ws[i+1]] && eventConcepts[lx.concept(w)]
			p.words = append(p.words, dword{text: w, stem: stem(w), role: wr, concept: lx.concept(w), sent: cl.sent})
			if role == roleTarget {
				left--
				if left == 0 {
					role = roleNeutral
				}
			}
		}
		prevSent, prevRole = cl.sent, role
	}
	return p
}

// isCueVerb reports cue words that are verbs of asking, never a target name.
func isCueVerb(w string) bool {
	return targetCues[w] && !labelNames[w] && w != "project" && w != "figure"
}

// tokenConcept is lexicon.tokenConcept, remembered for this analysis.
func (p parsed) tokenConcept(tok string) string {
	c, ok := p.memo[tok]
	if !ok {
		c = p.lx.tokenConcept(tok)
		p.memo[tok] = c
	}
	return c
}

// lastSentence returns the text after the last sentence end in s.
func lastSentence(s string) string {
	if i := strings.LastIndexAny(s, ".!\n"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// isCueTypo reports a misspelt prediction verb ("predcit", "estimte").
func isCueTypo(w string) bool {
	if len(w) < 6 || stopwords[w] {
		return false
	}
	for cue := range targetCues {
		if len(cue) >= 6 && editDistance(w, cue) == 1 {
			return true
		}
	}
	return false
}
