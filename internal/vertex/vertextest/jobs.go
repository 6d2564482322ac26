package vertextest

import (
	"context"
	"slices"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// jobSteps is the order a custom job's state moves in, one step per GetCustomJob.
var jobSteps = []aiplatformpb.JobState{
	aiplatformpb.JobState_JOB_STATE_QUEUED, aiplatformpb.JobState_JOB_STATE_PENDING, aiplatformpb.JobState_JOB_STATE_RUNNING,
}

// CreateCustomJob validates and queues a job.
func (s *Server) CreateCustomJob(_ context.Context, req *aiplatformpb.CreateCustomJobRequest) (*aiplatformpb.CustomJob, error) {
	if err := s.checkParent(req.GetParent()); err != nil {
		return nil, err
	}
	j := req.GetCustomJob()
	if j.GetDisplayName() == "" {
		return nil, grpcstatus.Error(codes.InvalidArgument, "custom_job.display_name is required")
	}
	pools := j.GetJobSpec().GetWorkerPoolSpecs()
	if len(pools) == 0 || pools[0].GetContainerSpec().GetImageUri() == "" || pools[0].GetMachineSpec().GetMachineType() == "" || pools[0].GetReplicaCount() < 1 {
		return nil, grpcstatus.Error(codes.InvalidArgument, "job_spec.worker_pool_specs[0] needs a container image, a machine type and a replica count")
	}
	if t := j.GetJobSpec().GetScheduling().GetTimeout(); t != nil && t.AsDuration() <= 0 {
		return nil, grpcstatus.Error(codes.InvalidArgument, "job_spec.scheduling.timeout must be positive")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j = proto.Clone(j).(*aiplatformpb.CustomJob)
	j.Name = s.name("customJobs")
	j.State = jobSteps[0]
	j.CreateTime = timestamppb.Now()
	s.jobs[j.Name] = j
	return proto.Clone(j).(*aiplatformpb.CustomJob), nil
}

// GetCustomJob returns the job, moving it one state forward; leaving RUNNING runs it.
func (s *Server) GetCustomJob(ctx context.Context, req *aiplatformpb.GetCustomJobRequest) (*aiplatformpb.CustomJob, error) {
	if err := s.checkChild(req.GetName()); err != nil {
		return nil, err
	}
	s.mu.Lock()
	j := s.jobs[req.GetName()]
	if j == nil {
		s.mu.Unlock()
		return nil, grpcstatus.Errorf(codes.NotFound, "custom job %q not found", req.GetName())
	}
	i := slices.Index(jobSteps, j.State)
	run := i == len(jobSteps)-1
	if i >= 0 && !run {
		j.State = jobSteps[i+1]
		if j.State == aiplatformpb.JobState_JOB_STATE_RUNNING {
			j.StartTime = timestamppb.Now()
		}
	}
	snapshot := proto.Clone(j).(*aiplatformpb.CustomJob)
	s.mu.Unlock()
	if !run {
		return snapshot, nil
	}
	var err error
	if s.RunJob != nil {
		err = s.RunJob(ctx, snapshot)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.State != aiplatformpb.JobState_JOB_STATE_RUNNING { // cancelled meanwhile
		return proto.Clone(j).(*aiplatformpb.CustomJob), nil
	}
	j.EndTime = timestamppb.Now()
	j.State = aiplatformpb.JobState_JOB_STATE_SUCCEEDED
	if err != nil {
		j.State = aiplatformpb.JobState_JOB_STATE_FAILED
		j.Error = &status.Status{Code: int32(codes.Unknown), Message: "The replica workerpool0-0 exited with a non-zero status. " + err.Error()}
	}
	return proto.Clone(j).(*aiplatformpb.CustomJob), nil
}

// CancelCustomJob cancels a job that has not ended.
func (s *Server) CancelCustomJob(_ context.Context, req *aiplatformpb.CancelCustomJobRequest) (*emptyMsg, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[req.GetName()]
	if j == nil {
		return nil, grpcstatus.Errorf(codes.NotFound, "custom job %q not found", req.GetName())
	}
	if slices.Contains(jobSteps, j.State) {
		j.State = aiplatformpb.JobState_JOB_STATE_CANCELLED
		j.Error = &status.Status{Code: int32(codes.Canceled), Message: "CANCELED"}
	}
	return &emptyMsg{}, nil
}
