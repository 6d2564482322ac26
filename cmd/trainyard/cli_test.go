package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"github.com/trainyard/trainyard/ml/datasets"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"google.golang.org/protobuf/encoding/protojson"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/client"
	"github.com/trainyard/trainyard/internal/store"
)

// sharedDataset returns the path of a shared dataset.
func sharedDataset(t *testing.T, name string) string { return datasets.MustPath(t, name) }

// cliRunner runs the binary's verbs in-process with the given environment.
type cliRunner struct {
	t    *testing.T
	vars map[string]string
}

// run runs args and returns the exit code, stdout and stderr.
func (c cliRunner) run(args ...string) (int, string, string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), testEnv(&out, &errOut, c.vars), args)
	return code, out.String(), errOut.String()
}

// ok runs args and fails the test unless they exit 0.
func (c cliRunner) ok(args ...string) (string, string) {
	c.t.Helper()
	code, out, errOut := c.run(args...)
	if code != 0 {
		c.t.Fatalf("trainyard %s = exit %d; stderr:\n%s\nstdout:\n%s", strings.Join(args, " "), code, errOut, out)
	}
	return out, errOut
}

// TestCLIEndToEnd trains a model on a real dataset through the CLI against a real server
// (upload, create, watch to COMPLETED with --output json), predicts with it, downloads its
// ONNX export, and uses projects/models verbs, with the settings from the credentials file the
// first start wrote.
func TestCLIEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	dir := t.TempDir()
	vars := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config")}
	base, serverLog, stop := startServe(t, filepath.Join(dir, "data"), vars)
	defer stop()
	c := cliRunner{t, vars}
	data := sharedDataset(t, "penguins.csv")

	// Flags after the positional argument; stdout must be exactly one JSON document.
	out, errOut := c.ok("train", data, "--goal", "predict the species of each penguin", "--budget", "2s", "--output", "json")
	var p trainyardv1.Project
	if err := protojson.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("train --output json stdout is not one Project document: %v\n%s\nstderr:\n%s\nserver:\n%s", err, out, errOut, serverLog)
	}
	if p.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_COMPLETED || p.GetModelId() == "" {
		t.Fatalf("train ended with stage %v, model %q, want COMPLETED with a model", p.GetCurrentStage(), p.GetModelId())
	}
	for _, want := range []string{"Uploading penguins.csv", "▸ training", "decision:", "▸ completed"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("train's stderr lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, `"modelId"`) {
		t.Errorf("train --output json has no modelId field:\n%s", out)
	}
	modelID := p.GetModelId()

	// Predict from a CSV of the dataset's first rows (with the target column, which the
	// model ignores), to a CSV file and as JSON.
	rows := filepath.Join(dir, "rows.csv")
	writeHead(t, data, rows, 21)
	preds := filepath.Join(dir, "preds.csv")
	out, _ = c.ok("predict", modelID, "--input", rows, "--out", preds, "--output", "json")
	var res trainyardv1.PredictResponse
	if err := protojson.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("predict --output json: %v\n%s", err, out)
	}
	if len(res.GetPredictions()) != 20 {
		t.Fatalf("predict returned %d predictions, want 20", len(res.GetPredictions()))
	}
	right := 0
	truth := column(t, rows, "species")
	for i, pr := range res.GetPredictions() {
		if pr.GetError() != "" {
			t.Errorf("prediction %d: error %q", i, pr.GetError())
		}
		if pr.GetLabel() == truth[i] {
			right++
		}
	}
	if right < 18 {
		t.Errorf("predict got %d of 20 training rows right, want at least 18", right)
	}
	if got := column(t, preds, "prediction"); len(got) != 20 {
		t.Errorf("--out wrote %d prediction rows, want 20", len(got))
	}

	// Download the ONNX export.
	out, _ = c.ok("models", "download", modelID, "--format", "onnx", "--out", dir, "--output", "json")
	var dl struct {
		Path      string `json:"path"`
		SizeBytes int64  `json:"sizeBytes"`
	}
	if err := json.Unmarshal([]byte(out), &dl); err != nil {
		t.Fatalf("models download --output json: %v\n%s", err, out)
	}
	b, err := os.ReadFile(dl.Path)
	if err != nil || int64(len(b)) != dl.SizeBytes || len(b) < 100 || b[0] != 0x08 {
		t.Errorf("downloaded ONNX %s: %d bytes (reported %d), first byte %x, err %v; want a protobuf ModelProto", dl.Path, len(b), dl.SizeBytes, first(b), err)
	}

	// The other verbs, in both output modes.
	out, _ = c.ok("projects", "list", "--output", "json")
	var list trainyardv1.ListProjectsResponse
	if err := protojson.Unmarshal([]byte(out), &list); err != nil || len(list.GetProjects()) != 1 || list.GetProjects()[0].GetId() != p.GetId() {
		t.Errorf("projects list --output json = %s (%v), want the one project", out, err)
	}
	if out, _ = c.ok("projects", "get", p.GetId()); !strings.Contains(out, "completed") || !strings.Contains(out, modelID) {
		t.Errorf("projects get = %q, want the stage and the model id", out)
	}
	if out, _ = c.ok("projects", "logs", p.GetId()); !strings.Contains(out, "decision") {
		t.Errorf("projects logs lacks decisions:\n%s", out)
	}
	if out, _ = c.ok("models", "get", modelID); !strings.Contains(out, modelID) {
		t.Errorf("models get = %q, want the model id", out)
	}

	// A dropped stream resumes from its cursor: watch the finished project through a proxy
	// that cuts the first connection after a few kilobytes of the stream; every event must
	// arrive exactly once, in order.
	proxy, addr := newCutProxy(t, strings.TrimPrefix(base, "http://"), 3000)
	key := readKey(t, vars)
	out, errOut = c.ok("projects", "watch", p.GetId(), "--url", "http://"+addr, "--api-key", key, "--output", "json")
	var events []json.RawMessage
	if err := json.Unmarshal([]byte(out), &events); err != nil {
		t.Fatalf("projects watch --output json: %v\n%s", err, out)
	}
	for i, raw := range events {
		var ev trainyardv1.ProgressEvent
		if err := protojson.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.GetSequence() != int64(i+1) {
			t.Fatalf("event %d has sequence %d, want %d (every event once, in order)", i, ev.GetSequence(), i+1)
		}
	}
	if cuts := proxy.cuts.Load(); cuts == 0 || !strings.Contains(errOut, "resuming after event") {
		t.Errorf("the watch was not cut and resumed (cuts %d); stderr:\n%s", cuts, errOut)
	}
	if len(events) < 20 {
		t.Errorf("watch replayed %d events, want the whole history", len(events))
	}
}

