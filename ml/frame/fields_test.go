package frame

import (
	"encoding/csv"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAppendFieldsMatchesCSV: AppendFields returns the cells of
// strings.Split for lines without quotes and the fields (or the error)
// encoding/csv reads for the others, on random lines of commas, quotes,
// spaces, CRs and LFs; and a line with PlainQuotes has those fields as its
// cells with Unquote (AppendUnquoted).
func TestAppendFieldsMatchesCSV(t *testing.T) {
	alphabet := []byte{',', ',', '"', '"', '"', 'a', '5', ' ', '\r', '\n'}
	rng := rand.New(rand.NewPCG(5, 6))
	plain := 0
	for n := range 16 {
		for range 3000 {
			b := make([]byte, n)
			for i := range b {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
			line := string(b)
			want, wantErr := csvFields(line)
			got, err := AppendFields([]string{"kept"}, line)
			if (err != nil) != (wantErr != nil) || err != nil && err.Error() != wantErr.Error() {
				t.Fatalf("AppendFields(%q) = %v, want error %v", line, err, wantErr)
			}
			if err != nil {
				continue
			}
			if diff := cmp.Diff(append([]string{"kept"}, want...), got); diff != "" {
				t.Fatalf("AppendFields(%q) (-want +got):\n%s", line, diff)
			}
			if !PlainQuotes(line) {
				continue
			}
			if strings.Contains(line, `"`) {
				plain++
			}
			if diff := cmp.Diff(want, AppendUnquoted(nil, line)); diff != "" {
				t.Fatalf("PlainQuotes(%q), but its cells without quotes differ from its fields (-want +got):\n%s", line, diff)
			}
		}
	}
	if plain < 100 {
		t.Errorf("only %d lines with quotes were plain: the test hardly checks them", plain)
	}
}

// csvFields returns the fields of a line: split at every comma without
// quotes, else as encoding/csv reads its first record.
func csvFields(line string) ([]string, error) {
	if !strings.Contains(line, `"`) {
		return strings.Split(line, ","), nil
	}
	cr := csv.NewReader(strings.NewReader(line))
	cr.FieldsPerRecord = -1
	return cr.Read()
}

// TestPlainQuotes: quotes that wrap whole cells without commas or quotes
// inside are plain; anything else that encoding/csv reads differently from
// the cells is not.
func TestPlainQuotes(t *testing.T) {
	for _, c := range []struct {
		line string
		want bool
	}{
		{``, true},
		{`0,0.64,1.5`, true},
		{"a,b\r", true}, // no quote: AppendCells's cells, CR and all
		{`0,0.64,"spam"`, true},
		{`"5.1","3.5","setosa"`, true},
		{`"",,""`, true},
		{`"NA",1`, true},
		{`""`, true},
		{`"a b"`, true},
		{"\"a\rb\",1", true},
		{`"`, false},
		{`1,"spam`, false},
		{`1,"a,b"`, false},
		{`1,"a""b"`, false},
		{`1,""""`, false},
		{`1,"a"b`, false},
		{`1,a"b"`, false},
		{`1, "a"`, false},
		{`1,"a" `, false},
		{"1,\"a\"\r", false},
		{"1,\"a\"\r\n", false},
		{"1,\"a\nb\"", false},
		{"1\n,\"a\"", false},
	} {
		if got := PlainQuotes(c.line); got != c.want {
			t.Errorf("PlainQuotes(%q) = %v, want %v", c.line, got, c.want)
		}
	}
}
