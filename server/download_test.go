package server_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/store"
)

// bigBytes is the size of the generated model of the download memory test.
const bigBytes = 200 << 20

// bigUpload is the size of the generated CSV of the upload memory test (parsing costs more
// than copying, so it is smaller).
const bigUpload = 48 << 20

// heapPeak samples the live heap until stop is called and returns the growth of its peak over
// the heap when it started (after a GC).
func heapPeak() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		if peak < base {
			return 0
		}
		return peak - base
	}
}

// patternReader yields n pseudo-random bytes without holding them.
type patternReader struct {
	rng *rand.ChaCha8
	n   int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n)]
	r.rng.Read(p)
	r.n -= int64(len(p))
	return len(p), nil
}

func TestDownloadLargeModelMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 200 MB; skipped with -short")
	}
	h := newDataHarness(t, sqliteURL(t), datasets.Options{})
	a := h.newUser("a@example.com", store.RoleMember)
	m := h.newModel(a, []byte("small"), []byte("small"))
	// Replace the native artifact with 200 MB written in a stream.
	w, err := h.blobs.Create(context.Background(), m.ArtifactKey, "")
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.New()
	if _, err := io.Copy(io.MultiWriter(w, want), &patternReader{rng: rand.NewChaCha8([32]byte{1}), n: bigBytes}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wantSum := fmt.Sprintf("%x", want.Sum(nil))

	stop := heapPeak()
	req, _ := http.NewRequest(http.MethodGet, h.base+"/api/v1/models/"+m.ID.String()+"/download", nil)
	req.Header.Set("Authorization", "Bearer "+a.key)
	start := time.Now()
	res, err := h.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	n, err := io.CopyBuffer(got, res.Body, make([]byte, 64<<10))
	res.Body.Close()
	growth := stop()
	elapsed := time.Since(start)
	if err != nil || n != bigBytes || fmt.Sprintf("%x", got.Sum(nil)) != wantSum || res.ContentLength != bigBytes {
		t.Fatalf("download = %d bytes (Content-Length %d), err %v; want %d bytes with the written checksum", n, res.ContentLength, err, bigBytes)
	}
	t.Logf("REST download of %d MB: %v (%.0f MB/s), heap peak +%.1f MB", bigBytes>>20, elapsed, float64(bigBytes)/1e6/elapsed.Seconds(), float64(growth)/(1<<20))
	if growth > 32<<20 {
		t.Errorf("heap grew by %.1f MB while streaming %d MB, want under 32 MB", float64(growth)/(1<<20), bigBytes>>20)
	}

	// The gRPC stream: chunks pass through, the file is never assembled.
	stop = heapPeak()
	start = time.Now()
	s, err := h.gms.DownloadModel(grpcCtx(context.Background(), a.key), &trainyardv1.DownloadModelRequest{Name: m.ID.String()})
	if err != nil {
		t.Fatal(err)
	}
	got.Reset()
	n = 0
	for {
		msg, err := s.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got.Write(msg.GetChunk())
		n += int64(len(msg.GetChunk()))
	}
	growth = stop()
	elapsed = time.Since(start)
	if n != bigBytes || fmt.Sprintf("%x", got.Sum(nil)) != wantSum {
		t.Fatalf("gRPC download = %d bytes, want %d with the written checksum", n, bigBytes)
	}
	t.Logf("gRPC DownloadModel of %d MB: %v (%.0f MB/s), heap peak +%.1f MB", bigBytes>>20, elapsed, float64(bigBytes)/1e6/elapsed.Seconds(), float64(growth)/(1<<20))
	// The bound is looser than REST's: the in-process grpc-go client buffers up to its
	// flow-control window (grown by BDP estimation) besides the 1 MiB messages.
	if growth > 64<<20 {
		t.Errorf("heap grew by %.1f MB while streaming %d MB over gRPC, want under 64 MB", float64(growth)/(1<<20), bigBytes>>20)
	}
}

// csvReader generates a CSV of n rows (id, a number, a category, a short text) on the fly.
type csvReader struct {
	rows, next int
	buf        []byte
}

func (r *csvReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && r.next <= r.rows {
		if r.next == 0 {
			r.buf = append(r.buf, "id,amount,colour,note\n"...)
		} else {
			r.buf = fmt.Appendf(r.buf, "%d,%d.%02d,%s,row number %d\n", r.next, r.next%977, r.next%100, []string{"red", "green", "blue"}[r.next%3], r.next)
		}
		r.next++
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[:copy(r.buf, r.buf[n:])]
	return n, nil
}

func TestUploadLargeCSVMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 48 MB; skipped with -short")
	}
	h := newDataHarness(t, sqliteURL(t), datasets.Options{SampleBytes: 1 << 20})
	a := h.newUser("a@example.com", store.RoleMember)
	// Find the row count that makes about 200 MB.
	rows := 0
	for size := int64(0); size < bigUpload; rows += 100_000 {
		n, _ := io.Copy(io.Discard, &csvReader{rows: rows + 100_000, next: rows + 1})
		size += n
	}
	var size int64
	sum := sha256.New()
	counted := &countingReader{r: &csvReader{rows: rows}, n: &size, h: sum}

	stop := heapPeak()
	start := time.Now()
	status, body := h.restUpload(a.key, nil, part{field: "file", filename: "big.csv", body: counted})
	growth := stop()
	elapsed := time.Since(start)
	d := restDataset(t, status, body, http.StatusCreated)
	if d.GetNumRows() != int64(rows) || d.GetSizeBytes() != size || d.GetFiles()[0].GetSha256() != fmt.Sprintf("%x", sum.Sum(nil)) || d.GetNumColumns() != 4 {
		t.Errorf("upload = %d rows, %d bytes, %d columns; want %d rows, %d bytes, 4 columns, the same checksum", d.GetNumRows(), d.GetSizeBytes(), d.GetNumColumns(), rows, size)
	}
	t.Logf("REST upload of %d MB (%d rows): %v (%.0f MB/s), heap peak +%.1f MB", size>>20, rows, elapsed, float64(size)/1e6/elapsed.Seconds(), float64(growth)/(1<<20))
	if growth > 40<<20 {
		t.Errorf("heap grew by %.1f MB while uploading %d MB, want under 40 MB", float64(growth)/(1<<20), size>>20)
	}
}

// countingReader counts and hashes what passes through it.
type countingReader struct {
	r io.Reader
	n *int64
	h io.Writer
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	c.h.Write(p[:n])
	return n, err
}
