package datasets

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/ent"

	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/pgtest"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/frame"
)

// env is a service on a fresh store with two members.
type env struct {
	svc   *Service
	st    *store.Store
	blobs *blob.Store
	a, b  context.Context
	dir   string
}

// forEachBackend runs fn against SQLite and, when configured, Postgres.
func forEachBackend(t *testing.T, opts Options, fn func(t *testing.T, e *env)) {
	backends := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "t.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.New(t) }},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, newEnv(t, b.url(t), opts)) })
	}
}

func newEnv(t testing.TB, dbURL string, opts Options) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	dir := t.TempDir()
	blobs, err := blob.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	e := &env{svc: New(st, blobs, opts), st: st, blobs: blobs, dir: dir}
	sys := store.SystemContext(ctx)
	for i, email := range []string{"a@example.com", "b@example.com"} {
		u, err := st.GetOrCreateUser(sys, email, email, store.RoleMember)
		if err != nil {
			t.Fatal(err)
		}
		c := store.WithViewer(ctx, store.Viewer{UserID: u.ID, Role: store.RoleMember})
		if i == 0 {
			e.a = c
		} else {
			e.b = c
		}
	}
	return e
}

// files yields the given files in order.
func files(fs ...File) NextFile {
	return func() (File, error) {
		if len(fs) == 0 {
			return File{}, io.EOF
		}
		f := fs[0]
		fs = fs[1:]
		return f, nil
	}
}

func csvFile(name, body string) File { return File{Name: name, Body: strings.NewReader(body)} }

func TestUploadSharedCSV(t *testing.T) {
	forEachBackend(t, Options{}, func(t *testing.T, e *env) {
		data := readShared(t, "titanic.csv")
		d, err := e.svc.Upload(e.a, &Upload{}, files(csvFile("titanic.csv", data)))
		if err != nil {
			t.Fatalf("Upload(titanic.csv) error: %v", err)
		}
		sum := sha256.Sum256([]byte(data))
		if d.NumRows != 891 || d.NumColumns != 12 || d.SizeBytes != int64(len(data)) || d.DataType != store.DataTypeTabular {
			t.Errorf("Upload(titanic.csv) = rows %d, cols %d, size %d, type %s; want 891, 12, %d, TABULAR", d.NumRows, d.NumColumns, d.SizeBytes, d.DataType, len(data))
		}
		if len(d.Files) != 1 || d.Files[0].SHA256 != hex.EncodeToString(sum[:]) || d.Files[0].ContentType != "text/csv" {
			t.Errorf("Upload(titanic.csv) files = %+v, want one text/csv file with sha256 %x", d.Files, sum)
		}
		if d.DisplayName != "titanic.csv" || d.ExpiresAt == nil {
			t.Errorf("display name %q, expires %v; want titanic.csv and an expiry", d.DisplayName, d.ExpiresAt)
		}
		// The stored bytes are the uploaded bytes.
		r, err := e.blobs.Open(context.Background(), d.Files[0].BlobKey)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(got, []byte(data)) {
			t.Errorf("stored blob has %d bytes, differs from the %d uploaded", len(got), len(data))
		}
		p, err := ProfileOf(d)
		if err != nil {
			t.Fatal(err)
		}
		fp := p.Primary()
		age := fp.Columns[5]
		if age.Name != "Age" || age.Kind != frame.Numeric || age.Missing != 177 || age.Rows != 891 {
			t.Errorf("Age profile = %s %v missing %d of %d; want Age numeric missing 177 of 891", age.Name, age.Kind, age.Missing, age.Rows)
		}
		if !contains(fp.ColumnFlags("PassengerId"), "id_like") {
			t.Errorf("PassengerId flags = %q, want id_like", fp.ColumnFlags("PassengerId"))
		}
		if len(p.Warnings) == 0 {
			t.Error("titanic warnings are empty, want the id-like columns named")
		}
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestUploadDetectsText(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{})
	for _, tt := range []struct {
		file string
		want store.DataType
	}{
		{"sms_spam.csv", store.DataTypeText},
		{"fine_foods_reviews.csv", store.DataTypeText},
		{"titanic.csv", store.DataTypeTabular}, // Name is free text, but short
		{"iris.csv", store.DataTypeTabular},
	} {
		d, err := e.svc.Upload(e.a, &Upload{}, files(csvFile(tt.file, readShared(t, tt.file))))
		if err != nil {
			t.Fatalf("Upload(%s) error: %v", tt.file, err)
		}
		if d.DataType != tt.want {
			t.Errorf("Upload(%s) data type = %s, want %s", tt.file, d.DataType, tt.want)
		}
	}
	// A type given by the caller wins.
	d, err := e.svc.Upload(e.a, &Upload{DataType: store.DataTypeMultimodal}, files(csvFile("iris.csv", readShared(t, "iris.csv"))))
	if err != nil || d.DataType != store.DataTypeMultimodal {
		t.Errorf("Upload(iris.csv, MULTIMODAL) = %v, %v; want MULTIMODAL", d.DataType, err)
	}
}

func TestUploadSeveralFiles(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{})
	train, test := readShared(t, "adult.csv"), readShared(t, "adult_test.csv")
	d, err := e.svc.Upload(e.a, &Upload{DisplayName: "adult"}, files(csvFile("adult.csv", train), csvFile("adult_test.csv", test)))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Files) != 2 || d.NumRows != 32561+16281 || d.SizeBytes != int64(len(train)+len(test)) || d.DisplayName != "adult" {
		t.Errorf("Upload(adult, adult_test) = %d files, %d rows, %d bytes, %q; want 2, %d, %d, adult",
			len(d.Files), d.NumRows, d.SizeBytes, d.DisplayName, 32561+16281, len(train)+len(test))
	}
}

