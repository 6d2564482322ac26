package server_test

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/durationpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/store"
)

// connectClients returns Connect clients of both services.
func (h *harness) connectClients() (trainyardv1connect.ProjectServiceClient, trainyardv1connect.ApiKeyServiceClient) {
	hc := h2cClient()
	return trainyardv1connect.NewProjectServiceClient(hc, h.base), trainyardv1connect.NewApiKeyServiceClient(hc, h.base)
}

func TestApproveRejectCancelDelete(t *testing.T) {
	h := newHarness(t, backends[0].url(t), options{maxActive: 5})
	projects, _ := h.connectClients()
	u := h.newUser("alice@example.com", store.RoleMember)
	ds := h.newDataset(u)
	ctx := withKey(context.Background(), u.key)
	sys := store.SystemContext(context.Background())

	create := func(desc string) *trainyardv1.Project {
		t.Helper()
		p, err := projects.CreateProject(ctx, submission(ds, desc))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := create("approve me")
	if _, err := projects.ApproveProject(ctx, &trainyardv1.ApproveProjectRequest{Name: p.GetName()}); connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Errorf("ApproveProject in ANALYZING = %v, want FailedPrecondition", err)
	}
	id := uuid.MustParse(p.GetId())
	if _, err := h.st.Transition(sys, id, nil, store.StageAwaitingApproval, "plan ready", nil); err != nil {
		t.Fatal(err)
	}
	got, err := projects.ApproveProject(ctx, &trainyardv1.ApproveProjectRequest{
		Name: p.GetName(), Budget: durationpb.New(10 * time.Minute), ModelFamilies: []string{"gbdt"}, Comment: "go",
	})
	if err != nil {
		t.Fatalf("ApproveProject = %v", err)
	}
	if got.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_TRAINING || got.GetBudget().AsDuration() != 10*time.Minute ||
		!cmp.Equal(got.GetPlan().GetModelFamilies(), []string{"gbdt"}) {
		t.Errorf("ApproveProject = %v, want TRAINING with a 10m budget and families [gbdt]", got)
	}
	audit, err := projects.ListAuditEntries(ctx, &trainyardv1.ListAuditEntriesRequest{Parent: p.GetName()})
	if err != nil || len(audit.GetAuditEntries()) != 1 ||
		audit.GetAuditEntries()[0].GetDecisionType() != trainyardv1.DecisionType_DECISION_TYPE_APPROVAL ||
		audit.GetAuditEntries()[0].GetReasoning() != "go" {
		t.Errorf("ListAuditEntries after approval = %v, %v; want one APPROVAL decision with the comment", audit, err)
	}

	r := create("reject me")
	rid := uuid.MustParse(r.GetId())
	if _, err := h.st.Transition(sys, rid, nil, store.StageAwaitingApproval, "plan ready", nil); err != nil {
		t.Fatal(err)
	}
	got, err = projects.RejectProject(ctx, &trainyardv1.RejectProjectRequest{Name: r.GetId(), Reason: "too slow"})
	if err != nil || got.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_CANCELLED || got.GetCompleteTime() == nil {
		t.Errorf("RejectProject = %v, %v; want CANCELLED with a complete time", got, err)
	}

	// Progress snapshot: the log, the decision, the last sequence.
	appendLog(t, h.st, id, "fold 1 done")
	prog, err := projects.GetProjectProgress(ctx, &trainyardv1.GetProjectProgressRequest{Name: p.GetName()})
	if err != nil {
		t.Fatalf("GetProjectProgress = %v", err)
	}
	if len(prog.GetLogs()) != 1 || prog.GetLogs()[0].GetMessage() != "fold 1 done" || len(prog.GetDecisions()) != 1 ||
		prog.GetLastSequence() < 4 || prog.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_TRAINING {
		t.Errorf("GetProjectProgress = %v, want 1 log, 1 decision, TRAINING, last sequence >= 4", prog)
	}

	// Delete: a running project must be cancelled first; a finished one goes with its events.
	if _, err := projects.DeleteProject(ctx, &trainyardv1.DeleteProjectRequest{Name: p.GetName()}); connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Errorf("DeleteProject(running) = %v, want FailedPrecondition", err)
	}
	if _, err := projects.DeleteProject(ctx, &trainyardv1.DeleteProjectRequest{Name: r.GetName()}); err != nil {
		t.Fatalf("DeleteProject(cancelled) = %v", err)
	}
	if _, err := projects.GetProject(ctx, &trainyardv1.GetProjectRequest{Name: r.GetName()}); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("GetProject after delete = %v, want NotFound", err)
	}
	if _, err := projects.DeleteProject(ctx, &trainyardv1.DeleteProjectRequest{Name: r.GetName()}); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("DeleteProject twice = %v, want NotFound", err)
	}
}

