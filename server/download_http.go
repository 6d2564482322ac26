package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/types"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
)

// pathID parses the {id} of a route; a malformed id is InvalidArgument.
func pathID(r *http.Request, collection string) (uuid.UUID, error) {
	return parseName(r.PathValue("id"), collection)
}

// formatOf parses ?format=native|onnx (native when absent).
func formatOf(r *http.Request) (trainyardv1.ArtifactFormat, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "native", "NATIVE", "ARTIFACT_FORMAT_NATIVE":
		return trainyardv1.ArtifactFormat_ARTIFACT_FORMAT_NATIVE, nil
	case "onnx", "ONNX", "ARTIFACT_FORMAT_ONNX":
		return trainyardv1.ArtifactFormat_ARTIFACT_FORMAT_ONNX, nil
	default:
		return 0, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("format %q: use native or onnx", f))
	}
}

// download serves GET /api/v1/models/{id}/download?format=native|onnx for a caller with a key.
func (d *data) download(w http.ResponseWriter, r *http.Request) {
	if err := d.serveModelFile(r.Context(), w, r); err != nil {
		d.s.WriteError(w, r, err)
	}
}

// downloadSigned serves the same route for a signed link: the signature stands in for the key.
func (d *data) downloadSigned(w http.ResponseWriter, r *http.Request) {
	err := d.signer.Verify(r.URL.Path, r.URL.Query())
	switch {
	case errors.Is(err, blob.ErrLinkExpired):
		err = connect.NewError(connect.CodePermissionDenied, errors.New("this download link has expired: get a fresh one from GetModel (download_url), or download with an API key"))
	case err != nil:
		err = connect.NewError(connect.CodePermissionDenied, errors.New("this download link is not valid (altered or signed by another server): get a fresh one from GetModel"))
	default:
		err = d.serveModelFile(store.SystemContext(r.Context()), w, r)
	}
	if err != nil {
		d.s.WriteError(w, r, err)
	}
}

// serveModelFile streams a model's file to w, acting as the viewer of ctx.
func (d *data) serveModelFile(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "models")
	if err != nil {
		return err
	}
	format, err := formatOf(r)
	if err != nil {
		return err
	}
	m, err := d.getModel(ctx, id)
	if err != nil {
		return err
	}
	a, err := d.artifactOf(m, format)
	if err != nil {
		return err
	}
	rd, err := d.openArtifact(ctx, m, a)
	if err != nil {
		return err
	}
	defer rd.Close()
	streamFile(d.s.log, w, r, rd, rd.Size(), "application/octet-stream", "attachment", a.filename)
	return nil
}

// streamFile copies a blob to the response with its length and file name. Once the headers
// are out an error can only cut the response short, which the client sees as a short body.
func streamFile(log *slog.Logger, w http.ResponseWriter, r *http.Request, rd io.Reader, size int64, contentType, disposition, filename string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return // the headers say it all; do not read the blob
	}
	buf := make([]byte, 256<<10)
	if n, err := io.CopyBuffer(w, onlyReader{rd}, buf); err != nil {
		log.WarnContext(r.Context(), "download cut short", "path", r.URL.Path, "sent", n, "size", size, "err", err)
	}
}

// onlyReader hides every method but Read, so io.CopyBuffer uses the fixed buffer it is given.
type onlyReader struct{ r io.Reader }

