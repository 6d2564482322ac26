package serving

import (
	"encoding/csv"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/ml/frame"
)

// TestCutterMatchesEncodingCSV: the cutter and frame.AppendFields read the records
// encoding/csv reads: plain quotes, quoted delimiters, line breaks and doubled quotes, CRLF,
// blank lines, a last line without a line break, ragged rows, records across read boundaries.
func TestCutterMatchesEncodingCSV(t *testing.T) {
	for name, in := range map[string]string{
		"plain":          "a,b,c\n1,2,3\n4,5,6\n",
		"no final break": "a,b\n1,2\n3,4",
		"crlf":           "a,b\r\n1,2\r\n3,4\r\n",
		"blank lines":    "a,b\n\n1,2\n\r\n\n3,4\n\n",
		"plain quotes":   "a,b\n1,\"spam\"\n\"5.1\",\"\"\r\n\"NA\",\"x y\"\n",
		"quotes":         "a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n\"multi\nline\",2\n\"\",3\n",
		"ragged":         "a,b,c\n1,2\n1,2,3,4\n,,\n",
		"long":           "a,b\n" + strings.Repeat("1234567,\"q,\"\"q\"\n", 5000),
	} {
		want, err := func() ([][]string, error) {
			cr := csv.NewReader(strings.NewReader(in))
			cr.FieldsPerRecord = -1
			return cr.ReadAll()
		}()
		if err != nil {
			t.Fatalf("%s: encoding/csv: %v", name, err)
		}
		// One byte at a time, so records straddle every read boundary.
		sp := &cutter{r: iotest.OneByteReader(strings.NewReader(in)), buf: make([]byte, 0, 16)}
		var got [][]string
		for {
			raw, err := sp.record()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: record: %v", name, err)
			}
			fields, err := frame.AppendFields(nil, strings.TrimSuffix(string(raw), "\r"))
			if err != nil {
				t.Fatalf("%s: AppendFields(%q): %v", name, raw, err)
			}
			got = append(got, fields)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: records differ from encoding/csv (-csv +cutter):\n%s", name, diff)
		}
	}
	// A broken quote is an error, as in encoding/csv.
	if _, err := frame.AppendFields(nil, `1,x"y,3`); err == nil {
		t.Error(`AppendFields("1,x\"y,3") = nil error, want a parse error`)
	}
}
