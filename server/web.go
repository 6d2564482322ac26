package server

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// WebDistDir is the folder, relative to the repository root, whose files the binary serves at
// "/": `make web` builds the web app into it. The build output is not committed (it is
// gitignored and made by `make web`, which `make run` and the browser tests call), so a
// checkout without Node still builds: when the folder is absent at build time the binary
// serves the committed placeholder page in server/web/placeholder instead.
const WebDistDir = "server/web/dist"

// webFiles holds server/web: the committed placeholder and, when it was built, dist/.
//
//go:embed all:web
var webFiles embed.FS

// WebFS returns the embedded web app: the built app when dist/index.html was embedded, the
// placeholder page otherwise.
func WebFS() fs.FS {
	dir := "web/placeholder"
	if _, err := fs.Stat(webFiles, "web/dist/index.html"); err == nil {
		dir = "web/dist"
	}
	sub, err := fs.Sub(webFiles, dir)
	if err != nil {
		panic(err) // fs.Sub fails only on an invalid path, and dir is a constant
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
