package model

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// MaxSize bounds the decompressed size of an artifact that Load reads.
const MaxSize = 1 << 31

// ErrFormat marks input that is not a readable artifact: not gzip or JSON,
// another format, a newer min_reader_version, or an invalid model.
var ErrFormat = errors.New("not a valid model artifact")

// Save writes a as gzip-compressed JSON. It fills Format, Version and
// MinReaderVersion (at least 4 with a temperature Calibration, 3 with a
// Platt one, 2 with a Threshold, else at least 1), and validates a first.
func (a *Artifact) Save(w io.Writer) error {
	a.Format, a.Version = Format, Version
	a.MinReaderVersion = max(a.MinReaderVersion, a.minReader())
	if err := a.Validate(); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed) // large ensembles: speed over a few percent of size
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(zw, 1<<16)
	if err := json.NewEncoder(bw).Encode(a); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return nil
}

// minReader is the oldest reader version that predicts a as this one does.
func (a *Artifact) minReader() int {
	if a.Calibration != nil && a.Calibration.Temperature != 0 {
		return temperatureVersion
	}
	if a.Calibration != nil {
		return calibrationVersion
	}
	if a.Threshold != 0 {
		return thresholdVersion
	}
	return 1
}

// SaveFile writes a to path atomically (a temporary file renamed over it).
func (a *Artifact) SaveFile(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".model-*")
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("save model: %w", err)
	}
	if err := a.Save(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return nil
}

// Load reads an artifact written by Save (gzip'd JSON) or its plain JSON,
// and validates it. Any problem is reported as an error wrapping ErrFormat
// (or the reader's error); Load never panics on bad input.
func Load(r io.Reader) (*Artifact, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("load model: %w: %w", ErrFormat, err)
		}
		defer zr.Close()
		src = zr
	}
	data, err := io.ReadAll(io.LimitReader(src, MaxSize+1))
	if err != nil {
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("load model: %w: %w", ErrFormat, err)
		}
		return nil, fmt.Errorf("load model: %w", err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("load model: %w: larger than %d bytes", ErrFormat, MaxSize)
	}
	return Unmarshal(data)
}

// LoadFile reads the artifact at path.
func LoadFile(path string) (*Artifact, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	defer f.Close()
	return Load(f)
}

// Unmarshal decodes and validates the JSON form of an artifact.
func Unmarshal(data []byte) (*Artifact, error) {
	a := new(Artifact)
	if err := json.Unmarshal(data, a); err != nil {
		// Say why when the file is another format or a newer layout.
		if herr := checkHeader(data); herr != nil {
			return nil, herr
		}
		return nil, fmt.Errorf("load model: %w: %w", ErrFormat, err)
	}
	if a.Format != Format {
		return nil, fmt.Errorf("load model: %w: format %q, want %q", ErrFormat, a.Format, Format)
	}
	if a.MinReaderVersion > Version {
		return nil, tooNew(a.Version, a.MinReaderVersion)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("load model: %w: %w", ErrFormat, err)
	}
	return a, nil
}

// checkHeader reads only the format and version fields of data.
func checkHeader(data []byte) error {
	var head struct {
		Format           string `json:"format"`
		Version          int    `json:"version"`
		MinReaderVersion int    `json:"min_reader_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("load model: %w: %w", ErrFormat, err)
	}
	if head.Format != Format {
		return fmt.Errorf("load model: %w: format %q, want %q", ErrFormat, head.Format, Format)
	}
	if head.MinReaderVersion > Version {
		return tooNew(head.Version, head.MinReaderVersion)
	}
	return nil
}

func tooNew(version, minReader int) error {
	return fmt.Errorf("load model: %w: written by format version %d for readers of version %d and later; this build reads up to %d",
		ErrFormat, version, minReader, Version)
}
