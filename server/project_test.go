package server_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
)

// submission returns a valid CreateProjectRequest on dataset ds.
func submission(ds, desc string) *trainyardv1.CreateProjectRequest {
	return &trainyardv1.CreateProjectRequest{Submission: &trainyardv1.ProjectSubmission{
		ProblemDescription: desc, DatasetId: ds, DataType: trainyardv1.DataType_DATA_TYPE_TABULAR,
	}}
}

func TestCreateGetListPage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL, options{maxActive: 100})
		h.forEachProtocol(t, func(t *testing.T, c client) {
			ctx := context.Background()
			alice := h.newUser("alice-"+uuid.NewString()[:8]+"@example.com", store.RoleMember)
			ds := h.newDataset(alice)
			var created []*trainyardv1.Project
			for i := range 3 {
				p, err := c.CreateProject(ctx, alice.key, submission(ds, fmt.Sprintf("predict churn, variant %d", i)))
				if err != nil {
					t.Fatalf("CreateProject = %v", err)
				}
				if p.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_ANALYZING || p.GetName() != "projects/"+p.GetId() ||
					p.GetDatasetId() != ds || p.GetOwner() != "users/"+alice.id.String() || p.GetDisplayName() == "" {
					t.Errorf("CreateProject = %v, want a project in ANALYZING named projects/{id} on %s owned by alice", p, ds)
				}
				created = append(created, p)
			}
			for _, name := range []string{created[0].GetName(), created[0].GetId()} {
				got, err := c.GetProject(ctx, alice.key, name)
				if err != nil {
					t.Fatalf("GetProject(%q) = %v", name, err)
				}
				if got.GetId() != created[0].GetId() || got.GetProblemDescription() != "predict churn, variant 0" {
					t.Errorf("GetProject(%q) = %v, want project %s", name, got, created[0].GetId())
				}
			}
			// Two pages of two, newest first.
			var ids []string
			token := ""
			for page := 0; ; page++ {
				res, err := c.ListProjects(ctx, alice.key, &trainyardv1.ListProjectsRequest{PageSize: 2, PageToken: token})
				if err != nil {
					t.Fatalf("ListProjects(page %d) = %v", page, err)
				}
				for _, p := range res.GetProjects() {
					ids = append(ids, p.GetId())
				}
				if token = res.GetNextPageToken(); token == "" {
					break
				}
				if page > 3 {
					t.Fatal("ListProjects never ends")
				}
			}
			want := []string{created[2].GetId(), created[1].GetId(), created[0].GetId()}
			if diff := cmp.Diff(want, ids); diff != "" {
				t.Errorf("ListProjects pages (-want +got):\n%s", diff)
			}
			res, err := c.ListProjects(ctx, alice.key, &trainyardv1.ListProjectsRequest{Search: "VARIANT 1"})
			if err != nil || len(res.GetProjects()) != 1 || res.GetProjects()[0].GetId() != created[1].GetId() {
				t.Errorf("ListProjects(search VARIANT 1) = %v, %v; want project %s", res, err, created[1].GetId())
			}
			res, err = c.ListProjects(ctx, alice.key, &trainyardv1.ListProjectsRequest{Stage: trainyardv1.PipelineStage_PIPELINE_STAGE_COMPLETED})
			if err != nil || len(res.GetProjects()) != 0 {
				t.Errorf("ListProjects(stage COMPLETED) = %v, %v; want none", res, err)
			}
		})
	})
}

