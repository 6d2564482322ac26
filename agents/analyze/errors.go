package analyze

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoTarget reports a description and data from which no target column can
// be told; the error is a *NoTargetError.
var ErrNoTarget = errors.New("no target column")

// NoTargetError says that the description names no usable target and the
// data alone is not convincing. It lists the candidates and an example
// phrasing, for a message the user can act on.
type NoTargetError struct {
	// Candidates are the columns that could be predicted, most likely first.
	Candidates []string
	// Example is a description that would work.
	Example string
	// Why says what was missing.
	Why string
}

// Error lists the candidates and the example.
func (e *NoTargetError) Error() string {
	cands := e.Candidates
	more := ""
	if len(cands) > 10 {
		more = fmt.Sprintf(" and %d more", len(cands)-10)
		cands = cands[:10]
	}
	return fmt.Sprintf("cannot tell which column to predict: %s; candidate columns: %s%s. Try: %q",
		e.Why, strings.Join(cands, ", "), more, e.Example)
}

// Unwrap makes errors.Is(err, ErrNoTarget) true.
func (e *NoTargetError) Unwrap() error { return ErrNoTarget }

// Suggestions returns next steps for the user, for the API's ProjectError.
func (e *NoTargetError) Suggestions() []string {
	out := []string{"Name the column to predict, e.g. " + fmt.Sprintf("%q", e.Example)}
	if len(e.Candidates) > 0 {
		out = append(out, "Columns that could be predicted: "+strings.Join(e.Candidates[:min(len(e.Candidates), 10)], ", "))
	}
	return out
}
