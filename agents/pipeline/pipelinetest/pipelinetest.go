// Package pipelinetest runs the whole pipeline in one process on real parts — a SQLite store
// in a folder, file blobs, the in-process queue, a worker with its relay and sweeper — for
// tests and benchmarks: upload a dataset, submit a project, wait for a stage.
package pipelinetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	shared "github.com/trainyard/trainyard/ml/datasets"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/worker"
	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/store"
)

// Config sets up an Env.
type Config struct {
	// Dir holds the database and blobs (required).
	Dir string
	// DatabaseURL overrides the SQLite file in Dir (e.g. a Postgres URL).
	DatabaseURL string
	// Pipeline options (WorkerID, LeaseTTL, budgets, ...).
	Pipeline pipeline.Options
	// Worker options.
	Worker worker.Options
	// Trainer overrides the local trainer.
	Trainer pipeline.Trainer
	// Trials is the number of trials of every search of the default local trainer (default
	// Trials); negative searches against the wall clock for each project's budget, for tests
	// about budgets themselves.
	Trials int
	// Reasoner overrides the rules reasoner.
	Reasoner reasoner.Reasoner
	// NoWorker opens the parts without starting a worker.
	NoWorker bool
	// Logger receives the parts' logs (default: discard).
	Logger *slog.Logger
}

// Trials is how many trials every search of an Env's local trainer runs unless Config.Trials
// says otherwise: a fixed number rather than a budget on the wall clock, so that the models,
// metrics and decisions a test sees do not depend on how busy the machine is.
const Trials = 12

// Env is a running pipeline and what it stands on.
type Env struct {
	Store    *store.Store
	Blobs    *blob.Store
	Datasets *datasets.Service
	Queue    *queue.Queue
	Pipeline *pipeline.Pipeline
	Worker   *worker.Worker
	// User is a context acting as a member user.
	User context.Context

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// Start opens the parts and starts a worker (unless cfg.NoWorker). Close stops it.
func Start(ctx context.Context, cfg Config) (*Env, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		dbURL = "sqlite://" + filepath.Join(cfg.Dir, "trainyard.db")
	}
	st, err := store.Open(ctx, dbURL, store.Options{Logger: cfg.Logger, PollInterval: 200 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	bl, err := blob.Open(ctx, "", cfg.Dir)
	if err != nil {
		st.Close()
		return nil, err
	}
	q, err := queue.Open(ctx, "mem://")
	if err != nil {
		st.Close()
		bl.Close()
		return nil, err
	}
	if cfg.Trainer == nil {
		cfg.Trainer = pipeline.LocalTrainer{Trials: max(0, cmp.Or(cfg.Trials, Trials))}
	}
	cfg.Pipeline.Logger = cfg.Logger
	e := &Env{Store: st, Blobs: bl, Queue: q, Datasets: datasets.New(st, bl, datasets.Options{})}
	e.Pipeline = pipeline.New(pipeline.Deps{Store: st, Blobs: bl, Trainer: cfg.Trainer, Reasoner: cfg.Reasoner}, cfg.Pipeline)
	u, err := st.GetOrCreateUser(store.SystemContext(ctx), "member@example.com", "Member", store.RoleMember)
	if err != nil {
		e.Close()
		return nil, err
	}
	e.User = store.WithViewer(ctx, store.Viewer{UserID: u.ID, Role: store.RoleMember})
	if !cfg.NoWorker {
		cfg.Worker.Relay = true
		if cfg.Worker.RelayPoll == 0 {
			cfg.Worker.RelayPoll = 200 * time.Millisecond
		}
		if cfg.Worker.SweepInterval == 0 {
			cfg.Worker.SweepInterval = 500 * time.Millisecond
		}
		if cfg.Worker.SweepGrace == 0 {
			cfg.Worker.SweepGrace = time.Second
		}
		cfg.Worker.Logger = cfg.Logger
		e.Worker = worker.New(st, q, e.Pipeline, cfg.Worker)
		wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		e.stop = stop
		e.wg.Go(func() {
			if err := e.Worker.Run(wctx); err != nil {
				cfg.Logger.Error("worker", "err", err)
			}
		})
	}
	return e, nil
}

// Close stops the worker and closes the parts.
func (e *Env) Close() {
	if e.stop != nil {
		e.stop()
	}
	e.wg.Wait()
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = e.Queue.Close(cctx)
	_ = e.Blobs.Close()
	_ = e.Store.Close()
}

// Upload uploads a file as the member user.
func (e *Env) Upload(ctx context.Context, path string) (*ent.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sent := false
	return e.Datasets.Upload(e.userCtx(ctx), &datasets.Upload{}, func() (datasets.File, error) {
		if sent {
			return datasets.File{}, io.EOF
		}
		sent = true
		return datasets.File{Name: filepath.Base(path), Body: f}, nil
	})
}

// Submission is a project to submit.
type Submission struct {
	DatasetID        uuid.UUID
	Description      string
	BudgetSeconds    int64
	RequiresApproval bool
	WebhookURL       string
}

// Submit creates a project as the member user and wakes the worker.
func (e *Env) Submit(ctx context.Context, s Submission) (*ent.Project, error) {
	p, err := e.Store.CreateProject(e.userCtx(ctx), store.NewProject{
		DatasetID: s.DatasetID, ProblemDescription: s.Description, BudgetSeconds: s.BudgetSeconds, RequiresApproval: s.RequiresApproval,
		WebhookURL: s.WebhookURL,
	})
	if err == nil && e.Worker != nil {
		e.Worker.Wake()
	}
	return p, err
}

// userCtx carries the member viewer on ctx.
func (e *Env) userCtx(ctx context.Context) context.Context {
	v, _ := store.ViewerFrom(e.User)
	return store.WithViewer(ctx, v)
}

// ErrTimeout is returned by Wait when the project did not reach a wanted stage in time.
var ErrTimeout = errors.New("timed out")

// Wait polls the project until it reaches one of the stages (any terminal stage always ends
// the wait) or the timeout passes.
func (e *Env) Wait(ctx context.Context, id uuid.UUID, timeout time.Duration, stages ...store.Stage) (*ent.Project, error) {
	deadline := time.Now().Add(timeout)
	sys := store.SystemContext(ctx)
	wake := e.Store.Subscribe(sys, id)
	for {
		p, err := e.Store.GetProject(sys, id)
		if err != nil {
			return nil, err
		}
		if p.Stage.Terminal() || slices.Contains(stages, p.Stage) {
			return p, nil
		}
		if time.Now().After(deadline) {
			return p, fmt.Errorf("project %s still %s after %s: %w", id, p.Stage, timeout, ErrTimeout)
		}
		select {
		case <-ctx.Done():
			return p, ctx.Err()
		case <-wake:
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// DatasetPath returns the path of a shared dataset (see ml/datasets).
func DatasetPath(name string) (string, error) { return shared.Path(name) }
