package pipeline

import (
	"context"
	"time"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/store"
)

// WebhookTopic is the outbox topic of webhook notifications.
const WebhookTopic = "webhooks"

// WebhookMessage is the payload of a webhook outbox message: where to send it and the event.
type WebhookMessage struct {
	URL   string       `json:"url"`
	Event WebhookEvent `json:"event"`
}

// WebhookEvent is the signed JSON body a webhook receives.
type WebhookEvent struct {
	// Type is "project.approval_needed", "project.completed" or "project.failed".
	Type      string    `json:"type"`
	ProjectID string    `json:"project_id"`
	Stage     string    `json:"stage"`
	Message   string    `json:"message"`
	ModelID   string    `json:"model_id,omitempty"`
	Error     string    `json:"error,omitempty"`
	Time      time.Time `json:"time"`
}

// webhookType returns the event type of a move to stage, "" for moves nobody is told about.
func webhookType(s store.Stage) string {
	switch s {
	case store.StageAwaitingApproval:
		return "project.approval_needed"
	case store.StageCompleted:
		return "project.completed"
	case store.StageFailed:
		return "project.failed"
	}
	return ""
}

// enqueueWebhook writes the notification of a move to the outbox in the commit transaction,
// when the project or its owner has a webhook URL.
func (p *Pipeline) enqueueWebhook(ctx context.Context, tx *store.Tx, proj *ent.Project, moved *ent.Project, message string) error {
	typ := webhookType(moved.Stage)
	if typ == "" {
		return nil
	}
	url := moved.WebhookURL
	if url == "" {
		u, err := tx.Client().User.Get(ctx, proj.OwnerID)
		if err != nil {
			return err
		}
		url = u.WebhookURL
	}
	if url == "" {
		return nil
	}
	ev := WebhookEvent{Type: typ, ProjectID: proj.ID.String(), Stage: string(moved.Stage), Message: message, Error: moved.ErrorMessage, Time: p.now().UTC()}
	if moved.ModelID != nil {
		ev.ModelID = moved.ModelID.String()
	}
	_, err := tx.Enqueue(ctx, store.Message{Topic: WebhookTopic, OrderingKey: proj.ID.String(), Payload: mustJSON(WebhookMessage{URL: url, Event: ev})})
	return err
}
