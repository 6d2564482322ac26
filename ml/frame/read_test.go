package frame

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func read(t *testing.T, in string, opts ReadOptions) *Frame {
	t.Helper()
	f, err := Read(context.Background(), strings.NewReader(in), opts)
	if err != nil {
		t.Fatalf("Read(%q) error: %v", in, err)
	}
	return f
}

// dump renders a frame as kind-tagged columns of values for comparison.
func dump(f *Frame) map[string][]string {
	out := map[string][]string{}
	for _, c := range f.Columns {
		vals := []string{c.Kind.String()}
		for i := range c.Len() {
			if c.Missing[i] {
				vals = append(vals, "<NA>")
			} else {
				vals = append(vals, c.Value(i))
			}
		}
		out[c.Name] = vals
	}
	return out
}

func TestReadParsing(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opts ReadOptions
		want map[string][]string
	}{
		{
			name: "plain",
			in:   "a,b\n1,x\n2.5,y\n",
			want: map[string][]string{"a": {"numeric", "1", "2.5"}, "b": {"categorical", "x", "y"}},
		},
		{
			name: "crlf, bom and no final newline",
			in:   "\xEF\xBB\xBFa,b\r\n1,x\r\n2,y",
			want: map[string][]string{"a": {"numeric", "1", "2"}, "b": {"categorical", "x", "y"}},
		},
		{
			name: "quoted delimiters, doubled quotes and line breaks",
			in:   "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\nline\r\ncell\",z\n",
			want: map[string][]string{"a": {"categorical", "x, y", "multi\nline\r\ncell"}, "b": {"categorical", "say \"hi\"", "z"}},
		},
		{
			name: "literal quote inside an unquoted field",
			in:   "h,w\n5'6\",1\n6'0\",2\n",
			want: map[string][]string{"h": {"categorical", "5'6\"", "6'0\""}, "w": {"numeric", "1", "2"}},
		},
		{
			name: "tab detected",
			in:   "a\tb\n1,5\t2\n3\t4\n",
			want: map[string][]string{"a": {"categorical", "1,5", "3"}, "b": {"numeric", "2", "4"}},
		},
		{
			name: "semicolon detected",
			in:   "a;b\n1;2\n3;4\n",
			want: map[string][]string{"a": {"numeric", "1", "3"}, "b": {"numeric", "2", "4"}},
		},
		{
			name: "delimiter given",
			in:   "a|b\n1|2\n",
			opts: ReadOptions{Delimiter: '|'},
			want: map[string][]string{"a": {"numeric", "1"}, "b": {"numeric", "2"}},
		},
		{
			name: "missing markers",
			in:   "a,b\n1,x\nNA,\n ? ,null\n-,N/A\n4,NaN\n",
			want: map[string][]string{"a": {"numeric", "1", "<NA>", "<NA>", "<NA>", "4"}, "b": {"categorical", "x", "<NA>", "<NA>", "<NA>", "<NA>"}},
		},
		{
			name: "custom missing markers",
			in:   "a\n1\nNA\n-999\n",
			opts: ReadOptions{MissingMarkers: []string{"", "-999"}},
			want: map[string][]string{"a": {"categorical", "1", "NA", "<NA>"}},
		},
		{
			name: "quoted numbers are categories",
			in:   "code,n\n\"1\",1\n\"2\",2\n",
			want: map[string][]string{"code": {"categorical", "1", "2"}, "n": {"numeric", "1", "2"}},
		},
		{
			name: "quote-all file keeps numbers",
			in:   "\"code\",\"n\"\n\"a\",\"1\"\n\"b\",\"2\"\n",
			want: map[string][]string{"code": {"categorical", "a", "b"}, "n": {"numeric", "1", "2"}},
		},
		{
			name: "numeric demoted by a late word",
			in:   "a\n1\n2\n3\nfour\n",
			want: map[string][]string{"a": {"categorical", "1", "2", "3", "four"}},
		},
		{
			name: "spaces around numbers, signs, exponents, inf",
			in:   "a\n 1 \n+2\n-3e2\nInf\n",
			want: map[string][]string{"a": {"numeric", "1", "2", "-300", "+Inf"}},
		},
		{
			name: "hex is not a number",
			in:   "a\n0x10\n0x20\n",
			want: map[string][]string{"a": {"categorical", "0x10", "0x20"}},
		},
		{
			name: "booleans keep their spelling",
			in:   "yn,tf,yesno,mixed,bits\nY,true,Yes,yes,1\nN,False,no,true,0\n,TRUE,NO,no,1\n",
			want: map[string][]string{
				"yn":    {"boolean", "Y", "N", "<NA>"},
				"tf":    {"boolean", "true", "False", "TRUE"},
				"yesno": {"boolean", "Yes", "no", "NO"},
				"mixed": {"categorical", "yes", "true", "no"},
				"bits":  {"numeric", "1", "0", "1"},
			},
		},
		{
			name: "datetimes",
			in: "d,ts,us,eu,notdate\n2024-01-31,2024-01-31T10:20:30Z,01/02/2024,13/02/2024,2024\n" +
				"2024-02-29,2024-02-29T08:00:00Z,12/31/2024,01/03/2024,2025\n",
			want: map[string][]string{
				"d":       {"datetime", "2024-01-31T00:00:00Z", "2024-02-29T00:00:00Z"},
				"ts":      {"datetime", "2024-01-31T10:20:30Z", "2024-02-29T08:00:00Z"},
				"us":      {"datetime", "2024-01-02T00:00:00Z", "2024-12-31T00:00:00Z"},
				"eu":      {"datetime", "2024-02-13T00:00:00Z", "2024-03-01T00:00:00Z"},
				"notdate": {"numeric", "2024", "2025"},
			},
		},
		{
			name: "mixed ISO forms are one datetime column",
			in:   "d\n2024-01-31\n2024-02-01 10:30:00\n2024-02-02T11:00:00+01:00\n",
			want: map[string][]string{"d": {"datetime", "2024-01-31T00:00:00Z", "2024-02-01T10:30:00Z", "2024-02-02T10:00:00Z"}},
		},
		{
			name: "mixed date layouts are categories",
			in:   "d\n2024-01-31\n31 Jan 2024\n",
			want: map[string][]string{"d": {"categorical", "2024-01-31", "31 Jan 2024"}},
		},
		{
			name: "blank lines skipped",
			in:   "a\n1\n\n2\n\r\n",
			want: map[string][]string{"a": {"numeric", "1", "2"}},
		},
		{
			name: "trailing delimiter makes an empty last field",
			in:   "a,b,\n1,2,\n3,4,\n",
			want: map[string][]string{"a": {"numeric", "1", "3"}, "b": {"numeric", "2", "4"}, "column_3": {"numeric", "<NA>", "<NA>"}},
		},
		{
			name: "forced kinds",
			in:   "zip,flag\n01234,1\n99999,0\n",
			opts: ReadOptions{Kinds: map[string]Kind{"zip": Categorical, "flag": Categorical}},
			want: map[string][]string{"zip": {"categorical", "01234", "99999"}, "flag": {"categorical", "1", "0"}},
		},
		{
			name: "max rows",
			in:   "a\n1\n2\n3\n",
			opts: ReadOptions{MaxRows: 2},
			want: map[string][]string{"a": {"numeric", "1", "2"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dump(read(t, tt.in, tt.opts))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Read(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestReadStringKinds(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,text,cat,name\n")
	for i := range 100 {
		fmt.Fprintf(&b, "u%05d,\"review number %d says the product is fine\",level%d,\"Smith, Mr. John %d\"\n", i*7, i, i%5, i)
	}
	f := read(t, b.String(), ReadOptions{})
	got := map[string]Kind{}
	for _, c := range f.Columns {
		got[c.Name] = c.Kind
	}
	want := map[string]Kind{"id": ID, "text": Text, "cat": Categorical, "name": Text}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kinds mismatch (-want +got):\n%s", diff)
	}
	// Few rows are never an ID.
	f = read(t, "id\na1\nb2\nc3\n", ReadOptions{})
	if k := f.Columns[0].Kind; k != Categorical {
		t.Errorf("kind of 3 distinct tokens = %v, want categorical", k)
	}
}

func TestReadNoteAlmostNumeric(t *testing.T) {
	var b strings.Builder
	b.WriteString("n,q,c\n")
	for i := range 50 {
		fmt.Fprintf(&b, "%d,\"%d\",c%d\n", i, i, i%3)
	}
	b.WriteString("n/a?,\"x\",c1\n")
	f := read(t, b.String(), ReadOptions{})
	want := []string{`column "n": 50 of 51 values are numbers, but "n/a?" (row 51) and 0 more are not; read as id (set ReadOptions.Kinds or the missing markers to change that)`}
	if diff := cmp.Diff(want, f.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

func TestReadHeaders(t *testing.T) {
	f := read(t, "a, ,a,a_2,a\n1,2,3,4,5\n", ReadOptions{})
	want := []string{"a", "column_2", "a_3", "a_2", "a_4"}
	if diff := cmp.Diff(want, f.Names()); diff != "" {
		t.Errorf("names mismatch (-want +got):\n%s", diff)
	}
	if len(f.Notes) != 3 {
		t.Errorf("notes = %q, want 3 notes", f.Notes)
	}
	_, err := Read(context.Background(), strings.NewReader("a,a\n1,2\n"), ReadOptions{StrictHeaders: true})
	if !errors.Is(err, ErrDuplicateHeader) {
		t.Errorf("Read with StrictHeaders error = %v, want ErrDuplicateHeader", err)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		opts    ReadOptions
		wantErr error
		wantMsg string
	}{
		{"empty", "", ReadOptions{}, ErrEmpty, "empty input"},
		{"only blank lines", "\n\r\n\n", ReadOptions{}, ErrEmpty, "empty input"},
		{"header only", "a,b\n", ReadOptions{}, ErrNoRows, "header only"},
		{"ragged short", "a,b\n1,2\n3\n", ReadOptions{}, ErrRagged, "line 3 (row 2): 1 fields, header has 2"},
		{"ragged long", "a,b\n1,2,3\n", ReadOptions{}, ErrRagged, "line 2 (row 1): 3 fields, header has 2"},
		{"ragged after multiline cell", "a,b\n\"x\ny\",1\n2\n", ReadOptions{}, ErrRagged, "line 4 (row 2)"},
		{"invalid utf8", "a,b\n1,ok\n2,caf\xe9\n", ReadOptions{}, ErrInvalidUTF8, "line 3 (row 2), column \"b\" (field 2): byte 0xe9 at offset 3"},
		{"unclosed quote", "a,b\n1,\"abc\n2,3\n", ReadOptions{}, ErrQuote, "line 2 (row 1), column \"b\" (field 2): quoted field is never closed"},
		{"junk after quote", "a,b\n\"x\"y,2\n", ReadOptions{}, ErrQuote, "line 2 (row 1), column \"a\" (field 1): unexpected character after a closing quote"},
		{"utf-16", "\xff\xfea\x00,\x00b\x00\n\x00", ReadOptions{}, ErrInvalidUTF8, "line 1: the input is UTF-16 (byte order mark FF FE)"},
		{"forced numeric", "a\n1\nx\n", ReadOptions{Kinds: map[string]Kind{"a": Numeric}}, ErrValue, "row 2, column \"a\""},
		{"forced unknown column", "a\n1\n", ReadOptions{Kinds: map[string]Kind{"b": Numeric}}, nil, "columns [\"b\"], which the header lacks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(context.Background(), strings.NewReader(tt.in), tt.opts)
			if err == nil {
				t.Fatalf("Read(%q) error = nil, want %v", tt.in, tt.wantMsg)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Read(%q) error = %v, want errors.Is %v", tt.in, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Read(%q) error = %q, want it to contain %q", tt.in, err, tt.wantMsg)
			}
		})
	}
}

func TestReadReplaceInvalidUTF8(t *testing.T) {
	f := read(t, "a,b\n1,caf\xe9\n", ReadOptions{ReplaceInvalidUTF8: true})
	if got := f.Col("b").Str[0]; got != "caf\uFFFD" {
		t.Errorf("replaced value = %q, want %q", got, "caf\uFFFD")
	}
	if len(f.Notes) != 1 {
		t.Errorf("notes = %q, want one note about the replacement", f.Notes)
	}
}

func TestReadLargeCellsAndManyLevels(t *testing.T) {
	var b strings.Builder
	b.WriteString("big,cat,n\n")
	long := strings.Repeat("word ", 10_000) // 50k characters
	for i := range 30_000 {
		cell := "short"
		if i%1000 == 0 {
			cell = "\"" + long + "\""
		}
		fmt.Fprintf(&b, "%s,c%d,%d\n", cell, i%10_000, i)
	}
	f := read(t, b.String(), ReadOptions{})
	if got := len(f.Col("big").Str[0]); got != len(long) {
		t.Errorf("long cell length = %d, want %d", got, len(long))
	}
	levels, _ := f.Col("cat").Levels()
	if len(levels) != 10_000 || f.Col("cat").Kind != Categorical {
		t.Errorf("cat: %d levels of kind %v, want 10000 categorical", len(levels), f.Col("cat").Kind)
	}
	if f.NRows() != 30_000 {
		t.Errorf("NRows() = %d, want 30000", f.NRows())
	}
}

func TestReadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := "a\n" + strings.Repeat("1\n", 10_000)
	if _, err := Read(ctx, strings.NewReader(in), ReadOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with cancelled ctx error = %v, want context.Canceled", err)
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true}, {" -2.5 ", -2.5, true}, {"1e3", 1000, true}, {".5", 0.5, true},
		{"-inf", math.Inf(-1), true}, {"1e999", math.Inf(1), true},
		{"NaN", 0, false}, {"0x1p3", 0, false}, {"1_000", 0, false}, {"1,000", 0, false}, {"", 0, false}, {"abc", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseNumber(tt.in)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("ParseNumber(%q) = %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFrameOps(t *testing.T) {
	f := read(t, "a,b,c\n1,x,yes\n2,,no\n3,z,yes\n", ReadOptions{})
	sel, err := f.Select("c", "a")
	if err != nil {
		t.Fatalf("Select error: %v", err)
	}
	if diff := cmp.Diff([]string{"c", "a"}, sel.Names()); diff != "" {
		t.Errorf("Select names (-want +got):\n%s", diff)
	}
	if _, err := f.Select("a", "nope", "gone"); err == nil || !strings.Contains(err.Error(), `"nope" "gone"`) {
		t.Errorf("Select(unknown) error = %v, want one naming nope and gone", err)
	}
	if diff := cmp.Diff([]string{"a", "c"}, f.Drop("b", "zzz").Names()); diff != "" {
		t.Errorf("Drop names (-want +got):\n%s", diff)
	}
	got := dump(f.Take([]int{2, 1, 2}))
	want := map[string][]string{
		"a": {"numeric", "3", "2", "3"},
		"b": {"categorical", "z", "<NA>", "z"},
		"c": {"boolean", "yes", "no", "yes"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Take mismatch (-want +got):\n%s", diff)
	}
	odd := f.Filter(func(i int) bool { return f.Col("a").Num[i] != 2 })
	if odd.NRows() != 2 || f.Head(1).NRows() != 1 {
		t.Errorf("Filter rows = %d, Head(1) rows = %d, want 2 and 1", odd.NRows(), f.Head(1).NRows())
	}
	built, err := New(NewBoolean("b", []bool{true, false}), NewStrings("s", Text, []string{"a b c", ""}),
		NewDatetime("d", []time.Time{time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), {}}))
	if err != nil {
		t.Fatalf("New error: %v", err)
	}
	wantBuilt := map[string][]string{
		"b": {"boolean", "true", "false"},
		"s": {"text", "a b c", "<NA>"},
		"d": {"datetime", "2024-05-06T07:08:09Z", "<NA>"},
	}
	if diff := cmp.Diff(wantBuilt, dump(built)); diff != "" {
		t.Errorf("constructed frame (-want +got):\n%s", diff)
	}
	if _, err := New(NewNumeric("x", []float64{1}), NewNumeric("y", []float64{1, 2})); err == nil {
		t.Errorf("New(unequal columns) error = nil, want one")
	}
	if _, err := New(NewNumeric("x", []float64{1}), NewNumeric("x", []float64{2})); err == nil {
		t.Errorf("New(duplicate names) error = nil, want one")
	}
	for k := Numeric; k <= ID; k++ {
		b, _ := k.MarshalText()
		var back Kind
		if err := back.UnmarshalText(b); err != nil || back != k {
			t.Errorf("Kind round trip %v -> %s -> %v (%v)", k, b, back, err)
		}
	}
}

func TestReadFileFormats(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte("a\tb\n1,5\t2\n"))
	zw.Close()
	for _, tt := range []struct {
		path string
		want map[string][]string
	}{
		// A .tsv file is split on tabs even when commas would look consistent.
		{write("x.tsv", []byte("a,b\tc\n1,2\t3\n")), map[string][]string{"a,b": {"categorical", "1,2"}, "c": {"numeric", "3"}}},
		{write("x.tsv.gz", zipped.Bytes()), map[string][]string{"a": {"categorical", "1,5"}, "b": {"numeric", "2"}}},
	} {
		f, err := ReadFile(context.Background(), tt.path, ReadOptions{})
		if err != nil {
			t.Fatalf("ReadFile(%s) error: %v", tt.path, err)
		}
		if diff := cmp.Diff(tt.want, dump(f)); diff != "" {
			t.Errorf("ReadFile(%s) mismatch (-want +got):\n%s", tt.path, diff)
		}
	}
	if _, err := ReadFile(context.Background(), write("x.parquet", []byte("PAR1")), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "parquet is not supported") {
		t.Errorf("ReadFile(parquet) error = %v, want parquet is not supported", err)
	}
	if _, err := ReadFile(context.Background(), dir+"/absent.csv", ReadOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile(absent) error = %v, want os.ErrNotExist", err)
	}
}

// TestParseNumberMatchesStrconv checks the decimal fast path against
// strconv.ParseFloat bit for bit.
func TestParseNumberMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	cases := []string{"0", "-0", "+1", "007", "0.1", ".5", "5.", "123456789012345", "1234567890123456",
		"0.000000000000000000001", "0.0000000000000000000001234", "9007199254740993", "3.14159265358979", "-2.5e3"}
	for range 20000 {
		digits := 1 + rng.IntN(18)
		var b strings.Builder
		if rng.IntN(2) == 0 {
			b.WriteByte('-')
		}
		dot := rng.IntN(digits + 1)
		for k := range digits {
			if k == dot && k > 0 {
				b.WriteByte('.')
			}
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		want, err := strconv.ParseFloat(s, 64)
		got, ok := ParseNumber(s)
		if err != nil || !ok || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("ParseNumber(%q) = %v, %v, want %v (%v)", s, got, ok, want, err)
		}
	}
	for _, s := range []string{".", "-", "+.", "1.2.3", "1-2", "--1"} {
		if v, ok := ParseNumber(s); ok {
			t.Errorf("ParseNumber(%q) = %v, true, want false", s, v)
		}
	}
}