func TestAuthAndAccess(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL, options{maxActive: 100})
		alice := h.newUser("alice@example.com", store.RoleMember)
		bob := h.newUser("bob@example.com", store.RoleMember)
		aliceViewer := h.newUser("alice@example.com", store.RoleViewer)
		ds := h.newDataset(alice)
		h.forEachProtocol(t, func(t *testing.T, c client) {
			ctx := context.Background()
			p, err := c.CreateProject(ctx, alice.key, submission(ds, "predict churn"))
			if err != nil {
				t.Fatalf("CreateProject = %v", err)
			}
			_, err = c.GetProject(ctx, "", p.GetName())
			if codeOf(err) != connect.CodeUnauthenticated || !strings.Contains(err.Error(), "Authorization: Bearer") {
				t.Errorf("GetProject without a key = %v, want Unauthenticated saying how to send a key", err)
			}
			var ae *apiError
			if asAPIError(err, &ae) && ae.httpStatus != 0 && ae.httpStatus != http.StatusUnauthorized {
				t.Errorf("REST status without a key = %d, want 401", ae.httpStatus)
			}
			if _, err := c.GetProject(ctx, "ty_not-a-real-key-but-long-enough-to-try", p.GetName()); codeOf(err) != connect.CodeUnauthenticated {
				t.Errorf("GetProject with an unknown key = %v, want Unauthenticated", err)
			}
			_, err = c.GetProject(ctx, bob.key, p.GetName())
			if codeOf(err) != connect.CodeNotFound {
				t.Errorf("GetProject(alice's project) as bob = %v, want NotFound", err)
			}
			if _, err := c.CancelProject(ctx, bob.key, p.GetName()); codeOf(err) != connect.CodeNotFound {
				t.Errorf("CancelProject(alice's project) as bob = %v, want NotFound", err)
			}
			if _, err := c.GetProject(ctx, aliceViewer.key, p.GetName()); err != nil {
				t.Errorf("GetProject as alice's viewer key = %v, want the project", err)
			}
			_, err = c.CreateProject(ctx, aliceViewer.key, submission(ds, "predict churn again"))
			if codeOf(err) != connect.CodePermissionDenied {
				t.Errorf("CreateProject with a viewer key = %v, want PermissionDenied", err)
			}
			if asAPIError(err, &ae) && ae.httpStatus != 0 && ae.httpStatus != http.StatusForbidden {
				t.Errorf("REST status of a viewer writing = %d, want 403", ae.httpStatus)
			}
			if _, err := c.CancelProject(ctx, aliceViewer.key, p.GetName()); codeOf(err) != connect.CodePermissionDenied {
				t.Errorf("CancelProject with a viewer key = %v, want PermissionDenied", err)
			}
			u, err := c.GetCurrentUser(ctx, aliceViewer.key)
			if err != nil || u.GetEmail() != "alice@example.com" || u.GetRole() != trainyardv1.Role_ROLE_VIEWER {
				t.Errorf("GetCurrentUser(viewer key) = %v, %v; want alice with ROLE_VIEWER", u, err)
			}
		})
	})
}

// asAPIError is errors.As for *apiError.
func asAPIError(err error, target **apiError) bool {
	ae, ok := err.(*apiError)
	if ok {
		*target = ae
	}
	return ok
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, backends[0].url(t), options{rateLimit: 3, maxActive: 5})
	h.forEachProtocol(t, func(t *testing.T, c client) {
		u := h.newUser("limited-"+uuid.NewString()[:8]+"@example.com", store.RoleMember)
		ctx := context.Background()
		for i := range 3 {
			if _, err := c.GetCurrentUser(ctx, u.key); err != nil {
				t.Fatalf("call %d = %v, want OK within the limit", i+1, err)
			}
		}
		_, err := c.GetCurrentUser(ctx, u.key)
		var ae *apiError
		if !asAPIError(err, &ae) || ae.code != connect.CodeResourceExhausted || ae.retryAfter < 1 || ae.retryAfter > 60 {
			t.Fatalf("call 4 = %#v, want ResourceExhausted with a Retry-After of 1..60 s", err)
		}
		if ae.httpStatus != 0 && ae.httpStatus != http.StatusTooManyRequests {
			t.Errorf("REST status past the limit = %d, want 429", ae.httpStatus)
		}
		// Another user is not affected.
		other := h.newUser("other-"+uuid.NewString()[:8]+"@example.com", store.RoleMember)
		if _, err := c.GetCurrentUser(ctx, other.key); err != nil {
			t.Errorf("another user's first call = %v, want OK", err)
		}
	})
}

