package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/trainyard/trainyard/agents/decision"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/cluster"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/text"
)

// Cluster proposal settings.
const (
	// clustersKey names the stored cluster of every row, for applying the owner's names.
	clustersKey = "clusters.json"
	// minClusters and maxClusters bound the k tried.
	minClusters, maxClusters = 2, 6
	// kmeansMaxRows: larger data is clustered on a sample of this many rows.
	kmeansMaxRows = 20000
	// weakSilhouette: below it no k separates the rows clearly.
	weakSilhouette = 0.1
	// silhouetteSample is how many rows score each k.
	silhouetteSample = 600
	// examplesPerCluster: rows shown per cluster; sampleRows: rows offered for labeling one by
	// one, spread over the clusters (enough for self-training once labeled).
	examplesPerCluster, sampleRows = 5, 2 * minSemiLabeled
	// maxShownColumns and maxValueRunes bound what an example row shows.
	maxShownColumns, maxValueRunes = 12, 200
)

// clusterState is the clustering the labeling task shows.
type clusterState struct {
	Assign []int `json:"assign"`
	K      int   `json:"k"`
}

// askOwner proposes clusters of the rows and stops in AWAITING_APPROVAL with a labeling task:
// the owner names clusters or labels rows through ApproveProject. Nothing is labeled here.
func (p *Pipeline) askOwner(ctx context.Context, r *run, out *outcome, ds *dataState, f *frame.Frame, ls *labelSet, why string) (*outcome, error) {
	feats, err := buildLabelFeatures(f, ds)
	if err != nil {
		return nil, err
	}
	r.progress(0.4, -1, "clustering the rows for the owner to name", true)
	known := classList(ls, ls.rows(sourceGiven, sourceOwner))
	scores, err := chooseK(ctx, feats.X, known, p.opts.Seed)
	if err != nil {
		return nil, err
	}
	best := scores[0]
	res := best.res
	if err := p.putJSON(ctx, stateKey(r.proj.ID, clustersKey), clusterState{Assign: res.Assign, K: best.k}); err != nil {
		return nil, err
	}
	task := p.labelingTask(f, ds, ls, feats, res, known, best.k)
	if prev := storedTask(r.proj.LabelingTask); prev != nil {
		task.ClusterLabels, task.RowLabels = prev.GetClusterLabels(), prev.GetRowLabels()
	}
	task.Instructions = why + ". " + task.Instructions
	raw := protoJSON(task)
	if raw == nil {
		return nil, fmt.Errorf("encode the labeling task")
	}
	alts := make([]decision.Alternative, 0, len(scores))
	for _, s := range scores {
		alts = append(alts, alt(fmt.Sprintf("k=%d", s.k), s.silhouette, fmt.Sprintf("silhouette %.3f on %d sampled rows", s.silhouette, s.sampled)))
	}
	sizes := make([]int, best.k)
	for _, a := range res.Assign {
		sizes[a]++
	}
	ev := map[string]any{"rows": ds.Rows, "labeled_rows": len(ls.rows(sourceGiven, sourceOwner)), "known_classes": known, "k": best.k,
		"cluster_sizes": sizes, "method": task.GetMethod(), "inputs": feats.Inputs, "sample_rows": len(task.GetSampleRows())}
	out.decide(p.ruled(typeLabeling, fmt.Sprintf("ask the owner to name %d clusters or label %d sample rows", best.k, len(task.GetSampleRows())),
		fmt.Sprintf("%s. The rows were grouped by %s; %s. Each cluster is shown with its size, what sets it apart and example rows. No label is made up: training continues only with the names or labels the owner gives.",
			why, task.GetMethod(), kWhy(best)),
		alts, ev))
	out.next = store.StageAwaitingApproval
	out.changes.LabelingTask = raw
	out.message = fmt.Sprintf("waiting for labels: name %d clusters or label sample rows", best.k)
	out.logs = append(out.logs, out.message)
	return out, nil
}

// kWhy says why k was chosen.
func kWhy(s kScore) string {
	if s.silhouette < weakSilhouette {
		return fmt.Sprintf("no number of clusters separates them clearly (best silhouette below %.1f), so the most clusters tried, k=%d, keep different groups apart and mixed clusters can be left unnamed", weakSilhouette, s.k)
	}
	return fmt.Sprintf("k=%d separates them best (silhouette %.3f)", s.k, s.silhouette)
}

// kScore is one k tried.
type kScore struct {
	k          int
	silhouette float64
	sampled    int
	res        *cluster.Result
}

