package serving

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/train"
)

// irisPredictor trains a small GBDT on iris.
func irisPredictor(t *testing.T) *model.Predictor {
	t.Helper()
	f, err := frame.ReadFile(context.Background(), datasets.MustPath(t, "iris.csv"), frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := train.Train(context.Background(), f, train.Options{Target: "species", Learners: []string{"gbdt"}, Seed: 1,
		Params: map[string]string{"num_iterations": "5", "num_leaves": "7"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := model.NewPredictor(res.Artifact)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// awkwardInput is a CSV with a byte order mark, CRLF line breaks, quoted fields holding
// commas, doubled quotes and line breaks (LF and CRLF), quoted numbers and labels, blank lines,
// short and long rows (one with a quoted comma and as many commas as the header), and no line
// break at the end.
func awkwardInput() string {
	var b strings.Builder
	b.WriteString("\ufeffsepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm,note\r\n")
	for i := range 40 {
		switch i % 7 {
		case 1:
			fmt.Fprintf(&b, "%d.%d,3.%d,\"%d.4\",0.%d,\"two\r\nlines, \"\"quoted\"\"\"\r\n", 4+i%4, i%10, i%7, 1+i%6, i%9)
		case 2:
			fmt.Fprintf(&b, "\"%d.%d\",\"3.%d\",\"%d.4\",\"0.%d\",\"n%d\"\n", 4+i%4, i%10, i%7, 1+i%6, i%9, i)
		case 3:
			fmt.Fprintf(&b, "%d.%d,3.%d\r\n\r\n\n", 4+i%4, i%10, i%7) // too short: a row error
		case 4:
			fmt.Fprintf(&b, "\"%d,%d\",3.%d,%d.4,0.%d\n", 4+i%4, i%10, i%7, 1+i%6, i%9) // short
		case 5:
			fmt.Fprintf(&b, "%d.%d,3.%d,%d.4,0.%d,\"a\nb\nc\",extra,fields\r\n", 4+i%4, i%10, i%7, 1+i%6, i%9)
		default:
			fmt.Fprintf(&b, "%d.%d,3.%d,%d.4,0.%d,n%d\r\n", 4+i%4, i%10, i%7, 1+i%6, i%9, i)
		}
	}
	b.WriteString("7.7,3.0,6.1,2.3,last")
	return b.String()
}

// runStream runs a Batcher with the given chunk size over in, reading one byte at a time.
func runStream(t *testing.T, p *model.Predictor, chunkRows int, in string) ([]byte, int64, error) {
	t.Helper()
	var out bytes.Buffer
	var rows atomic.Int64
	b := &Batcher{chunkRows: chunkRows}
	err := b.stream(context.Background(), p, iotest.OneByteReader(strings.NewReader(in)), &out, &rows)
	return out.Bytes(), rows.Load(), err
}

// TestStreamAcrossChunks: whatever the chunk size, the output has one line per input record,
// in order, with the record's fields (padded or cut to the header's width), the prediction of
// Record.Predict, or the row's error; the outputs of all chunk sizes are the same bytes.
func TestStreamAcrossChunks(t *testing.T) {
	if checkStream(t, irisPredictor(t), awkwardInput()) == 0 {
		t.Fatal("no row failed; the input's short rows should")
	}
}

// TestStreamTextModel: a model with a text member predicts, whatever the chunk size, what
// Record.Predict does on real messages, quoted when they hold commas or quotes (and the
// checkStream of TestStreamAcrossChunks holds), with plain-quoted and empty messages among
// them.
func TestStreamTextModel(t *testing.T) {
	path := datasets.MustPath(t, "sms_spam.csv")
	f, err := frame.ReadFile(context.Background(), path, frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := train.Train(context.Background(), f.Head(1000), train.Options{Target: "label", Learners: []string{automl.Text}, Seed: 1, Trials: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := model.NewPredictor(res.Artifact)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	in := strings.Join(lines[:300], "") + "\"free entry now\",spam\n\"\",ham\r\n\"win, win\",\"spam\"\n"
	if !strings.Contains(in, `""`) || !strings.Contains(in, `",`) {
		t.Fatal("the input has no quoted messages")
	}
	checkStream(t, p, in)
}

// checkStream checks the output of streaming in with chunks of several sizes, as
// TestStreamAcrossChunks says, and returns how many rows failed.
func checkStream(t *testing.T, p *model.Predictor, in string) (errorRows int) {
	t.Helper()
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(in, "\ufeff")))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header, body := recs[0], recs[1:]
	rec, err := p.Bind(header)
	if err != nil {
		t.Fatal(err)
	}
	classes := p.Classes()
	wantHeader := append(append([]string{}, header...), "prediction")
	for _, c := range classes {
		wantHeader = append(wantHeader, "probability_"+c)
	}
	wantHeader = append(wantHeader, "error")

	var first []byte
	for _, size := range []int{1, 2, 3, 5, 16, BatchChunk} {
		got, rows, err := runStream(t, p, size, in)
		if err != nil {
			t.Fatalf("chunk size %d: stream = %v", size, err)
		}
		if rows != int64(len(body)) {
			t.Errorf("chunk size %d: %d rows written, want %d", size, rows, len(body))
		}
		if first == nil {
			first = got
		} else if !bytes.Equal(got, first) {
			t.Errorf("chunk size %d: output differs from chunk size 1's:\n%s\nwant\n%s", size, got, first)
		}
		out, err := csv.NewReader(bytes.NewReader(got)).ReadAll()
		if err != nil {
			t.Fatalf("chunk size %d: output is not CSV: %v", size, err)
		}
		if diff := cmp.Diff(wantHeader, out[0]); diff != "" {
			t.Fatalf("chunk size %d: header (-want +got):\n%s", size, diff)
		}
		if len(out)-1 != len(body) {
			t.Fatalf("chunk size %d: %d output rows, want %d", size, len(out)-1, len(body))
		}
		errorRows = 0
		for i, r := range body {
			o := out[i+1]
			want := make([]string, len(header))
			copy(want, r)
			if diff := cmp.Diff(want, o[:len(header)]); diff != "" {
				t.Fatalf("chunk size %d, row %d: input fields (-want +got):\n%s", size, i+1, diff)
			}
			tail := o[len(header):]
			var pr model.Prediction
			if err := rec.Predict(r, &pr); err != nil {
				errorRows++
				if diff := cmp.Diff(append(make([]string, 1+len(classes)), err.Error()), tail); diff != "" {
					t.Errorf("chunk size %d, row %d: outputs of a failed row (-want +got):\n%s", size, i+1, diff)
				}
				continue
			}
			if tail[0] != pr.Label || tail[len(tail)-1] != "" {
				t.Errorf("chunk size %d, row %d: prediction %q error %q, want %q and none", size, i+1, tail[0], tail[len(tail)-1], pr.Label)
			}
			for c := range classes {
				v, err := strconv.ParseFloat(tail[1+c], 64)
				if err != nil || math.Abs(v-pr.Probabilities[c]) > 1e-6 {
					t.Errorf("chunk size %d, row %d: probability_%s = %q, want %v", size, i+1, classes[c], tail[1+c], pr.Probabilities[c])
				}
			}
		}
	}
	return errorRows
}

// TestStreamParseErrorNamesLine: a broken quote in a later chunk fails the job with the input
// line of its record, counting the line breaks of blank lines and quoted fields before it.
func TestStreamParseErrorNamesLine(t *testing.T) {
	p := irisPredictor(t)
	in := "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\r\n" + // line 1
		"5.1,3.5,1.4,0.2\r\n" + // 2
		"\r\n" + // 3
		"4.9,\"3.0\n\n\",1.4,0.2\r\n" + // 4-6
		"\"4.7\",3.2,1.3,\"0.2\"\n" + // 7
		"\n" + // 8
		"4.6,3.1,1.5,0.2\n" + // 9
		"5.0,3\"6,1.4,0.2\n" + // 10: a bare quote
		"5.4,3.9,1.7,0.4\n"
	for _, size := range []int{1, 2, 3, BatchChunk} {
		_, rows, err := runStream(t, p, size, in)
		if !errors.Is(err, csv.ErrBareQuote) || !strings.Contains(err.Error(), "near line 10:") {
			t.Errorf("chunk size %d: stream = %v, want csv.ErrBareQuote near line 10", size, err)
		}
		if rows > 4 {
			t.Errorf("chunk size %d: %d rows written, want at most the 4 before the broken one", size, rows)
		}
	}
}

// failingWriter fails once it has taken limit bytes.
type failingWriter struct{ limit int }

func (w *failingWriter) Write(b []byte) (int, error) {
	if len(b) > w.limit {
		return 0, errors.New("disk full")
	}
	w.limit -= len(b)
	return len(b), nil
}

// TestStreamWriteError: a failing output stops the job with its error, without waiting on
// the chunks still in flight.
func TestStreamWriteError(t *testing.T) {
	p := irisPredictor(t)
	var in strings.Builder
	in.WriteString("sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n")
	for i := range 5000 {
		fmt.Fprintf(&in, "%d.%d,3.%d,%d.4,0.%d\n", 4+i%4, i%10, i%7, 1+i%6, i%9)
	}
	var rows atomic.Int64
	b := &Batcher{chunkRows: 100}
	err := b.stream(context.Background(), p, strings.NewReader(in.String()), &failingWriter{limit: 20000}, &rows)
	if err == nil || !strings.Contains(err.Error(), "write output: disk full") {
		t.Errorf("stream to a failing writer = %v, want write output: disk full", err)
	}
	if n := rows.Load(); n == 0 || n >= 5000 {
		t.Errorf("%d rows written before the failure, want some but not all 5000", n)
	}
}

// TestLinesMatchFields: a chunk, predicted from its records' text, writes the bytes that
// predicting their fields as encoding/csv reads them (Record.PredictBatch) writes: with CRLF
// and blank lines, short and long rows, missing markers, spaces, exponents and cells that are
// not numbers, bare or quoted (quoted numbers, empty quoted cells, quoted markers), and
// records whose quotes hold commas, doubled quotes or line breaks among them.
func TestLinesMatchFields(t *testing.T) {
	p := irisPredictor(t)
	header := []string{"sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm", "note"}
	rec, err := p.Bind(header)
	if err != nil {
		t.Fatal(err)
	}
	cells := []string{"", "NA", " 3.1", "3.1 ", "1e3", "-0", "+2.5", ".5", "5.", "x", "0x10", "nan", "inf", "1e400", "7"}
	var in strings.Builder
	for i := range 400 {
		c, d := cells[i%len(cells)], cells[(i/3)%len(cells)]
		switch i % 13 {
		case 2:
			fmt.Fprintf(&in, "%d.%d,3.%d\r\n", 4+i%4, i%10, i%7) // short
		case 3:
			fmt.Fprintf(&in, "\"%d.%d\",\"3.%d\"\n", 4+i%4, i%10, i%7) // short, quoted
		case 4:
			in.WriteString("\r\n\n") // blank lines
		case 6:
			fmt.Fprintf(&in, "%d.%d,3.%d,%d.4,0.%d,n%d,extra,,\n", 4+i%4, i%10, i%7, 1+i%6, i%9, i) // long
		case 7:
			fmt.Fprintf(&in, "\"%d.%d\",\"%s\",\"%d.4\",\"%s\",\"n%d\"\r\n", 4+i%4, i%10, c, 1+i%6, d, i) // all quoted
		case 8:
			fmt.Fprintf(&in, "%d.%d,%s,\"%d.4\",%s,\"n%d\"\n", 4+i%4, i%10, c, 1+i%6, d, i) // some quoted
		case 9:
			fmt.Fprintf(&in, "%d.%d,\"%s\",%d.4,\"%s\",\"a, \"\"b\"\"\"\r\n", 4+i%4, i%10, c, 1+i%6, d) // quoted comma and quotes
		case 10:
			fmt.Fprintf(&in, "%d.%d,%s,%d.4,%s,\"two\r\nlines\"\r\n", 4+i%4, i%10, c, 1+i%6, d) // quoted line break
		case 11:
			fmt.Fprintf(&in, "\"%d,%d\",3.%d,\"\",1\n", 4+i%4, i%10, i%7) // quoted comma, short
		default:
			fmt.Fprintf(&in, "%d.%d,%s,%d.4,%s,n%d\r\n", 4+i%4, i%10, c, 1+i%6, d, i)
		}
	}
	ch := &chunk{raw: []byte(in.String())}
	if err := ch.process(context.Background(), rec, p, len(header)); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(strings.NewReader(in.String()))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	bt, err := rec.PredictBatch(context.Background(), recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(bt.Errors) == 0 {
		t.Fatal("no row failed; the short rows and bad cells should")
	}
	want := ch.appendOutput(nil, p, bt, len(header))
	if !bytes.Equal(ch.out, want) {
		t.Errorf("output from the records' text:\n%s\nwant (from their fields):\n%s", ch.out, want)
	}
}