func TestApiKeys(t *testing.T) {
	h := newHarness(t, backends[0].url(t), options{maxActive: 5})
	_, keys := h.connectClients()
	admin := h.newUser("root@example.com", store.RoleAdmin)
	member := h.newUser("mia@example.com", store.RoleMember)
	bg := context.Background()

	// A member creates a viewer key: the secret is shown once and works at once.
	k, err := keys.CreateApiKey(withKey(bg, member.key), &trainyardv1.CreateApiKeyRequest{ApiKey: &trainyardv1.ApiKey{
		DisplayName: "dashboard", Role: trainyardv1.Role_ROLE_VIEWER,
	}})
	if err != nil {
		t.Fatalf("CreateApiKey = %v", err)
	}
	if !keyRE.MatchString(k.GetSecret()) || k.GetPrefix() != k.GetSecret()[:len(k.GetPrefix())] || k.GetOwner() != "users/"+member.id.String() {
		t.Errorf("CreateApiKey = %v, want a ty_ secret, its prefix and mia as owner", k)
	}
	if u, err := keys.GetCurrentUser(withKey(bg, k.GetSecret()), &trainyardv1.GetCurrentUserRequest{}); err != nil || u.GetRole() != trainyardv1.Role_ROLE_VIEWER {
		t.Errorf("GetCurrentUser(new key) = %v, %v; want mia as viewer", u, err)
	}
	list, err := keys.ListApiKeys(withKey(bg, member.key), &trainyardv1.ListApiKeysRequest{})
	if err != nil || len(list.GetApiKeys()) != 2 {
		t.Fatalf("ListApiKeys = %v, %v; want mia's 2 keys", list, err)
	}
	for _, lk := range list.GetApiKeys() {
		if lk.GetSecret() != "" {
			t.Errorf("ListApiKeys shows a secret for %s", lk.GetName())
		}
	}
	// Admins manage every user's keys: mia's two and their own.
	all, err := keys.ListApiKeys(withKey(bg, admin.key), &trainyardv1.ListApiKeysRequest{})
	if err != nil || len(all.GetApiKeys()) != 3 {
		t.Errorf("admin ListApiKeys = %d keys, %v; want all 3 users' keys", len(all.GetApiKeys()), err)
	}
	// Role ceiling and admin-only creation for others.
	if _, err := keys.CreateApiKey(withKey(bg, member.key), &trainyardv1.CreateApiKeyRequest{ApiKey: &trainyardv1.ApiKey{Role: trainyardv1.Role_ROLE_ADMIN}}); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Errorf("member creating an admin key = %v, want PermissionDenied", err)
	}
	if _, err := keys.CreateApiKey(withKey(bg, member.key), &trainyardv1.CreateApiKeyRequest{ApiKey: &trainyardv1.ApiKey{}, UserEmail: "eve@example.com"}); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Errorf("member creating a key for another user = %v, want PermissionDenied", err)
	}
	if _, err := keys.CreateApiKey(withKey(bg, k.GetSecret()), &trainyardv1.CreateApiKeyRequest{ApiKey: &trainyardv1.ApiKey{}}); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Errorf("viewer creating a key = %v, want PermissionDenied", err)
	}
	nk, err := keys.CreateApiKey(withKey(bg, admin.key), &trainyardv1.CreateApiKeyRequest{ApiKey: &trainyardv1.ApiKey{}, UserEmail: "newbie@example.com"})
	if err != nil {
		t.Fatalf("admin creating a key for a new user = %v", err)
	}
	if u, err := keys.GetCurrentUser(withKey(bg, nk.GetSecret()), &trainyardv1.GetCurrentUserRequest{}); err != nil || u.GetEmail() != "newbie@example.com" || u.GetRole() != trainyardv1.Role_ROLE_MEMBER {
		t.Errorf("GetCurrentUser(key made by admin) = %v, %v; want newbie as member", u, err)
	}
	if _, err := keys.CreateApiKey(withKey(bg, member.key), &trainyardv1.CreateApiKeyRequest{ApiKey: &trainyardv1.ApiKey{}, UserEmail: "not-an-email"}); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("CreateApiKey with a bad email = %v, want InvalidArgument", err)
	}
	// Revoking stops the key at once; another user's key is NotFound.
	if _, err := keys.DeleteApiKey(withKey(bg, nk.GetSecret()), &trainyardv1.DeleteApiKeyRequest{Name: k.GetName()}); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("another user revoking mia's key = %v, want NotFound", err)
	}
	if _, err := keys.DeleteApiKey(withKey(bg, member.key), &trainyardv1.DeleteApiKeyRequest{Name: k.GetId()}); err != nil {
		t.Fatalf("DeleteApiKey(own key) = %v", err)
	}
	if _, err := keys.GetCurrentUser(withKey(bg, k.GetSecret()), &trainyardv1.GetCurrentUserRequest{}); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Errorf("GetCurrentUser(revoked key) = %v, want Unauthenticated", err)
	}
}