// chooseK runs k-means for k in [minClusters, maxClusters] (and the number of known classes)
// and orders them by the silhouette on a sample, best first.
func chooseK(ctx context.Context, x *text.CSR, known []string, seed uint64) ([]kScore, error) {
	ks := []int{}
	for k := minClusters; k <= maxClusters && k < x.Rows; k++ {
		ks = append(ks, k)
	}
	if n := len(known); n > maxClusters && n < x.Rows {
		ks = append(ks, n)
	}
	if len(ks) == 0 {
		return nil, userErrorf([]string{"Upload more rows"}, "%d rows are too few to group", x.Rows)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	sample := rng.Perm(x.Rows)[:min(silhouetteSample, x.Rows)]
	slices.Sort(sample)
	dist := pairwise(x, sample)
	// Large data is clustered on a sample; every row then joins its nearest centroid.
	fit, fitRows := x, []int(nil)
	if x.Rows > kmeansMaxRows {
		fitRows = rng.Perm(x.Rows)[:kmeansMaxRows]
		slices.Sort(fitRows)
		fit = x.SelectRows(fitRows)
	}
	var out []kScore
	for _, k := range ks {
		res, err := cluster.KMeans(ctx, fit, k, cluster.Params{Seed: seed})
		if err != nil {
			return nil, err
		}
		if fitRows != nil {
			res = cluster.Assign(x, res.Centroids)
		}
		assign := make([]int, len(sample))
		for i, r := range sample {
			assign[i] = res.Assign[r]
		}
		out = append(out, kScore{k: k, silhouette: round3(silhouette(dist, assign, k)), sampled: len(sample), res: res})
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].silhouette > out[b].silhouette })
	if out[0].silhouette < weakSilhouette {
		// No k stands out (sparse text scores near zero for every k): take the most clusters,
		// so groups that belong to different classes are less likely to share one; the owner
		// can leave mixed clusters unnamed.
		sort.SliceStable(out, func(a, b int) bool { return out[a].k > out[b].k })
	}
	return out, nil
}

// pairwise returns the Euclidean distances between the given rows of x, from sparse dot
// products (‖a−b‖² = ‖a‖² + ‖b‖² − 2a·b).
func pairwise(x *text.CSR, rows []int) [][]float64 {
	norms := make([]float64, len(rows))
	for k, r := range rows {
		_, v := x.Row(r)
		for _, a := range v {
			norms[k] += float64(a) * float64(a)
		}
	}
	d := make([][]float64, len(rows))
	for i := range rows {
		d[i] = make([]float64, len(rows))
	}
	scratch := make([]float64, x.Cols)
	for i, ri := range rows {
		idx, val := x.Row(ri)
		for k, c := range idx {
			scratch[c] = float64(val[k])
		}
		for j := i + 1; j < len(rows); j++ {
			jdx, jval := x.Row(rows[j])
			var dot float64
			for k, c := range jdx {
				dot += scratch[c] * float64(jval[k])
			}
			d[i][j] = math.Sqrt(max(0, norms[i]+norms[j]-2*dot))
			d[j][i] = d[i][j]
		}
		for _, c := range idx {
			scratch[c] = 0
		}
	}
	return d
}

// silhouette is the mean silhouette of an assignment given pairwise distances.
func silhouette(dist [][]float64, assign []int, k int) float64 {
	var total float64
	for i := range assign {
		sum := make([]float64, k)
		cnt := make([]int, k)
		for j := range assign {
			if j != i {
				sum[assign[j]] += dist[i][j]
				cnt[assign[j]]++
			}
		}
		own := assign[i]
		if cnt[own] == 0 {
			continue // a singleton scores 0
		}
		a := sum[own] / float64(cnt[own])
		b := math.Inf(1)
		for c := range k {
			if c != own && cnt[c] > 0 {
				b = min(b, sum[c]/float64(cnt[c]))
			}
		}
		if math.IsInf(b, 1) {
			continue
		}
		total += (b - a) / max(a, b)
	}
	return total / float64(max(1, len(assign)))
}

