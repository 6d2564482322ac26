package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/providers"
	"github.com/trainyard/trainyard/agents/vertextrainer"
	"github.com/trainyard/trainyard/agents/worker"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/config"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/store"
)

// workerConfig is what `trainyard worker` (and the workers `serve` embeds) run with.
type workerConfig struct {
	concurrency   int
	leaseTTL      time.Duration
	sweepInterval time.Duration
	sweepGrace    time.Duration
	minBudget     time.Duration
	maxBudget     time.Duration
	workerID      string
	subscription  string
	webhookSub    string
	webhookSecret string
	expiryEvery   time.Duration
	expiryDryRun  bool
	modelKeep     time.Duration
}

// defaultWorkerConfig returns the defaults.
func defaultWorkerConfig() workerConfig {
	return workerConfig{concurrency: 2, leaseTTL: 30 * time.Second, sweepInterval: 5 * time.Second, sweepGrace: 3 * time.Second,
		minBudget: 20 * time.Second, maxBudget: 24 * time.Hour, expiryEvery: time.Hour, modelKeep: 90 * 24 * time.Hour}
}

// register adds the worker flags to fs.
func (w *workerConfig) register(fs *flag.FlagSet) {
	fs.IntVar(&w.concurrency, "concurrency", w.concurrency, "projects run at once (env TRAINYARD_CONCURRENCY)")
	fs.DurationVar(&w.leaseTTL, "lease-ttl", w.leaseTTL, "how long a project claim lasts without renewal (env TRAINYARD_LEASE_TTL)")
	fs.DurationVar(&w.sweepInterval, "sweep-interval", w.sweepInterval, "how often unclaimed running projects are re-triggered (env TRAINYARD_SWEEP_INTERVAL)")
	fs.DurationVar(&w.sweepGrace, "sweep-grace", w.sweepGrace, "idle time before an unclaimed project is re-triggered (env TRAINYARD_SWEEP_GRACE)")
	fs.DurationVar(&w.minBudget, "min-budget", w.minBudget, "smallest derived training budget (env TRAINYARD_MIN_BUDGET)")
	fs.DurationVar(&w.maxBudget, "max-budget", w.maxBudget, "largest training budget, at most 24h (env TRAINYARD_MAX_BUDGET)")
	fs.StringVar(&w.workerID, "worker-id", w.workerID, "name of this worker in leases; default host-pid (env TRAINYARD_WORKER_ID)")
	fs.StringVar(&w.webhookSecret, "webhook-secret", w.webhookSecret, "secret that signs webhook notifications; shared by every worker of an installation; default derived from the data dir's secret (env TRAINYARD_WEBHOOK_SECRET)")
	fs.DurationVar(&w.expiryEvery, "expiry-interval", w.expiryEvery, "how often expired datasets and models are cleaned up, 0 to never (env TRAINYARD_EXPIRY_INTERVAL)")
	fs.BoolVar(&w.expiryDryRun, "expiry-dry-run", w.expiryDryRun, "only log what the expiry cleanup would delete (env TRAINYARD_EXPIRY_DRY_RUN)")
	fs.DurationVar(&w.modelKeep, "model-retention", w.modelKeep, "how long a trained model is kept before the expiry cleanup deletes it; negative keeps models forever (env TRAINYARD_MODEL_RETENTION)")
	fs.StringVar(&w.subscription, "subscription-url", w.subscription, "broker subscription of the trigger topic, e.g. gcppubsub://projects/P/subscriptions/S; not needed for mem:// (env TRAINYARD_SUBSCRIPTION_URL)")
	fs.StringVar(&w.webhookSub, "webhook-subscription-url", w.webhookSub, "broker subscription of the webhooks topic, from which workers post webhook notifications; not needed for mem://; without it on a broker no webhook is sent (env TRAINYARD_WEBHOOK_SUBSCRIPTION_URL)")
}

