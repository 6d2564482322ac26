package pipeline

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

// dataKey names the DataProcessor's output.
const dataKey = "data.json"

// Split and labeling limits.
const (
	testShare = 0.2
	// minLabeledRows is the fewest labeled rows a model is trained on.
	minLabeledRows = 30
	// minLabeledShare: below this share of labeled rows the project needs labeling.
	minLabeledShare = 0.5
	// timeOrderShare is the share of consecutive rows whose times must not decrease for a
	// datetime column to order the rows.
	timeOrderShare = 0.98
)

// droppedColumn is a column left out of training and why.
type droppedColumn struct {
	Column string `json:"column"`
	Reason string `json:"reason"`
}

// dataState is what DATA_PROCESSING decided; later stages (and a resumed worker) read it.
type dataState struct {
	Target        string          `json:"target"`
	Task          string          `json:"task"`
	PositiveClass string          `json:"positive_class,omitempty"`
	Dropped       []droppedColumn `json:"dropped"`
	TimeColumn    string          `json:"time_column,omitempty"`
	// Train are the frame rows for training and validation; Test the held-out rows, never
	// seen by training or selection.
	Train []int `json:"train"`
	Test  []int `json:"test"`
	// Unlabeled counts rows without a target.
	Unlabeled int `json:"unlabeled"`
	Rows      int `json:"rows"`
	Columns   int `json:"columns"`
	// Balance: weight classes inversely to their frequency from the first iteration.
	Balance bool `json:"balance"`
	// MinorityShare is the share of the rarest class (classifiers).
	MinorityShare float64 `json:"minority_share,omitempty"`
	// TextColumns are the document columns the text learner reads (TF-IDF).
	TextColumns []string `json:"text_columns,omitempty"`
	// SplitScheme describes the split in words.
	SplitScheme string `json:"split_scheme"`
	// Preprocessing lists what is done to the data, step by step, for the report.
	Preprocessing []string `json:"preprocessing"`
}

// dropNames returns the dropped column names.
func (d *dataState) dropNames() []string {
	out := make([]string, len(d.Dropped))
	for i, c := range d.Dropped {
		out[i] = c.Column
	}
	return out
}

