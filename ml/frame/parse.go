package frame

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseNumber parses a decimal number, ignoring surrounding spaces. It
// accepts what strconv.ParseFloat accepts (including Inf) except NaN,
// hexadecimal forms and underscores, which in data files are codes or
// missing markers, not numbers.
func ParseNumber(s string) (float64, bool) {
	// One digit, the commonest cell of many files (flags, small counts, the
	// zeros of sparse columns), needs no loop.
	if len(s) == 1 && s[0]-'0' <= 9 {
		return float64(s[0] - '0'), true
	}
	// Most cells are plain decimals without spaces: they skip the trim
	// (the fast path refuses spaces, which then go through it).
	if v, ok := parseSimpleDecimal(s); ok {
		return v, true
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, false
	}
	if len(t) < len(s) {
		if v, ok := parseSimpleDecimal(t); ok {
			return v, true
		}
	}
	s = t
	c := s[0]
	if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'i' || c == 'I') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 'x' || c == 'X' || c == '_' || c == 'p' || c == 'P' {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if v != v { // NaN
		return 0, false
	}
	if err != nil {
		// Out-of-range values come back as ±Inf with an error; keep them.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return v, true
		}
		return 0, false
	}
	return v, true
}

// parseSimpleDecimal parses [+-]digits[.digits] with at most 15
// significant digits and 22 fraction digits, the common case in data files,
// exactly as strconv.ParseFloat would: the mantissa and the power of ten are
// both exact in float64, so one division rounds correctly (Clinger's fast
// path). Anything else reports false and goes to strconv.
func parseSimpleDecimal(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	i, neg := 0, false
	if c := s[0]; c == '-' || c == '+' {
		neg, i = c == '-', 1
	}
	start, dot := i, -1
	// Signed: converting an int64 to float64 is one instruction, a uint64
	// is not.
	var mant int64
	for ; i < len(s); i++ {
		if d := s[i] - '0'; d <= 9 {
			// Below 10^15 exactly when at most 15 significant digits.
			if mant = mant*10 + int64(d); mant >= 1e15 {
				return 0, false
			}
			continue
		}
		if s[i] != '.' || dot >= 0 {
			return 0, false
		}
		dot = i
	}
	digits, frac := i-start, 0
	if dot >= 0 {
		digits, frac = digits-1, i-dot-1
	}
	if digits == 0 || frac > 22 {
		return 0, false
	}
	v := float64(mant)
	if frac > 0 {
		v /= math.Pow10(frac)
	}
	if neg {
		v = -v
	}
	return v, true
}

// boolPair identifies the family a boolean token belongs to.
type boolPair uint8

const (
	pairNone boolPair = iota
	pairTrueFalse
	pairTF
	pairYesNo
	pairYN
)

// ParseBool reads true/false, t/f, yes/no and y/n in any case, ignoring
// surrounding spaces.
func ParseBool(s string) (value, ok bool) {
	v, p := boolToken(strings.TrimSpace(s))
	return v, p != pairNone
}

// boolToken returns the truth value and the pair family of a token.
func boolToken(s string) (bool, boolPair) {
	switch len(s) {
	case 1:
		switch s[0] {
		case 't', 'T':
			return true, pairTF
		case 'f', 'F':
			return false, pairTF
		case 'y', 'Y':
			return true, pairYN
		case 'n', 'N':
			return false, pairYN
		}
	case 2:
		if strings.EqualFold(s, "no") {
			return false, pairYesNo
		}
	case 3:
		if strings.EqualFold(s, "yes") {
			return true, pairYesNo
		}
	case 4:
		if strings.EqualFold(s, "true") {
			return true, pairTrueFalse
		}
	case 5:
		if strings.EqualFold(s, "false") {
			return false, pairTrueFalse
		}
	}
	return false, pairNone
}

// DatetimeLayouts returns the layouts tried, in order, when inferring a
// Datetime column; when none fits every value, LayoutISO is tried last.
// Values without a zone are read as UTC.
func DatetimeLayouts() []string {
	return []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05",
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
		"2006-01-02 15:04",
		"2006-01-02",
		"2006-01",
		"2006/01/02 15:04:05",
		"2006/01/02 15:04",
		"2006/01/02",
		"01/02/2006 15:04:05",
		"01/02/2006 15:04",
		"01/02/2006",
		"02/01/2006 15:04:05",
		"02/01/2006 15:04",
		"02/01/2006",
		"02.01.2006 15:04:05",
		"02.01.2006",
		"02-Jan-2006",
		"Jan 2, 2006",
		"2 Jan 2006",
	}
}

// LayoutISO is the Layout of a Datetime column whose values mix ISO 8601
// forms (dates, date-times with "T" or a space, with or without a zone).
const LayoutISO = "ISO 8601"

// isoLayouts are the layouts LayoutISO accepts.
func isoLayouts() []string {
	return []string{
		time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05",
		"2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02",
	}
}

// ParseDatetime parses s with layout (UTC unless s carries a zone) and
// returns Unix seconds. Layout may be LayoutISO.
func ParseDatetime(layout, s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if layout == LayoutISO {
		for _, l := range isoLayouts() {
			if t, err := time.Parse(l, s); err == nil {
				return UnixSeconds(t), true
			}
		}
		return 0, false
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return 0, false
	}
	return UnixSeconds(t), true
}

// looksLikeDate is a cheap filter before trying layouts: a date starts with a
// digit or a month name and holds a separator.
func looksLikeDate(s string) bool {
	if len(s) < 6 || len(s) > 40 {
		return false
	}
	return strings.ContainsAny(s, "-/.: ")
}

// datetimeLayout finds the first layout that parses s.
func datetimeLayout(s string, layouts []string) (string, bool) {
	s = strings.TrimSpace(s)
	if !looksLikeDate(s) {
		return "", false
	}
	for _, l := range layouts {
		if _, err := time.Parse(l, s); err == nil {
			return l, true
		}
	}
	return "", false
}
