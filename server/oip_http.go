package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"connectrpc.com/connect"
)

// oipMaxBody bounds an inference request body.
const oipMaxBody = 64 << 20

// oipHeaderLength is the binary tensor extension's header: the length of the JSON part.
const oipHeaderLength = "Inference-Header-Content-Length"

// mountOIP serves the Open Inference Protocol v2 over REST. Health and server metadata need
// no key; the model routes take an API key like every other route.
func (p *plane) mountOIP(s *Server) {
	s.mux.HandleFunc("GET /v2/health/live", func(w http.ResponseWriter, r *http.Request) {
		writeOIPJSON(w, http.StatusOK, map[string]bool{"live": true})
	})
	s.mux.HandleFunc("GET /v2/health/ready", func(w http.ResponseWriter, r *http.Request) {
		ready := s.ready(r.Context())
		code := http.StatusOK
		if !ready {
			code = http.StatusServiceUnavailable
		}
		writeOIPJSON(w, code, map[string]bool{"ready": ready})
	})
	s.mux.HandleFunc("GET /v2", func(w http.ResponseWriter, r *http.Request) {
		writeOIPJSON(w, http.StatusOK, map[string]any{"name": oipServerName, "version": oipVersion, "extensions": oipExtensions})
	})
	for _, v := range []string{"", "/versions/{version}"} {
		s.mux.Handle("GET /v2/models/{id}"+v, p.oipRoute(s, "GET /v2/models/{id}"+v, p.restMetadata))
		s.mux.Handle("GET /v2/models/{id}"+v+"/ready", p.oipRoute(s, "GET /v2/models/{id}"+v+"/ready", p.restReady))
		s.mux.Handle("POST /v2/models/{id}"+v+"/infer", p.oipRoute(s, "POST /v2/models/{id}"+v+"/infer", p.restInfer))
	}
}