// runWorker implements `trainyard worker`: the agent workers alone, against the same store,
// blob and queue URLs as `serve`.
func runWorker(ctx context.Context, e env, args []string) error {
	cfg := config.Default()
	wc := defaultWorkerConfig()
	fs := flag.NewFlagSet("trainyard worker", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfg.RegisterStore(fs)
	cfg.RegisterLog(fs)
	fs.StringVar(&cfg.QueueURL, "queue-url", cfg.QueueURL, "work queue: mem://, gcppubsub://projects/P/topics/PREFIX, nats://... (env TRAINYARD_QUEUE_URL)")
	fs.StringVar(&cfg.PublicURL, "public-url", "http://127.0.0.1:8080", "base URL of the API, for the code examples of models (env TRAINYARD_PUBLIC_URL)")
	wc.register(fs)
	cfg.RegisterBackends(fs)
	if err := cfg.Parse(fs, args, e.lookup); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	log := cfg.Log.NewLogger(e.stderr)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, bl, q, closeAll, err := openStores(ctx, cfg, store.Options{Logger: log, PollInterval: time.Second}, log)
	if err != nil {
		return err
	}
	defer closeAll()
	tr, rs, err := openBackends(ctx, e, cfg, bl)
	if err != nil {
		return err
	}
	w := newWorker(cfg, wc, st, bl, q, tr, rs, true, log)
	var bg sync.WaitGroup
	defer bg.Wait()
	if wc.expiryEvery > 0 {
		x := &worker.Expiry{Store: st, Blobs: bl, DryRun: wc.expiryDryRun, Logger: log}
		bg.Go(func() { x.Run(ctx, wc.expiryEvery) })
	}
	log.Info("trainyard worker is up", "worker", wc.workerID, "database", st.Dialect(), "queue", q.URL(), "concurrency", wc.concurrency)
	err = w.Run(ctx)
	log.Info("worker stopped", "stages", w.Handled())
	return err
}

// newWorker builds a worker and its pipeline.
func newWorker(cfg config.Config, wc workerConfig, st *store.Store, bl *blob.Store, q *queue.Queue, tr pipeline.Trainer, rs reasoner.Reasoner, relay bool, log *slog.Logger) *worker.Worker {
	if wc.workerID == "" {
		host, _ := os.Hostname()
		wc.workerID = host + "-" + strconv.Itoa(os.Getpid())
	}
	pipe := pipeline.New(pipeline.Deps{Store: st, Blobs: bl, Trainer: tr, Reasoner: rs}, pipeline.Options{
		WorkerID: wc.workerID, LeaseTTL: wc.leaseTTL, MinBudget: wc.minBudget, MaxBudget: wc.maxBudget,
		PublicURL: cfg.PublicURL, Logger: log, ModelRetention: wc.modelKeep,
	})
	secret := []byte(wc.webhookSecret)
	if len(secret) == 0 {
		if base, err := blob.LoadOrCreateSecret(cfg.DataDir); err == nil {
			m := hmac.New(sha256.New, base)
			m.Write([]byte("webhooks"))
			secret = m.Sum(nil)
		} else {
			log.Warn("no webhook secret: webhooks are not sent", "err", err)
		}
	}
	return worker.New(st, q, pipe, worker.Options{
		Concurrency: wc.concurrency, Relay: relay, SweepInterval: wc.sweepInterval, SweepGrace: wc.sweepGrace,
		SubscriptionURL: wc.subscription, WebhookSubscriptionURL: wc.webhookSub, WebhookSecret: secret, Logger: log,
	})
}

// startEmbeddedWorkers starts the agent workers inside `serve` (--workers projects at once,
// default 2; 0 runs none, for an API-only replica); the other worker settings come from the
// same TRAINYARD_* variables as `trainyard worker`'s flags. The workers run their own outbox
// relay so a stage's next trigger goes out at once. The returned function stops the workers and waits for them.
func startEmbeddedWorkers(ctx context.Context, e env, cfg config.Config, st *store.Store, bl *blob.Store, q *queue.Queue, log *slog.Logger) (func(), error) {
	wc := defaultWorkerConfig()
	fs := flag.NewFlagSet("embedded workers", flag.ContinueOnError)
	wc.register(fs)
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := config.EnvPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := e.lookup(name); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("worker settings: %w", err)
	}
	wc.concurrency = cfg.Workers
	if wc.concurrency <= 0 {
		log.Info("no embedded workers (--workers 0): worker processes run the projects")
		return func() {}, nil
	}
	tr, rs, err := openBackends(ctx, e, cfg, bl)
	if err != nil {
		return nil, err
	}
	w := newWorker(cfg, wc, st, bl, q, tr, rs, true, log)
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := w.Run(wctx); err != nil {
			log.Error("embedded workers", "err", err)
		}
	})
	if wc.expiryEvery > 0 {
		x := &worker.Expiry{Store: st, Blobs: bl, DryRun: wc.expiryDryRun, Logger: log}
		wg.Go(func() { x.Run(store.SystemContext(wctx), wc.expiryEvery) })
	}
	return func() { stop(); wg.Wait() }, nil
}

// openBackends opens the training backend and the reasoner the configuration names (nil for
// the local engine and the rules).
func openBackends(ctx context.Context, e env, cfg config.Config, bl *blob.Store) (pipeline.Trainer, reasoner.Reasoner, error) {
	tr, err := vertextrainer.FromURL(ctx, cfg.TrainerURL, cfg.TrainerImage, bl, cfg.BlobURL)
	if err != nil {
		return nil, nil, err
	}
	getenv := func(k string) string { v, _ := e.lookup(k); return v }
	rs, err := providers.Open(ctx, cfg.ReasonerURL, providers.Options{Getenv: getenv})
	if err != nil {
		return nil, nil, err
	}
	return tr, rs, nil
}
