// Package config is Trainyard's configuration: one struct, filled once in main from command-line
// flags and TRAINYARD_* environment variables (a flag given on the command line wins over the
// variable, the variable over the default), and passed down to whatever needs it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// EnvPrefix starts the name of every environment variable that sets a flag: --database-url is
// TRAINYARD_DATABASE_URL.
const EnvPrefix = "TRAINYARD_"

// Store locates the backends every subcommand that touches data shares.
type Store struct {
	// DataDir holds the embedded defaults: the SQLite file and the blob folder.
	DataDir string
	// DatabaseURL is sqlite://path or postgres://...; empty means SQLite in DataDir.
	DatabaseURL string
	// BlobURL is file:///path or gs://bucket; empty means a folder in DataDir.
	BlobURL string
}

// Server is the configuration of `trainyard serve`.
type Server struct {
	// Addr is the HOST:PORT to listen on.
	Addr string
	// PublicURL is the base of the links the API hands out; empty means http://Addr.
	PublicURL string
	// QueueURL is the base URL of the work queue's topics (mem://, gcppubsub://..., nats://...).
	QueueURL string
	// RateLimit is the number of requests a user may make per minute; 0 disables the limit.
	RateLimit int
	// MaxActiveProjects is how many running projects a user may have at once.
	MaxActiveProjects int
	// ShutdownTimeout bounds how long a graceful shutdown waits for in-flight requests.
	ShutdownTimeout time.Duration
	// MaxDatasetBytes bounds one dataset (all its files); 0 means the built-in 10 GB.
	MaxDatasetBytes int64
	// DataRetention is how long uploaded data is kept; 0 means the built-in 90 days.
	DataRetention time.Duration
	// Workers is how many projects the agent workers embedded in `trainyard serve` run at
	// once; 0 embeds none (an API-only replica; `trainyard worker` processes do the work).
	Workers int
}

// Log configures the structured logger.
type Log struct {
	// Level is debug, info, warn or error.
	Level string
	// Format is text or json.
	Format string
}

// Config is the whole configuration.
type Config struct {
	Store
	Server
	Log
	Backends
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Store: Store{DataDir: ".trainyard"},
		Server: Server{
			Addr:              "127.0.0.1:8080",
			QueueURL:          "mem://",
			RateLimit:         100,
			MaxActiveProjects: 5,
			ShutdownTimeout:   30 * time.Second,
			Workers:           2,
		},
		Log:      Log{Level: "info", Format: "text"},
		Backends: defaultBackends(),
	}
}

// envName returns the environment variable of a flag name.
func envName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// RegisterStore adds the store flags (--data-dir, --database-url, --blob-url) to fs.
func (c *Config) RegisterStore(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder of the embedded defaults (SQLite file, blobs) (env "+envName("data-dir")+")")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "metadata store: sqlite://PATH or postgres://...; default SQLite in the data dir (env "+envName("database-url")+")")
	fs.StringVar(&c.BlobURL, "blob-url", c.BlobURL, "blob store: file:///PATH or gs://BUCKET; default the blobs folder in the data dir (env "+envName("blob-url")+")")
}

// RegisterLog adds --log-level and --log-format to fs.
func (c *Config) RegisterLog(fs *flag.FlagSet) {
	fs.StringVar(&c.Level, "log-level", c.Level, "debug, info, warn or error (env "+envName("log-level")+")")
	fs.StringVar(&c.Format, "log-format", c.Format, "text or json (env "+envName("log-format")+")")
}

// RegisterServer adds the flags of `trainyard serve` to fs.
func (c *Config) RegisterServer(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "HOST:PORT to listen on (env "+envName("addr")+")")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "base URL of the links the API hands out; default http://ADDR (env "+envName("public-url")+")")
	fs.StringVar(&c.QueueURL, "queue-url", c.QueueURL, "work queue: mem://, gcppubsub://projects/P/topics/PREFIX, nats://... (env "+envName("queue-url")+")")
	fs.IntVar(&c.RateLimit, "rate-limit", c.RateLimit, "requests per minute per user, 0 for no limit (env "+envName("rate-limit")+")")
	fs.IntVar(&c.MaxActiveProjects, "max-active-projects", c.MaxActiveProjects, "running projects per user (env "+envName("max-active-projects")+")")
	fs.Int64Var(&c.MaxDatasetBytes, "max-dataset-bytes", c.MaxDatasetBytes, "largest dataset in bytes, 0 for the default 10 GB (env "+envName("max-dataset-bytes")+")")
	fs.DurationVar(&c.DataRetention, "data-retention", c.DataRetention, "how long uploaded data is kept, 0 for the default 90 days (env "+envName("data-retention")+")")
	fs.IntVar(&c.Workers, "workers", c.Workers, "projects the embedded agent workers run at once; 0 embeds none, for an API-only replica next to `trainyard worker` processes (env "+envName("workers")+")")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long a graceful shutdown waits for in-flight requests (env "+envName("shutdown-timeout")+")")
}

// Parse parses args into fs after applying the TRAINYARD_* variables that lookup finds (use
// os.LookupEnv) to the flags not given on the command line, then fills derived defaults.
func (c *Config) Parse(fs *flag.FlagSet, args []string, lookup func(string) (string, bool)) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || lookup == nil {
			return
		}
		if v, ok := lookup(envName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return c.finish()
}

// finish fills the defaults derived from other fields and checks the values.
func (c *Config) finish() error {
	if c.DataDir == "" {
		return errors.New("--data-dir must not be empty")
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite://" + filepath.Join(c.DataDir, "trainyard.db")
	}
	if c.BlobURL == "" {
		abs, err := filepath.Abs(filepath.Join(c.DataDir, "blobs"))
		if err != nil {
			return fmt.Errorf("blob folder: %w", err)
		}
		c.BlobURL = "file://" + filepath.ToSlash(abs)
	}
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			return fmt.Errorf("--addr %q: %w", c.Addr, err)
		}
	}
	if c.PublicURL == "" && c.Addr != "" {
		c.PublicURL = "http://" + displayHost(c.Addr)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.RateLimit < 0 {
		return fmt.Errorf("--rate-limit %d: must not be negative", c.RateLimit)
	}
	if c.MaxDatasetBytes < 0 || c.DataRetention < 0 {
		return errors.New("--max-dataset-bytes and --data-retention must not be negative")
	}
	if c.Workers < 0 {
		return fmt.Errorf("--workers %d: must not be negative", c.Workers)
	}
	if c.MaxActiveProjects < 0 {
		return fmt.Errorf("--max-active-projects %d: must not be negative", c.MaxActiveProjects)
	}
	if err := c.checkBackends(); err != nil {
		return err
	}
	if _, err := c.SlogLevel(); err != nil {
		return err
	}
	if c.Format != "text" && c.Format != "json" {
		return fmt.Errorf("--log-format %q: want text or json", c.Format)
	}
	return nil
}

// displayHost turns a listen address into one a browser can reach: an empty or unspecified
// host becomes 127.0.0.1.
func displayHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// SlogLevel returns the log level as a slog.Level.
func (l Log) SlogLevel() (slog.Level, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.Level)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", l.Level)
	}
	return lv, nil
}

// NewLogger returns the logger the configuration describes, writing to w (usually stderr).
func (l Log) NewLogger(w io.Writer) *slog.Logger {
	lv, _ := l.SlogLevel()
	opts := &slog.HandlerOptions{Level: lv}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
