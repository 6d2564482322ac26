package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/prep"
	"github.com/trainyard/trainyard/ml/profile"
	"github.com/trainyard/trainyard/ml/train"
)

// Trainer is the training backend seam: the local Go engine now, a cloud service later. It
// learns from a table and returns a saved-ready artifact with what the search measured.
type Trainer interface {
	// Name identifies the backend in plans and decisions ("local").
	Name() string
	// Train runs one search (or its replay) on job.
	Train(ctx context.Context, job TrainJob) (*TrainResult, error)
}

// TrainJob is one training request.
type TrainJob struct {
	// Frame holds the rows to learn from; rows without a target are ignored. The test split is
	// never part of it.
	Frame *frame.Frame
	// Target is the column to predict.
	Target string
	// Task is "binary", "multiclass" or "regression".
	Task string
	// Drop lists columns not to learn from.
	Drop []string
	// Metric is the metric the search optimizes ("" = the task's default).
	Metric string
	// Families restricts the learner families (nil = all).
	Families []string
	// Budget is the wall-clock budget of the search including its refit, which may overrun it
	// by max(5% of it, 2 s) (automl.Config.Deadline). Zero with Trials set replays a search
	// without a clock.
	Budget time.Duration
	// Trials, when positive, replays exactly this many trials.
	Trials int
	// Seed drives every random choice.
	Seed uint64
	// BalanceClasses weights classes inversely to their frequency.
	BalanceClasses bool
	// TimeColumn, when set, orders rows in time: validation then looks forward only.
	TimeColumn string
	// Refit, when set, fits exactly these configurations on every row, with no search and no
	// validation, and blends them with the given weights (the deployed model's refit).
	Refit []RefitMember
	// OnTrial is called after every trial (progress).
	OnTrial func(automl.Trial)
	// Profile, when set, is a profile of Frame's rows (or a superset of them) computed with
	// Target; the refit reuses its flags instead of profiling the data again.
	Profile *profile.Profile
	// Resume holds the records (automl.Trial.Record) of the trials an interrupted search of
	// the same job finished, in order: the search replays them instead of fitting them again.
	// A backend that cannot replay ignores them; records of another search fail the job with
	// automl.ErrResumeMismatch.
	Resume []automl.TrialRecord
}

// RefitMember is one configuration of a blend to refit.
type RefitMember struct {
	automl.Candidate
	Weight float64
}

// TrainResult is what a training run produced.
type TrainResult struct {
	// Artifact is the trained model, refit on every row of the job.
	Artifact *model.Artifact
	// Trials are the candidates evaluated, in order.
	Trials []automl.Trial
	// Finished counts completed trials (a replay runs that many).
	Finished int
	// Best is the number of the best single trial.
	Best int
	// Score is the validation score of the final model on Metric.
	Score float64
	// Metric is the metric optimized, and HigherIsBetter its direction.
	Metric         string
	HigherIsBetter bool
	// Validation names the validation scheme.
	Validation string
	// OOF are out-of-fold predictions, Width values per entry of OOFRows (frame rows of the
	// job), for choosing a decision threshold on validation data.
	OOF     []float64
	OOFRows []int
	Width   int
	// Labels are the encoded labels of the job's frame rows (NaN where the target is missing).
	Labels []float64
	// Classes are the class labels in output order (classifiers).
	Classes []string
	// Seconds is the wall-clock time.
	Seconds float64
	// Untimed says the search ran a fixed number of trials with no clock (a replay, or
	// LocalTrainer.Trials): it took what those trials took, whatever the job's Budget.
	Untimed bool
}

// LocalTrainer trains with the local Go engine: ml/train for searches, and a direct refit of
// given configurations (ml/prep, ml/automl, ml/model) for deployment.
type LocalTrainer struct {
	// Trials, when positive, makes every search that is not a replay run exactly this many
	// trials, with no clock, instead of searching for the job's budget: what it learns then
	// depends on the data and the seed, not on how busy the machine is (tests). The budget then
	// does not bound the search (TrainResult.Untimed): a measure of the stage's time against
	// its budget needs a trainer without it.
	Trials int
}

// Name returns "local".
func (LocalTrainer) Name() string { return "local" }