// labelingTask describes the clusters for the owner: size, top terms or distinctive feature
// ranges, rows nearest the centre, and sample rows to label one by one.
func (p *Pipeline) labelingTask(f *frame.Frame, ds *dataState, ls *labelSet, feats *labelFeatures, res *cluster.Result, known []string, k int) *trainyardv1.LabelingTask {
	shown := feats.Inputs[:min(maxShownColumns, len(feats.Inputs))]
	method := fmt.Sprintf("k-means (k=%d) over %d standardized features of %s", k, len(feats.Names), strings.Join(feats.Inputs, ", "))
	if len(feats.Terms) > 0 {
		method = fmt.Sprintf("k-means (k=%d) over TF-IDF of %s (%d terms)", k, strings.Join(feats.Docs, ", "), len(feats.Terms))
		if len(feats.Names) > 0 {
			method += fmt.Sprintf(" and %d other features", len(feats.Names))
		}
	}
	task := &trainyardv1.LabelingTask{
		State: trainyardv1.LabelingTaskState_LABELING_TASK_STATE_OPEN, TargetColumn: ds.Target,
		TotalRows: int64(ds.Rows), LabeledRows: int64(len(ls.rows(sourceGiven, sourceOwner))), KnownClasses: known,
		Method: method, Columns: shown,
		Instructions: fmt.Sprintf("Name each cluster with the %s its rows share (clusters that mix classes can be left out), or label the sample rows one by one; at least two different labels are needed. Rows of unnamed clusters are not trained on.", ds.Target),
	}
	var ranges [][]cluster.FeatureRange
	overall := map[string]float64{}
	if len(feats.Names) > 0 {
		ranges = cluster.Ranges(feats.Raw, feats.Names, res.Assign, k, 4)
		for j, name := range feats.Names {
			var s float64
			for _, row := range feats.Raw {
				s += row[j]
			}
			overall[name] = s / float64(max(1, len(feats.Raw)))
		}
	}
	members := make([][]int, k)
	for i, a := range res.Assign {
		members[a] = append(members[a], i)
	}
	rng := rand.New(rand.NewPCG(p.opts.Seed, 11))
	order := make([]int, k)
	for c := range order {
		order[c] = c
	}
	sort.SliceStable(order, func(a, b int) bool { return len(members[order[a]]) > len(members[order[b]]) })
	for _, c := range order {
		rows := members[c]
		lc := &trainyardv1.LabelingCluster{Id: int32(c), Size: int64(len(rows)), SuggestedLabel: majorityLabel(ls, rows)}
		if len(feats.Terms) > 0 {
			lc.TopTerms = topTerms(res.Centroids[c][len(feats.Names):], feats.Terms, 8)
		}
		if ranges != nil {
			for _, fr := range ranges[c] {
				lc.FeatureRanges = append(lc.FeatureRanges, &trainyardv1.FeatureRange{
					Feature: fr.Name, Min: fr.Min, Max: fr.Max, Mean: fr.Mean, OverallMean: overall[fr.Name], Z: round3(fr.Z),
					Description: rangeText(fr, overall[fr.Name]),
				})
			}
		}
		near := nearest(feats.X, rows, res.Centroids[c])
		for _, i := range near[:min(examplesPerCluster, len(near))] {
			lc.Examples = append(lc.Examples, labelingRow(f, shown, i, c))
		}
		rest := slices.Clone(near[min(examplesPerCluster, len(near)):])
		rng.Shuffle(len(rest), func(a, b int) { rest[a], rest[b] = rest[b], rest[a] })
		pick := rest[:min((sampleRows+k-1)/k, len(rest))]
		slices.Sort(pick)
		for _, i := range pick {
			task.SampleRows = append(task.SampleRows, labelingRow(f, shown, i, c))
		}
		task.Clusters = append(task.Clusters, lc)
	}
	return task
}

// nearest orders rows by their distance to a centroid, nearest first.
func nearest(x *text.CSR, rows []int, cent []float64) []int {
	var cn float64
	for _, c := range cent {
		cn += c * c
	}
	d := make(map[int]float64, len(rows))
	for _, i := range rows {
		idx, val := x.Row(i)
		var xn, dot float64
		for k, c := range idx {
			v := float64(val[k])
			xn += v * v
			dot += v * cent[c]
		}
		d[i] = xn - 2*dot + cn
	}
	out := slices.Clone(rows)
	sort.SliceStable(out, func(a, b int) bool { return d[out[a]] < d[out[b]] })
	return out
}

// topTerms returns the n terms with the largest weight in a centroid's TF-IDF part.
func topTerms(cent []float64, terms []string, n int) []string {
	idx := make([]int, 0, len(cent))
	for j := range cent {
		if j < len(terms) && cent[j] > 0 {
			idx = append(idx, j)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return cent[idx[a]] > cent[idx[b]] })
	var out []string
	for _, j := range idx[:min(n, len(idx))] {
		out = append(out, terms[j])
	}
	return out
}