// Read implements io.Reader.
func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// report serves GET /api/v1/models/{id}/report: the stored, self-contained HTML report
// (?download=1 makes it a file to save).
func (d *data) report(w http.ResponseWriter, r *http.Request) {
	err := func() error {
		id, err := pathID(r, "models")
		if err != nil {
			return err
		}
		m, err := d.getModel(r.Context(), id)
		if err != nil {
			return err
		}
		disposition := "inline"
		if v := r.URL.Query().Get("download"); v == "1" || v == "true" {
			disposition = "attachment"
		}
		// The report is self-contained: inline styles and SVG, no scripts, nothing fetched.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		name := "report-" + id.String() + ".html"
		rd, err := d.blobs.Open(r.Context(), blob.ModelReportKey(m.ID.String()))
		if errors.Is(err, blob.ErrNotFound) {
			// No stored page: render it from the model's results and decision log.
			if len(m.Report) == 0 && len(m.Metrics) == 0 {
				return &store.Error{Kind: store.ErrNotFound, Msg: fmt.Sprintf("model %s has no report yet: it is written when the model's project completes", id)}
			}
			page, err := d.renderReport(r.Context(), m)
			if err != nil {
				return err
			}
			streamFile(d.s.log, w, r, bytes.NewReader(page), int64(len(page)), "text/html; charset=utf-8", disposition, name)
			return nil
		}
		if err != nil {
			return err
		}
		defer rd.Close()
		streamFile(d.s.log, w, r, rd, rd.Size(), "text/html; charset=utf-8", disposition, name)
		return nil
	}()
	if err != nil {
		d.s.WriteError(w, r, err)
	}
}

// batchOutput serves GET /api/v1/batch-predictions/{id}/output: the job's predictions as CSV.
func (d *data) batchOutput(w http.ResponseWriter, r *http.Request) {
	err := func() error {
		id, err := pathID(r, "batch-predictions")
		if err != nil {
			return err
		}
		bp, err := d.s.store.Client().BatchPrediction.Get(r.Context(), id)
		if ent.IsNotFound(err) {
			return &store.Error{Kind: store.ErrNotFound, Msg: fmt.Sprintf("batch prediction %s not found", id)}
		}
		if err != nil {
			return fmt.Errorf("batch prediction %s: %w", id, err)
		}
		if bp.State != types.BatchSucceeded || bp.OutputKey == "" {
			return &store.Error{Kind: store.ErrFailedPrecondition,
				Msg: fmt.Sprintf("batch prediction %s is %s: its output is ready when it has SUCCEEDED", id, bp.State)}
		}
		rd, err := d.blobs.Open(r.Context(), bp.OutputKey)
		if errors.Is(err, blob.ErrNotFound) {
			return &store.Error{Kind: store.ErrFailedPrecondition, Msg: fmt.Sprintf("the output of batch prediction %s is missing from the blob store", id)}
		}
		if err != nil {
			return err
		}
		defer rd.Close()
		streamFile(d.s.log, w, r, rd, rd.Size(), "text/csv; charset=utf-8", "attachment", "predictions-"+id.String()+".csv")
		return nil
	}()
	if err != nil {
		d.s.WriteError(w, r, err)
	}
}

// signedRoute wraps a route reached by a signed link rather than a key: panic recovery, logs
// and metrics as for every route; the handler checks the signature itself.
func (s *Server) signedRoute(h http.HandlerFunc) http.Handler {
	return s.signedRouteNamed(downloadPattern+" (signed)", h)
}

// signedRouteNamed is signedRoute with the route's name in logs and metrics.
func (s *Server) signedRouteNamed(label string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		ctx := r.Context()
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic in handler", "route", label, "request_id", RequestID(ctx),
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec.status == 0 {
					s.writeConnectError(rec, connect.NewError(connect.CodeInternal, fmt.Errorf(internalMessage, RequestID(ctx))))
				}
			}
			st := rec.status
			if st == 0 {
				st = http.StatusOK
			}
			s.metrics.http.WithLabelValues(label, strconv.Itoa(st)).Inc()
			s.metrics.httpDur.WithLabelValues(label).Observe(time.Since(start).Seconds())
			s.log.LogAttrs(ctx, slog.LevelInfo, "http", slog.String("route", label), slog.Int("status", st),
				slog.Duration("duration", time.Since(start)), slog.String("request_id", RequestID(ctx)))
		}()
		h(rec, r)
	})
}