// processStage is DATA_PROCESSING: the DataProcessor profiles the data, drops identifier,
// constant and leaking columns, decides missing-value handling and encodings, detects whether
// labeling is needed, and splits train/test.
func (p *Pipeline) processStage(ctx context.Context, r *run) (*outcome, error) {
	f, err := p.loadFrame(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	an, err := p.loadAnalysis(ctx, r)
	if err != nil {
		return nil, err
	}
	target := f.Col(an.TargetColumn)
	if target == nil {
		return nil, userErrorf([]string{"Name a column of the data as the target"}, "the target column %q is not in the data", an.TargetColumn)
	}
	prof, err := profile.Compute(ctx, f, profile.Options{Target: an.TargetColumn, Task: profile.Task(an.ProblemType)})
	if err != nil {
		return nil, userErrorf([]string{"Check that the target column holds the values to predict"}, "the data cannot be profiled for target %q: %v", an.TargetColumn, err)
	}
	p.profiles.put(r.proj.DatasetID, an.TargetColumn, prof)
	r.progress(0.3, -1, "profiled "+fmt.Sprint(prof.Rows)+" rows", true)
	out := &outcome{next: store.StageModelSelection}
	ds := &dataState{Target: an.TargetColumn, Task: string(an.ProblemType), PositiveClass: an.PositiveClass,
		Rows: f.NRows(), Columns: f.NCols(), Dropped: []droppedColumn{}}

	if err := p.decideDrops(ctx, out, ds, f, prof); err != nil {
		return nil, err
	}
	if err := usableInputs(f, ds); err != nil {
		return nil, err
	}
	ds.TextColumns = documentColumns(f, ds)
	p.decideMissing(out, ds, f, prof)
	p.decideEncoding(out, ds, f)

	labeled := make([]int, 0, f.NRows())
	for i := range target.Len() {
		if !target.Missing[i] {
			labeled = append(labeled, i)
		}
	}
	ds.Unlabeled = f.NRows() - len(labeled)
	share := float64(len(labeled)) / float64(max(1, f.NRows()))
	needLabels := share < minLabeledShare
	p.decideLabeling(out, ds, len(labeled), share, needLabels)
	if needLabels {
		out.next = store.StageLabeling
	} else if len(labeled) < minLabeledRows {
		return nil, userErrorf([]string{fmt.Sprintf("Upload at least %d rows with a value in %q", minLabeledRows, an.TargetColumn)},
			"only %d rows have a value in the target column %q; at least %d are needed to train and test a model", len(labeled), an.TargetColumn, minLabeledRows)
	}
	// With labels still to come, LABELING weighs the classes of the final labels.
	if an.ProblemType != analyze.Regression && !needLabels {
		if err := p.decideBalance(out, ds, prof); err != nil {
			return nil, err
		}
	}
	if !needLabels {
		if err := p.decideSplit(out, ds, f, target, labeled, an); err != nil {
			return nil, err
		}
	}
	if err := p.putJSON(ctx, stateKey(r.proj.ID, dataKey), ds); err != nil {
		return nil, err
	}
	out.message = fmt.Sprintf("data ready: %d columns dropped, %d train and %d test rows", len(ds.Dropped), len(ds.Train), len(ds.Test))
	out.logs = append(out.logs, out.message)
	return out, nil
}

// decideDrops drops identifier, constant, empty and leaking columns, each as a decision; the
// drops that have a real alternative go through the reasoner (confirmDrops).
func (p *Pipeline) decideDrops(ctx context.Context, out *outcome, ds *dataState, f *frame.Frame, prof *profile.Profile) error {
	var cands []dropCandidate
	byCol := map[string]*profile.Column{}
	for i := range prof.Columns {
		byCol[prof.Columns[i].Name] = &prof.Columns[i]
	}
	seen := map[string]bool{}
	for _, fl := range prof.Flags {
		if fl.Column == "" || fl.Column == ds.Target || seen[fl.Column] {
			continue
		}
		var why, note string
		var dropScore, keepScore float64
		switch fl.Kind {
		case profile.FlagIDLike:
			why, note = "identifier", "identifies rows instead of describing them; a model would memorize it"
			dropScore, keepScore = 0.9, 0.1
		case profile.FlagConstant:
			why, note = "constant", "holds at most one value, so it carries no information"
			dropScore, keepScore = 1, 0
		case profile.FlagAllMissing:
			why, note = "empty", "has no values"
			dropScore, keepScore = 1, 0
		case profile.FlagSplitMarker:
			why, note = "split marker", "names the data's own train/test split: bookkeeping, not something that describes a row"
			dropScore, keepScore = 0.9, 0.1
		case profile.FlagLeak:
			why, note = "target leak", "predicts the target almost perfectly on held-out rows: it is probably derived from the target or known only afterwards"
			dropScore, keepScore = clamp01(fl.Score), 1-clamp01(fl.Score)
		default:
			continue
		}
		seen[fl.Column] = true
		reason := why + ": " + fl.Detail
		ev := map[string]any{"column": fl.Column, "flag": string(fl.Kind), "detail": fl.Detail, "score": round3(fl.Score)}
		if c := byCol[fl.Column]; c != nil {
			ev["kind"] = c.Kind.String()
			ev["distinct"] = c.Distinct
			ev["rows"] = c.Rows
			ev["missing_ratio"] = round3(c.MissingRatio)
			ev["examples"] = c.Examples
		}
		cands = append(cands, dropCandidate{column: fl.Column, reason: reason, why: why, decision: p.ruled(typeDropColumn, fmt.Sprintf("drop column %s (%s)", fl.Column, why),
			fmt.Sprintf("Column %q %s (%s). Keeping it would let the model learn something that does not hold for new rows.", fl.Column, note, fl.Detail),
			[]decision.Alternative{alt("drop", dropScore, note), alt("keep", keepScore, "use it as a feature")}, ev)})
	}
	// Strings that almost never repeat (names, ticket or order numbers) identify rows as well,
	// even when the profiler does not call them identifiers: a value seen once cannot teach
	// the model anything about new rows.
	for _, c := range f.Columns {
		if c.Name == ds.Target || seen[c.Name] || !c.Kind.IsStr() {
			continue
		}
		present, singles, distinct := uniqueness(c)
		if present < 20 {
			continue
		}
		single := float64(singles) / float64(present)
		var why, note string
		switch {
		case isDocumentColumn(c):
			continue // documents feed the text learner, however unique
		case c.Kind == frame.Text && float64(distinct)/float64(present) >= 0.9:
			why, note = "unique free text", "free text that differs on almost every row (like names); the tabular learners cannot use it"
		case single >= 0.5:
			why, note = "near-identifier", fmt.Sprintf("%.0f%% of the rows hold a value seen only once, so the values act as row labels rather than categories", 100*single)
		default:
			continue
		}
		seen[c.Name] = true
		detail := fmt.Sprintf("%d distinct values in %d rows, %d seen once", distinct, present, singles)
		ev := map[string]any{"column": c.Name, "kind": c.Kind.String(), "distinct": distinct, "rows": present, "singletons": singles, "singleton_share": round3(single)}
		if pc := byCol[c.Name]; pc != nil {
			ev["examples"] = pc.Examples
			ev["missing_ratio"] = round3(pc.MissingRatio)
		}
		cands = append(cands, dropCandidate{column: c.Name, reason: why + ": " + detail, why: why, decision: p.ruled(typeDropColumn, fmt.Sprintf("drop column %s (%s)", c.Name, why),
			fmt.Sprintf("Column %q is %s (%s). Keeping it would add noise the model can memorize but not generalize from.", c.Name, note, detail),
			[]decision.Alternative{alt("drop", 0.5+single/2, note), alt("keep as a category", 0.5-single/2, "only repeated values carry signal")}, ev)})
	}
	if err := p.confirmDrops(ctx, out, ds, cands); err != nil {
		return err
	}
	if len(ds.Dropped) > 0 {
		names := ds.dropNames()
		ds.Preprocessing = append(ds.Preprocessing, "dropped "+strings.Join(names, ", "))
	}
	return nil
}

// decideMissing chooses how missing values are handled, from the measured missing ratios.
func (p *Pipeline) decideMissing(out *outcome, ds *dataState, f *frame.Frame, prof *profile.Profile) {
	dropped := map[string]bool{}
	for _, d := range ds.Dropped {
		dropped[d.Column] = true
	}
	ratios := map[string]any{}
	var cols []string
	rowsWithMissing := 0
	for i := range f.NRows() {
		for _, c := range f.Columns {
			if c.Name != ds.Target && !dropped[c.Name] && c.Missing[i] {
				rowsWithMissing++
				break
			}
		}
	}
	for _, c := range prof.Columns {
		if c.Name == ds.Target || dropped[c.Name] || c.Missing == 0 {
			continue
		}
		ratios[c.Name] = round3(c.MissingRatio)
		cols = append(cols, c.Name)
	}
	if len(cols) == 0 {
		out.logs = append(out.logs, "no missing values in the input columns")
		return
	}
	sort.Strings(cols)
	lost := float64(rowsWithMissing) / float64(max(1, f.NRows()))
	ev := map[string]any{"missing_ratio_by_column": ratios, "rows_with_missing": rowsWithMissing, "rows": f.NRows()}
	choice := "keep rows; trees route missing values to a learned side, linear models impute the training median with a missing indicator (categories get a missing level)"
	out.decide(p.ruled(typeImputation, "impute "+strings.Join(cols, ", ")+" (median + indicator; trees learn a missing branch)",
		fmt.Sprintf("%d columns have missing values (%s). Dropping the rows would lose %.0f%% of the data; imputing keeps every row and the indicator lets the model learn whether missingness itself matters.",
			len(cols), strings.Join(cols, ", "), 100*lost),
		[]decision.Alternative{
			alt("impute with indicator", 0.9, choice),
			alt("drop rows with missing values", 1-lost-0.2, fmt.Sprintf("loses %.0f%% of the rows", 100*lost)),
			alt("drop the columns", 0.2, "loses the information the present values hold"),
		}, ev))
	ds.Preprocessing = append(ds.Preprocessing, "missing values in "+strings.Join(cols, ", ")+": median + indicator (linear), learned missing branch (trees)")
}

// decideEncoding chooses how categories, dates and text are encoded.
func (p *Pipeline) decideEncoding(out *outcome, ds *dataState, f *frame.Frame) {
	dropped := map[string]bool{}
	for _, d := range ds.Dropped {
		dropped[d.Column] = true
	}
	var oneHot, target, dates, text []string
	card := map[string]any{}
	for _, c := range f.Columns {
		if c.Name == ds.Target || dropped[c.Name] {
			continue
		}
		switch c.Kind {
		case frame.Categorical:
			levels, _ := c.Levels()
			card[c.Name] = len(levels)
			if len(levels) > 50 {
				target = append(target, c.Name)
			} else {
				oneHot = append(oneHot, c.Name)
			}
		case frame.Datetime:
			dates = append(dates, c.Name)
		case frame.Text:
			text = append(text, c.Name)
		}
	}
	if len(oneHot)+len(target)+len(dates)+len(text) == 0 {
		return
	}
	var parts []string
	if len(oneHot) > 0 {
		parts = append(parts, "one-hot for linear models and category codes for trees: "+strings.Join(oneHot, ", "))
	}
	if len(target) > 0 {
		parts = append(parts, "out-of-fold target encoding (over 50 levels): "+strings.Join(target, ", "))
	}
	if len(dates) > 0 {
		parts = append(parts, "year/month/day/weekday/hour parts: "+strings.Join(dates, ", "))
	}
	if docs := ds.TextColumns; len(docs) > 0 {
		parts = append(parts, "TF-IDF of word 1-2-grams (HTML cleaned, sublinear tf, terms in at least 2 rows) for the text learner: "+strings.Join(docs, ", "))
	} else if len(text) > 0 {
		parts = append(parts, "free text not used by the tabular learners: "+strings.Join(text, ", "))
	}
	ds.Preprocessing = append(ds.Preprocessing, parts...)
	out.decide(p.ruled(typeEncoding, "encode "+strings.Join(parts, "; "),
		"Categories with few levels are one-hot encoded for linear models (each level gets its own weight) and coded for trees (which split on sets of levels); categories with many levels would make too many sparse columns, so they are target encoded out of fold; dates are split into calendar parts the learners can use.",
		[]decision.Alternative{
			alt("one-hot / codes / target encoding by cardinality", 0.8, "fits each column's number of levels"),
			alt("one-hot everything", 0.4, "explodes high-cardinality columns into sparse features"),
			alt("drop non-numeric columns", 0.1, "loses their information"),
		}, map[string]any{"levels_by_column": card, "datetime_columns": dates, "text_columns": text}))
}

// decideLabeling records whether the data needs labeling.
func (p *Pipeline) decideLabeling(out *outcome, ds *dataState, labeled int, share float64, need bool) {
	ev := map[string]any{"labeled_rows": labeled, "rows": ds.Rows, "labeled_share": round3(share), "threshold": minLabeledShare}
	if need {
		out.decide(p.ruled(typeLabeling, fmt.Sprintf("label the data: only %.0f%% of rows have a %s", 100*share, ds.Target),
			fmt.Sprintf("Only %d of %d rows have a value in %q, below the %.0f%% needed to train on the labeled rows alone.", labeled, ds.Rows, ds.Target, 100*minLabeledShare),
			[]decision.Alternative{alt("labeling stage", 1-share, "most rows have no label"), alt("train on labeled rows only", share, "too few labeled rows")}, ev))
		return
	}
	note := "every row has a label"
	if ds.Unlabeled > 0 {
		note = fmt.Sprintf("%d rows without a label are left out", ds.Unlabeled)
		ds.Preprocessing = append(ds.Preprocessing, note)
	}
	out.decide(p.ruled(typeLabeling, "skip labeling: "+note,
		fmt.Sprintf("%d of %d rows (%.0f%%) have a value in %q, enough to train on directly.", labeled, ds.Rows, 100*share, ds.Target),
		[]decision.Alternative{alt("skip labeling", share, note), alt("labeling stage", 1-share, "label the rows without a target")}, ev))
}

// decideBalance decides whether to weight classes from the start, and fails for a single class.
func (p *Pipeline) decideBalance(out *outcome, ds *dataState, prof *profile.Profile) error {
	cb := prof.Classes
	if cb == nil || len(cb.Counts) < 2 {
		return userErrorf([]string{"Check that the target column holds at least two different classes", "Upload data with examples of every class"},
			"the target column %q holds only one class; a classifier needs at least two", ds.Target)
	}
	ds.MinorityShare = cb.MinorityShare
	counts := map[string]any{}
	for _, c := range cb.Counts {
		counts[c.Class] = c.Count
	}
	ev := map[string]any{"class_counts": counts, "minority_share": round3(cb.MinorityShare), "ratio": round3(cb.Ratio)}
	// Weighting pays off only for a rare class; otherwise it distorts probabilities for little gain.
	ds.Balance = cb.MinorityShare < 0.1
	weighted := clamp01((0.2 - cb.MinorityShare) * 5)
	if ds.Balance {
		out.decide(p.ruled(typeClassBalance, fmt.Sprintf("weight classes inversely to frequency (%s is %.1f%% of rows)", cb.Minority, 100*cb.MinorityShare),
			"The rarest class is under 10% of the rows; without weights the learners would mostly ignore it.",
			[]decision.Alternative{alt("class weights", weighted, "rare class gets its share of attention"), alt("natural frequencies", 1-weighted, "calibrated probabilities")}, ev))
		ds.Preprocessing = append(ds.Preprocessing, "classes weighted inversely to their frequency")
		return nil
	}
	out.decide(p.ruled(typeClassBalance, fmt.Sprintf("keep natural class frequencies (rarest class %s is %.1f%%)", cb.Minority, 100*cb.MinorityShare),
		"The rarest class is common enough for the learners to see; keeping natural frequencies keeps the probabilities calibrated, and a decision threshold can still favour the rare class. Rebalancing stays available as an iteration.",
		[]decision.Alternative{alt("natural frequencies", 1-weighted, "calibrated probabilities"), alt("class weights", weighted, "more attention to the rarer class")}, ev))
	return nil
}

// uniqueness counts a string column's present rows, the values seen once and the distinct
// values.
func uniqueness(c *frame.Column) (present, singles, distinct int) {
	counts := map[string]int{}
	for i := range c.Len() {
		if !c.Missing[i] {
			present++
			counts[c.Str[i]]++
		}
	}
	for _, n := range counts {
		if n == 1 {
			singles++
		}
	}
	return present, singles, len(counts)
}

// usableInputs fails when no column is left for the learners: every other column is dropped
// or short free text (names and the like), which no learner can use; documents are usable.
func usableInputs(f *frame.Frame, ds *dataState) error {
	dropped := map[string]bool{}
	for _, d := range ds.Dropped {
		dropped[d.Column] = true
	}
	var text []string
	for _, c := range f.Columns {
		if c.Name == ds.Target || dropped[c.Name] {
			continue
		}
		if c.Kind != frame.Text || isDocumentColumn(c) {
			return nil
		}
		text = append(text, c.Name)
	}
	for _, d := range ds.Dropped {
		if strings.HasPrefix(d.Reason, "unique free text") {
			text = append(text, d.Column)
		}
	}
	if len(text) > 0 {
		return &UserError{
			Message: fmt.Sprintf("the only inputs left to predict %q are short free text (%s), too short to learn from as documents and too unique to use as categories", ds.Target, strings.Join(text, ", ")),
			Suggestions: []string{"Add tabular columns (numbers, categories, dates) that describe each row",
				"Or derive features from the text (length, keywords) as extra columns and upload again"},
			Evidence: map[string]any{"text_columns": text, "dropped": ds.dropNames()},
		}
	}
	return &UserError{
		Message:     fmt.Sprintf("no column is left to predict %q from: every other column was dropped (%s)", ds.Target, strings.Join(ds.dropNames(), ", ")),
		Suggestions: []string{"Upload data with columns that describe each row besides identifiers"},
		Evidence:    map[string]any{"dropped": ds.dropNames()},
	}
}
