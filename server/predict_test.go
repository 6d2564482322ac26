package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/server"
)

// predictOver calls Predict over Connect, gRPC and REST and returns each answer, or the
// Connect code of the error (REST and gRPC codes are mapped to Connect's).
func (h *servingHarness) predictOver(t *testing.T, key string, req *trainyardv1.PredictRequest) (map[string]*trainyardv1.PredictResponse, map[string]connect.Code) {
	t.Helper()
	ctx := context.Background()
	res, codes := map[string]*trainyardv1.PredictResponse{}, map[string]connect.Code{}
	if r, err := h.cps.Predict(withKey(ctx, key), req); err != nil {
		codes["connect"] = connect.CodeOf(err)
	} else {
		res["connect"] = r
	}
	gctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
	if r, err := h.gps.Predict(gctx, req); err != nil {
		codes["grpc"] = connect.Code(status.Code(err))
	} else {
		res["grpc"] = r
	}
	body, _ := protojson.Marshal(&trainyardv1.PredictRequest{Instances: req.Instances, Explain: req.Explain})
	hreq, _ := http.NewRequest(http.MethodPost, h.base+"/api/v1/models/"+strings.TrimPrefix(req.Name, "models/")+"/predict", bytes.NewReader(body))
	hreq.Header.Set("Authorization", "Bearer "+key)
	hreq.Header.Set("Content-Type", "application/json")
	hres, err := h.http.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(hres.Body)
	hres.Body.Close()
	if hres.StatusCode != http.StatusOK {
		var st struct{ Code int }
		_ = json.Unmarshal(b, &st)
		codes["rest"] = connect.Code(st.Code)
	} else {
		out := &trainyardv1.PredictResponse{}
		if err := protojson.Unmarshal(b, out); err != nil {
			t.Fatalf("REST predict body %s: %v", b, err)
		}
		res["rest"] = out
	}
	return res, codes
}

