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
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/trainyard/trainyard/agents/vertextrainer"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/config"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/oidc"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/store"
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
	return serve(ctx, e, cfg, log, *adminEmail, nil)
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
// used instead of listening on cfg.Addr (tests).
func serve(ctx context.Context, e env, cfg config.Config, log *slog.Logger, adminEmail string, ln net.Listener) error {
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	if err := bootstrapAdmin(ctx, e, st, cfg.PublicURL, adminEmail); err != nil {
		return err
	}
	bl, err := blob.Open(ctx, cfg.BlobURL, cfg.DataDir)
	if err != nil {
		return fmt.Errorf("open blob store: %w", err)
	}
	defer bl.Close()
	q, err := queue.Open(ctx, cfg.QueueURL)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := q.Close(cctx); err != nil {
			log.Warn("close queue", "err", err)
		}
	}()

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
	batcher, err := mountDataServices(ctx, srv, st, bl, cfg)
	if err != nil {
		return err
	}

	relay := queue.NewRelay(serveOutbox(cfg, st, q), q, log, time.Second)
	srv.SetOutboxNotifier(relay.Wake)
	relayCtx, stopRelay := context.WithCancel(store.SystemContext(context.WithoutCancel(ctx)))
	var wg sync.WaitGroup
	wg.Go(func() { relay.Run(relayCtx) })
	if err := consumeBatches(relayCtx, &wg, q, st.BatchTopic(), batcher, log); err != nil {
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
// returns the batch prediction runner.
func mountDataServices(ctx context.Context, srv *server.Server, st *store.Store, bl *blob.Store, cfg config.Config) (*serving.Batcher, error) {
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
	// Models the Vertex AI backend deployed are served through their endpoints and undeployed
	// when deleted.
	vc, err := vertextrainer.ClientFromURL(ctx, cfg.TrainerURL)
	if err != nil {
		return nil, err
	}
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
// published to the in-process queue's batch topic, one job at a time.
func consumeBatches(ctx context.Context, wg *sync.WaitGroup, q *queue.Queue, topic string, b *serving.Batcher, log *slog.Logger) error {
	// Jobs left PENDING, or RUNNING by a process that died (once their lease expires), run
	// again here, whatever the queue.
	wg.Go(func() { b.Sweep(ctx, 0) })
	if !strings.HasPrefix(q.URL(), "mem://") {
		return nil
	}
	sub, err := q.Subscribe(ctx, topic, "")
	if err != nil {
		return err
	}
	wg.Go(func() {
		defer sub.Shutdown(context.WithoutCancel(ctx))
		for {
			m, err := sub.Receive(ctx)
			if err != nil {
				return // ctx ended
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
	})
	return nil
}