func TestInvalidArgument(t *testing.T) {
	h := newHarness(t, backends[0].url(t), options{maxActive: 100})
	alice := h.newUser("alice@example.com", store.RoleMember)
	ds := h.newDataset(alice)
	long := strings.Repeat("x", 201)
	tests := []struct {
		name  string
		req   *trainyardv1.CreateProjectRequest
		field string
	}{
		{"empty description", submission(ds, ""), "submission.problem_description"},
		{"oversized display name", func() *trainyardv1.CreateProjectRequest {
			r := submission(ds, "predict churn")
			r.Submission.DisplayName = long
			return r
		}(), "submission.display_name"},
		{"oversized description", submission(ds, strings.Repeat("y", 10001)), "submission.problem_description"},
		{"unknown enum number", func() *trainyardv1.CreateProjectRequest {
			r := submission(ds, "predict churn")
			r.Submission.DataType = 99
			return r
		}(), "submission.data_type"},
		{"no submission", &trainyardv1.CreateProjectRequest{}, "submission"},
		{"bad dataset id", submission("not-a-uuid", "predict churn"), "submission.dataset_id"},
	}
	h.forEachProtocol(t, func(t *testing.T, c client) {
		for _, tc := range tests {
			if _, isREST := c.(restClient); isREST && tc.name == "unknown enum number" {
				continue // protojson cannot even encode it; REST's unknown enum names are below
			}
			_, err := c.CreateProject(context.Background(), alice.key, tc.req)
			var ae *apiError
			if !asAPIError(err, &ae) || ae.code != connect.CodeInvalidArgument || !slices.ContainsFunc(ae.fields, func(f string) bool {
				// REST always sends a submission (the body), so its violations are inside it.
				return f == tc.field || strings.HasPrefix(f, tc.field+".")
			}) {
				t.Errorf("%s: CreateProject = %v (fields %v), want InvalidArgument naming %s", tc.name, err, fieldsOfErr(err), tc.field)
			}
		}
	})
	t.Run("rest-raw", func(t *testing.T) {
		rc := restClient{base: h.base, hc: http.DefaultClient}
		bodies := []struct{ name, body, field string }{
			{"malformed JSON", `{"problemDescription": "predict churn", `, ""},
			{"unknown field", `{"problemDescription": "predict churn", "datasetId": "` + ds + `", "colour": "red"}`, "colour"},
			{"unknown enum name", `{"problemDescription": "predict churn", "datasetId": "` + ds + `", "dataType": "DATA_TYPE_HOLOGRAM"}`, "dataType"},
			{"wrong type", `{"problemDescription": 7, "datasetId": "` + ds + `"}`, "problemDescription"},
		}
		for _, tc := range bodies {
			err := rc.do(context.Background(), alice.key, http.MethodPost, "/api/v1/projects", []byte(tc.body), &trainyardv1.Project{})
			var ae *apiError
			if !asAPIError(err, &ae) || ae.httpStatus != http.StatusBadRequest || ae.code != connect.CodeInvalidArgument {
				t.Errorf("%s: POST /api/v1/projects = %v, want 400 InvalidArgument", tc.name, err)
				continue
			}
			if tc.field != "" && !slices.Contains(ae.fields, tc.field) {
				t.Errorf("%s: POST /api/v1/projects fields = %v, want %s named", tc.name, ae.fields, tc.field)
			}
		}
		// Unknown enum names in the query are refused too.
		err := rc.do(context.Background(), alice.key, http.MethodGet, "/api/v1/projects?stage=PIPELINE_STAGE_NAPPING", nil, &trainyardv1.ListProjectsResponse{})
		if codeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("GET /api/v1/projects?stage=PIPELINE_STAGE_NAPPING = %v, want 400 InvalidArgument", err)
		}
	})
	t.Run("connect-json-raw", func(t *testing.T) {
		for name, body := range map[string]string{
			"malformed JSON": `{"submission": {`,
			"unknown field":  `{"submission": {"problemDescription": "predict churn", "datasetId": "` + ds + `"}, "colour": "red"}`,
		} {
			req, _ := http.NewRequest(http.MethodPost, h.base+"/trainyard.v1.ProjectService/CreateProject", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+alice.key)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: Connect JSON CreateProject status = %d, want 400", name, res.StatusCode)
			}
		}
	})
}

