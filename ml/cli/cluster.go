package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/trainyard/trainyard/ml/cluster"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/text"
)

// clusterFeatures is the encoding `ml cluster` groups rows by: a TF-IDF block per text column
// (each row of unit length) and one block of the numeric, boolean and categorical columns
// (z-scores and one-hot levels), scaled so that a row's block has about unit length too, so
// no block dominates the distances.
type clusterFeatures struct {
	x *text.CSR
	// textCols are the text columns and the first column of each block in x.
	textCols  []string
	textStart []int
	vecs      []*text.Vectorizer
	// dense are the numeric columns (raw values, for describing clusters) and their names.
	dense      [][]float64
	denseNames []string
	// categorical columns one-hot encoded into the dense block.
	categorical []string
}

// maxClusterLevels is the most levels a categorical column may have to be one-hot encoded.
const maxClusterLevels = 30

// encodeForClusters builds the features from f, leaving out the columns in drop.
func encodeForClusters(f *frame.Frame, drop []string) (*clusterFeatures, error) {
	n := f.NRows()
	cf := &clusterFeatures{}
	var block [][]float64 // columns of the dense block, standardized
	for _, c := range f.Columns {
		if slices.Contains(drop, c.Name) {
			continue
		}
		switch {
		case c.Kind == frame.Text:
			cfg := text.Config{WordMin: 1, WordMax: 2, Sublinear: true, MinDF: 2, MaxFeatures: 50000}
			if n < 50 {
				cfg.MinDF = 1
			}
			v, err := text.Fit(cfg, c.Str)
			if err != nil {
				continue // no terms: nothing to group by
			}
			x := v.Transform(c.Str)
			if cf.x == nil {
				cf.textStart = append(cf.textStart, 0)
				cf.x = x
			} else {
				cf.textStart = append(cf.textStart, cf.x.Cols)
				cf.x = text.HStack(cf.x, x)
			}
			cf.textCols, cf.vecs = append(cf.textCols, c.Name), append(cf.vecs, v)
		case c.Kind == frame.Numeric || c.Kind == frame.Boolean:
			cf.dense, cf.denseNames = append(cf.dense, c.Num), append(cf.denseNames, c.Name)
			block = append(block, standardize(c.Num))
		case c.Kind == frame.Categorical:
			levels, codes := c.Levels()
			if len(levels) > maxClusterLevels || len(levels) < 2 {
				continue
			}
			cf.categorical = append(cf.categorical, c.Name)
			for l := range levels {
				col := make([]float64, n)
				for i, code := range codes {
					if int(code) == l && !c.Missing[i] {
						col[i] = 1
					}
				}
				block = append(block, col)
			}
		}
	}
	if len(block) > 0 {
		s := 1 / math.Sqrt(float64(len(block)))
		rows := make([][]float64, n)
		for i := range rows {
			r := make([]float64, len(block))
			for j, col := range block {
				r[j] = col[i] * s
			}
			rows[i] = r
		}
		d := text.FromDense(rows)
		d.Cols = len(block)
		if cf.x == nil {
			cf.x = d
		} else {
			cf.x = text.HStack(cf.x, d)
		}
	}
	if cf.x == nil || cf.x.Cols == 0 {
		return nil, fmt.Errorf("no column to group rows by: want text, numeric, boolean or categorical columns (with at most %d levels)", maxClusterLevels)
	}
	return cf, nil
}

// standardize returns z-scores of v; missing values (NaN) get 0, the mean.
func standardize(v []float64) []float64 {
	var s, ss, n float64
	for _, x := range v {
		if !math.IsNaN(x) {
			s += x
			n++
		}
	}
	out := make([]float64, len(v))
	if n == 0 {
		return out
	}
	mean := s / n
	for _, x := range v {
		if !math.IsNaN(x) {
			ss += (x - mean) * (x - mean)
		}
	}
	sd := math.Sqrt(ss / n)
	for i, x := range v {
		if !math.IsNaN(x) && sd > 0 {
			out[i] = (x - mean) / sd
		}
	}
	return out
}

