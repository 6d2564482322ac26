package prep

import (
	"strconv"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/ml/frame"
)

// TestLevelTable checks levelTable against a Go map filled the way the
// encoders used to fill theirs, on level sets that take the open-addressing
// path and on keys that cluster under its hash and take the map path.
func TestLevelTable(t *testing.T) {
	numbered := func(n int, format func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = format(i)
		}
		return out
	}
	for _, tt := range []struct {
		name          string
		levels, other []string
		wantMap       bool
	}{
		{name: "empty"},
		{name: "telco", levels: []string{"No", "Yes", "No internet service"}},
		{name: "payment", levels: []string{"Electronic check", "Mailed check", "Bank transfer (automatic)", "Credit card (automatic)"}},
		{name: "short and empty", levels: []string{"", "a", "ab", "abc", "abcd", "abcde", "abcdefg", "abcdefgh", "b"}},
		{name: "other levels", levels: []string{"x", "y"}, other: []string{"z", "w", "v"}},
		{name: "repeated", levels: []string{"x", "y", "x"}, other: []string{"y", "q"}},
		{name: "numbered", levels: numbered(5000, func(i int) string { return "c" + strconv.Itoa(i) })},
		{name: "long distinct", levels: numbered(3000, func(i int) string {
			return strings.Repeat(strconv.Itoa(i), 1+i%7) + "/" + strconv.Itoa(i*7919)
		})},
		{name: "clustered", wantMap: true, levels: numbered(200, func(i int) string {
			// Only bytes the hash skips differ.
			return "https://example.com/" + strings.Repeat("0", 10) + strconv.Itoa(1000+i) + strings.Repeat("0", 10) + "/index.html"
		})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := map[string]int32{}
			for i, l := range tt.levels {
				want[l] = int32(i)
			}
			for _, l := range tt.other {
				want[l] = int32(len(tt.levels))
			}
			tab := newLevelTable(tt.levels, tt.other)
			if got := tab.m != nil; got != tt.wantMap {
				t.Fatalf("newLevelTable falls back to a map = %v, want %v", got, tt.wantMap)
			}
			probes := []string{"", "zz", "No ", " No", "no", "Yes!", "c", "c5000", "https://example.com/"}
			for k := range want {
				probes = append(probes, k, k+"x", "x"+k)
				if len(k) > 1 {
					probes = append(probes, k[:len(k)-1], k[1:], k[:len(k)/2]+"#"+k[len(k)/2+1:])
				}
			}
			for _, k := range probes {
				code, ok := tab.get(k)
				wcode, wok := want[k]
				if code != wcode || ok != wok {
					t.Fatalf("get(%q) = %d, %v, want %d, %v", k, code, ok, wcode, wok)
				}
			}
		})
	}
}

// isMissingByMap is the missing-marker test as it was written with a map:
// the markers as given and trimmed, those no longer than the longest
// trimmed marker, matched before and (for cells with ASCII spaces around
// them) after trimming.
func isMissingByMap(markers []string, s string) bool {
	set, longest := map[string]bool{}, 0
	for _, m := range markers {
		set[m] = true
		set[strings.TrimSpace(m)] = true
		longest = max(longest, len(strings.TrimSpace(m)))
	}
	if len(s) <= longest && set[s] {
		return true
	}
	if s == "" || !isSpace(s[0]) && !isSpace(s[len(s)-1]) {
		return false
	}
	t := strings.TrimSpace(s)
	return len(t) <= longest && set[t]
}

func TestIsMissing(t *testing.T) {
	long := strings.Repeat("m", 70)
	for _, markers := range [][]string{
		frame.DefaultMissingMarkers(),
		{},
		{"NA"},
		{" NA ", "\u00a0none\u00a0", "?"},
		{"", "\tmissing", long, "x"},
	} {
		p := &Pipeline{MissingMarkers: markers}
		p.finish()
		var cells []string
		for _, c := range append([]string{"", " ", "\t\t", "No", "Yes", "NAN", "N/", "n/A", "0", "-1", "1.5", "none", "\u00a0none\u00a0", "missing", long[1:], long, long + "m", "mm"}, markers...) {
			cells = append(cells, c, " "+c, c+" ", "\t"+c+"\r\n", "\v"+c+" ", "\u00a0"+c, c+"\u00a0", c+"x")
		}
		for _, c := range cells {
			if got, want := p.isMissing(c), isMissingByMap(markers, c); got != want {
				t.Errorf("markers %q: isMissing(%q) = %v, want %v", markers, c, got, want)
			}
		}
	}
	var p Pipeline // not finished: no markers
	if p.isMissing("") || p.isMissing("NA") {
		t.Errorf("isMissing on a pipeline without markers = true, want false")
	}
}

func BenchmarkLevelTable(b *testing.B) {
	levels := []string{"Electronic check", "Mailed check", "Bank transfer (automatic)", "Credit card (automatic)"}
	tab := newLevelTable(levels, nil)
	m := map[string]int32{}
	for i, l := range levels {
		m[l] = int32(i)
	}
	b.Run("table", func(b *testing.B) {
		var sum int32
		for i := 0; b.Loop(); i++ {
			c, _ := tab.get(levels[i&3])
			sum += c
		}
		_ = sum
	})
	b.Run("map", func(b *testing.B) {
		var sum int32
		for i := 0; b.Loop(); i++ {
			sum += m[levels[i&3]]
		}
		_ = sum
	})
}