// instances builds request rows from JSON.
func instances(t testing.TB, js string) []*structpb.Struct {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal([]byte(js), &rows); err != nil {
		t.Fatal(err)
	}
	out := make([]*structpb.Struct, len(rows))
	for i, r := range rows {
		s, err := structpb.NewStruct(r)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out
}

var titanicDrop = []string{"PassengerId", "Name", "Ticket", "Cabin"}

func TestPredictOverAllProtocols(t *testing.T) {
	h := newServingHarness(t)
	owner := h.newUser("owner@example.com", store.RoleMember)
	viewer := h.newUser("owner@example.com", store.RoleViewer)
	other := h.newUser("other@example.com", store.RoleMember)
	art := trainOn(t, "titanic.csv", "Survived", "30", titanicDrop...)
	m := h.deploy(owner, art)
	pred, err := model.NewPredictor(art)
	if err != nil {
		t.Fatal(err)
	}
	rows := `[
	 {"Pclass": 3, "Sex": "male", "Age": 22, "SibSp": 1, "Parch": 0, "Fare": 7.25, "Embarked": "S"},
	 {"Pclass": "1", "Sex": "female", "Age": null, "SibSp": 0, "Parch": 0, "Fare": 71.28, "Embarked": "C", "Nickname": "x"},
	 {"Pclass": 2, "Sex": "female", "Age": 30, "SibSp": 0, "Parch": 0, "Fare": 13, "Embarked": "Atlantis"},
	 {"Pclass": 2, "Sex": "female", "Age": "old", "SibSp": 0, "Parch": 0, "Fare": 13, "Embarked": "S"},
	 {"Pclass": 2, "Sex": "female", "Fare": 13, "Embarked": "S"}
	]`
	req := &trainyardv1.PredictRequest{Name: "models/" + m.ID.String(), Instances: instances(t, rows), Explain: true}
	res, codes := h.predictOver(t, owner.key, req)
	if len(codes) > 0 {
		t.Fatalf("Predict errors %v", codes)
	}
	want := res["connect"]
	for proto, r := range res {
		if diff := cmp.Diff(want, r, protocmp.Transform(), cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 1e-12 })); diff != "" {
			t.Errorf("Predict over %s differs from Connect (-connect +%s):\n%s", proto, proto, diff)
		}
	}
	got := want.GetPredictions()
	if len(got) != 5 {
		t.Fatalf("Predict returned %d predictions, want 5", len(got))
	}
	// Rows 0-2 are scored, each as the predictor scores it directly.
	direct := []map[string]any{
		{"Pclass": 3.0, "Sex": "male", "Age": 22.0, "SibSp": 1.0, "Parch": 0.0, "Fare": 7.25, "Embarked": "S"},
		{"Pclass": 1.0, "Sex": "female", "Age": nil, "SibSp": 0.0, "Parch": 0.0, "Fare": 71.28, "Embarked": "C"},
		{"Pclass": 2.0, "Sex": "female", "Age": 30.0, "SibSp": 0.0, "Parch": 0.0, "Fare": 13.0, "Embarked": "Atlantis"},
	}
	for i, row := range direct {
		var p model.Prediction
		if err := pred.PredictMap(row, &p); err != nil {
			t.Fatal(err)
		}
		g := got[i]
		if g.GetError() != "" || g.GetLabel() != p.Label {
			t.Errorf("row %d: label %q error %q, want label %q", i, g.GetLabel(), g.GetError(), p.Label)
		}
		for c, label := range art.Classes {
			if math.Abs(g.GetProbabilities()[label]-p.Probabilities[c]) > 1e-12 {
				t.Errorf("row %d: P(%s) = %v, want %v", i, label, g.GetProbabilities()[label], p.Probabilities[c])
			}
		}
		if len(g.GetContributions()) == 0 {
			t.Errorf("row %d: no contributions though explain was asked", i)
		}
	}
	checks := []struct {
		row              int
		warning, errPart string
	}{
		{1, `ignored field "Nickname"`, ""},
		{2, `unseen category "Atlantis" for "Embarked"`, ""},
		{3, "", `feature "Age": "old" is not a number`},
		{4, "", `missing features "Age", "SibSp", "Parch"`},
	}
	for _, c := range checks {
		g := got[c.row]
		if c.warning != "" && !strings.Contains(strings.Join(g.GetWarnings(), "|"), c.warning) {
			t.Errorf("row %d warnings = %q, want one containing %q", c.row, g.GetWarnings(), c.warning)
		}
		if c.errPart != "" && (!strings.Contains(g.GetError(), c.errPart) || g.GetResult() != nil) {
			t.Errorf("row %d = error %q result %v, want an error containing %q and no result", c.row, g.GetError(), g.GetResult(), c.errPart)
		}
	}

	// Access: viewers may predict; other users see no such model; scoped keys call their model only.
	if _, codes := h.predictOver(t, viewer.key, req); len(codes) > 0 {
		t.Errorf("viewer Predict errors %v, want none", codes)
	}
	wantCodes := func(name, key string, want connect.Code) {
		t.Helper()
		_, codes := h.predictOver(t, key, req)
		for _, proto := range []string{"connect", "grpc", "rest"} {
			if codes[proto] != want {
				t.Errorf("%s: Predict over %s = code %v, want %v", name, proto, codes[proto], want)
			}
		}
	}
	wantCodes("other user", other.key, connect.CodeNotFound)
	scoped := h.scopedKey(owner, m.ID)
	if _, codes := h.predictOver(t, scoped, req); len(codes) > 0 {
		t.Errorf("scoped key on its model: errors %v", codes)
	}
	m2 := h.deploy(owner, art)
	req2 := &trainyardv1.PredictRequest{Name: "models/" + m2.ID.String(), Instances: req.Instances}
	_, codes = h.predictOver(t, scoped, req2)
	for _, proto := range []string{"connect", "grpc", "rest"} {
		if codes[proto] != connect.CodePermissionDenied {
			t.Errorf("scoped key on another model over %s = %v, want PermissionDenied", proto, codes[proto])
		}
	}
	// A model offered for download only does not serve.
	if err := h.st.Client().Model.UpdateOneID(m2.ID).SetState(store.ModelReady).Exec(store.SystemContext(context.Background())); err != nil {
		t.Fatal(err)
	}
	_, codes = h.predictOver(t, owner.key, req2)
	if codes["connect"] != connect.CodeFailedPrecondition {
		t.Errorf("Predict on a READY model = %v, want FailedPrecondition", codes)
	}
}