// Train runs the search (or the refit of job.Refit).
func (t LocalTrainer) Train(ctx context.Context, job TrainJob) (*TrainResult, error) {
	if len(job.Refit) > 0 {
		return refitLocal(ctx, job)
	}
	start := time.Now()
	if job.Trials <= 0 {
		job.Trials = t.Trials
	}
	opts := train.Options{
		Target: job.Target, Task: profile.Task(job.Task), Learners: job.Families, Seed: job.Seed, Trials: job.Trials,
		Metric: job.Metric, Drop: job.Drop, BalanceClasses: job.BalanceClasses, TimeColumn: job.TimeColumn, OnTrial: job.OnTrial,
		Resume: job.Resume,
	}
	if job.Budget > 0 && job.Trials <= 0 {
		opts.Deadline = start.Add(job.Budget)
	}
	res, err := train.Train(ctx, job.Frame, opts)
	if err != nil {
		return nil, err
	}
	labels := make([]float64, job.Frame.NRows())
	for i := range labels {
		labels[i] = nan()
	}
	y, err := res.Label.Encode(job.Frame.Take(res.Rows).Col(job.Target))
	if err != nil {
		return nil, err
	}
	for i, r := range res.Rows {
		labels[r] = y[i]
	}
	s := res.Search
	oofRows := make([]int, len(s.OOFRows))
	for i, r := range s.OOFRows {
		oofRows[i] = res.Rows[r]
	}
	return &TrainResult{
		Artifact: res.Artifact, Trials: s.Trials, Finished: s.Finished, Best: s.Best, Score: s.Score,
		Metric: s.Metric.Name, HigherIsBetter: s.Metric.HigherIsBetter, Validation: s.Validation,
		OOF: s.OOF, OOFRows: oofRows, Width: s.Width, Labels: labels,
		Classes: res.Label.Classes, Seconds: time.Since(start).Seconds(), Untimed: opts.Deadline.IsZero(),
	}, nil
}

