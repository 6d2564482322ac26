package store

import (
	"errors"
	"fmt"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/privacy"
)

// The error classes of the store. Test with errors.Is; errors.As with *Error gives the message
// that is safe to show to the caller.
var (
	// ErrNotFound: the row does not exist or belongs to someone the viewer may not see.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness rule or a concurrent change (a lease held by another worker).
	ErrConflict = errors.New("conflict")
	// ErrPermissionDenied: the viewer may see the row but not do this (a viewer writing).
	ErrPermissionDenied = errors.New("permission denied")
	// ErrFailedPrecondition: the state forbids it (too many active projects, a finished project).
	ErrFailedPrecondition = errors.New("failed precondition")
	// ErrInvalidArgument: a malformed input (a bad page token, an unknown role).
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrUnauthenticated: an unknown, revoked or expired API key.
	ErrUnauthenticated = errors.New("unauthenticated")
)

// Error is a store error: one of the classes above and a message for the caller.
type Error struct {
	// Kind is one of the Err* classes.
	Kind error
	// Msg says what went wrong, without internals.
	Msg string
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the class, so errors.Is(err, ErrNotFound) works.
func (e *Error) Unwrap() error { return e.Kind }

// newErr returns an *Error of the given class.
func newErr(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// mapErr turns ent and privacy errors into store errors about what (e.g. "project 0190...").
// Errors that are already store errors, and unknown ones, are returned wrapped with context.
func mapErr(err error, what string) error {
	var se *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return err
	case ent.IsNotFound(err):
		return newErr(ErrNotFound, "%s not found", what)
	case errors.Is(err, privacy.Deny):
		return &Error{Kind: ErrPermissionDenied, Msg: fmt.Sprintf("%s: permission denied", what)}
	case ent.IsConstraintError(err):
		return newErr(ErrConflict, "%s conflicts with an existing one", what)
	case ent.IsValidationError(err):
		return newErr(ErrInvalidArgument, "%s: %v", what, err)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}
