package pipeline

import (
	"errors"
	"fmt"
	"strings"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/internal/store"
)

// UserError is a problem with what the user gave (data, description): the project fails with
// Message and Suggestions, which the API shows as they are.
type UserError struct {
	// Message says what is wrong, in the user's terms.
	Message string
	// Suggestions are next steps the user can take.
	Suggestions []string
	// Evidence is what was measured, for the audit entry.
	Evidence map[string]any
}

// Error returns the message.
func (e *UserError) Error() string { return e.Message }

// userErrorf returns a *UserError.
func userErrorf(suggestions []string, format string, args ...any) *UserError {
	return &UserError{Message: fmt.Sprintf(format, args...), Suggestions: suggestions}
}

// handleError is the ErrorHandler: it turns a stage's failure into the project's FAILED
// outcome. User-input errors carry their message and suggestions; anything else is logged with
// its cause and a reference, and the user gets a generic message with that reference.
func (p *Pipeline) handleError(r *run, err error) *outcome {
	out := &outcome{next: store.StageFailed}
	var ue *UserError
	var nt *analyze.NoTargetError
	switch {
	case errors.As(err, &nt):
		ue = &UserError{Message: nt.Error(), Suggestions: nt.Suggestions(),
			Evidence: map[string]any{"candidates": nt.Candidates, "why": nt.Why}}
	case errors.As(err, &ue):
	}
	if ue != nil {
		msg := ue.Message
		out.message = "failed: " + msg
		out.changes.ErrorMessage = &msg
		out.changes.Suggestions = append([]string{}, ue.Suggestions...)
		ev := map[string]any{"error_class": "user_input", "stage": string(r.stage)}
		for k, v := range ue.Evidence {
			ev[k] = v
		}
		out.decide(decision.Decision{
			Type: typeRecovery, Decision: "stop the project: " + firstSentence(msg),
			Alternatives: []decision.Alternative{
				{Option: "stop and explain", Score: decision.Score(1), Note: "the input must change; retrying cannot help"},
				{Option: "retry the stage", Score: decision.Score(0), Note: "the same input gives the same result"},
			},
			Evidence:   ev,
			Reasoning:  "The problem is in the data or the description, not in the system: " + msg,
			Confidence: 1, Reasoner: "rules", Time: p.now(),
		})
		return out
	}
	ref := randomID()
	p.log.Error("stage failed", "project", r.proj.ID, "stage", r.stage, "ref", ref, "err", err)
	msg := fmt.Sprintf("an internal error stopped the %s stage (reference %s)", strings.ToLower(string(r.stage)), ref)
	out.message = "failed: " + msg
	out.changes.ErrorMessage = &msg
	out.changes.Suggestions = []string{"Submit the project again; if it fails again, report the reference " + ref}
	out.logs = append(out.logs, msg)
	return out
}

// firstSentence returns s up to its first ": " or ". ".
func firstSentence(s string) string {
	for _, sep := range []string{". ", ": "} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	return s
}