// ready reports whether the server answers: not draining and the store reachable.
func (s *Server) ready(ctx context.Context) bool {
	select {
	case <-s.draining:
		return false
	default:
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.store.Ping(ctx) == nil
}

// oipRoute wraps an OIP model route: request id, panic recovery, logs and metrics, the API
// key, the rate limit; errors are written as the protocol writes them, {"error": "..."}.
func (p *plane) oipRoute(s *Server, pattern string, h func(context.Context, *http.Request) (int, []byte, http.Header, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := context.WithValue(r.Context(), callInfoKey{}, new(callInfo))
		code := http.StatusOK
		defer func() {
			if rec := recover(); rec != nil {
				if rec == http.ErrAbortHandler {
					panic(rec)
				}
				s.log.ErrorContext(ctx, "panic in handler", "route", pattern, "panic", fmt.Sprint(rec))
				code = http.StatusInternalServerError
				writeOIPError(w, code, fmt.Sprintf(internalMessage, RequestID(ctx)))
			}
			s.metrics.http.WithLabelValues(pattern, strconv.Itoa(code)).Inc()
			s.metrics.httpDur.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
			level := slog.LevelDebug
			if code >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(ctx, level, "http", slog.String("route", pattern), slog.Int("status", code),
				slog.Duration("duration", time.Since(start)), slog.String("request_id", RequestID(ctx)))
		}()
		ctx, err := s.auth.authenticate(ctx, pattern, r.Header)
		if err == nil {
			err = s.limiter.check(ctx)
		}
		var body []byte
		var hdr http.Header
		if err == nil {
			code, body, hdr, err = h(ctx, r.WithContext(ctx))
		}
		if err != nil {
			var oe *oipError
			if errors.As(err, &oe) {
				code = oe.status
				writeOIPError(w, code, oe.msg)
				return
			}
			ce := toConnectError(ctx, s.log, pattern, err)
			code = httpStatusOf(ce.Code())
			for k, vs := range ce.Meta() {
				if k == "Retry-After" {
					w.Header()[k] = vs
				}
			}
			writeOIPError(w, code, ce.Message())
			return
		}
		for k, vs := range hdr {
			w.Header()[k] = vs
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(code)
		_, _ = w.Write(body)
	})
}

// writeOIPJSON writes v as JSON.
func writeOIPJSON(w http.ResponseWriter, code int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// writeOIPError writes the protocol's error body.
func writeOIPError(w http.ResponseWriter, code int, msg string) {
	writeOIPJSON(w, code, map[string]string{"error": msg})
}

// tensorMeta is a tensor's metadata in JSON.
type tensorMeta struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

// modelMeta is a model's metadata in JSON.
type modelMeta struct {
	Name     string       `json:"name"`
	Versions []string     `json:"versions"`
	Platform string       `json:"platform"`
	Inputs   []tensorMeta `json:"inputs"`
	Outputs  []tensorMeta `json:"outputs"`
}

// metadata describes a served model.
func (p *plane) metadata(ctx context.Context, name, version string) (*modelMeta, error) {
	if err := checkVersion(version); err != nil {
		return nil, err
	}
	m, lm, err := p.servedModel(ctx, name)
	if err != nil {
		return nil, err
	}
	md := &modelMeta{Name: m.ID.String(), Versions: []string{oipVersion}, Platform: "trainyard"}
	for _, in := range lm.Inputs {
		md.Inputs = append(md.Inputs, tensorMeta{Name: in.Name, Datatype: inputDatatype(in), Shape: []int64{-1, 1}})
	}
	k := int64(len(lm.Predictor.Classes()))
	if k == 0 {
		md.Outputs = []tensorMeta{{Name: "value", Datatype: "FP32", Shape: []int64{-1, 1}}}
	} else {
		md.Outputs = []tensorMeta{{Name: "label", Datatype: "BYTES", Shape: []int64{-1}}, {Name: "probabilities", Datatype: "FP32", Shape: []int64{-1, k}}}
	}
	return md, nil
}

// restMetadata serves GET /v2/models/{id}.
func (p *plane) restMetadata(ctx context.Context, r *http.Request) (int, []byte, http.Header, error) {
	md, err := p.metadata(ctx, r.PathValue("id"), r.PathValue("version"))
	if err != nil {
		return 0, nil, nil, err
	}
	b, err := json.Marshal(md)
	return http.StatusOK, b, nil, err
}

// restReady serves GET /v2/models/{id}/ready: 200 when the model is deployed and loads.
func (p *plane) restReady(ctx context.Context, r *http.Request) (int, []byte, http.Header, error) {
	if err := checkVersion(r.PathValue("version")); err != nil {
		return 0, nil, nil, err
	}
	_, _, err := p.servedModel(ctx, r.PathValue("id"))
	var ce *connect.Error
	if err != nil && !errors.As(err, &ce) {
		// Not deployed or not loadable: answered as not ready, as Triton does.
		return 0, nil, nil, &oipError{status: http.StatusBadRequest, msg: toConnectError(ctx, p.log, "ready", err).Message()}
	}
	if err != nil {
		return 0, nil, nil, err
	}
	return http.StatusOK, []byte(`{"name":"` + r.PathValue("id") + `","ready":true}`), nil, nil
}

// restTensor is an input tensor of a JSON request.
type restTensor struct {
	Name       string          `json:"name"`
	Datatype   string          `json:"datatype"`
	Shape      []int64         `json:"shape"`
	Parameters map[string]any  `json:"parameters,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
}

// restOutput names a requested output.
type restOutput struct {
	Name       string         `json:"name"`
	Parameters map[string]any `json:"parameters,omitempty"`
}

// restRequest is a JSON inference request.
type restRequest struct {
	ID         string         `json:"id,omitempty"`
	Parameters map[string]any `json:"parameters,omitempty"`
	Inputs     []restTensor   `json:"inputs"`
	Outputs    []restOutput   `json:"outputs,omitempty"`
}

// restOutTensor is an output tensor of a JSON response.
type restOutTensor struct {
	Name       string         `json:"name"`
	Datatype   string         `json:"datatype"`
	Shape      []int64        `json:"shape"`
	Parameters map[string]any `json:"parameters,omitempty"`
	Data       any            `json:"data,omitempty"`
}

// restResponse is a JSON inference response.
type restResponse struct {
	ModelName    string          `json:"model_name"`
	ModelVersion string          `json:"model_version"`
	ID           string          `json:"id,omitempty"`
	Outputs      []restOutTensor `json:"outputs"`
}

// restInfer serves POST /v2/models/{id}/infer, in JSON or with the binary tensor extension.
func (p *plane) restInfer(ctx context.Context, r *http.Request) (int, []byte, http.Header, error) {
	if err := checkVersion(r.PathValue("version")); err != nil {
		return 0, nil, nil, err
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && ce != "identity" {
		return 0, nil, nil, &oipError{status: http.StatusUnsupportedMediaType, msg: fmt.Sprintf("Content-Encoding %q is not supported: send the request uncompressed", ce)}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, oipMaxBody+1))
	if err != nil {
		return 0, nil, nil, badInput("read request: %v", err)
	}
	if len(body) > oipMaxBody {
		return 0, nil, nil, &oipError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request larger than %d MB", oipMaxBody>>20)}
	}
	head, rest := body, []byte(nil)
	if hl := r.Header.Get(oipHeaderLength); hl != "" {
		n, err := strconv.Atoi(hl)
		if err != nil || n < 0 || n > len(body) {
			return 0, nil, nil, badInput("%s %q does not fit a body of %d bytes", oipHeaderLength, hl, len(body))
		}
		head, rest = body[:n], body[n:]
	}
	var req restRequest
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return 0, nil, nil, badInput("request is not valid JSON: %v", err)
	}
	ins := make([]tensorIn, len(req.Inputs))
	for i, t := range req.Inputs {
		ins[i] = tensorIn{name: t.Name, datatype: t.Datatype, shape: t.Shape}
		if size, ok := paramInt(t.Parameters, "binary_data_size"); ok {
			if size < 0 || size > int64(len(rest)) {
				return 0, nil, nil, badInput("input %q: binary_data_size %d runs past the body", t.Name, size)
			}
			if err := decodeRaw(&ins[i], rest[:size]); err != nil {
				return 0, nil, nil, err
			}
			rest = rest[size:]
			continue
		}
		if err := decodeJSONData(&ins[i], t.Data); err != nil {
			return 0, nil, nil, err
		}
	}
	var want []string
	binaryAll := paramBool(req.Parameters, "binary_data_output")
	binaryOut := map[string]bool{}
	for _, o := range req.Outputs {
		want = append(want, o.Name)
		binaryOut[o.Name] = binaryAll || paramBool(o.Parameters, "binary_data")
	}
	_, lm, err := p.servedModel(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, nil, err
	}
	outs, err := infer(lm, ins, want)
	if err != nil {
		return 0, nil, nil, err
	}
	res := restResponse{ModelName: lm.Ref.ID.String(), ModelVersion: oipVersion, ID: req.ID}
	var raw [][]byte
	for i := range outs {
		o := &outs[i]
		rt := restOutTensor{Name: o.name, Datatype: o.datatype, Shape: o.shape}
		bin, ok := binaryOut[o.name]
		if !ok {
			bin = binaryAll
		}
		if bin {
			b := encodeRaw(o)
			raw = append(raw, b)
			rt.Parameters = map[string]any{"binary_data_size": len(b)}
		} else if o.datatype == "BYTES" {
			rt.Data = o.strs
		} else {
			rt.Data = jsonFloats(o.f32)
		}
		res.Outputs = append(res.Outputs, rt)
	}
	js, err := json.Marshal(res)
	if err != nil {
		return 0, nil, nil, err
	}
	if len(raw) == 0 {
		return http.StatusOK, js, nil, nil
	}
	hdr := http.Header{}
	hdr.Set(oipHeaderLength, strconv.Itoa(len(js)))
	hdr.Set("Content-Type", "application/octet-stream")
	out := js
	for _, b := range raw {
		out = append(out, b...)
	}
	return http.StatusOK, out, hdr, nil
}

// jsonFloats converts float32 outputs for JSON; NaN, which JSON cannot hold, becomes null.
func jsonFloats(f []float32) []any {
	out := make([]any, len(f))
	for i, v := range f {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			continue
		}
		out[i] = v
	}
	return out
}

// decodeJSONData decodes the "data" of a JSON input tensor (flat or nested lists).
func decodeJSONData(t *tensorIn, data json.RawMessage) error {
	if len(data) == 0 {
		return badInput("input %q has neither data nor binary_data_size", t.name)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return badInput("input %q: data is not valid JSON: %v", t.name, err)
	}
	var flat []any
	var walk func(any)
	walk = func(x any) {
		if l, ok := x.([]any); ok {
			for _, e := range l {
				walk(e)
			}
			return
		}
		flat = append(flat, x)
	}
	walk(v)
	switch t.datatype {
	case "BYTES":
		t.strs = make([]string, len(flat))
		for i, e := range flat {
			switch x := e.(type) {
			case string:
				t.strs[i] = x
			case json.Number:
				t.strs[i] = x.String()
			case nil:
			default:
				return badInput("input %q element %d: %v is not text", t.name, i, e)
			}
		}
	case "BOOL":
		t.bools = make([]bool, len(flat))
		for i, e := range flat {
			b, ok := e.(bool)
			if !ok {
				return badInput("input %q element %d: %v is not a boolean", t.name, i, e)
			}
			t.bools[i] = b
		}
	default:
		if elemSize(t.datatype) == 0 {
			return badInput("input %q: unknown datatype %q", t.name, t.datatype)
		}
		t.nums = make([]float64, len(flat))
		for i, e := range flat {
			switch x := e.(type) {
			case json.Number:
				f, err := x.Float64()
				if err != nil {
					return badInput("input %q element %d: %v is not a number", t.name, i, e)
				}
				t.nums[i] = f
			case nil:
				t.nums[i] = math.NaN()
			default:
				return badInput("input %q element %d: %v is not a number", t.name, i, e)
			}
		}
	}
	return nil
}

// paramInt reads an integer parameter.
func paramInt(ps map[string]any, name string) (int64, bool) {
	switch v := ps[name].(type) {
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case float64:
		return int64(v), true
	}
	return 0, false
}

// paramBool reads a boolean parameter.
func paramBool(ps map[string]any, name string) bool {
	b, _ := ps[name].(bool)
	return b
}