func TestUploadBadFiles(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{})
	tests := []struct {
		name, file, body string
		reason           string
		wantIn           []string
	}{
		{"empty", "a.csv", "", ReasonEmpty, []string{`"a.csv" is empty`}},
		{"blank lines only", "a.csv", "\n\n", ReasonEmpty, []string{"no header"}},
		{"header only", "a.csv", "x,y\n", ReasonNoRows, []string{"no data rows", "add at least one row"}},
		{"ragged", "a.csv", "x,y\n1,2\n3,4,5\n", ReasonRagged, []string{"line 3 (row 2)", "3 fields", "header has 2", "quote values"}},
		{"ragged short", "a.csv", "x,y,z\n1,2,3\n1,2\n", ReasonRagged, []string{"line 3 (row 2) has 2 fields"}},
		{"latin1", "a.csv", "name,city\nJos\xe9,Paris\n", ReasonNotUTF8, []string{"line 2 (row 1)", `column "name"`, "0xe9", "UTF-8"}},
		{"unclosed quote", "a.csv", "x,y\n1,\"oops\n2,3\n", ReasonMalformed, []string{"line 2", "never closed", "close every quoted value"}},
		{"parquet", "a.parquet", "PAR1....", ReasonUnsupported, []string{"Parquet", "convert it to CSV"}},
		{"xlsx", "a.xlsx", "PK\x03\x04", ReasonUnsupported, []string{"spreadsheet", "CSV"}},
		{"fake zip", "a.zip", "hello", ReasonMalformed, []string{"not a zip"}},
	}
	for _, tt := range tests {
		_, err := e.svc.Upload(e.a, &Upload{}, files(csvFile(tt.file, tt.body)))
		if !errors.Is(err, store.ErrInvalidArgument) || ReasonOf(err) != tt.reason {
			t.Errorf("%s: Upload error = %v (reason %q), want InvalidArgument %s", tt.name, err, ReasonOf(err), tt.reason)
			continue
		}
		for _, s := range tt.wantIn {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: message %q lacks %q", tt.name, err.Error(), s)
			}
		}
	}
	if _, err := e.svc.Upload(e.a, &Upload{}, files()); ReasonOf(err) != ReasonNoFiles {
		t.Errorf("Upload(no files) error = %v, want %s", err, ReasonNoFiles)
	}
	// Nothing was left behind: no rows, no blobs.
	ds, _, err := e.svc.List(e.a, store.PageRequest{})
	if err != nil || len(ds) != 0 {
		t.Errorf("List after failed uploads = %d datasets, %v; want none", len(ds), err)
	}
	assertNoBlobs(t, e)
}

// assertNoBlobs fails when any file is left in the blob folder.
func assertNoBlobs(t *testing.T, e *env) {
	t.Helper()
	var left []string
	filepath.WalkDir(filepath.Join(e.dir, "blobs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("blobs left behind: %q", left)
	}
}

func TestUploadSizeLimit(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{MaxBytes: 1000})
	big := "x,y\n" + strings.Repeat("1,2\n", 300) // 1204 bytes
	_, err := e.svc.Upload(e.a, &Upload{}, files(csvFile("big.csv", big)))
	if ReasonOf(err) != ReasonTooLarge || !strings.Contains(err.Error(), "limit of 1 kB") {
		t.Errorf("Upload(1204 bytes, limit 1000) error = %v, want TOO_LARGE naming 1 kB", err)
	}
	// The limit is per dataset: two files of 600 bytes exceed it too.
	half := "x,y\n" + strings.Repeat("1,2\n", 149)
	_, err = e.svc.Upload(e.a, &Upload{}, files(csvFile("a.csv", half), csvFile("b.csv", half)))
	if ReasonOf(err) != ReasonTooLarge {
		t.Errorf("Upload(2 x %d bytes, limit 1000) error = %v, want TOO_LARGE", len(half), err)
	}
	if _, err := e.svc.Upload(e.a, &Upload{}, files(csvFile("a.csv", half))); err != nil {
		t.Errorf("Upload(%d bytes, limit 1000) error = %v, want nil", len(half), err)
	}
	assertBlobCount(t, e, 1)
}

