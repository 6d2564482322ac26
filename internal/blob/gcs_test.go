package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
)

// startGCS serves fake-gcs-server over HTTP with one bucket, points the storage client at it
// and returns the gs:// URL of the bucket, signing with a generated service-account key.
func startGCS(t *testing.T) (*fakestorage.Server, string) {
	t.Helper()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", PublicHost: "127.0.0.1", NoListener: false})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "trainyard-test"})
	t.Setenv("STORAGE_EMULATOR_HOST", strings.TrimPrefix(srv.URL(), "http://"))
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sa.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, "gs://trainyard-test?access_id=trainyard%40p1.iam.gserviceaccount.com&private_key_path=" + url.QueryEscape(path)
}

func TestGCSStreamsStatsAndDeletes(t *testing.T) {
	srv, u := startGCS(t)
	ctx := context.Background()
	s, err := Open(ctx, u, "")
	if err != nil {
		t.Fatalf("Open(gs://) = %v", err)
	}
	defer s.Close()
	if strings.Contains(s.String(), "private_key") {
		t.Errorf("String() = %q leaks the key path", s.String())
	}
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	w, err := s.Create(ctx, "datasets/d1/churn.csv", "text/csv")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(payload); i += 100_000 {
		if _, err := w.Write(payload[i:min(i+100_000, len(payload))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	obj, err := srv.GetObject("trainyard-test", "datasets/d1/churn.csv")
	if err != nil || !bytes.Equal(obj.Content, payload) || obj.ContentType != "text/csv" {
		t.Fatalf("object in the fake = %d bytes %q, %v", len(obj.Content), obj.ContentType, err)
	}
	a, err := s.Stat(ctx, "datasets/d1/churn.csv")
	if err != nil || a.Size != int64(len(payload)) {
		t.Errorf("Stat = %+v, %v", a, err)
	}
	r, err := s.OpenRange(ctx, "datasets/d1/churn.csv", 16, 16)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(r)
	r.Close()
	if string(part) != "0123456789abcdef" {
		t.Errorf("OpenRange = %q", part)
	}
	// An aborted write leaves nothing behind.
	w, _ = s.Create(ctx, "datasets/d1/partial.csv", "text/csv")
	w.Write([]byte("half"))
	w.Abort()
	if _, err := s.Stat(ctx, "datasets/d1/partial.csv"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat(aborted) = %v, want ErrNotFound", err)
	}
	for _, k := range []string{"models/m1/model.bin", "models/m1/report.html"} {
		w, _ := s.Create(ctx, k, "")
		w.Write([]byte(k))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeletePrefix(ctx, ModelPrefix("m1")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, ModelReportKey("m1")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat after DeletePrefix = %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(ctx, "datasets/d1/churn.csv"); err != nil {
		t.Errorf("DeletePrefix removed another prefix: %v", err)
	}
}

func TestGCSDirectUploadAndDownloadLinks(t *testing.T) {
	srv, u := startGCS(t)
	ctx := context.Background()
	s, err := Open(ctx, u, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put, err := s.DirectURL(ctx, http.MethodPut, "datasets/d2/photo.jpg", "image/jpeg", 15*time.Minute)
	if err != nil {
		t.Fatalf("DirectURL(PUT) = %v", err)
	}
	pu, _ := url.Parse(put)
	q := pu.Query()
	if q.Get("X-Goog-Algorithm") != "GOOG4-RSA-SHA256" || (q.Get("X-Goog-Expires") != "900" && q.Get("X-Goog-Expires") != "899") || q.Get("X-Goog-Signature") == "" ||
		!strings.HasPrefix(q.Get("X-Goog-Credential"), "trainyard@p1.iam.gserviceaccount.com/") || !strings.Contains(q.Get("X-Goog-SignedHeaders"), "content-type") {
		t.Errorf("signed PUT url = %s", put)
	}
	if pu.Path != "/trainyard-test/datasets/d2/photo.jpg" {
		t.Errorf("signed url path = %s", pu.Path)
	}
	body := []byte("\xff\xd8\xff\xe0 not really a jpeg")
	req, _ := http.NewRequest(http.MethodPut, put, bytes.NewReader(body))
	req.Header.Set("Content-Type", "image/jpeg")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT through the signed url = %d", resp.StatusCode)
	}
	if obj, err := srv.GetObject("trainyard-test", "datasets/d2/photo.jpg"); err != nil || !bytes.Equal(obj.Content, body) {
		t.Fatalf("uploaded object = %q, %v", obj.Content, err)
	}
	get, err := s.DirectURL(ctx, http.MethodGet, "datasets/d2/photo.jpg", "", time.Hour)
	if err != nil {
		t.Fatalf("DirectURL(GET) = %v", err)
	}
	resp, err = http.Get(get)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, body) {
		t.Errorf("GET through the signed url = %d %q", resp.StatusCode, got)
	}
	for _, tc := range []struct {
		method string
		ttl    time.Duration
	}{{http.MethodDelete, time.Hour}, {http.MethodGet, 8 * 24 * time.Hour}, {http.MethodGet, 0}} {
		if _, err := s.DirectURL(ctx, tc.method, "datasets/d2/photo.jpg", "", tc.ttl); err == nil {
			t.Errorf("DirectURL(%s, %v) = nil error, want one", tc.method, tc.ttl)
		}
	}
}

func TestGCSDirectLinksNeedASigner(t *testing.T) {
	for _, u := range []string{"mem://", "file://" + filepath.ToSlash(t.TempDir())} {
		s, err := Open(context.Background(), u, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DirectURL(context.Background(), http.MethodGet, "a/b", "", time.Minute); !errors.Is(err, ErrDirectUnsupported) {
			t.Errorf("DirectURL on %s = %v, want ErrDirectUnsupported", u, err)
		}
		s.Close()
	}
}