// TestCLIErrors checks the messages for a missing key, a rejected key, a wrong URL and a
// wrong path, and that usage mistakes exit 2.
func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config")}
	base, _, stop := startServe(t, filepath.Join(dir, "data"), vars)
	defer stop()
	empty := cliRunner{t, map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "nothing")}}
	key := readKey(t, vars)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()
	for _, tc := range []struct {
		name string
		c    cliRunner
		args []string
		code int
		want string
	}{
		{"missing key", empty, []string{"projects", "list", "--url", base}, 1, "trainyard login"},
		{"rejected key", empty, []string{"projects", "list", "--url", base, "--api-key", "ty_" + strings.Repeat("x", 43)}, 1, "rejected the API key"},
		{"nothing listening", empty, []string{"projects", "list", "--url", closed, "--api-key", key}, 1, "cannot reach a Trainyard server"},
		{"wrong path", empty, []string{"projects", "list", "--url", base + "/nothere", "--api-key", key}, 1, "does not answer like a Trainyard server"},
		{"env settings", cliRunner{t, map[string]string{"TRAINYARD_URL": closed, "TRAINYARD_API_KEY": key}}, []string{"models", "list"}, 1, "from TRAINYARD_URL"},
		{"train without a goal", empty, []string{"train", "x.csv"}, 2, "--goal"},
		{"unknown verb", empty, []string{"projects", "frobnicate"}, 2, "unknown verb"},
		{"bad output", empty, []string{"projects", "list", "--output", "yaml"}, 2, "--output"},
	} {
		code, out, errOut := tc.c.run(tc.args...)
		if code != tc.code || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: trainyard %s = exit %d, stdout %q, stderr %q; want exit %d, no stdout, stderr with %q",
				tc.name, strings.Join(tc.args, " "), code, out, errOut, tc.code, tc.want)
		}
	}

	// An expired key says so and what to do.
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(dir, "data", "trainyard.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sys := store.SystemContext(context.Background())
	u, err := st.GetOrCreateUser(sys, "old@example.com", "", store.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	expired, _, err := st.CreateAPIKey(sys, store.NewAPIKey{OwnerID: u.ID, Role: store.RoleMember, ExpiresAt: &past})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := empty.run("projects", "list", "--url", base, "--api-key", expired)
	if code != 1 || out != "" || !strings.Contains(errOut, "expired") || !strings.Contains(errOut, "trainyard login") {
		t.Errorf("projects list with an expired key = exit %d, %q, %q; want exit 1 saying it expired and how to log in again", code, out, errOut)
	}

	// login checks the key and saves it; later verbs use it.
	c := cliRunner{t, map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "login")}}
	if out, _ := c.ok("login", "--url", base, "--api-key", key); !strings.Contains(out, "admin@example.com") {
		t.Errorf("login = %q, want the user's email", out)
	}
	if out, _ := c.ok("projects", "list", "--output", "json"); strings.TrimSpace(out) != "{}" {
		t.Errorf("projects list after login = %q, want an empty list", out)
	}
}

