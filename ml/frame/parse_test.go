package frame

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// plainDecimal is the form parseSimpleDecimal must accept: [+-]digits with
// an optional point, at most 15 significant digits and 22 after the point.
var plainDecimal = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$`)

func wantsFastPath(s string) bool {
	if !plainDecimal.MatchString(s) {
		return false
	}
	whole, frac, _ := strings.Cut(strings.TrimLeft(s, "+-"), ".")
	return len(frac) <= 22 && len(strings.TrimLeft(whole+frac, "0")) <= 15
}

// FuzzParseSimpleDecimal checks the fast path against strconv.ParseFloat bit
// for bit, and that it takes every plain decimal it is meant to.
func FuzzParseSimpleDecimal(f *testing.F) {
	for _, s := range []string{"0", "-0", "+1", "007", "0.1", ".5", "5.", "-.25", "123456789012345", "1234567890123456",
		"000000000000000000000000001", "0.0000000000000000000001", "0.00000000000000000000001", "99999999999999.9",
		"9007199254740993", "1e-3", "", ".", "-", "+.", "1.2.3", " 1", "1 ", "0x10", "Inf", "1_000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseSimpleDecimal(s)
		if want := wantsFastPath(s); ok != want {
			t.Fatalf("parseSimpleDecimal(%q) ok = %v, want %v", s, ok, want)
		}
		if !ok {
			return
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("parseSimpleDecimal(%q) = %v, strconv.ParseFloat = %v, %v", s, got, want, err)
		}
	})
}

// TestParseNumberOneByte: a cell of one byte is a number exactly when it is a digit, worth
// that digit, as strconv.ParseFloat reads it.
func TestParseNumberOneByte(t *testing.T) {
	for b := range 256 {
		s := string([]byte{byte(b)})
		want, err := strconv.ParseFloat(s, 64)
		got, ok := ParseNumber(s)
		if ok != (err == nil) || ok && math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("ParseNumber(%q) = %v, %v; strconv.ParseFloat = %v, %v", s, got, ok, want, err)
		}
	}
}
