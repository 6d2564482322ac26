package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"

	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/datasets"
)

// DefaultLinkTTL is how long a signed download link works.
const DefaultLinkTTL = 15 * time.Minute

// DataPlane is what the dataset and model handlers need: the datasets domain, the blob store
// its files and the models' artifacts live in, and the signer of download links.
type DataPlane struct {
	// Datasets uploads, describes, previews and deletes datasets.
	Datasets *datasets.Service
	// Blobs holds dataset files, model artifacts, reports and batch outputs.
	Blobs *blob.Store
	// Signer signs and verifies the download links handed out in Model.download_url.
	Signer *blob.Signer
	// LinkTTL is how long a signed link works (default DefaultLinkTTL).
	LinkTTL time.Duration
	// RemoveEndpoint, when set, takes down a deleted model's endpoint and its copy in the
	// serving backend's registry (Vertex AI) before the model is marked deleted.
	RemoveEndpoint func(ctx context.Context, endpointID, externalID string) error
}

// data is the mounted data plane of a server.
type data struct {
	s       *Server
	ds      *datasets.Service
	blobs   *blob.Store
	signer  *blob.Signer
	linkTTL time.Duration
	public  string // the public URL without a trailing slash
	remove  func(ctx context.Context, endpointID, externalID string) error
}

// MountDataPlane serves the DatasetService and ModelService (Connect, gRPC, gRPC-Web and the
// REST gateway) and the hand-written streaming routes: POST /api/v1/data/upload (multipart),
// GET /api/v1/models/{id}/download (by API key or signed link), GET /api/v1/models/{id}/report
// and GET /api/v1/batch-predictions/{id}/output. Call it once, before Serve.
func (s *Server) MountDataPlane(dp DataPlane) error {
	if dp.Datasets == nil || dp.Blobs == nil || dp.Signer == nil {
		return errors.New("server: DataPlane needs Datasets, Blobs and Signer")
	}
	if dp.LinkTTL <= 0 {
		dp.LinkTTL = DefaultLinkTTL
	}
	d := &data{s: s, ds: dp.Datasets, blobs: dp.Blobs, signer: dp.Signer, linkTTL: dp.LinkTTL,
		public: strings.TrimSuffix(s.opts.PublicURL, "/"), remove: dp.RemoveEndpoint}
	s.MountConnect(trainyardv1connect.NewDatasetServiceHandler(&DatasetService{d: d}, s.chain...))
	// Model artifacts hardly compress: gzip would cut DownloadModel to a few MB/s for nothing.
	noGzip := append(s.HandlerOptions(), connect.WithCompression("gzip", nil, nil))
	s.MountConnect(trainyardv1connect.NewModelServiceHandler(&ModelService{d: d}, noGzip...))
	s.HandleRoute(Route{Pattern: "POST /api/v1/data/upload", Handler: http.HandlerFunc(d.upload), Write: true})
	s.HandleRoute(Route{Pattern: "GET /api/v1/models/{id}/report", Handler: http.HandlerFunc(d.report), ModelScoped: true})
	s.HandleRoute(Route{Pattern: "GET /api/v1/batch-predictions/{id}/output", Handler: http.HandlerFunc(d.batchOutput), ModelScoped: true})
	// Downloads accept either an API key (through the usual checks) or a signed link.
	keyed := s.guardRoute(Route{Pattern: downloadPattern, Handler: http.HandlerFunc(d.download), ModelScoped: true})
	s.mux.Handle(downloadPattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if blob.Signed(r.URL.Query()) && r.Header.Get("Authorization") == "" {
			s.signedRoute(d.downloadSigned).ServeHTTP(w, r)
			return
		}
		keyed.ServeHTTP(w, r)
	}))
	return nil
}

// downloadPattern is the route of model downloads.
const downloadPattern = "GET /api/v1/models/{id}/download"
