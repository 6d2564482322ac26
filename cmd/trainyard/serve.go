package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"gocloud.dev/pubsub"

	"github.com/trainyard/trainyard/agents/vertextrainer"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/config"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/oidc"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/server"
)

// runServe implements `trainyard serve`.
func runServe(ctx context.Context, e env, args []string) error {
	cfg := config.Default()
	fs := newFlagSet()
	fs.SetOutput(e.stderr)
	cfg.RegisterStore(fs)
	cfg.RegisterServer(fs)
	cfg.RegisterLog(fs)
	cfg.RegisterBackends(fs)
	adminEmail := fs.String("admin-email", "admin@localhost", "email of the admin user created on first start (env TRAINYARD_ADMIN_EMAIL)")
	batchSub := fs.String("batch-subscription-url", "", "broker subscription of the batch predictions topic, from which serve starts batch jobs as soon as they are created; not needed for mem://; without it on a broker no batch trigger is published and a job its own replica does not start at once waits for the sweep (env "+batchSubscriptionVar+")")
	if err := cfg.Parse(fs, args, e.lookup); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if v, ok := e.lookup("TRAINYARD_ADMIN_EMAIL"); ok && !flagGiven(fs, "admin-email") {
		*adminEmail = v
	}
	log := cfg.Log.NewLogger(e.stderr)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, e, cfg, log, *adminEmail, *batchSub, nil)
}

// batchSubscriptionVar is the variable of --batch-subscription-url.
const batchSubscriptionVar = config.EnvPrefix + "BATCH_SUBSCRIPTION_URL"

// batchSweepEvery is how often serve looks for batch jobs nobody runs (PENDING, or RUNNING
// past their lease): half the lease, so that a job abandoned by a dead process runs again
// within one and a half leases.
const batchSweepEvery = serving.DefaultBatchLeaseTTL / 2

// openStores opens what serve and worker share: the metadata store, the blob store and the
// queue of cfg. closeAll closes them, giving the queue 5 s to deliver what it holds.
func openStores(ctx context.Context, cfg config.Config, opts store.Options, log *slog.Logger) (st *store.Store, bl *blob.Store, q *queue.Queue, closeAll func(), err error) {
	if st, err = store.Open(ctx, cfg.DatabaseURL, opts); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("open store: %w", err)
	}
	if bl, err = blob.Open(ctx, cfg.BlobURL, cfg.DataDir); err != nil {
		st.Close()
		return nil, nil, nil, nil, fmt.Errorf("open blob store: %w", err)
	}
	if q, err = queue.Open(ctx, cfg.QueueURL); err != nil {
		bl.Close()
		st.Close()
		return nil, nil, nil, nil, err
	}
	closeAll = func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := q.Close(cctx); err != nil {
			log.Warn("close queue", "err", err)
		}
		bl.Close()
		st.Close()
	}
	return st, bl, q, closeAll, nil
}

// newFlagSet returns the flag set of `trainyard serve`.
func newFlagSet() *flag.FlagSet { return flag.NewFlagSet("trainyard serve", flag.ContinueOnError) }