// refitLocal fits the preprocessing on every row of the job and the given configurations.
func refitLocal(ctx context.Context, job TrainJob) (*TrainResult, error) {
	start := time.Now()
	task := profile.Task(job.Task)
	useText := refitsText(job.Refit)
	useLinear := useText || slices.ContainsFunc(job.Refit, func(m RefitMember) bool { return m.Learner == automl.Linear })
	// One profile serves both encodings (prep reads only its flags).
	prof := job.Profile
	if prof == nil {
		var err error
		if prof, err = profile.Compute(ctx, job.Frame, profile.Options{Target: job.Target, Task: task, TopValues: 5, Examples: 1, Bins: 1}); err != nil {
			return nil, fmt.Errorf("profile data: %w", err)
		}
	}
	treeFit, err := prep.FitTransform(ctx, job.Frame, prep.Options{Target: job.Target, Task: task, Mode: prep.Trees, Drop: job.Drop, Seed: job.Seed, Profile: prof})
	if err != nil {
		return nil, fmt.Errorf("prepare data: %w", err)
	}
	d := &automl.Data{
		Task:  job.Task,
		Label: treeFit.Y,
		Trees: automl.Matrix{Names: treeFit.X.Names, Cols: treeFit.X.Cols, Categorical: treeFit.X.Categorical},
	}
	if job.Task == automl.Regression {
		d.NumClass = 1
	} else {
		d.NumClass = treeFit.Pipeline.Label.NumClasses()
	}
	var linFit *prep.Fitted
	if useLinear {
		linFit, err = prep.FitTransform(ctx, job.Frame, prep.Options{Target: job.Target, Task: task, Mode: prep.Linear, Drop: job.Drop, Seed: job.Seed, Profile: prof})
		if err != nil {
			return nil, fmt.Errorf("prepare data for linear learners: %w", err)
		}
		if len(linFit.X.Cols) > 0 {
			d.Linear = &automl.Matrix{Names: linFit.X.Names, Cols: linFit.X.Cols}
		} else {
			linFit = nil
		}
	}
	var tm *model.TextModel
	if useText {
		if tm, err = textRefitData(ctx, d, treeFit); err != nil {
			return nil, err
		}
	}
	if len(d.Trees.Cols) == 0 && d.Text == nil {
		return nil, errors.New("no usable input column is left after preprocessing")
	}
	if job.TimeColumn != "" {
		if c := job.Frame.Col(job.TimeColumn); c != nil && c.Num != nil {
			d.TimeKey = make([]float64, len(treeFit.Rows))
			for i, r := range treeFit.Rows {
				d.TimeKey[i] = c.Num[r]
			}
		}
	}
	cfg := automl.Config{
		Seed:           job.Seed,
		Metric:         job.Metric,
		Learners:       job.Families,
		Trials:         job.Trials,
		BalanceClasses: job.BalanceClasses,
		OnTrial:        job.OnTrial,
	}
	res, err := refit(ctx, d, cfg, job.Refit)
	if err != nil {
		return nil, err
	}
	pipes := []*prep.Pipeline{treeFit.Pipeline}
	linIdx := -1
	var members []model.Member
	for _, m := range res.Members {
		mm := model.Member{Learner: m.Learner, Weight: m.Weight, Params: m.Params, Trees: m.GBDT, Linear: m.Linear}
		if m.Text != nil && linFit != nil && linIdx < 0 && tm != nil && tm.Dense {
			pipes = append(pipes, linFit.Pipeline)
			linIdx = len(pipes) - 1
		}
		if m.Text != nil {
			if err := textMember(&mm, m, tm, linIdx); err != nil {
				return nil, err
			}
		}
		if m.Linear != nil {
			if linFit == nil {
				return nil, errors.New("search returned a linear member without linear data")
			}
			if linIdx < 0 {
				pipes = append(pipes, linFit.Pipeline)
				linIdx = len(pipes) - 1
			}
			mm.Pipeline = linIdx
		}
		members = append(members, mm)
	}
	var notes []string
	for _, t := range res.Trials {
		if t.Note != "" && t.Status != "timeout" {
			notes = append(notes, fmt.Sprintf("trial %d %s: %s", t.Number, t.Learner, t.Note))
		}
	}
	art, err := model.New(pipes, members, model.Training{
		CreatedAt: time.Now().UTC(), Engine: train.Engine, Rows: len(treeFit.Rows), Columns: job.Frame.NCols() - 1,
		Seed: job.Seed, Trials: res.Finished, Metric: res.Metric.Name, Validation: res.Validation,
		Seconds: time.Since(start).Seconds(), Notes: notes,
	})
	if err != nil {
		return nil, err
	}
	labels := make([]float64, job.Frame.NRows())
	for i := range labels {
		labels[i] = nan()
	}
	for i, r := range treeFit.Rows {
		labels[r] = treeFit.Y[i]
	}
	oofRows := make([]int, len(res.OOFRows))
	for i, r := range res.OOFRows {
		oofRows[i] = treeFit.Rows[r]
	}
	return &TrainResult{
		Artifact: art, Trials: res.Trials, Finished: res.Finished, Best: res.Best, Score: res.Score,
		Metric: res.Metric.Name, HigherIsBetter: res.Metric.HigherIsBetter, Validation: res.Validation,
		OOF: res.OOF, OOFRows: oofRows, Width: res.Width, Labels: labels,
		Classes: treeFit.Pipeline.Label.Classes, Seconds: time.Since(start).Seconds(),
	}, nil
}

// refit fits each member's configuration on every row and blends them.
func refit(ctx context.Context, d *automl.Data, cfg automl.Config, members []RefitMember) (*automl.Result, error) {
	start := time.Now()
	out := &automl.Result{Validation: "none (refit of the chosen blend on every row)"}
	for i, m := range members {
		c := cfg
		c.Fixed = &automl.Candidate{Learner: m.Learner, Params: m.Params}
		c.OnTrial = nil
		r, err := automl.Search(ctx, d, c)
		if err != nil {
			return nil, fmt.Errorf("refit member %d (%s): %w", i, m.Learner, err)
		}
		mm := r.Members[0]
		mm.Weight = m.Weight
		out.Members = append(out.Members, mm)
		out.Trials = append(out.Trials, r.Trials...)
		out.Metric, out.Width = r.Metric, r.Width
	}
	out.Finished = len(out.Trials)
	out.Seconds = time.Since(start).Seconds()
	return out, nil
}