// readKey returns the admin key the first start saved.
func readKey(t *testing.T, vars map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vars["XDG_CONFIG_HOME"], "trainyard", "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c client.Settings
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c.APIKey
}

// writeHead copies the first n lines of src to dst.
func writeHead(t *testing.T, src, dst string, n int) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if err := os.WriteFile(dst, []byte(strings.Join(lines[:n], "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// column returns one column of a CSV file.
func column(t *testing.T, path, name string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	idx := -1
	for i, h := range rows[0] {
		if h == name {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("%s has no column %q", path, name)
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[idx])
	}
	return out
}

func first(b []byte) []byte {
	if len(b) > 4 {
		return b[:4]
	}
	return b
}

// cutProxy forwards TCP connections to a server and cuts the first one after limit bytes of
// the server's answer, as a network drop would.
type cutProxy struct {
	upstream string
	limit    int64
	conns    atomic.Int64
	cuts     atomic.Int64
}

// newCutProxy starts a proxy to upstream and returns it and its address; it stops with the test.
func newCutProxy(t *testing.T, upstream string, limit int64) (*cutProxy, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{upstream: upstream, limit: limit}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(down)
		}
	}()
	return p, ln.Addr().String()
}

func (p *cutProxy) serve(down net.Conn) {
	defer down.Close()
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer up.Close()
	n := p.conns.Add(1)
	go func() { _, _ = io.Copy(up, down); up.Close() }()
	if n == 1 {
		_, _ = io.CopyN(down, up, p.limit)
		p.cuts.Add(1)
		return
	}
	_, _ = io.Copy(down, up)
}

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		wantPos  []string
		wantGoal string
		wantFlag bool
	}{
		{[]string{"data.csv", "--goal", "g", "--approve"}, []string{"data.csv"}, "g", true},
		{[]string{"--goal", "g", "data.csv"}, []string{"data.csv"}, "g", false},
		{[]string{"a", "--approve", "b"}, []string{"a", "b"}, "", true},
		{[]string{"--goal", "g", "--", "--not-a-flag"}, []string{"--not-a-flag"}, "g", false},
	} {
		fs := newClientVerb(env{stderr: io.Discard}, "t", "t").fs
		goal := fs.String("goal", "", "")
		approve := fs.Bool("approve", false, "")
		pos, err := parseInterspersed(fs, tc.args)
		if err != nil || !cmp.Equal(pos, tc.wantPos) || *goal != tc.wantGoal || *approve != tc.wantFlag {
			t.Errorf("parseInterspersed(%q) = %q, goal %q, approve %v, %v; want %q, %q, %v", tc.args, pos, *goal, *approve, err, tc.wantPos, tc.wantGoal, tc.wantFlag)
		}
	}
}

