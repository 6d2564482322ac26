package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/server"
)

// BenchmarkGetProject measures one authenticated GetProject through the whole chain (auth
// against the store, rate limit, access, validation, store read) per protocol, on SQLite.
func BenchmarkGetProject(b *testing.B) {
	h := newHarness(b, backends[0].url(b), options{maxActive: 5})
	u := h.newUser("bench@example.com", store.RoleMember)
	for _, name := range []string{"connect", "grpc", "rest"} {
		c := h.protocols()[name]
		p, err := c.CreateProject(context.Background(), u.key, submission(h.newDataset(u), "predict churn"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				if _, err := c.GetProject(ctx, u.key, p.GetName()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRESTPredict measures one single-row REST Predict (a spambase row of 57 numbers, a
// 100-tree GBDT) through the server's handler: decoding, the interceptor chain with auth,
// prediction and the JSON answer, without the connection (the HTTP server's own share is
// bench/serving's floor). Its allocations are what the collector pays for on every request.
func BenchmarkRESTPredict(b *testing.B) {
	h := newServingHarness(b)
	u := h.newUser("bench@example.com", store.RoleMember)
	m := h.deploy(u, trainOn(b, "spambase.csv", "type", "100"))
	body := spambaseBody(b)
	handler := h.srv.Handler()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/models/"+m.ID.String()+"/predict", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+u.key)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// spambaseBody is {"instances": [row]} of spambase.csv's first row without its class.
func spambaseBody(tb testing.TB) []byte {
	inst := server.SpambaseInstance(tb, sharedPath(tb, "spambase.csv"))
	body, err := protojson.Marshal(&trainyardv1.PredictRequest{Instances: []*structpb.Struct{inst}})
	if err != nil {
		tb.Fatal(err)
	}
	return body
}
