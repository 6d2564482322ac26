package analyze

import (
	"encoding/csv"
	"fmt"
	"github.com/trainyard/trainyard/ml/datasets"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// everydayWords are column names of the shared datasets that are also plain
// English the analyzer needs to read descriptions. Each is allowed in
// string literals for the reason given; any other column or dataset name
// found in agents/ code fails TestNoDatasetNames.
var everydayWords = map[string]string{
	"label":   "generic name of a target column (label/target/class/y are evidence of a target)",
	"labels":  "plural of label, and a prediction cue ('labels for each row')",
	"type":    "generic name of a target column, and a synonym of kind",
	"text":    "the API's name for free-text data and the field SuccessCriterion.text",
	"split":   "verb that asks for classes ('split them into groups')",
	"female":  "common class value skipped when matching values, like yes/no",
	"wine":    "everyday word of the food and drink domain",
	"churn":   "everyday synonym of leaving a service",
	"income":  "everyday synonym of earnings",
	"digit":   "everyday synonym of number/numeral",
	"all":     "function word (stop word)",
	"our":     "function word (stop word)",
	"over":    "function word (stop word)",
	"will":    "function word (stop word) and a prediction cue",
	"you":     "function word (stop word)",
	"your":    "function word (stop word)",
	"make":    "function word (stop word)",
	"people":  "function word (stop word)",
	"data":    "function word (stop word): 'this data'",
	"table":   "function word (stop word): 'this table'",
	"path":    "generic word for a file location (image datasets list their files by path)",
	"project": "verb that asks for a prediction ('project next year's sales')",
}

// datasetNames returns the shared datasets' file names (without extension)
// and the column names of every CSV among them, lowercased.
func datasetNames(t *testing.T) (files, columns []string) {
	t.Helper()
	dir, err := datasets.Dir()
	if err != nil {
		t.Skipf("shared datasets not found: %v", err)
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".csv") {
			return err
		}
		files = append(files, strings.ToLower(strings.TrimSuffix(d.Name(), ".csv")))
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		header, err := csv.NewReader(f).Read()
		if err != nil {
			return err
		}
		for _, h := range header {
			columns = append(columns, strings.ToLower(h))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(columns)
	return files, slices.Compact(columns)
}

// TestNoDatasetNames fails when a non-test Go file under agents/ names a
// shared dataset or one of its columns in a string literal (a single-word
// name as the whole literal, as the analyzer's word lists would hold it; a
// multi-word name such as a_b or aB anywhere in it, whatever the case or
// separators), or names a multi-word column in a comment. The analyzer must find targets by reading, not by
// knowing the datasets.
func TestNoDatasetNames(t *testing.T) {
	files, columns := datasetNames(t)
	if len(columns) < 100 {
		t.Fatalf("found only %d column names; is the datasets folder complete?", len(columns))
	}
	var single, multi []string
	for _, c := range append(columns, files...) {
		if len(splitName(c)) > 1 || strings.ContainsAny(c, "_.") {
			multi = append(multi, normName(c))
		} else if _, ok := everydayWords[c]; !ok {
			single = append(single, c)
		}
	}
	for w := range everydayWords {
		if !slices.Contains(columns, w) && !slices.Contains(files, w) {
			t.Errorf("everydayWords lists %q, which is no column or dataset name; remove it", w)
		}
	}
	// The detector itself must catch a hard-coded name.
	probe := []byte("package p\n// reads " + multi[0] + "\nvar x = []string{\"" + strings.ToUpper(single[0]) + "\"}\n")
	if hits := nameHits("probe.go", probe, single, multi); len(hits) != 2 {
		t.Errorf("nameHits(probe) = %q, want a hit in the comment and one in the literal", hits)
	}
	root, _ := filepath.Abs("..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for _, h := range nameHits(path, src, single, multi) {
			t.Error(h)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Errorf("checked only %d files under %s", checked, root)
	}
}

// nameHits scans one Go file's string literals and comments for dataset
// names and describes each hit.
func nameHits(path string, src []byte, single, multi []string) []string {
	var hits []string
	fset := token.NewFileSet()
	file := fset.AddFile(path, -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, scanner.ScanComments)
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok != token.STRING && tok != token.COMMENT {
			continue
		}
		text := lit
		if tok == token.STRING {
			if u, err := strconv.Unquote(lit); err == nil {
				text = u
			}
			if w := strings.ToLower(strings.TrimSpace(text)); slices.Contains(single, w) {
				hits = append(hits, fmt.Sprintf("%s: string literal %q names dataset column or file %q", fset.Position(pos), text, w))
			}
		}
		norm := normName(text)
		for _, m := range multi {
			if len(m) >= 4 && strings.Contains(norm, m) {
				hits = append(hits, fmt.Sprintf("%s: %s names dataset column or file %q", fset.Position(pos), tok, m))
			}
		}
	}
	return hits
}
