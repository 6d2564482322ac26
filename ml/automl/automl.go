// Package automl searches learner families and hyperparameters for a table
// under a wall-clock budget, the way a careful data scientist would with more
// patience: LightGBM's defaults are the first candidate, every other candidate
// must beat the incumbent by more than the validation noise to replace it, the
// best candidates may be blended by ensemble selection on out-of-fold
// predictions, and the winner is refit on all rows before the deadline.
//
// Validation is k-fold cross-validation below Config.CVRows rows (a 10% split
// of a few hundred rows is noise), repeated with other fold assignments below
// 500 rows, and a single stratified holdout above; with Data.TimeKey it is
// forward in time. Under cross-validation a GBDT candidate with early
// stopping is scored at one iteration count, chosen from the mean validation
// curve over the folds, as lightgbm.cv does (curve.go); with a holdout, the
// holdout both stops and scores it. With a holdout and a deadline,
// LightGBM's defaults are fit on all rows before any trial, so the result is
// never below them for want of time to refit. The search is deterministic: candidate order and all
// randomness come from Config.Seed, and only the clock decides when it
// stops. Result.Finished records how many trials completed, and
// Config.Trials replays exactly that many without a clock; Config.Resume
// continues an interrupted search from the records of its finished trials
// (Trial.Record) without fitting them again.
//
// The package knows no files or columns: the caller prepares the encodings of
// the same rows (Data.Trees for tree learners, Data.Linear for linear ones and
// Data.Text, sparse TF-IDF stacked with the linear encoding, for the text
// learner, which classifiers with free-text columns try first).
package automl

import (
	"errors"
	"time"

	"github.com/trainyard/trainyard/ml/gbdt"
	"github.com/trainyard/trainyard/ml/linear"
	"github.com/trainyard/trainyard/ml/metrics"
	"github.com/trainyard/trainyard/ml/text"
)

// Tasks, as the metrics package names them.
const (
	Binary     = metrics.TaskBinary
	Multiclass = metrics.TaskMulticlass
	Regression = metrics.TaskRegression
)

// Learner families.
const (
	GBDT   = "gbdt"
	Linear = "linear"
	Forest = "forest"
	// Text is logistic / softmax regression over Data.Text (classifiers
	// only), parameter "c" as for Linear.
	Text = "text"
)

// ErrNoCandidate is returned when no trial finished before the deadline.
var ErrNoCandidate = errors.New("no candidate finished within the budget")

// Matrix is column-major input for one family of learners.
type Matrix struct {
	// Names of the columns.
	Names []string
	// Cols holds one slice of values per column, all of the same length.
	Cols [][]float64
	// Categorical marks columns of category codes (tree learners only).
	Categorical []bool
}

// Data is what the search learns from.
type Data struct {
	// Task is Binary, Multiclass or Regression.
	Task string
	// NumClass is the number of classes (2 for binary); 1 for regression.
	NumClass int
	// Label holds class indices 0..NumClass-1 or regression targets.
	Label []float64
	// Weight per row; nil means all 1.
	Weight []float64
	// Trees is the encoding for tree learners: raw numbers (NaN = missing)
	// and category codes.
	Trees Matrix
	// Linear is the encoding for linear learners (imputed, one-hot, scaled);
	// nil leaves linear learners out.
	Linear *Matrix
	// Text is the encoding for the text learner: TF-IDF features of the
	// text columns, usually stacked with the linear encoding, one sparse row
	// per row; nil leaves the text learner out.
	Text *text.CSR
	// TimeKey, when set, orders the rows in time: validation then only
	// looks forward.
	TimeKey []float64
}

// NumRows returns the number of rows.
func (d *Data) NumRows() int { return len(d.Label) }

// Candidate is one learner configuration.
type Candidate struct {
	// Learner is GBDT, Linear or Forest.
	Learner string `json:"learner"`
	// Params are the learner's parameters: LightGBM names for GBDT and
	// Forest; "c" (inverse regularization, as scikit-learn's C) for linear
	// classifiers and "alpha" for ridge regression.
	Params map[string]string `json:"params,omitempty"`
}

