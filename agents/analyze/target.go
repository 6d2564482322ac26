package analyze

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/trainyard/trainyard/ml/frame"
)

// Target scoring weights. A column's score is namedWeight times how clearly
// the description names it (by name or by its values) plus what its data
// says, capped at dataCap. Data alone reaches minTarget only when several
// signals agree (label-like values, the odd one out among the columns,
// wording that asks for classes) or the column is named like a label.
const (
	conceptMatch = 0.8  // a word of the same concept group ("leave" for churn)
	valueWeight  = 0.55 // the description mentions one of the column's values
	dataCap      = 0.4
	namedWeight  = 0.7  // the share of the score the description's naming carries
	minTarget    = 0.33 // below this the analyzer asks the user to name the target
	inputPenalty = 0.3  // a column named among the inputs
	misfit       = 0.7  // a named column whose values do not fit the wording's task
)

// targetScore is the evidence for one column as the target.
type targetScore struct {
	col      *colFacts
	mention  float64 // from the column's name
	value    float64 // from its values
	data     float64 // from its data and position
	input    bool    // named among the inputs only
	total    float64
	evidence []string
	mentions []string // the levels the description mentions
}

// scoreTargets scores every usable column.
func scoreTargets(p parsed, cols []colFacts) []targetScore {
	numericShare, nonNumeric := 0.0, 0
	familyShare := 0.0
	usable := 0
	for i := range cols {
		c := &cols[i]
		if c.unusable != "" {
			continue
		}
		usable++
		if c.numeric() {
			numericShare++
		} else if c.labelLike() {
			nonNumeric++
		}
		if c.family >= 3 {
			familyShare++
		}
	}
	if usable > 0 {
		numericShare /= float64(usable)
		familyShare /= float64(usable)
	}
	p = demoteLists(p, cols)
	classWording := len(p.classCues) > 0
	regressionWording := len(p.regressionCues) > 0

	mentions := map[string]mention{}
	evidence := map[string][]string{}
	for i := range cols {
		if c := &cols[i]; c.unusable == "" {
			var ev []string
			mentions[c.name] = nameMention(p, c, &ev)
			evidence[c.name] = ev
		}
	}

	claimed := map[int]bool{}
	for _, m := range mentions {
		if m.full {
			for _, k := range m.used {
				claimed[k] = true
			}
		}
	}

	var out []targetScore
	for i := range cols {
		c := &cols[i]
		if c.unusable != "" {
			continue
		}
		s := targetScore{col: c, evidence: evidence[c.name]}
		s.mention, s.input = mentions[c.name].score, mentions[c.name].input
		if explainedAway(mentions, c.name) {
			s.mention /= 2
			s.evidence = append(s.evidence, "its words belong to another column's whole name")
		}
		s.value, s.mentions = valueMention(p, c, claimed, &s.evidence)

		// What the data says, description aside.
		if labelNames[normName(c.name)] {
			s.data += 0.3
			s.evidence = append(s.evidence, "named like a label")
		}
		if c.labelLike() {
			s.data += 0.12
			s.evidence = append(s.evidence, fmt.Sprintf("%d distinct values, label-like", c.distinct))
			if !c.numeric() && nonNumeric == 1 && numericShare >= 0.75 {
				s.data += 0.15
				s.evidence = append(s.evidence, "the only label-like non-numeric column")
			}
			if c.family == 1 && familyShare >= 0.75 {
				s.data += 0.1
				s.evidence = append(s.evidence, "the only column outside the numbered column families")
			}
			if classWording {
				s.data += 0.08
				s.evidence = append(s.evidence, "the wording asks for classes")
			}
		}
		if regressionWording && c.numeric() && c.distinct > 20 {
			s.data += 0.08
			s.evidence = append(s.evidence, "the wording asks for a quantity and the column has many numeric values")
		}
		if i == len(cols)-1 {
			s.data += 0.03
			s.evidence = append(s.evidence, "last column")
		}
		s.data = min(s.data, dataCap)

		named := 1 - (1-s.mention)*(1-s.value)
		switch {
		case classWording && !regressionWording && c.numeric() && c.distinct > 30:
			named *= misfit
			s.evidence = append(s.evidence, "the wording asks for classes but it holds many numbers")
		case regressionWording && !classWording && !c.numeric():
			named *= misfit
			s.evidence = append(s.evidence, "the wording asks for a quantity but it holds labels")
		}
		s.total = min(1, namedWeight*named+s.data)
		if s.input && named == 0 {
			s.total *= inputPenalty
			s.evidence = append(s.evidence, "named among the inputs")
		}
		s.total = math.Round(s.total*1000) / 1000
		out = append(out, s)
	}
	return out
}