// flagGiven reports whether the flag was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// serve runs the server until ctx ends, then shuts it down gracefully. ln, when not nil, is
// used instead of listening on cfg.Addr (tests). batchSub is --batch-subscription-url; the
// embedded workers' settings come from e's variables (see startEmbeddedWorkers).
func serve(ctx context.Context, e env, cfg config.Config, log *slog.Logger, adminEmail, batchSub string, ln net.Listener) error {
	st, bl, q, closeAll, err := openStores(ctx, cfg, store.Options{Logger: log}, log)
	if err != nil {
		return err
	}
	defer closeAll()
	if err := bootstrapAdmin(ctx, e, st, cfg.PublicURL, adminEmail); err != nil {
		return err
	}

	sessions, err := openSessions(ctx, cfg)
	if err != nil {
		return err
	}
	opts := server.Options{
		Store:             st,
		Logger:            log,
		PublicURL:         cfg.PublicURL,
		RateLimit:         cfg.RateLimit,
		MaxActiveProjects: cfg.MaxActiveProjects,
	}
	if sessions != nil {
		opts.Sessions = sessions
	}
	srv, err := server.New(ctx, opts)
	if err != nil {
		return err
	}
	if sessions != nil {
		srv.HandleSignIn("POST /api/v1/auth/google", oidc.Handler(sessions, st, log))
	}
	// Models the Vertex AI backend deployed are served through their endpoints and undeployed
	// when deleted.
	vc, err := vertextrainer.ClientFromURL(ctx, cfg.TrainerURL)
	if err != nil {
		return err
	}
	batcher, err := mountDataServices(srv, st, bl, cfg, vc)
	if err != nil {
		return err
	}

	relay := queue.NewRelay(serveOutbox(cfg, st, q, batchSub), q, log, time.Second)
	srv.SetOutboxNotifier(relay.Wake)
	relayCtx, stopRelay := context.WithCancel(store.SystemContext(context.WithoutCancel(ctx)))
	var wg sync.WaitGroup
	wg.Go(func() { relay.Run(relayCtx) })
	if err := consumeBatches(relayCtx, &wg, q, st.BatchTopic(), batchSub, batcher, log); err != nil {
		stopRelay()
		wg.Wait()
		return err
	}
	defer func() {
		stopRelay()
		wg.Wait()
	}()
	stopWorkers, err := startEmbeddedWorkers(ctx, e, cfg, st, bl, q, log)
	if err != nil {
		return err
	}
	defer stopWorkers()

	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("trainyard is up", "url", cfg.PublicURL, "database", st.Dialect(), "queue", q.URL())

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// mountDataServices mounts the dataset, model and prediction handlers and their hand-written
// routes (uploads, downloads, reports, predictions, the Open Inference Protocol) on srv, and
// returns the batch prediction runner. vc, when not nil, is the Vertex AI client that serves
// the models deployed to its endpoints and undeploys them when they are deleted.
func mountDataServices(srv *server.Server, st *store.Store, bl *blob.Store, cfg config.Config, vc *vertex.Client) (*serving.Batcher, error) {
	secret, err := blob.LoadOrCreateSecret(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("link-signing secret: %w", err)
	}
	signer, err := blob.NewSigner(secret)
	if err != nil {
		return nil, fmt.Errorf("link signer: %w", err)
	}
	ds := datasets.New(st, bl, datasets.Options{MaxBytes: cfg.MaxDatasetBytes, Retention: cfg.DataRetention})
	dp := server.DataPlane{Datasets: ds, Blobs: bl, Signer: signer}
	var sv server.Serving
	if vc != nil {
		dp.RemoveEndpoint = vc.Remove
		if sv.Registry, err = serving.New(serving.Options{Blobs: bl, Remote: vc}); err != nil {
			return nil, err
		}
	}
	if err := srv.MountDataPlane(dp); err != nil {
		return nil, err
	}
	return srv.MountServing(dp, sv)
}

// consumeBatches runs batch predictions in this process until ctx ends: the jobs left PENDING
// or abandoned RUNNING by an earlier run (Batcher.Sweep, with any queue), and every trigger
// received from the batch topic, one job at a time: the in-process queue's topic, or on a
// broker the subscription batchSub names. On a broker without one, the jobs the API did not
// start in the process that accepted them (busy with another job, or stopped) wait for a sweep.
func consumeBatches(ctx context.Context, wg *sync.WaitGroup, q *queue.Queue, topic, batchSub string, b *serving.Batcher, log *slog.Logger) error {
	// Jobs left PENDING, or RUNNING by a process that died (once their lease expires), run
	// again here, whatever the queue.
	wg.Go(func() { b.Sweep(ctx, batchSweepEvery) })
	subURL, ok := batchSubscription(q, batchSub)
	if !ok {
		log.Info("batch triggers are not published without a subscription to read them: a batch job its replica does not start at once waits for the sweep; set --batch-subscription-url ("+batchSubscriptionVar+") to start it at once",
			"sweep", batchSweepEvery)
		return nil
	}
	sub, err := q.Subscribe(ctx, topic, subURL)
	if err != nil {
		return err
	}
	wg.Go(func() { runBatchTriggers(ctx, sub, b, log) })
	return nil
}

// runBatchTriggers runs the job of every trigger sub delivers until ctx ends, one at a time.
// A trigger is acknowledged as soon as it arrives, before its job runs, as acknowledging it
// after would buy nothing: if this process dies mid-job, the job stays RUNNING under its
// lease, where a redelivered trigger finds it claimed and does nothing (Batcher.Run claims
// PENDING jobs only); once the lease has expired, the sweep of any serve re-queues the job and
// runs it again. A process that dies between the ack and the claim leaves the job PENDING, for
// the next sweep.
func runBatchTriggers(ctx context.Context, sub *pubsub.Subscription, b *serving.Batcher, log *slog.Logger) {
	defer sub.Shutdown(context.WithoutCancel(ctx))
	for {
		m, err := sub.Receive(ctx)
		if err != nil {
			if ctx.Err() == nil { // a receive error is final: the subscription is broken
				log.Error("batch triggers: receive failed; batch jobs now start at the sweep", "sweep", batchSweepEvery, "err", err)
			}
			return
		}
		m.Ack()
		var t store.BatchTrigger
		if err := json.Unmarshal(m.Body, &t); err != nil {
			log.Warn("malformed batch trigger", "err", err)
			continue
		}
		if err := b.Run(ctx, t.BatchPredictionID); err != nil && ctx.Err() == nil {
			log.Error("batch prediction", "id", t.BatchPredictionID, "err", err)
		}
	}
}
