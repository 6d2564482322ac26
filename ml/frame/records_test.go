package frame

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readAllRecords reads every record of data with Records.
func readAllRecords(data []byte, opts ReadOptions) (*Records, [][]string, error) {
	rs, err := NewRecords(bytes.NewReader(data), opts)
	if err != nil {
		return nil, nil, err
	}
	var recs [][]string
	for {
		rec, err := rs.Next()
		if err == io.EOF {
			return rs, recs, nil
		}
		if err != nil {
			return rs, recs, err
		}
		recs = append(recs, rec)
	}
}

// checkAgainstRead checks that Records gives the header, cells and missing
// flags that Read gives for the same input with every column read as
// categorical (so values stay raw text), and fails where Read fails.
func checkAgainstRead(t *testing.T, data []byte, opts ReadOptions) {
	t.Helper()
	rs, recs, rerr := readAllRecords(data, opts)
	if rerr != nil && rs == nil {
		if _, err := Read(context.Background(), bytes.NewReader(data), opts); err == nil {
			t.Fatalf("NewRecords(%q) = %v, but Read succeeds", data, rerr)
		}
		return
	}
	kinds := map[string]Kind{}
	for _, h := range rs.Header() {
		kinds[h] = Categorical
	}
	opts.Kinds = kinds
	f, err := Read(context.Background(), bytes.NewReader(data), opts)
	if rerr != nil || err != nil {
		if (rerr == nil) != (err == nil) && !(errors.Is(err, ErrNoRows) && rerr == nil && len(recs) == 0) {
			t.Fatalf("Records(%q) error %v, Read error %v", data, rerr, err)
		}
		return
	}
	if diff := cmp.Diff(f.Names(), rs.Header()); diff != "" {
		t.Fatalf("Records(%q) header differs from Read's (-Read +Records):\n%s", data, diff)
	}
	if len(recs) != f.NRows() {
		t.Fatalf("Records(%q) gave %d records, Read %d rows", data, len(recs), f.NRows())
	}
	for i, rec := range recs {
		for j, c := range f.Columns {
			if miss := rs.Missing(rec[j]); miss != c.Missing[i] {
				t.Fatalf("Records(%q) row %d column %q: Missing(%q) = %v, Read says %v", data, i+1, c.Name, rec[j], miss, c.Missing[i])
			}
			if !c.Missing[i] && rec[j] != c.Value(i) {
				t.Fatalf("Records(%q) row %d column %q = %q, Read %q", data, i+1, c.Name, rec[j], c.Value(i))
			}
		}
	}
}

func TestRecordsMatchRead(t *testing.T) {
	for _, in := range []string{
		"a,b\n1,x\n2.5,y\n",
		"\xEF\xBB\xBFa,b\r\n1,x\r\n2,y",
		"a;b\n1;\"x;y\"\n\n2;NA\n",
		"a\tb\n\"multi\nline\"\t n/a \n?\t3\n",
		"a,,a\nx,1,2\n",
		"a,b\n\"q\"\"uote\",\"\"\n",
		"x\n1\n2\n3\n",
		"a,b\n1,2,\n",
		"a,b\n1\n",
		"\"unclosed\n",
		"a,b\n\xff,1\n",
		"",
		"a,b\n",
	} {
		checkAgainstRead(t, []byte(in), ReadOptions{})
		checkAgainstRead(t, []byte(in), ReadOptions{ReplaceInvalidUTF8: true, MissingMarkers: []string{"?"}})
	}
}

func TestRecordsErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		want error
		row  int
	}{
		{"", ErrEmpty, 0},
		{"a,b\n1,2\n3\n", ErrRagged, 2},
		{"a,b\n1,2\n\"x,3\n", ErrQuote, 2},
		{"a,b\n1,\xfe\n", ErrInvalidUTF8, 1},
		{"\xff\xfea,b\n", ErrInvalidUTF8, 0},
	} {
		_, _, err := readAllRecords([]byte(c.in), ReadOptions{})
		if !errors.Is(err, c.want) {
			t.Errorf("Records(%q) = %v, want %v", c.in, err, c.want)
			continue
		}
		var pe *ParseError
		if c.row > 0 && (!errors.As(err, &pe) || pe.Row != c.row) {
			t.Errorf("Records(%q) = %v, want a *ParseError on row %d", c.in, err, c.row)
		}
	}
}

func TestRecordsStateAndMaxRows(t *testing.T) {
	in := "name;note\n\"Smith; J\";\"said \"\"hi\"\"\"\n\nLee; NA \nKim;x\n"
	rs, err := NewRecords(strings.NewReader(in), ReadOptions{MaxRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rs.Delimiter() != ';' {
		t.Errorf("Delimiter() = %q, want ';'", rs.Delimiter())
	}
	rec, err := rs.Next()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Smith; J", `said "hi"`}, rec); diff != "" || !rs.Quoted(0) || rs.Row() != 1 || rs.Line() != 2 {
		t.Errorf("first record = %q (quoted %v, row %d, line %d), want [Smith; J, said \"hi\"] quoted on row 1, line 2 (%s)", rec, rs.Quoted(0), rs.Row(), rs.Line(), diff)
	}
	rec, err = rs.Next()
	if err != nil || rec[0] != "Lee" || !rs.Missing(rec[1]) || rs.Row() != 2 || rs.Line() != 4 {
		t.Errorf("second record = %q, %v (row %d, line %d), want Lee and a missing note on row 2, line 4", rec, err, rs.Row(), rs.Line())
	}
	if _, err := rs.Next(); err != io.EOF {
		t.Errorf("Next() past MaxRows = %v, want io.EOF", err)
	}
}

func TestOpenRecordsTSVAndGzip(t *testing.T) {
	dir := t.TempDir()
	tsv := filepath.Join(dir, "x.tsv")
	if err := os.WriteFile(tsv, []byte("a,b\tc\n1,2\t3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("a,b\n1,2\n"))
	zw.Close()
	gzPath := filepath.Join(dir, "x.csv.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		header []string
		rec    []string
	}{
		{tsv, []string{"a,b", "c"}, []string{"1,2", "3"}},
		{gzPath, []string{"a", "b"}, []string{"1", "2"}},
	} {
		rs, err := OpenRecords(c.path, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := rs.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(rs.Header(), c.header) || !cmp.Equal(rec, c.rec) {
			t.Errorf("OpenRecords(%s) = %q, %q, want %q, %q", filepath.Base(c.path), rs.Header(), rec, c.header, c.rec)
		}
		if err := rs.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	}
	if _, err := OpenRecords(filepath.Join(dir, "none.csv"), ReadOptions{}); err == nil {
		t.Error("OpenRecords(missing file) = nil error")
	}
}

// FuzzRecords checks that Records never panics and agrees with Read.
func FuzzRecords(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n",
		"a\tb\n\"x\ty\"\t2\n",
		"\xEF\xBB\xBFa;b\r\n1;\"2\"\"\"\r\n",
		"a,b\n\"multi\nline\",NA\n?,3\n",
		"a,,a\n\xff,1,2\n",
		"a,b\n1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstRead(t, data, ReadOptions{ReplaceInvalidUTF8: len(data)%2 == 0})
	})
}