// nameMention scores how clearly the description names the column, 0 to 1.
// Each name token counts by how distinctive it is among all column names
// and by the role of the word that matches it. input is true when the only
// matches are among the inputs ("from tenure").
func nameMention(p parsed, c *colFacts, ev *[]string) mention {
	var sum, total float64
	var matched []string
	var used []int
	inputOnly := false
	for j, tok := range c.tokens {
		w := c.weights[j]
		total += w
		best, bestRole, bestWord, bestAt := 0.0, 0.0, "", -1
		tokConcept := p.tokenConcept(tok)
		for k, d := range p.words {
			m := 0.0
			if !strings.Contains(d.text, " ") {
				m = wordMatch(d.text, tok)
			}
			if m == 0 && d.concept != "" && d.concept == tokConcept {
				m = conceptMatch
			}
			if m > 0 && m*d.role > best*bestRole || (m > 0 && bestWord == "") {
				best, bestRole, bestWord, bestAt = m, d.role, d.text, k
			}
		}
		if best == 0 {
			continue
		}
		if bestRole == roleFeature {
			inputOnly = true
			continue
		}
		sum += w * best * bestRole
		matched = append(matched, fmt.Sprintf("%s~%q", tok, bestWord))
		used = append(used, bestAt)
	}
	// The whole name written as words: "list price" for List_Price.
	full, fullAt, fullLen := 0.0, -1, 0
	// The description drops function words: "miles per hour" reads as
	// miles, hour.
	var content strings.Builder
	for _, t := range splitName(c.name) {
		if !stopwords[t] {
			content.WriteString(t)
		}
	}
	for _, nn := range []string{normName(c.name), content.String()} {
		if len(nn) < 3 {
			continue
		}
		for i := range p.words {
			joined := ""
			for k := i; k < len(p.words) && k < i+4; k++ {
				joined += normName(p.words[k].text)
				if joined == nn && p.words[i].role != roleFeature && p.words[i].role > full {
					full, fullAt, fullLen = p.words[i].role, i, k-i+1
				}
			}
		}
	}
	var m mention
	if total > 0 {
		m.score = sum / total
		m.used = used
	}
	if full > 0 && full >= m.score {
		m.score, m.full, m.used = full, true, nil
		for k := fullAt; k < fullAt+fullLen; k++ {
			m.used = append(m.used, k)
		}
		matched = []string{"whole name"}
	}
	if m.score > 0 {
		*ev = append(*ev, fmt.Sprintf("the description names it (%s)", strings.Join(matched, ", ")))
		return m
	}
	m.input = inputOnly
	return m
}

// mention is how a description names a column.
type mention struct {
	score float64 // 0 to 1
	input bool    // named only among the inputs
	full  bool    // named with its whole name ("list price" for ListPrice)
	used  []int   // the description words that name it
}

// explainedAway halves a partial mention whose words all belong to another
// column's whole name: with "list price" naming one column, the word "list"
// says little about another that merely contains it.
func explainedAway(ms map[string]mention, name string) bool {
	m := ms[name]
	if m.full || len(m.used) == 0 {
		return false
	}
	for other, o := range ms {
		if other == name || !o.full {
			continue
		}
		all := true
		for _, u := range m.used {
			all = all && slices.Contains(o.used, u)
		}
		if all {
			return true
		}
	}
	return false
}

// demoteLists treats a sentence that names three or more columns with three
// or more different words outside a prediction cue ("I have bill length, flipper length and body mass") as a
// list of inputs, since one asks for one target: its words get the input
// role. It returns the description with the roles changed.
func demoteLists(p parsed, cols []colFacts) parsed {
	bySent := map[int]map[string]bool{}  // columns named per sentence
	wordsIn := map[int]map[string]bool{} // words that name them
	for i := range cols {
		c := &cols[i]
		if c.unusable != "" {
			continue
		}
		for _, tok := range c.tokens {
			tc := p.tokenConcept(tok)
			for _, d := range p.words {
				if d.role != roleNeutral {
					continue
				}
				if (!strings.Contains(d.text, " ") && wordMatch(d.text, tok) > 0) || (d.concept != "" && d.concept == tc) {
					if bySent[d.sent] == nil {
						bySent[d.sent], wordsIn[d.sent] = map[string]bool{}, map[string]bool{}
					}
					bySent[d.sent][c.name] = true
					wordsIn[d.sent][d.text] = true
				}
			}
		}
	}
	var lists []int
	for sent, names := range bySent {
		if len(names) >= 3 && len(wordsIn[sent]) >= 3 {
			lists = append(lists, sent)
		}
	}
	if len(lists) == 0 {
		return p
	}
	q := p
	q.words = slices.Clone(p.words)
	for i, d := range q.words {
		if d.role == roleNeutral && slices.Contains(lists, d.sent) {
			q.words[i].role = roleFeature
		}
	}
	return q
}

// valueMention scores how clearly the description mentions the column's
// values ("spam", "more than 50K"), and lists the mentioned values. Words
// in claimed already form another column's whole name and do not count.
func valueMention(p parsed, c *colFacts, claimed map[int]bool, ev *[]string) (float64, []string) {
	if c.levels == nil || c.distinct > 30 || c.kind == frame.Numeric {
		return 0, nil
	}
	best := 0.0
	var mentioned []string
	for _, lv := range c.levels {
		ws, _ := words(lv.Value)
		var content []string
		for _, w := range ws {
			if !genericLevels[w] && !isNumber(w) && !stopwords[w] {
				content = append(content, w)
			}
		}
		if len(content) == 0 {
			continue
		}
		role := 1.0
		for _, w := range content {
			r := 0.0
			cc := p.lx.concept(w)
			for k, d := range p.words {
				if strings.Contains(d.text, " ") || claimed[k] {
					continue
				}
				if wordMatch(d.text, w) >= 0.85 || (cc != "" && d.concept == cc) {
					r = max(r, d.role)
				}
			}
			role = min(role, r)
		}
		if role == 0 || role == roleFeature {
			continue
		}
		mentioned = append(mentioned, lv.Value)
		best = max(best, valueWeight*role)
	}
	if len(mentioned) >= 2 {
		best = min(1, best*1.15)
	}
	if best > 0 {
		*ev = append(*ev, fmt.Sprintf("the description mentions its values %q", mentioned))
	}
	return best, mentioned
}