func runCluster(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("ml cluster", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	data := fs.String("data", "", "a CSV or TSV file with a header row")
	kFlag := fs.String("k", "auto", "the number of clusters, or auto (2 to 10, by silhouette)")
	out := fs.String("out", "", "where to write the cluster of each row (CSV, one column \"cluster\", rows in input order)")
	drop := fs.String("drop", "", "comma-separated columns to leave out (a label, an identifier)")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := parse(fs, args, "data", "out"); err != nil {
		return err
	}
	k := 0
	if *kFlag != "auto" {
		v, err := strconv.Atoi(*kFlag)
		if err != nil || v < 1 {
			return usagef("--k %q: want a positive number or auto", *kFlag)
		}
		k = v
	}
	f, err := frame.ReadFile(ctx, *data, frame.ReadOptions{ReplaceInvalidUTF8: true})
	if err != nil {
		return err
	}
	var dropCols []string
	for _, c := range strings.Split(*drop, ",") {
		if c = strings.TrimSpace(c); c != "" {
			if f.Col(c) == nil {
				return usagef("--drop %q: no such column (columns: %s)", c, strings.Join(f.Names(), ", "))
			}
			dropCols = append(dropCols, c)
		}
	}
	cf, err := encodeForClusters(f, dropCols)
	if err != nil {
		return err
	}
	if k > cf.x.Rows {
		return usagef("--k %d: the data has only %d rows", k, cf.x.Rows)
	}
	var scores map[int]float64
	if k == 0 {
		k, scores, err = chooseK(ctx, cf.x, *seed)
		if err != nil {
			return err
		}
	}
	res, err := cluster.KMeans(ctx, cf.x, k, cluster.Params{Seed: *seed})
	if err != nil {
		return err
	}
	if err := writeClusters(*out, res.Assign); err != nil {
		return err
	}
	return writeClusterSummary(io, cf, res, scores)
}

// writeClusters writes one cluster id per row, in order, under a "cluster" header.
func writeClusters(path string, assign []int) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(fh)
	fmt.Fprintln(w, "cluster")
	for _, c := range assign {
		fmt.Fprintln(w, c)
	}
	if err := w.Flush(); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// writeClusterSummary prints the sizes and what sets each cluster apart: the top terms of each
// text column and the numeric columns whose cluster mean lies furthest from the overall one.
func writeClusterSummary(io IO, cf *clusterFeatures, res *cluster.Result, scores map[int]float64) error {
	k := len(res.Sizes)
	if scores != nil {
		ks := make([]int, 0, len(scores))
		for c := range scores {
			ks = append(ks, c)
		}
		slices.Sort(ks)
		var parts []string
		for _, c := range ks {
			parts = append(parts, fmt.Sprintf("k=%d %.3f", c, scores[c]))
		}
		fmt.Fprintf(io.Stdout, "k chosen by silhouette: %d (%s)\n", k, strings.Join(parts, ", "))
	}
	fmt.Fprintf(io.Stdout, "%d clusters of %d rows\n", k, len(res.Assign))
	terms := make([][][]string, len(cf.vecs))
	for t, v := range cf.vecs {
		sub := &cluster.Result{Centroids: make([][]float64, k)}
		for c, cent := range res.Centroids {
			sub.Centroids[c] = cent[cf.textStart[t] : cf.textStart[t]+v.NumFeatures()]
		}
		terms[t] = cluster.TopTerms(sub, v.Terms, 8)
	}
	var ranges [][]cluster.FeatureRange
	if len(cf.dense) > 0 {
		rows := make([][]float64, len(res.Assign))
		for i := range rows {
			r := make([]float64, len(cf.dense))
			for j, col := range cf.dense {
				r[j] = col[i]
			}
			rows[i] = r
		}
		ranges = cluster.Ranges(rows, cf.denseNames, res.Assign, k, 3)
	}
	for c := range k {
		fmt.Fprintf(io.Stdout, "cluster %d: %d rows (%.1f%%)\n", c, res.Sizes[c], 100*float64(res.Sizes[c])/float64(len(res.Assign)))
		for t, name := range cf.textCols {
			fmt.Fprintf(io.Stdout, "  top terms of %s: %s\n", name, strings.Join(terms[t][c], ", "))
		}
		if ranges != nil {
			for _, fr := range ranges[c] {
				fmt.Fprintf(io.Stdout, "  %s: %s to %s, mean %s (%+.1f sd from all rows)\n", fr.Name, formatFloat(round4(fr.Min)), formatFloat(round4(fr.Max)), formatFloat(round4(fr.Mean)), fr.Z)
			}
		}
	}
	return nil
}

func round4(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	p := math.Pow(10, 4-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}
