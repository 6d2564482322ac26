package main

import (
	"bytes"
	"context"
	"encoding/base64"
	goimage "image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/model"
)

// fashionPictures copies the first n pictures of each class of a fashion_mnist split into dir,
// named class_file, and returns their paths in name order.
func fashionPictures(t *testing.T, split, dir string, n int) []string {
	t.Helper()
	var out []string
	for _, e := range fashionExamples(t, split, n) {
		p := filepath.Join(dir, e.Label+"_"+e.Name)
		if err := os.WriteFile(p, e.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// fashionExamples returns the first n pictures of each class of a fashion_mnist split.
func fashionExamples(t *testing.T, split string, n int) []image.Example {
	t.Helper()
	ex, err := image.ReadFolders(filepath.Join(sharedDataset(t, "fashion_mnist"), split), n)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// fitFashion fits the pixel baseline on a few fashion_mnist pictures of each class.
func fitFashion(t *testing.T) *model.Artifact {
	t.Helper()
	train := fashionExamples(t, "train", 20)
	c, err := image.FitClassifier(context.Background(), train, image.ClassifierParams{SkipNet: true, Seed: 1, Budget: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	art, err := model.NewImage(c, model.Training{Rows: len(train)})
	if err != nil {
		t.Fatal(err)
	}
	return art
}

// addModel records a model of the admin in the store of the serve in dataDir, as a finished
// project does: DEPLOYED with art saved in the blob store when art is given, READY otherwise.
func addModel(t *testing.T, dataDir string, art *model.Artifact, schema *trainyardv1.Model) string {
	t.Helper()
	ctx := context.Background()
	sys := store.SystemContext(ctx)
	st := openStore(t, dataDir)
	admin, err := st.GetOrCreateUser(sys, "admin@example.com", "", store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	vctx := store.WithViewer(ctx, store.Viewer{UserID: admin.ID, Role: store.RoleAdmin})
	ds, err := st.CreateDataset(vctx, store.NewDataset{DisplayName: "pictures.zip", DataType: store.DataTypeImage, NumRows: 200})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.CreateProject(vctx, store.NewProject{DatasetID: ds.ID, ProblemDescription: "classify the pictures"})
	if err != nil {
		t.Fatal(err)
	}
	nm := store.NewModel{ProjectID: p.ID, Learner: "pixels_logistic", State: store.ModelReady}
	if nm.FeatureSchema, err = protojson.Marshal(schema); err != nil {
		t.Fatal(err)
	}
	if art != nil {
		nm.ArtifactKey, nm.State = blob.ModelPrefix(p.ID.String())+"model.json.gz", store.ModelDeployed
		putArtifact(t, dataDir, nm.ArtifactKey, art)
	}
	var id string
	err = st.InTx(sys, func(tx *store.Tx) error {
		m, err := tx.CreateModel(sys, nm)
		if err == nil {
			id = m.ID.String()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// putArtifact saves art at key in the blob store of dataDir.
func putArtifact(t *testing.T, dataDir, key string, art *model.Artifact) {
	t.Helper()
	bl, err := blob.Open(context.Background(), "", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer bl.Close()
	w, err := bl.Create(context.Background(), key, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := art.Save(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// bigPNG writes an uncompressed w×h picture of about 4·w·h bytes.
func bigPNG(t *testing.T, path string, side int) {
	t.Helper()
	img := goimage.NewNRGBA(goimage.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wantLabels predicts each picture file with the artifact itself.
func wantLabels(t *testing.T, art *model.Artifact, paths []string) []string {
	t.Helper()
	out := make([]string, len(paths))
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var d model.Prediction
		if err := art.PredictImage(b, &d); err != nil {
			t.Fatal(err)
		}
		out[i] = d.Label
	}
	return out
}

// TestCLIPredictPictures predicts with a deployed image model from a folder of pictures (more
// than one Predict call's worth of bytes, with other files skipped), from one picture, and
// from a CSV whose image cells are paths or base64: every picture gets the model's own answer,
// in order, and the output names the files. A non-picture, an empty folder and a tabular
// model given a picture are refused with messages that say so.
func TestCLIPredictPictures(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	vars := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config"), "TRAINYARD_WORKERS": "0"}
	_, _, stop := startServe(t, dataDir, vars)
	defer stop()
	c := cliRunner{t, vars}
	art := fitFashion(t)
	id := addModel(t, dataDir, art, &trainyardv1.Model{
		Features: []*trainyardv1.FeatureSpec{{Name: model.ImageInput, Kind: trainyardv1.FeatureKind_FEATURE_KIND_IMAGE}},
		Classes:  art.Classes, ProblemType: trainyardv1.ProblemType_PROBLEM_TYPE_MULTICLASS_CLASSIFICATION,
	})

	// A folder of 20 small pictures and three of 11.6 MB among them: 35 MB in all, more than the
	// server takes in one message, so the pictures go in more than one call.
	photos := filepath.Join(dir, "photos")
	if err := os.MkdirAll(filepath.Join(photos, "raw"), 0o755); err != nil {
		t.Fatal(err)
	}
	pics := fashionPictures(t, "test", photos, 2)
	for _, name := range []string{"a_big.png", "d_big.png", "s_big.png"} {
		bigPNG(t, filepath.Join(photos, name), 1700)
		pics = append(pics, filepath.Join(photos, name))
	}
	sort.Strings(pics)
	if err := os.WriteFile(filepath.Join(photos, "notes.txt"), []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := wantLabels(t, art, pics)
	preds := filepath.Join(dir, "preds.csv")
	_, errOut := c.ok("predict", id, "--input", photos, "--out", preds)
	if !strings.Contains(errOut, "Skipped 2 entries of "+photos+" that are not pictures: notes.txt, raw/") {
		t.Errorf("predict of a folder: stderr does not say which entries were skipped:\n%s", errOut)
	}
	if got := column(t, preds, "image"); !slices.Equal(got, pics) {
		t.Errorf("--out image column = %q, want the picture paths %q", got, pics)
	}
	if got := column(t, preds, "prediction"); !slices.Equal(got, want) {
		t.Errorf("--out predictions = %q, want the model's own %q", got, want)
	}

	// One picture: a line with its path and the label.
	out, _ := c.ok("predict", id, "--input", pics[0])
	if !strings.HasPrefix(out, "   1  "+pics[0]+"  "+want[0]+"  (p=") || strings.Count(out, "\n") != 1 {
		t.Errorf("predict of one picture printed %q, want one line with %s and %s", out, pics[0], want[0])
	}

	// A CSV in another folder: a path relative to it, base64, and a path without a dot.
	sheet := filepath.Join(dir, "sheet")
	if err := os.MkdirAll(sheet, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(pics[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sheet, "shoe"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join("..", "photos", filepath.Base(pics[2]))
	rows := filepath.Join(sheet, "rows.csv")
	csvText := "image\n" + rel + "\n" + base64.StdEncoding.EncodeToString(b) + "\nshoe\n"
	if err := os.WriteFile(rows, []byte(csvText), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _ = c.ok("predict", id, "--input", rows, "--out", preds)
	if got, w := column(t, preds, "prediction"), []string{want[2], want[1], want[1]}; !slices.Equal(got, w) {
		t.Errorf("predict of a CSV of paths and base64 = %q, want %q", got, w)
	}
	if got := column(t, preds, "image"); got[0] != rel || got[2] != "shoe" {
		t.Errorf("--out image column = %q, want the cells as written", got)
	}

	tabular := addModel(t, dataDir, nil, &trainyardv1.Model{Features: []*trainyardv1.FeatureSpec{
		{Name: "tenure", Kind: trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC}, {Name: "plan", Kind: trainyardv1.FeatureKind_FEATURE_KIND_CATEGORICAL},
	}})
	fake := filepath.Join(dir, "fake.png")
	if err := os.WriteFile(fake, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		model string
		input string
		want  string
	}{
		{"not a picture", id, fake, fake + " is not a PNG, JPEG, GIF or WebP picture"},
		{"empty folder", id, empty, empty + " is an empty folder"},
		{"tabular model", tabular, pics[0], "model " + tabular + " takes rows with the columns tenure, plan: give --input a CSV or JSON file"},
	} {
		code, out, errOut := c.run("predict", tc.model, "--input", tc.input)
		if code != 1 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: predict = exit %d, stdout %q, stderr %q; want exit 1 with %q", tc.name, code, out, errOut, tc.want)
		}
	}
}

// TestPredictHint: the command printed after training takes a picture for an image model and a
// CSV of the input columns otherwise.
func TestPredictHint(t *testing.T) {
	for _, tc := range []struct {
		kind trainyardv1.FeatureKind
		want string
	}{
		{trainyardv1.FeatureKind_FEATURE_KIND_IMAGE, "trainyard predict m1 --input photo.png\n  (or a folder of pictures"},
		{trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC, "trainyard predict m1 --input rows.csv\n  (rows.csv has the columns image)"},
	} {
		var b strings.Builder
		printPredictHint(&b, &trainyardv1.Model{Id: "m1", Features: []*trainyardv1.FeatureSpec{{Name: "image", Kind: tc.kind}}})
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("hint for a %v input = %q, want %q", tc.kind, b.String(), tc.want)
		}
	}
}
