// Package vertextest is an in-process fake of the Vertex AI API (aiplatform v1) over real
// gRPC, for tests of code that uses cloud.google.com/go/aiplatform: JobService (custom jobs),
// PipelineService (training pipelines), DatasetService (create, import), ModelService
// (upload, get, list, delete), EndpointService (create, get, list, deploy, undeploy,
// delete), PredictionService (predict) and google.longrunning.Operations. Lists understand one
// filter, display_name="NAME".
//
// It keeps Vertex's state machines: a custom job goes QUEUED → PENDING → RUNNING → SUCCEEDED
// or FAILED, one step per GetCustomJob; a training pipeline goes QUEUED → PENDING → RUNNING →
// SUCCEEDED (uploading its model) or FAILED; a long-running operation is done after
// OpPolls polls. The work itself is done by hooks the test provides (RunJob runs a custom job's
// container, Serve answers a deployed model's predictions); a hook's error fails the job or
// the prediction as Vertex would. Requests are validated as Vertex validates them (parent
// names, budgets below the minimum, replica counts, an endpoint deleted while models are
// deployed), and Fail injects an error into the next calls of a method.
package vertextest

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Server is the fake. Its exported fields may be set before the first call.
type Server struct {
	// Parent is the only location requests may name, projects/P/locations/L.
	Parent string
	// OpPolls is how many GetOperation calls an operation takes to finish (default 1).
	OpPolls int
	// RunJob runs a custom job's container when the job leaves RUNNING; an error fails the
	// job with its message. Nil succeeds every job.
	RunJob func(ctx context.Context, job *aiplatformpb.CustomJob) error
	// TrainAutoML decides a training pipeline's outcome when it leaves RUNNING; an error fails
	// it. Nil succeeds every pipeline.
	TrainAutoML func(p *aiplatformpb.TrainingPipeline) error
	// EvaluateAutoML returns the evaluation metrics Vertex attaches to the model of a training
	// pipeline that succeeded (for object detection {"boundingBoxMeanAveragePrecision": m});
	// nil attaches none. ListModelEvaluations answers them.
	EvaluateAutoML func(p *aiplatformpb.TrainingPipeline) map[string]any
	// Serve answers predictions for a deployed model. Nil answers Unimplemented.
	Serve func(model *aiplatformpb.Model, instances []*structpb.Value) ([]*structpb.Value, error)

	mu        sync.Mutex
	seq       int
	jobs      map[string]*aiplatformpb.CustomJob
	pipelines map[string]*aiplatformpb.TrainingPipeline
	datasets  map[string]*aiplatformpb.Dataset
	imports   map[string][]string // dataset → imported gs:// files
	models    map[string]*aiplatformpb.Model
	evals     map[string][]*aiplatformpb.ModelEvaluation // model → its evaluations
	endpoints map[string]*aiplatformpb.Endpoint
	ops       map[string]*op
	fail      map[string][]error
	calls     map[string]int

	aiplatformpb.UnimplementedJobServiceServer
}

// op is a long-running operation and what it resolves to.
type op struct {
	proto  *longrunningpb.Operation
	polls  int
	result proto.Message // the response; nil for Empty
	err    error         // the operation's error, if it fails
	finish func()        // applied when the operation completes
}

// Start serves a fresh fake for parent on a loopback port until the test ends and returns it
// with the client options that reach it.
func Start(t testing.TB, parent string) (*Server, []option.ClientOption) {
	t.Helper()
	s := &Server{
		Parent: parent, OpPolls: 1,
		jobs: map[string]*aiplatformpb.CustomJob{}, pipelines: map[string]*aiplatformpb.TrainingPipeline{},
		datasets: map[string]*aiplatformpb.Dataset{}, imports: map[string][]string{}, models: map[string]*aiplatformpb.Model{},
		evals:     map[string][]*aiplatformpb.ModelEvaluation{},
		endpoints: map[string]*aiplatformpb.Endpoint{}, ops: map[string]*op{}, fail: map[string][]error{},
		calls: map[string]int{},
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(grpc.UnaryInterceptor(s.intercept))
	aiplatformpb.RegisterJobServiceServer(gs, s)
	aiplatformpb.RegisterPipelineServiceServer(gs, &pipelineService{s: s})
	aiplatformpb.RegisterDatasetServiceServer(gs, &datasetService{s: s})
	aiplatformpb.RegisterModelServiceServer(gs, &modelService{s: s})
	aiplatformpb.RegisterEndpointServiceServer(gs, &endpointService{s: s})
	aiplatformpb.RegisterPredictionServiceServer(gs, &predictionService{s: s})
	longrunningpb.RegisterOperationsServer(gs, &operations{s: s})
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	return s, []option.ClientOption{
		option.WithEndpoint(lis.Addr().String()),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}
}

// Fail makes the next len(errs) calls of method (its short name, such as "GetCustomJob" or
// "CreateEndpoint") return errs in order instead of being served.
func (s *Server) Fail(method string, errs ...error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[method] = append(s.fail[method], errs...)
}

// Calls returns how many times method was called (failed calls included).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// intercept counts calls and injects the queued failures.
func (s *Server) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	method := info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]
	s.mu.Lock()
	s.calls[method]++
	if q := s.fail[method]; len(q) > 0 {
		err := q[0]
		s.fail[method] = q[1:]
		s.mu.Unlock()
		return nil, err
	}
	s.mu.Unlock()
	return h(ctx, req)
}

