package text

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean removes HTML tags, decodes HTML entities and lower-cases s. Tags
// become spaces, so "a<br/>b" yields two words.
func Clean(s string) string {
	if strings.IndexByte(s, '<') >= 0 {
		s = stripTags(s)
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
		// Entities may hide tags (&lt;b&gt;); those are text the writer meant
		// to show, so they are kept as words, not stripped.
	}
	return strings.ToLower(s)
}

// stripTags replaces every <...> that looks like a tag (a letter, '/' or '!'
// right after '<') with a space. A lone '<' as in "a < b" stays.
func stripTags(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == '<' && i+1 < len(s) && isTagStart(s[i+1]) {
			end := strings.IndexByte(s[i:], '>')
			if end > 0 {
				b.WriteByte(' ')
				i += end + 1
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func isTagStart(c byte) bool {
	return c == '/' || c == '!' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// isWordRune reports whether r belongs to a word token, as \w does in
// Unicode-aware regular expressions.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// Tokenize cleans s (see Clean) and returns its word tokens of at least
// minRunes runes (2 when minRunes <= 0).
func Tokenize(s string, minRunes int) []string {
	if minRunes <= 0 {
		minRunes = 2
	}
	s = Clean(s)
	var toks []string
	start, n := -1, 0
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start, n = i, 0
			}
			n++
			continue
		}
		if start >= 0 {
			if n >= minRunes {
				toks = append(toks, s[start:i])
			}
			start = -1
		}
	}
	if start >= 0 && n >= minRunes {
		toks = append(toks, s[start:])
	}
	return toks
}

// wordNgrams appends the n-grams of toks for n in [lo, hi], joined by one
// space, to dst.
func wordNgrams(dst, toks []string, lo, hi int) []string {
	for n := lo; n <= hi; n++ {
		if n == 1 {
			dst = append(dst, toks...)
			continue
		}
		for i := 0; i+n <= len(toks); i++ {
			dst = append(dst, strings.Join(toks[i:i+n], " "))
		}
	}
	return dst
}

// charNgrams appends the character n-grams (n in [lo, hi]) of each token,
// padded with one space on each side, to dst, the way scikit-learn's
// char_wb analyzer does. Grams are prefixed with a control rune so they never
// collide with words.
func charNgrams(dst, toks []string, lo, hi int) []string {
	var buf []rune
	for _, t := range toks {
		buf = buf[:0]
		buf = append(buf, ' ')
		for _, r := range t {
			buf = append(buf, r)
		}
		buf = append(buf, ' ')
		for n := lo; n <= hi; n++ {
			if n > len(buf) {
				break
			}
			for i := 0; i+n <= len(buf); i++ {
				var sb strings.Builder
				sb.Grow(1 + n*utf8.UTFMax)
				sb.WriteRune('\x01')
				for _, r := range buf[i : i+n] {
					sb.WriteRune(r)
				}
				dst = append(dst, sb.String())
			}
		}
	}
	return dst
}