// rangeText says in words what sets a feature apart in a cluster.
func rangeText(fr cluster.FeatureRange, overall float64) string {
	if strings.Contains(fr.Name, "=") || strings.HasSuffix(fr.Name, " missing") {
		return fmt.Sprintf("%s: %.0f%% of the cluster (all rows: %.0f%%)", fr.Name, 100*fr.Mean, 100*overall)
	}
	return fmt.Sprintf("%s %s to %s, mean %s (all rows: %s)", fr.Name, frame.FormatNumber(round3(fr.Min)), frame.FormatNumber(round3(fr.Max)),
		frame.FormatNumber(round3(fr.Mean)), frame.FormatNumber(round3(overall)))
}

// labelingRow shows one row.
func labelingRow(f *frame.Frame, cols []string, i, c int) *trainyardv1.LabelingRow {
	lr := &trainyardv1.LabelingRow{Row: int64(i), ClusterId: int32(c), Values: map[string]string{}}
	for _, name := range cols {
		col := f.Col(name)
		if col == nil || col.Missing[i] {
			continue
		}
		v := col.Value(i)
		if r := []rune(v); len(r) > maxValueRunes {
			v = string(r[:maxValueRunes]) + "…"
		}
		lr.Values[name] = v
	}
	return lr
}

// majorityLabel is the most common real label among rows, "" when none has one.
func majorityLabel(ls *labelSet, rows []int) string {
	counts := map[string]int{}
	for _, i := range rows {
		if ls.Source[i] == sourceGiven || ls.Source[i] == sourceOwner {
			counts[ls.Values[i]]++
		}
	}
	best := ""
	for v, n := range counts {
		if best == "" || n > counts[best] || (n == counts[best] && v < best) {
			best = v
		}
	}
	return best
}

// storedTask decodes a project's labeling task (nil when none).
func storedTask(raw json.RawMessage) *trainyardv1.LabelingTask {
	var t trainyardv1.LabelingTask
	if len(raw) == 0 || string(raw) == "null" || fromProtoJSON(raw, &t) != nil || t.GetState() == trainyardv1.LabelingTaskState_LABELING_TASK_STATE_UNSPECIFIED {
		return nil
	}
	return &t
}

// applyOwnerLabels applies an answered labeling task: rows the owner labeled take that label
// (over a label in the data), and rows of a named cluster without a label take the cluster's
// name. The answer is recorded as a decision.
func (p *Pipeline) applyOwnerLabels(ctx context.Context, r *run, out *outcome, ls *labelSet, task *trainyardv1.LabelingTask) error {
	overridden := 0
	for row, label := range task.GetRowLabels() {
		if row < 0 || int(row) >= len(ls.Values) {
			continue
		}
		if ls.Source[row] == sourceGiven && ls.Values[row] != label {
			overridden++
		}
		ls.set(int(row), label, sourceOwner)
	}
	named := map[string]int{}
	if names := task.GetClusterLabels(); len(names) > 0 {
		var cs clusterState
		if err := p.getJSON(ctx, stateKey(r.proj.ID, clustersKey), &cs); err != nil {
			return fmt.Errorf("clusters of the labeling task: %w", err)
		}
		if len(cs.Assign) != len(ls.Values) {
			return fmt.Errorf("clusters of the labeling task cover %d rows, the data has %d", len(cs.Assign), len(ls.Values))
		}
		for i, c := range cs.Assign {
			label, ok := names[int32(c)]
			if ok && ls.Source[i] == sourceNone {
				ls.set(i, label, sourceCluster)
				named[label]++
			}
		}
	}
	ev := map[string]any{"rows_labeled": len(task.GetRowLabels()), "given_labels_overridden": overridden,
		"clusters_named": len(task.GetClusterLabels()), "rows_from_named_clusters": named}
	out.decide(p.ruled(typeLabeling, fmt.Sprintf("apply the owner's labels: %d rows labeled, %d clusters named", len(task.GetRowLabels()), len(task.GetClusterLabels())),
		"The owner answered the labeling task. Rows labeled one by one count as real labels; rows of a named cluster take its name unless they carry a label of their own. Clusters left unnamed stay unlabeled.",
		[]decision.Alternative{alt("apply the owner's labels", 1, "the owner knows the classes"), alt("ignore them", 0, "labels would be invented")}, ev))
	return nil
}