// Config steers a search.
type Config struct {
	// Deadline is when the search, including the final refit, must be done.
	// Zero means no clock; then Trials must be set. The final fits on all
	// rows get at least max(5% of the budget, 2 s), the budget being the time
	// from the start of Search to Deadline, and may overrun it by that much
	// at most: a budget too small for any trial, or one spent by a busy
	// machine, still yields a model, with a note that says what it lacks.
	// The members of a blend share that time, so none is left without it.
	Deadline time.Time
	// Seed drives candidate order and every random choice.
	Seed uint64
	// Metric is the registry name of the metric to optimize; empty means
	// the task's default (log loss for classifiers, RMSE for regression).
	Metric string
	// Learners restricts the families searched; nil means all available.
	Learners []string
	// Trials, when positive, runs exactly this many trials whatever the
	// clock says: the replay of a search that finished that many.
	Trials int
	// Fixed, when set, fits this one candidate on all rows: no search.
	Fixed *Candidate
	// Folds is the number of cross-validation folds (default 5).
	Folds int
	// CVRows is the row count from which a single holdout replaces
	// cross-validation (default 10000).
	CVRows int
	// Holdout is the validation share above CVRows (default 0.2).
	Holdout float64
	// BalanceClasses weights classes inversely to their frequency.
	BalanceClasses bool
	// NoEnsemble keeps the single best candidate.
	NoEnsemble bool
	// OnTrial, when set, is called after every trial the search runs (not
	// for those taken from Resume); Trial.Record gives what Resume needs.
	OnTrial func(Trial)
	// Resume holds the records of the trials an interrupted search finished,
	// in order (Trial.Record of each, timed-out ones left out). Given the same
	// data and Config otherwise, the search takes them instead of fitting
	// them again, and its result is the one the uninterrupted search would
	// have reached. Records that do not fit the search give ErrResumeMismatch.
	Resume []TrialRecord
}

// Trial is one evaluated candidate.
type Trial struct {
	// Number counts trials from 0 in the order they ran.
	Number int `json:"number"`
	Candidate
	// Score is the mean validation score over folds.
	Score float64 `json:"score"`
	// Metric names the metric of Score and FoldScores, the one the search
	// optimizes; set when the trial finished.
	Metric string `json:"metric,omitempty"`
	// Metrics are the optimized metric, then the task's usual companions
	// (AUC, accuracy, log loss and, for binary tasks, F1 of classifiers;
	// RMSE, MAE and R² of regressions), of the trial's out-of-fold
	// predictions, each the mean over the same folds as Score; set when the
	// trial finished. A score alone is ambiguous: an AUC of 0.82 reads like
	// an accuracy.
	Metrics []MetricValue `json:"metrics,omitempty"`
	// FoldScores are the per-fold scores (per-chunk for a holdout).
	FoldScores []float64 `json:"foldScores,omitempty"`
	// Iterations is the number of boosting iterations the trial's models
	// kept (GBDT): under cross-validation with early stopping, the one count
	// chosen from the mean validation curve over folds, at which every fold
	// is scored; with a holdout, the holdout's best iteration; otherwise the
	// mean over folds.
	Iterations int `json:"iterations,omitempty"`
	// Seconds spent fitting and scoring the candidate on every fold.
	Seconds float64 `json:"seconds"`
	// Status is "ok", "failed" or "timeout" (cut by the deadline; not counted).
	Status string `json:"status"`
	// Note says why the trial won, lost or failed.
	Note string `json:"note,omitempty"`

	oof []float64 // out-of-fold predictions, row-major n x width
	// holdout is the model fit on the training rows of a single-holdout
	// scheme, kept for the best trial so far: deployed as is when there is
	// no time left to refit on all rows.
	holdout *fitted
	// fingerprint identifies the search (see TrialRecord).
	fingerprint uint64
}

// Member is one model of the final blend.
type Member struct {
	// Trial is the number of the trial whose configuration was refit.
	Trial int `json:"trial"`
	Candidate
	// Weight of the member's predictions in the blend; weights sum to 1.
	Weight float64 `json:"weight"`
	// GBDT is the refit model of a GBDT or Forest member.
	GBDT *gbdt.Model `json:"gbdt,omitempty"`
	// Linear is the refit model of a Linear member.
	Linear *linear.Model `json:"linear,omitempty"`
	// Text is the refit model of a Text member.
	Text *text.Logistic `json:"text,omitempty"`
}

// Result is the outcome of a search.
type Result struct {
	// Metric is the metric optimized.
	Metric metrics.Metric `json:"metric"`
	// Validation describes the scheme, e.g. "5-fold stratified cross-validation".
	Validation string `json:"validation"`
	// Trials are every trial, in the order they ran.
	Trials []Trial `json:"trials"`
	// Finished counts the trials that completed (Config.Trials replays them).
	Finished int `json:"finished"`
	// Best is the number of the best single trial.
	Best int `json:"best"`
	// Score is the validation score of the final model (the blend, when one won).
	Score float64 `json:"score"`
	// Members are the refit models; one unless a blend won.
	Members []Member `json:"members"`
	// OOF holds the final model's out-of-fold predictions, row-major with
	// Width values per row (class probabilities, or the value), for
	// choosing a decision threshold on validation data.
	OOF []float64 `json:"-"`
	// OOFRows lists the rows OOF covers (all rows for cross-validation,
	// the validation rows for a holdout); OOF has Width values per entry.
	OOFRows []int `json:"-"`
	// Width is the number of values per row of OOF.
	Width int `json:"width"`
	// Seconds is the wall-clock time of the whole search and refit.
	Seconds float64 `json:"seconds"`
}