// Job returns a copy of the named custom job, or nil.
func (s *Server) Job(name string) *aiplatformpb.CustomJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j := s.jobs[name]; j != nil {
		return proto.Clone(j).(*aiplatformpb.CustomJob)
	}
	return nil
}

// Pipeline returns a copy of the named training pipeline, or nil.
func (s *Server) Pipeline(name string) *aiplatformpb.TrainingPipeline {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pipelines[name]; p != nil {
		return proto.Clone(p).(*aiplatformpb.TrainingPipeline)
	}
	return nil
}

// Endpoints returns copies of the endpoints that exist.
func (s *Server) Endpoints() []*aiplatformpb.Endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*aiplatformpb.Endpoint
	for _, e := range s.endpoints {
		out = append(out, proto.Clone(e).(*aiplatformpb.Endpoint))
	}
	return out
}

// Dataset returns a copy of the named managed dataset, or nil.
func (s *Server) Dataset(name string) *aiplatformpb.Dataset {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.datasets[name]; d != nil {
		return proto.Clone(d).(*aiplatformpb.Dataset)
	}
	return nil
}

// Imports returns the files imported into the named dataset, in order.
func (s *Server) Imports(dataset string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.imports[dataset])
}

// Model returns a copy of the named model, or nil.
func (s *Server) Model(name string) *aiplatformpb.Model {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.models[name]; m != nil {
		return proto.Clone(m).(*aiplatformpb.Model)
	}
	return nil
}

// name allocates a resource name under the parent. Callers hold mu.
func (s *Server) name(collection string) string {
	s.seq++
	return fmt.Sprintf("%s/%s/%d", s.Parent, collection, 1000+s.seq)
}

// checkParent rejects a request for another project or location.
func (s *Server) checkParent(parent string) error {
	if parent != s.Parent {
		return status.Errorf(codes.PermissionDenied, "parent %q: permission denied (this fake serves %s)", parent, s.Parent)
	}
	return nil
}

// checkChild rejects a resource name outside the parent.
func (s *Server) checkChild(name string) error {
	if !strings.HasPrefix(name, s.Parent+"/") {
		return status.Errorf(codes.InvalidArgument, "resource name %q is not under %s", name, s.Parent)
	}
	return nil
}

// newOp registers an operation that finishes after OpPolls polls. Callers hold mu.
func (s *Server) newOp(result proto.Message, opErr error, finish func()) *longrunningpb.Operation {
	name := s.name("operations")
	o := &op{proto: &longrunningpb.Operation{Name: name}, result: result, err: opErr, finish: finish}
	s.ops[name] = o
	return proto.Clone(o.proto).(*longrunningpb.Operation)
}

// operations implements google.longrunning.Operations.
type operations struct {
	longrunningpb.UnimplementedOperationsServer
	s *Server
}

// GetOperation advances an operation by one poll.
func (o *operations) GetOperation(_ context.Context, req *longrunningpb.GetOperationRequest) (*longrunningpb.Operation, error) {
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	op := s.ops[req.GetName()]
	if op == nil {
		return nil, status.Errorf(codes.NotFound, "operation %q not found", req.GetName())
	}
	if !op.proto.Done {
		op.polls++
		if op.polls >= max(1, s.OpPolls) {
			op.proto.Done = true
			if op.err != nil {
				st, _ := status.FromError(op.err)
				op.proto.Result = &longrunningpb.Operation_Error{Error: st.Proto()}
			} else {
				var res proto.Message = op.result
				if res == nil {
					res = &emptypb.Empty{}
				}
				a, err := anypb.New(res)
				if err != nil {
					return nil, status.Errorf(codes.Internal, "pack result: %v", err)
				}
				op.proto.Result = &longrunningpb.Operation_Response{Response: a}
				if op.finish != nil {
					op.finish()
				}
			}
		}
	}
	return proto.Clone(op.proto).(*longrunningpb.Operation), nil
}

// emptyMsg is google.protobuf.Empty.
type emptyMsg = emptypb.Empty

// longrunningOp is google.longrunning.Operation.
type longrunningOp = longrunningpb.Operation