// TestCLIApproveAndText trains with --approve: the project waits for approval, `projects
// approve` (with a new budget) lets it go on, and the text output ends with the metrics, the
// model id and a predict command that works as printed.
func TestCLIApproveAndText(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	dir := t.TempDir()
	vars := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config")}
	_, _, stop := startServe(t, filepath.Join(dir, "data"), vars)
	defer stop()
	c := cliRunner{t, vars}
	data := sharedDataset(t, "iris.csv")

	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := c.run("train", data, "--target", "species", "--approve", "--budget", "1h")
		done <- result{code, out, errOut}
	}()
	var id string
	deadline := time.Now().Add(60 * time.Second)
	for id == "" {
		out, _ := c.ok("projects", "list", "--stage", "awaiting_approval", "--output", "json")
		var list trainyardv1.ListProjectsResponse
		if err := protojson.Unmarshal([]byte(out), &list); err != nil {
			t.Fatal(err)
		}
		if len(list.GetProjects()) == 1 {
			id = list.GetProjects()[0].GetId()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no project reached AWAITING_APPROVAL within 60 s")
		}
		time.Sleep(time.Second)
	}
	out, _ := c.ok("projects", "approve", id, "--budget", "2s", "--comment", "looks right", "--output", "json")
	var p trainyardv1.Project
	if err := protojson.Unmarshal([]byte(out), &p); err != nil || p.GetCurrentStage() == trainyardv1.PipelineStage_PIPELINE_STAGE_AWAITING_APPROVAL {
		t.Fatalf("projects approve = %s (%v), want the project past AWAITING_APPROVAL", out, err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(120 * time.Second):
		t.Fatal("train did not finish within 120 s of the approval")
	}
	if r.code != 0 {
		t.Fatalf("train = exit %d; stdout:\n%s\nstderr:\n%s", r.code, r.out, r.err)
	}
	for _, want := range []string{"Plan for project " + id, "Waiting for approval: trainyard projects approve " + id, "▸ completed", "accuracy", "Predict with:"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("train's stdout lacks %q:\n%s", want, r.out)
		}
	}
	// Run the printed predict command on a few rows of the data.
	i := strings.Index(r.out, "trainyard predict ")
	if i < 0 {
		t.Fatalf("no predict command in:\n%s", r.out)
	}
	cmdLine := strings.Fields(strings.SplitN(r.out[i:], "\n", 2)[0])
	rows := filepath.Join(dir, "rows.csv")
	writeHead(t, data, rows, 6)
	args := append(cmdLine[1:len(cmdLine)-1], rows)
	out, _ = c.ok(args...)
	if n := strings.Count(out, "\n"); n != 5 {
		t.Errorf("%s printed %d lines, want 5:\n%s", strings.Join(cmdLine, " "), n, out)
	}

	// Cancelling a finished project is refused with the server's reason.
	if code, _, errOut := c.run("projects", "cancel", id); code != 1 || errOut == "" {
		t.Errorf("projects cancel of a completed project = exit %d, %q; want exit 1 with a reason", code, errOut)
	}
}
