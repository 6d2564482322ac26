package vertex

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/protobuf/types/known/durationpb"
)

// DefaultMachineType is the machine of custom jobs and deployments unless told otherwise.
const DefaultMachineType = "n1-standard-4"

// CustomJob describes a container to run once on Vertex AI.
type CustomJob struct {
	// DisplayName names the job in the console.
	DisplayName string
	// Image is the container image (for Trainyard's engine: the worker image).
	Image string
	// Command replaces the image's entry point when set.
	Command []string
	// Args are the container's arguments.
	Args []string
	// Env are environment variables of the container.
	Env map[string]string
	// MachineType is the machine (default DefaultMachineType).
	MachineType string
	// Timeout stops the job (the project's budget plus a margin); 0 leaves Vertex's 7 days.
	Timeout time.Duration
	// ServiceAccount runs the job; empty for the project's default.
	ServiceAccount string
	// OutputDir is the gs:// folder the job writes to (AIP_MODEL_DIR and friends).
	OutputDir string
	// Labels are attached to the job (project id, attempt).
	Labels map[string]string
}

// proto returns the API resource.
func (j CustomJob) proto() *aiplatformpb.CustomJob {
	machine := j.MachineType
	if machine == "" {
		machine = DefaultMachineType
	}
	var env []*aiplatformpb.EnvVar
	for _, k := range slices.Sorted(maps.Keys(j.Env)) {
		env = append(env, &aiplatformpb.EnvVar{Name: k, Value: j.Env[k]})
	}
	spec := &aiplatformpb.CustomJobSpec{
		WorkerPoolSpecs: []*aiplatformpb.WorkerPoolSpec{{
			Task: &aiplatformpb.WorkerPoolSpec_ContainerSpec{ContainerSpec: &aiplatformpb.ContainerSpec{
				ImageUri: j.Image, Command: j.Command, Args: j.Args, Env: env,
			}},
			MachineSpec:  &aiplatformpb.MachineSpec{MachineType: machine},
			ReplicaCount: 1,
		}},
		ServiceAccount: j.ServiceAccount,
	}
	if j.Timeout > 0 {
		spec.Scheduling = &aiplatformpb.Scheduling{Timeout: durationpb.New(j.Timeout)}
	}
	if j.OutputDir != "" {
		spec.BaseOutputDirectory = &aiplatformpb.GcsDestination{OutputUriPrefix: j.OutputDir}
	}
	return &aiplatformpb.CustomJob{DisplayName: j.DisplayName, JobSpec: spec, Labels: j.Labels}
}

// RunCustomJob creates the job and polls it until it ends. onState, when not nil, sees every
// state change. A job that ends other than SUCCEEDED is a *JobError. When ctx ends first the
// job is cancelled (best effort) and ctx's error returned.
func (c *Client) RunCustomJob(ctx context.Context, job CustomJob, onState func(aiplatformpb.JobState)) (*aiplatformpb.CustomJob, error) {
	if job.Image == "" {
		return nil, fmt.Errorf("custom job %q: no container image", job.DisplayName)
	}
	created, err := c.jobs.CreateCustomJob(ctx, &aiplatformpb.CreateCustomJobRequest{Parent: c.loc.Parent(), CustomJob: job.proto()})
	if err != nil {
		return nil, fmt.Errorf("create custom job: %w", err)
	}
	last := created
	state := created.GetState()
	if onState != nil {
		onState(state)
	}
	err = c.backoff.poll(ctx, created.GetName(), func(ctx context.Context) (bool, error) {
		j, err := c.jobs.GetCustomJob(ctx, &aiplatformpb.GetCustomJobRequest{Name: created.GetName()})
		if err != nil {
			return false, err
		}
		last = j
		if j.GetState() != state {
			state = j.GetState()
			if onState != nil {
				onState(state)
			}
		}
		return jobDone(state), nil
	})
	if err != nil {
		if ctx.Err() != nil {
			c.cancelJob(created.GetName())
		}
		return nil, err
	}
	if state != aiplatformpb.JobState_JOB_STATE_SUCCEEDED {
		return last, &JobError{Name: last.GetName(), State: state.String(), Message: last.GetError().GetMessage()}
	}
	return last, nil
}

// cancelJob asks Vertex to cancel a job whose caller gave up.
func (c *Client) cancelJob(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = c.jobs.CancelCustomJob(ctx, &aiplatformpb.CancelCustomJobRequest{Name: name})
}

// jobDone reports whether a job state is final.
func jobDone(s aiplatformpb.JobState) bool {
	switch s {
	case aiplatformpb.JobState_JOB_STATE_SUCCEEDED, aiplatformpb.JobState_JOB_STATE_FAILED,
		aiplatformpb.JobState_JOB_STATE_CANCELLED, aiplatformpb.JobState_JOB_STATE_EXPIRED,
		aiplatformpb.JobState_JOB_STATE_PARTIALLY_SUCCEEDED:
		return true
	}
	return false
}