func assertBlobCount(t *testing.T, e *env, want int) {
	t.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(e.dir, "blobs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	if n != want {
		t.Errorf("blob files = %d, want %d", n, want)
	}
}

func TestUploadRequestID(t *testing.T) {
	forEachBackend(t, Options{}, func(t *testing.T, e *env) {
		body := readShared(t, "iris.csv")
		first, err := e.svc.Upload(e.a, &Upload{RequestID: "r1"}, files(csvFile("iris.csv", body)))
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.svc.Upload(e.a, &Upload{RequestID: "r1"}, files(csvFile("iris.csv", body)))
		if err != nil || again.ID != first.ID {
			t.Errorf("second Upload(r1) = %v, %v; want dataset %s", again.ID, err, first.ID)
		}
		// Another user's request id is theirs alone.
		other, err := e.svc.Upload(e.b, &Upload{RequestID: "r1"}, files(csvFile("iris.csv", body)))
		if err != nil || other.ID == first.ID {
			t.Errorf("Upload(r1) by another user = %v, %v; want a new dataset", other.ID, err)
		}
		assertBlobCount(t, e, 2)
	})
}

func TestOwnerIsolationAndDelete(t *testing.T) {
	forEachBackend(t, Options{}, func(t *testing.T, e *env) {
		d, err := e.svc.Upload(e.a, &Upload{}, files(csvFile("penguins.csv", readShared(t, "penguins.csv"))))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Get(e.b, d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(other user's dataset) error = %v, want NotFound", err)
		}
		if _, err := e.svc.Preview(e.b, d.ID, 5); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Preview(other user's dataset) error = %v, want NotFound", err)
		}
		if err := e.svc.Delete(e.b, d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Delete(other user's dataset) error = %v, want NotFound", err)
		}
		if ds, _, _ := e.svc.List(e.b, store.PageRequest{}); len(ds) != 0 {
			t.Errorf("List by another user = %d datasets, want 0", len(ds))
		}
		if err := e.svc.Delete(e.a, d.ID); err != nil {
			t.Fatalf("Delete(own dataset) error = %v", err)
		}
		if _, err := e.svc.Get(e.a, d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get after Delete error = %v, want NotFound", err)
		}
		assertNoBlobs(t, e)
	})
}

func TestPreview(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{SampleBytes: 64 << 10})
	data := readShared(t, "penguins.csv")
	d, err := e.svc.Upload(e.a, &Upload{}, files(csvFile("penguins.csv", data)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Preview(e.a, d.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := frame.Read(context.Background(), strings.NewReader(data), frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fr.Names(), p.Columns); diff != "" {
		t.Errorf("Preview columns differ from ml/frame's (-frame +preview):\n%s", diff)
	}
	all, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := all[1:4]
	for i, row := range want {
		for j := range row {
			if fr.Columns[j].IsMissing(i) {
				row[j] = ""
			}
		}
	}
	if diff := cmp.Diff(want, p.Rows); diff != "" {
		t.Errorf("Preview rows (-want +got):\n%s", diff)
	}
	// Row 4 of penguins has missing cells ("NA"): they come back empty.
	p, _ = e.svc.Preview(e.a, d.ID, 4)
	if p.Rows[3][2] != "" {
		t.Errorf("Preview row 4 bill_length = %q, want \"\" (missing)", p.Rows[3][2])
	}
	if p.Profile.Primary().Rows != 344 {
		t.Errorf("Preview profile rows = %d, want 344", p.Profile.Primary().Rows)
	}
}

func TestSampledProfileCountsEveryRow(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{SampleBytes: 64 << 10})
	data := readShared(t, "california_housing.csv") // 1.4 MB: profiled on the first 64 KiB
	d, err := e.svc.Upload(e.a, &Upload{}, files(csvFile("california_housing.csv", data)))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ProfileOf(d)
	fp := p.Primary()
	if fp.Rows != 20640 || d.NumRows != 20640 || fp.ProfiledRows <= 0 || fp.ProfiledRows >= 20640 {
		t.Errorf("rows = %d (dataset %d), profiled %d; want 20640 and a partial sample", fp.Rows, d.NumRows, fp.ProfiledRows)
	}
	var bedrooms *int
	for i, c := range fp.Columns {
		if c.Name == "total_bedrooms" {
			bedrooms = &fp.Columns[i].Missing
		}
	}
	if bedrooms == nil || *bedrooms != 207 {
		t.Errorf("total_bedrooms missing = %v, want 207 counted over every row", bedrooms)
	}
	if !strings.Contains(strings.Join(p.Warnings, "\n"), "first") {
		t.Errorf("warnings %q do not say the statistics are sampled", p.Warnings)
	}
}

func TestUploadImageZip(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	src := filepath.Join(filepath.Dir(sharedPath(t, "iris.csv")), "fashion_mnist", "train")
	classes, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, c := range classes[:3] {
		imgs, _ := os.ReadDir(filepath.Join(src, c.Name()))
		for _, im := range imgs[:4] {
			b, _ := os.ReadFile(filepath.Join(src, c.Name(), im.Name()))
			w, _ := zw.Create("train/" + c.Name() + "/" + im.Name())
			w.Write(b)
			want++
		}
	}
	w, _ := zw.Create("README.txt")
	w.Write([]byte("images"))
	zw.Close()
	d, err := e.svc.Upload(e.a, &Upload{}, files(File{Name: "fashion.zip", Body: &buf}))
	if err != nil {
		t.Fatal(err)
	}
	if d.DataType != store.DataTypeImage || d.NumRows != int64(want) || !d.Labeled || d.Files[0].ContentType != "application/zip" {
		t.Errorf("Upload(zip) = %s, %d rows, labeled %v, %s; want IMAGE, %d, true, application/zip", d.DataType, d.NumRows, d.Labeled, d.Files[0].ContentType, want)
	}
	p, err := e.svc.Preview(e.a, d.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 2 || p.Rows[0][1] != classes[0].Name() || !cmp.Equal(p.Columns, []string{"path", "label"}) {
		t.Errorf("Preview(zip) = %q %q, want 2 rows labeled %q", p.Columns, p.Rows, classes[0].Name())
	}
	if !strings.Contains(strings.Join(mustProfile(t, d).Warnings, "\n"), "not images") {
		t.Errorf("warnings %q do not mention the README entry", mustProfile(t, d).Warnings)
	}
}

func mustProfile(t *testing.T, d *ent.Dataset) *Profile {
	t.Helper()
	p, err := ProfileOf(d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// failingReader returns n bytes of data, then err.
type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestUploadCutOffLeavesNothing(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{})
	cut := errors.New("connection reset")
	good := csvFile("iris.csv", readShared(t, "iris.csv"))
	_, err := e.svc.Upload(e.a, &Upload{}, files(good, File{Name: "b.csv", Body: &failingReader{data: "x,y\n1,2\n", err: cut}}))
	if !errors.Is(err, cut) {
		t.Errorf("Upload with a body cut off = %v, want %v", err, cut)
	}
	ctx, cancel := context.WithCancel(e.a)
	cancel()
	if _, err := e.svc.Upload(ctx, &Upload{}, files(csvFile("iris.csv", readShared(t, "iris.csv")))); !errors.Is(err, context.Canceled) {
		t.Errorf("Upload with a cancelled context = %v, want context.Canceled", err)
	}
	assertNoBlobs(t, e)
}

func TestUploadTSV(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{})
	tsv := strings.ReplaceAll(readShared(t, "iris.csv"), ",", "\t")
	d, err := e.svc.Upload(e.a, &Upload{}, files(csvFile("iris.tsv", tsv)))
	if err != nil {
		t.Fatal(err)
	}
	if d.NumRows != 150 || d.NumColumns != 5 || d.Files[0].ContentType != "text/tab-separated-values" {
		t.Errorf("Upload(iris.tsv) = %d rows, %d columns, %s; want 150, 5, text/tab-separated-values", d.NumRows, d.NumColumns, d.Files[0].ContentType)
	}
	p, err := e.svc.Preview(e.a, d.ID, 1)
	if err != nil || len(p.Rows) != 1 || len(p.Rows[0]) != 5 {
		t.Errorf("Preview(iris.tsv) = %v, %v; want one row of 5 cells", p, err)
	}
}

func TestDeleteDatasetInUse(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{})
	d, err := e.svc.Upload(e.a, &Upload{}, files(csvFile("iris.csv", readShared(t, "iris.csv"))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.CreateProject(e.a, store.NewProject{DatasetID: d.ID, ProblemDescription: "predict the species"}); err != nil {
		t.Fatal(err)
	}
	err = e.svc.Delete(e.a, d.ID)
	if !errors.Is(err, store.ErrFailedPrecondition) || ReasonOf(err) != ReasonInUse || !strings.Contains(err.Error(), "1 project") {
		t.Errorf("Delete(dataset used by a project) = %v, want FailedPrecondition naming 1 project", err)
	}
	if _, err := e.svc.Get(e.a, d.ID); err != nil {
		t.Errorf("Get after the refused delete = %v, want the dataset", err)
	}
	assertBlobCount(t, e, 1)
}