// fieldsOfErr returns the BadRequest fields of err, for messages.
func fieldsOfErr(err error) []string {
	if ae, ok := err.(*apiError); ok {
		return ae.fields
	}
	return nil
}

func TestActiveProjectLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL, options{maxActive: 5})
		h.forEachProtocol(t, func(t *testing.T, c client) {
			ctx := context.Background()
			u := h.newUser("busy-"+uuid.NewString()[:8]+"@example.com", store.RoleMember)
			ds := h.newDataset(u)
			var ps []*trainyardv1.Project
			for i := range 5 {
				p, err := c.CreateProject(ctx, u.key, submission(ds, fmt.Sprintf("project %d", i)))
				if err != nil {
					t.Fatalf("CreateProject #%d = %v", i+1, err)
				}
				ps = append(ps, p)
			}
			_, err := c.CreateProject(ctx, u.key, submission(ds, "one too many"))
			if codeOf(err) != connect.CodeFailedPrecondition || !strings.Contains(err.Error(), "limit is 5") {
				t.Fatalf("CreateProject #6 = %v, want FailedPrecondition naming the limit of 5", err)
			}
			// A project waiting for approval does not count.
			id := uuid.MustParse(ps[0].GetId())
			if _, err := h.st.Transition(store.SystemContext(ctx), id, nil, store.StageAwaitingApproval, "plan ready", nil); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateProject(ctx, u.key, submission(ds, "fits now")); err != nil {
				t.Errorf("CreateProject with one project awaiting approval = %v, want OK", err)
			}
			// Nor does a cancelled one.
			if _, err := c.CancelProject(ctx, u.key, ps[1].GetName()); err != nil {
				t.Fatalf("CancelProject = %v", err)
			}
			if _, err := c.CreateProject(ctx, u.key, submission(ds, "fits again")); err != nil {
				t.Errorf("CreateProject after a cancel = %v, want OK", err)
			}
			if _, err := c.CancelProject(ctx, u.key, ps[1].GetName()); codeOf(err) != connect.CodeFailedPrecondition {
				t.Errorf("CancelProject of a cancelled project = %v, want FailedPrecondition", err)
			}
		})
	})
}

func TestIdempotentCreate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL, options{maxActive: 5})
		h.forEachProtocol(t, func(t *testing.T, c client) {
			ctx := context.Background()
			u := h.newUser("retry-"+uuid.NewString()[:8]+"@example.com", store.RoleMember)
			ds := h.newDataset(u)
			req := submission(ds, "predict churn")
			req.RequestId = "req-" + uuid.NewString()
			first, err := c.CreateProject(ctx, u.key, req)
			if err != nil {
				t.Fatalf("CreateProject = %v", err)
			}
			second, err := c.CreateProject(ctx, u.key, req)
			if err != nil {
				t.Fatalf("CreateProject again = %v", err)
			}
			if first.GetId() != second.GetId() {
				t.Errorf("CreateProject twice with request_id %s = %s and %s, want the same project", req.RequestId, first.GetId(), second.GetId())
			}
			res, err := c.ListProjects(ctx, u.key, &trainyardv1.ListProjectsRequest{})
			if err != nil || len(res.GetProjects()) != 1 {
				t.Errorf("ListProjects after a retried create = %v, %v; want 1 project", res, err)
			}
		})
	})
}