// scopedKey creates a key of u limited to model id.
func (h *servingHarness) scopedKey(u user, id uuid.UUID) string {
	h.t.Helper()
	secret, _, err := h.st.CreateAPIKey(store.SystemContext(context.Background()), store.NewAPIKey{OwnerID: u.id, Role: store.RoleMember, DisplayName: "scoped", ModelID: &id})
	if err != nil {
		h.t.Fatal(err)
	}
	return secret
}

func TestPredictHotSwapUnderLoad(t *testing.T) {
	h := newServingHarness(t)
	owner := h.newUser("owner@example.com", store.RoleMember)
	weak := trainOn(t, "diabetes.csv", "disease_progression", "2")
	strong := trainOn(t, "diabetes.csv", "disease_progression", "60")
	m := h.deploy(owner, weak)
	row := `[{"age": 59, "sex": 2, "bmi": 32.1, "bp": 101, "s1_tc": 157, "s2_ldl": 93.2, "s3_hdl": 38, "s4_tch": 4, "s5_ltg": 4.8598, "s6_glu": 87}]`
	req := &trainyardv1.PredictRequest{Name: m.ID.String(), Instances: instances(t, row)}
	value := func(a *model.Artifact) float64 {
		p, _ := model.NewPredictor(a)
		var out model.Prediction
		fields := map[string]any{}
		_ = json.Unmarshal([]byte(row[1:len(row)-1]), &fields)
		if err := p.PredictMap(fields, &out); err != nil {
			t.Fatal(err)
		}
		return out.Value
	}
	vWeak, vStrong := value(weak), value(strong)
	if vWeak == vStrong {
		t.Fatalf("the two models predict the same value %v; the test cannot tell them apart", vWeak)
	}
	call := func() (float64, error) {
		r, err := h.cps.Predict(withKey(context.Background(), owner.key), req)
		if err != nil {
			return 0, err
		}
		return r.GetPredictions()[0].GetValue(), nil
	}
	if v, err := call(); err != nil || v != vWeak {
		t.Fatalf("Predict before redeploy = %v, %v; want %v", v, err, vWeak)
	}
	// Redeploy while 16 clients keep calling: every answer is one model's or the other's, and
	// once the redeploy is committed, every answer is the new model's.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, err := call()
				if err != nil {
					errs <- err
					return
				}
				if v != vWeak && v != vStrong {
					errs <- &store.Error{Msg: "a value of neither model"}
					return
				}
			}
		})
	}
	key := "models/" + m.ID.String() + "/model-v2.json.gz"
	h.putArtifact(key, strong)
	if err := h.st.Client().Model.UpdateOneID(m.ID).SetArtifactKey(key).Exec(store.SystemContext(context.Background())); err != nil {
		t.Fatal(err)
	}
	// The redeploy reaches predictions within the record cache's TTL.
	deadline := time.Now().Add(server.DefaultModelCacheTTL + 2*time.Second)
	for {
		v, err := call()
		if err == nil && v == vStrong {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("Predict after redeploy = %v, %v; want %v within %v", v, err, vStrong, server.DefaultModelCacheTTL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for range 20 {
		if v, err := call(); err != nil || v != vStrong {
			t.Errorf("Predict after redeploy = %v, %v; want %v every time once it was seen", v, err, vStrong)
			break
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Predict: %v", err)
	}
}
