package datasets

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/ml/frame"
)

// scanAll splits in into records, pushing it in chunks of the given size.
func scanAll(in string, delim byte, chunk int) ([][]string, error) {
	var out [][]string
	sc := newScanner(delim, func(r *record) error {
		row := make([]string, r.n())
		for i := range row {
			row[i] = string(r.field(i))
		}
		out = append(out, row)
		return nil
	})
	for len(in) > 0 {
		n := min(chunk, len(in))
		if _, err := sc.Write([]byte(in[:n])); err != nil {
			return out, err
		}
		in = in[n:]
	}
	return out, sc.Close()
}

func TestScanner(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want [][]string
	}{
		{"plain", "a,b\n1,2\n", [][]string{{"a", "b"}, {"1", "2"}}},
		{"no final newline", "a,b\n1,2", [][]string{{"a", "b"}, {"1", "2"}}},
		{"crlf", "a,b\r\n1,2\r\n", [][]string{{"a", "b"}, {"1", "2"}}},
		{"blank lines", "a,b\n\n1,2\r\n\r\n3,4\n", [][]string{{"a", "b"}, {"1", "2"}, {"3", "4"}}},
		{"quoted delimiter and newline", "a,b\n\"x,y\",\"line1\nline2\"\n", [][]string{{"a", "b"}, {"x,y", "line1\nline2"}}},
		{"doubled quote", "a\n\"say \"\"hi\"\"\"\n", [][]string{{"a"}, {`say "hi"`}}},
		{"quote inside unquoted", "a,b\n5'11\",x\n", [][]string{{"a", "b"}, {`5'11"`, "x"}}},
		{"empty fields", "a,b,c\n,,\n1,,\n", [][]string{{"a", "b", "c"}, {"", "", ""}, {"1", "", ""}}},
		{"trailing delimiter at eof", "a,b\n1,", [][]string{{"a", "b"}, {"1", ""}}},
		{"space after closing quote", "a,b\n\"x\" ,y\n", [][]string{{"a", "b"}, {"x", "y"}}},
		{"empty quoted is a row", "a\n\"\"\n", [][]string{{"a"}, {""}}},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 3, 1 << 20} {
			got, err := scanAll(tt.in, ',', chunk)
			if err != nil {
				t.Errorf("%s (chunk %d): scan error %v", tt.name, chunk, err)
				continue
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (chunk %d): records differ (-want +got):\n%s", tt.name, chunk, diff)
			}
		}
	}
}

func TestScannerErrors(t *testing.T) {
	for _, in := range []string{"a\n\"never closed\n", "a,b\n\"x\"y,1\n"} {
		if _, err := scanAll(in, ',', 2); err == nil {
			t.Errorf("scan(%q) succeeded, want a malformed-quote error", in)
		}
		if _, err := frame.Read(context.Background(), strings.NewReader(in), frame.ReadOptions{Delimiter: ','}); err == nil {
			t.Errorf("frame.Read(%q) succeeded; the scanner and ml/frame disagree", in)
		}
	}
}

// TestScannerAgreesWithFrame checks that the streaming scanner splits real files into the same
// rows and columns as ml/frame's reader.
func TestScannerAgreesWithFrame(t *testing.T) {
	for _, name := range []string{"titanic.csv", "sms_spam.csv", "fine_foods_reviews.csv", "penguins.csv"} {
		data := readShared(t, name)
		fr, err := frame.Read(context.Background(), strings.NewReader(data), frame.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := scanAll(data, detectDelimiter([]byte(data[:min(len(data), detectBytes)])), 4096)
		if err != nil {
			t.Fatalf("%s: scan error %v", name, err)
		}
		if len(recs)-1 != fr.NRows() || len(recs[0]) != fr.NCols() {
			t.Errorf("%s: scanner found %d rows x %d columns, ml/frame %d x %d", name, len(recs)-1, len(recs[0]), fr.NRows(), fr.NCols())
		}
		for i, rec := range recs[1:] {
			if len(rec) != fr.NCols() {
				t.Fatalf("%s: record %d has %d fields, want %d", name, i+1, len(rec), fr.NCols())
			}
		}
	}
}

func TestScannerStop(t *testing.T) {
	n := 0
	sc := newScanner(',', func(*record) error {
		n++
		if n == 2 {
			return errStop
		}
		return nil
	})
	_, err := sc.Write([]byte("a\n1\n2\n3\n"))
	if !errors.Is(err, errStop) || !sc.stopped() || sc.Close() != nil || n != 2 {
		t.Errorf("stop after 2 records: n = %d, err = %v, stopped = %v", n, err, sc.stopped())
	}
}

func TestScannerLongRow(t *testing.T) {
	in := "a\n" + strings.Repeat("x", maxRecordBytes+10) + "\n"
	_, err := scanAll(in, ',', 1<<20)
	var pe *frame.ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(err.Error(), "longer than 16 MiB") {
		t.Errorf("scan(17 MiB row) error = %v, want a ParseError at line 2 about the length", err)
	}
}
