package server

import (
	"io"
	"io/fs"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// TestWebFSHasIndex: whether or not the app was built, the embedded folder serves an index.html.
func TestWebFSHasIndex(t *testing.T) {
	b, err := fs.ReadFile(WebFS(), "index.html")
	if err != nil {
		t.Fatalf("ReadFile(WebFS(), index.html) = %v, want the app or the placeholder", err)
	}
	if !strings.Contains(string(b), "<title>Trainyard</title>") {
		t.Errorf("index.html = %.200q, want the Trainyard page", b)
	}
}

// TestWebHandlerRoutes: files as they are, the app's client-side routes get index.html, API
// paths and missing assets do not.
func TestWebHandlerRoutes(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html":      {Data: []byte("app")},
		"assets/index.js": {Data: []byte("js")},
	}
	h := webHandler(fsys)
	cases := []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/", 200, "app"},
		{"GET", "/projects/0190a0b1-aaaa-7bbb-8ccc-0123456789ab", 200, "app"},
		{"GET", "/api-keys", 200, "app"},
		{"GET", "/assets/index.js", 200, "js"},
		{"GET", "/assets/missing.js", 404, ""},
		{"GET", "/api/v1/nothing", 404, ""},
		{"POST", "/", 405, ""},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		body, _ := io.ReadAll(rec.Result().Body)
		if rec.Code != c.code || (c.body != "" && string(body) != c.body) {
			t.Errorf("%s %s = %d %q, want %d %q", c.method, c.path, rec.Code, body, c.code, c.body)
		}
	}
}