func TestModelScopedKey(t *testing.T) {
	h := newHarness(t, backends[0].url(t), options{maxActive: 5})
	projects, keys := h.connectClients()
	u := h.newUser("scoped@example.com", store.RoleMember)
	sys := store.SystemContext(context.Background())
	modelID := uuid.New()
	secret, _, err := h.st.CreateAPIKey(sys, store.NewAPIKey{OwnerID: u.id, Role: store.RoleMember, ModelID: &modelID})
	if err != nil {
		t.Fatal(err)
	}
	ctx := withKey(context.Background(), secret)
	if _, err := projects.ListProjects(ctx, &trainyardv1.ListProjectsRequest{}); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Errorf("ListProjects with a model-scoped key = %v, want PermissionDenied", err)
	}
	if _, err := keys.GetCurrentUser(ctx, &trainyardv1.GetCurrentUserRequest{}); err != nil {
		t.Errorf("GetCurrentUser with a model-scoped key = %v, want OK", err)
	}
	preds := trainyardv1connect.NewPredictionServiceClient(h2cClient(), h.base)
	_, err = preds.Predict(ctx, &trainyardv1.PredictRequest{Name: "models/" + uuid.NewString()})
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Errorf("Predict(another model) with a scoped key = %v, want PermissionDenied", err)
	}
	_, err = preds.Predict(ctx, &trainyardv1.PredictRequest{Name: "models/" + modelID.String()})
	if c := connect.CodeOf(err); c == connect.CodePermissionDenied || c == connect.CodeUnauthenticated {
		t.Errorf("Predict(its model) with a scoped key = %v, want it past the access check", err)
	}
}

func TestPublicEndpoints(t *testing.T) {
	h := newHarness(t, backends[0].url(t), options{maxActive: 5})
	for path, want := range map[string]int{
		"/healthz": http.StatusOK, "/readyz": http.StatusOK, "/metrics": http.StatusOK,
		"/": http.StatusOK, "/projects/some-client-route": http.StatusOK,
		"/api/v1/projects": http.StatusUnauthorized, "/api/v1/nope": http.StatusNotFound,
	} {
		res, err := http.Get(h.base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, res.StatusCode, want)
		}
		if res.Header.Get("X-Request-Id") == "" {
			t.Errorf("GET %s has no X-Request-Id", path)
		}
	}
	// A client's request id is echoed; a bad one is replaced.
	req, _ := http.NewRequest(http.MethodGet, h.base+"/healthz", nil)
	req.Header.Set("X-Request-Id", "my-trace.42")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-Id"); got != "my-trace.42" {
		t.Errorf("X-Request-Id echo = %q, want my-trace.42", got)
	}
	// No Grpc-Metadata-* header leaks through the gateway.
	u := h.newUser("leak@example.com", store.RoleMember)
	req, _ = http.NewRequest(http.MethodGet, h.base+"/api/v1/projects", nil)
	req.Header.Set("Authorization", "Bearer "+u.key)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for k := range res.Header {
		if len(k) > 14 && k[:14] == "Grpc-Metadata-" {
			t.Errorf("REST response leaks header %s", k)
		}
	}
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /api/v1/projects = %d, want 200", res.StatusCode)
	}
}

var keyRE = regexp.MustCompile(`^ty_[A-Za-z0-9_-]{43}$`)
