package datasets

import (
	"time"

	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
)

// Defaults of Options.
const (
	// DefaultMaxBytes is the largest dataset (all its files together): 10 GB.
	DefaultMaxBytes = 10_000_000_000
	// DefaultRetention is how long a dataset is kept after its upload.
	DefaultRetention = 90 * 24 * time.Hour
	// DefaultSampleBytes is how much of each delimited file's head is profiled in full.
	DefaultSampleBytes = 8 << 20
	// DefaultPreviewRows is the number of rows of a preview when none is asked for.
	DefaultPreviewRows = 20
	// MaxPreviewRows caps a preview.
	MaxPreviewRows = 500
	// chunkBytes is the copy buffer of an upload.
	chunkBytes = 256 << 10
)

// Options tune a Service. The zero value takes the defaults.
type Options struct {
	// MaxBytes bounds a dataset's total size (default DefaultMaxBytes).
	MaxBytes int64
	// Retention is how long data is kept after upload (default DefaultRetention; negative:
	// forever).
	Retention time.Duration
	// SampleBytes is how much of each delimited file is profiled in full (default
	// DefaultSampleBytes); row and missing counts always cover the whole file.
	SampleBytes int
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// Service uploads, describes, previews and deletes datasets. It is safe for concurrent use.
type Service struct {
	st    *store.Store
	blobs *blob.Store
	opts  Options
}

// New returns a Service that records datasets in st and keeps their files in blobs.
func New(st *store.Store, blobs *blob.Store, opts Options) *Service {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.SampleBytes <= 0 {
		opts.SampleBytes = DefaultSampleBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{st: st, blobs: blobs, opts: opts}
}

// MaxBytes returns the size limit of a dataset.
func (s *Service) MaxBytes() int64 { return s.opts.MaxBytes }

// Blobs returns the blob store the files live in.
func (s *Service) Blobs() *blob.Store { return s.blobs }
