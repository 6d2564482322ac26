package analyze

import (
	"strings"
	"unicode"
)

// splitName breaks a column name into lowercase tokens at non-alphanumeric
// characters, camelCase humps and letter/digit boundaries:
// "ListPrice" → list, price; "PassengerId" → passenger, id; "v2len" → v, 2, len.
func splitName(name string) []string {
	var toks []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			toks = append(toks, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(cur) > 0 {
			prev := cur[len(cur)-1]
			switch {
			case unicode.IsDigit(r) != unicode.IsDigit(prev):
				flush()
			case unicode.IsUpper(r) && unicode.IsLower(prev):
				flush()
			case unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
				// "HTTPServer": the S starts a new word.
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return toks
}

// normName lowercases a name and drops everything but letters and digits, so
// "List_Price", "list price" and "ListPrice" compare equal.
func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// words splits free text into lowercase words of letters and digits; other
// characters separate words. Each word keeps its byte offset in the text.
func words(text string) (ws []string, offs []int) {
	start := -1
	lower := strings.ToLower(text)
	for i, r := range lower {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			ws, offs = append(ws, lower[start:i]), append(offs, start)
			start = -1
		}
	}
	if start >= 0 {
		ws, offs = append(ws, lower[start:]), append(offs, start)
	}
	return ws, offs
}

// suffixes are stripped by stem, longest first; the replacement follows the
// colon.
var suffixes = []struct{ suf, rep string }{
	{"ational", "ate"}, {"ations", ""}, {"ation", ""}, {"ions", ""}, {"ion", ""},
	{"ings", ""}, {"ing", ""}, {"ies", "y"}, {"ors", ""}, {"ers", ""}, {"or", ""}, {"er", ""}, {"ed", ""},
	{"es", ""}, {"al", ""}, {"ly", ""}, {"s", ""}, {"e", ""},
}

// stem reduces an English word to a crude stem so that inflections and
// derivations meet: churners, churned, churn → churn; survived, survive,
// survival, survivors → surviv; prices, price → pric. It is deliberately
// simple and only ever compared with other stems made by it.
func stem(w string) string {
	if len(w) <= 3 || !isAlpha(w) {
		return w
	}
	for _, sf := range suffixes {
		suf, rep := sf.suf, sf.rep
		if !strings.HasSuffix(w, suf) {
			continue
		}
		base := w[:len(w)-len(suf)]
		if len(base) < 3 {
			continue
		}
		if suf == "s" && (strings.HasSuffix(base, "s") || strings.HasSuffix(base, "u") || strings.HasSuffix(base, "i")) {
			continue
		}
		w = base + rep
		break
	}
	if len(w) > 4 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	return w
}

func isAlpha(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// wordMatch scores how well a description word matches a name token, 0 to 1:
// 1 for the same word, 0.95 for the same stem, 0.85 for a close spelling (one
// edit, or an abbreviation that keeps the word's letters in order, as in
// "lettr" for "letter"), 0 otherwise. Words under four letters must match
// exactly.
func wordMatch(word, token string) float64 {
	switch {
	case word == token:
		return 1
	case len(word) < 4 || len(token) < 4:
		return 0
	case stem(word) == stem(token):
		return 0.95
	case len(word) >= 5 && len(token) >= 5 && editDistance(word, token) <= 1:
		return 0.85
	case len(token) >= 4 && token[0] == word[0] && len(token)*10 >= len(word)*6 && len(token) < len(word) && subsequence(token, word):
		return 0.85
	}
	return 0
}

// subsequence reports whether a's letters appear in b in order.
func subsequence(a, b string) bool {
	i := 0
	for j := 0; j < len(b) && i < len(a); j++ {
		if a[i] == b[j] {
			i++
		}
	}
	return i == len(a)
}

// editDistance is the edit distance between two short strings, counting an
// insertion, a deletion, a substitution or a swap of neighbours ("chrun"
// for "churn") as one edit.
func editDistance(a, b string) int {
	older := make([]int, len(b)+1) // row i-2
	prev := make([]int, len(b)+1)  // row i-1
	cur := make([]int, len(b)+1)   // row i
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], older[j-2]+1)
			}
		}
		older, prev, cur = prev, cur, older
	}
	return prev[len(b)]
}
