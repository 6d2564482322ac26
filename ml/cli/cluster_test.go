package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/ml/datasets"
)

// purity is the share of rows whose cluster's most common label is their own label.
func purity(clusters, labels []string) float64 {
	counts := map[string]map[string]int{}
	for i, c := range clusters {
		if counts[c] == nil {
			counts[c] = map[string]int{}
		}
		counts[c][labels[i]]++
	}
	ok := 0
	for _, m := range counts {
		best := 0
		for _, n := range m {
			best = max(best, n)
		}
		ok += best
	}
	return float64(ok) / float64(len(labels))
}

// column returns a column of a CSV (header row first) by name.
func column(t *testing.T, rows [][]string, name string) []string {
	t.Helper()
	j := -1
	for i, h := range rows[0] {
		if h == name {
			j = i
		}
	}
	if j < 0 {
		t.Fatalf("no column %q in %v", name, rows[0])
	}
	out := make([]string, 0, len(rows)-1)
	for _, r := range rows[1:] {
		out = append(out, r[j])
	}
	return out
}

// TestClusterIris groups iris flowers without their species: one cluster id per row in order,
// k chosen by silhouette, clusters that mostly agree with the species when k is 3, and a
// summary with sizes and feature ranges.
func TestClusterIris(t *testing.T) {
	data := datasets.MustPath(t, "iris.csv")
	species := column(t, readCSV(t, data), "species")
	dir := t.TempDir()
	out := filepath.Join(dir, "clusters.csv")
	stdout, stderr, err := run(t, "cluster", "--data", data, "--drop", "species", "--k", "3", "--out", out)
	if err != nil {
		t.Fatalf("cluster = %v\n%s", err, stderr)
	}
	got := column(t, readCSV(t, out), "cluster")
	if len(got) != len(species) {
		t.Fatalf("cluster wrote %d ids, want one per row (%d)", len(got), len(species))
	}
	if p := purity(got, species); p < 0.8 {
		t.Errorf("purity of 3 clusters against the species = %.3f, want at least 0.8", p)
	}
	for _, want := range []string{"3 clusters of 150 rows", "cluster 0:", "cluster 2:", "sd from all rows", "petal"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, err = run(t, "cluster", "--data", data, "--drop", "species", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "k chosen by silhouette") || !strings.Contains(stdout, "k=10") {
		t.Errorf("--k auto summary does not report the silhouette of each k:\n%s", stdout)
	}
	if _, _, err := run(t, "cluster", "--data", data, "--k", "zero", "--out", out); !errors.As(err, new(UsageError)) {
		t.Errorf("cluster --k zero = %v, want a usage error", err)
	}
}

// TestClusterText groups short messages by their words: two clusters, each described by its
// top terms.
func TestClusterText(t *testing.T) {
	rows := readCSV(t, datasets.MustPath(t, "sms_spam.csv"))
	dir := t.TempDir()
	data := filepath.Join(dir, "sms.csv")
	var b strings.Builder
	b.WriteString("text,label\n")
	for _, r := range rows[1:1201] {
		b.WriteString(`"` + strings.ReplaceAll(r[0], `"`, `""`) + `",` + r[1] + "\n")
	}
	if err := os.WriteFile(data, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "clusters.csv")
	stdout, stderr, err := run(t, "cluster", "--data", data, "--drop", "label", "--k", "2", "--out", out)
	if err != nil {
		t.Fatalf("cluster = %v\n%s", err, stderr)
	}
	got := column(t, readCSV(t, out), "cluster")
	if len(got) != 1200 {
		t.Fatalf("cluster wrote %d ids, want 1200", len(got))
	}
	if n := strings.Count(stdout, "top terms of text: "); n != 2 {
		t.Errorf("summary has %d top-term lines, want 2:\n%s", n, stdout)
	}
	t.Log(stdout)
}
