// Package pipeline is the agent pipeline: an Orchestrator that takes a project from an
// uploaded dataset and a description to a deployed model, one stage at a time, with one agent
// per stage (ProblemAnalyzer, DataProcessor, Labeler, ModelSelector, TrainingManager) and an
// ErrorHandler.
//
// A stage runs when a trigger {project, stage} arrives: the worker claims the project with a
// lease in the database (renewed while the stage runs), runs the stage's agent, and commits in
// ONE transaction the stage's outputs, its decisions (audit entries with alternatives, evidence,
// reasoning and confidence), its progress events, the move to the next stage and the next
// trigger (through the store's outbox). Delivery is at-least-once: a trigger whose stage is
// no longer the project's stage is a no-op, a project another worker holds is left to it, and
// the commit is fenced by the lease and by the stage it leaves, so a stage's outputs are
// committed once and a project never gets two models.
//
// Stage outputs that are too large for the project row (the split, the search results, the
// trained artifacts) are blobs under projects/<id>/pipeline/, written before the commit under
// names that a re-run of the same stage overwrites; the project row says which of them count.
// A worker that dies mid-stage loses only that stage's work: its lease expires, a sweeper
// re-triggers the project and another worker runs the stage again (a search that finished but
// was not committed is reused).
package pipeline

import (
	"log/slog"
	"math"
	"time"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
)

// Options tune a Pipeline. The zero value takes the defaults.
type Options struct {
	// WorkerID names this worker in leases (default: a random id).
	WorkerID string
	// LeaseTTL is how long a claim lasts without renewal (default 30s); it is renewed every
	// third of it while a stage runs.
	LeaseTTL time.Duration
	// ApprovalConfidence: an analysis less confident than this stops for approval even when
	// the owner did not ask (default defaultApprovalConfidence).
	ApprovalConfidence float64
	// MaxBudget caps every training budget (default and hard limit 24h).
	MaxBudget time.Duration
	// MinBudget is the smallest derived budget (default 20s; a budget the owner set is used
	// as is).
	MinBudget time.Duration
	// MaxIterations bounds TRAINING/EVALUATION rounds (default and limit 5).
	MaxIterations int
	// PublicURL is the API's base URL, for code examples (default http://127.0.0.1:8080).
	PublicURL string
	// Seed drives splits and searches (default 42).
	Seed uint64
	// ModelRetention is how long a deployed model is kept before the expiry job deletes it
	// (default 90 days; negative keeps models forever).
	ModelRetention time.Duration
	// Logger receives operational messages (default: discard).
	Logger *slog.Logger
}

// Deps are what the pipeline works with.
type Deps struct {
	Store *store.Store
	Blobs *blob.Store
	// Trainer is the training backend (default LocalTrainer).
	Trainer Trainer
	// Reasoner makes the agents' decisions (default the rules; wrap others in reasoner.Guard).
	Reasoner reasoner.Reasoner
}

// Pipeline runs the stages of projects. It is safe for concurrent use: several projects may
// run at once.
type Pipeline struct {
	st       *store.Store
	blobs    *blob.Store
	trainer  Trainer
	reasoner reasoner.Reasoner
	analyzer *analyze.Analyzer
	opts     Options
	log      *slog.Logger
	frames   *frameCache
	profiles *profileCache
	now      func() time.Time
}

// defaultApprovalConfidence is the analysis confidence (the chance that its target and its
// problem type are the better of them and their runners-up) under which a plan waits for
// approval unless the options say otherwise. It is what 0.55 over 0.45 gives
// (decision.SuitedOver): a margin of 0.1 between middling scores, where the threshold sat
// when a confidence was that margin. A pick with a wider margin clears it wherever its scores
// stand; two plausible targets (0.9 over 0.865) or tasks (0.6 over 0.55) do not.
const defaultApprovalConfidence = 0.6

// maxBudget is the hard limit of a training budget.
const maxBudget = 24 * time.Hour

// New returns a pipeline on deps.
func New(deps Deps, opts Options) *Pipeline {
	if opts.WorkerID == "" {
		opts.WorkerID = "worker-" + randomID()
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 30 * time.Second
	}
	if opts.ApprovalConfidence == 0 {
		opts.ApprovalConfidence = defaultApprovalConfidence
	}
	if opts.MaxBudget <= 0 || opts.MaxBudget > maxBudget {
		opts.MaxBudget = maxBudget
	}
	if opts.MinBudget <= 0 {
		opts.MinBudget = 20 * time.Second
	}
	opts.MinBudget = min(opts.MinBudget, opts.MaxBudget)
	if opts.MaxIterations <= 0 || opts.MaxIterations > 5 {
		opts.MaxIterations = 5
	}
	if opts.PublicURL == "" {
		opts.PublicURL = "http://127.0.0.1:8080"
	}
	if opts.Seed == 0 {
		opts.Seed = 42
	}
	if opts.ModelRetention == 0 {
		opts.ModelRetention = 90 * 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Trainer == nil {
		deps.Trainer = LocalTrainer{}
	}
	if deps.Reasoner == nil {
		deps.Reasoner = reasoner.Rules{}
	}
	return &Pipeline{
		st: deps.Store, blobs: deps.Blobs, trainer: deps.Trainer, reasoner: deps.Reasoner,
		analyzer: analyze.New(deps.Reasoner), opts: opts, log: opts.Logger,
		frames: newFrameCache(4), profiles: newProfileCache(8), now: time.Now,
	}
}

// WorkerID returns the id this pipeline claims projects with.
func (p *Pipeline) WorkerID() string { return p.opts.WorkerID }

func nan() float64 { return math.NaN() }
