// Package vertex is Trainyard's client of Vertex AI (cloud.google.com/go/aiplatform, API v1):
// custom training jobs that run Trainyard's own engine in a container, AutoML training
// pipelines for tables and images (image object detection is offered by this backend only),
// model upload, endpoints with autoscaling, online prediction and undeployment.
//
// A backend is named by a URL, vertex://projects/P/locations/L. Every long call — a job, a
// training pipeline, a long-running operation — is polled with exponential backoff (see
// Backoff); transient errors while polling are retried, a job or pipeline that ends FAILED or
// CANCELLED is returned as a *JobError (errors.Is(err, ErrJobFailed)), so the caller's retry
// rules decide what happens next. Budgets are given as durations and converted to the
// node-hours Vertex bills (see MilliNodeHours).
//
// Package vertextest is an in-process gRPC server that implements the services used, with
// Vertex's state transitions, for tests.
package vertex

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	aiplatform "cloud.google.com/go/aiplatform/apiv1"
	"google.golang.org/api/option"
)

// Scheme is the URL scheme of the Vertex AI backend.
const Scheme = "vertex"

// Location is a Google Cloud project and Vertex AI region.
type Location struct {
	// Project is the project ID.
	Project string
	// Region is the Vertex AI location, such as us-central1.
	Region string
}

// ParseURL parses vertex://projects/P/locations/L.
func ParseURL(raw string) (Location, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Location{}, fmt.Errorf("vertex url %q: %w", raw, err)
	}
	parts := strings.Split(strings.Trim(u.Host+u.Path, "/"), "/")
	if u.Scheme != Scheme || len(parts) != 4 || parts[0] != "projects" || parts[2] != "locations" || parts[1] == "" || parts[3] == "" {
		return Location{}, fmt.Errorf("vertex url %q: want vertex://projects/PROJECT/locations/REGION", raw)
	}
	return Location{Project: parts[1], Region: parts[3]}, nil
}

// Parent returns projects/P/locations/L, the parent of every resource the client creates.
func (l Location) Parent() string { return "projects/" + l.Project + "/locations/" + l.Region }

// Endpoint returns the regional API endpoint, REGION-aiplatform.googleapis.com:443.
func (l Location) Endpoint() string { return l.Region + "-aiplatform.googleapis.com:443" }

// Client talks to Vertex AI in one location. It is safe for concurrent use.
type Client struct {
	loc         Location
	backoff     Backoff
	jobs        *aiplatform.JobClient
	pipelines   *aiplatform.PipelineClient
	models      *aiplatform.ModelClient
	endpoints   *aiplatform.EndpointClient
	predictions *aiplatform.PredictionClient
	datasets    *aiplatform.DatasetClient
}

// New connects to Vertex AI in loc with the application default credentials. opts come after
// the regional endpoint, so they may replace it (tests point it at vertextest).
func New(ctx context.Context, loc Location, backoff Backoff, opts ...option.ClientOption) (*Client, error) {
	all := append([]option.ClientOption{option.WithEndpoint(loc.Endpoint())}, opts...)
	c := &Client{loc: loc, backoff: backoff.withDefaults()}
	var err error
	if c.jobs, err = aiplatform.NewJobClient(ctx, all...); err != nil {
		return nil, fmt.Errorf("vertex job client: %w", err)
	}
	if c.pipelines, err = aiplatform.NewPipelineClient(ctx, all...); err != nil {
		c.Close()
		return nil, fmt.Errorf("vertex pipeline client: %w", err)
	}
	if c.models, err = aiplatform.NewModelClient(ctx, all...); err != nil {
		c.Close()
		return nil, fmt.Errorf("vertex model client: %w", err)
	}
	if c.endpoints, err = aiplatform.NewEndpointClient(ctx, all...); err != nil {
		c.Close()
		return nil, fmt.Errorf("vertex endpoint client: %w", err)
	}
	if c.predictions, err = aiplatform.NewPredictionClient(ctx, all...); err != nil {
		c.Close()
		return nil, fmt.Errorf("vertex prediction client: %w", err)
	}
	if c.datasets, err = aiplatform.NewDatasetClient(ctx, all...); err != nil {
		c.Close()
		return nil, fmt.Errorf("vertex dataset client: %w", err)
	}
	return c, nil
}

// Location returns the client's location.
func (c *Client) Location() Location { return c.loc }

// Close closes the connections.
func (c *Client) Close() error {
	var errs []error
	if c.jobs != nil {
		errs = append(errs, c.jobs.Close())
	}
	if c.pipelines != nil {
		errs = append(errs, c.pipelines.Close())
	}
	if c.models != nil {
		errs = append(errs, c.models.Close())
	}
	if c.endpoints != nil {
		errs = append(errs, c.endpoints.Close())
	}
	if c.predictions != nil {
		errs = append(errs, c.predictions.Close())
	}
	if c.datasets != nil {
		errs = append(errs, c.datasets.Close())
	}
	return errors.Join(errs...)
}

// ErrJobFailed is wrapped by every *JobError.
var ErrJobFailed = errors.New("vertex job failed")

// JobError reports a custom job or training pipeline that ended without success.
type JobError struct {
	// Name is the job's or pipeline's resource name.
	Name string
	// State is its final state (JOB_STATE_FAILED, PIPELINE_STATE_CANCELLED, ...).
	State string
	// Message is Vertex's error message.
	Message string
}

// Error implements error.
func (e *JobError) Error() string {
	return fmt.Sprintf("%s ended %s: %s", e.Name, e.State, e.Message)
}

// Unwrap returns ErrJobFailed.
func (e *JobError) Unwrap() error { return ErrJobFailed }
