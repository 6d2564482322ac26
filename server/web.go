package server

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// WebDistDir is the folder, relative to the repository root, whose files the binary serves at
// "/": `make web` builds the web app into it, and a committed placeholder index.html keeps
// `go build` working without Node. Every file in it is embedded at build time.
const WebDistDir = "server/web/dist"

//go:embed all:web/dist
var webDist embed.FS

// WebFS returns the embedded web app.
func WebFS() fs.FS {
	sub, err := fs.Sub(webDist, "web/dist")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}

// webHandler serves the web app from fsys: files as they are, and index.html for any other
// path without an extension, so the app's client-side routes survive a reload.
func webHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name == "" {
			name = "."
		}
		if _, err := fs.Stat(fsys, name); err != nil && path.Ext(name) == "" && !strings.HasPrefix(r.URL.Path, "/api/") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/"
			files.ServeHTTP(w, r2)
			return
		}
		files.ServeHTTP(w, r)
	})
}
