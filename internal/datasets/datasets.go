// Package datasets is the domain of uploaded data: it streams uploads into the blob store (never
// holding a file whole in memory) under a size limit, checksums them, validates and profiles
// tabular files while the bytes pass, detects the kind of data, records the Dataset row, and
// serves previews and deletes. It knows nothing of RPC; the server's handlers for every
// transport (Connect/gRPC client streams, REST multipart) call it.
//
// Errors are classified with the store's error classes (store.ErrInvalidArgument, ...), so the
// server maps them to status codes like any other; their messages are safe to show and say what
// to do.
package datasets

import (
	"errors"
	"fmt"

	"github.com/trainyard/trainyard/internal/store"
)

// Error is a classified domain error with a message for the caller.
type Error struct {
	// Kind is one of the store's classes, e.g. store.ErrInvalidArgument.
	Kind error
	// Reason is a stable machine-readable cause, e.g. "TOO_LARGE" or "RAGGED_ROW".
	Reason string
	// Msg says what is wrong and what to do.
	Msg string
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the class, so errors.Is(err, store.ErrInvalidArgument) works.
func (e *Error) Unwrap() error { return e.Kind }

// The reasons of Error.
const (
	ReasonTooLarge     = "TOO_LARGE"          // the upload passed the size limit
	ReasonEmpty        = "EMPTY_FILE"         // a file with no bytes or no header
	ReasonNoRows       = "NO_DATA_ROWS"       // a header and nothing else
	ReasonRagged       = "RAGGED_ROW"         // a row with more or fewer fields than the header
	ReasonNotUTF8      = "NOT_UTF8"           // bytes that are not UTF-8
	ReasonMalformed    = "MALFORMED_CSV"      // broken quoting, endless rows, a fake zip
	ReasonUnsupported  = "UNSUPPORTED_FORMAT" // Parquet, spreadsheets, JSON
	ReasonNoFiles      = "NO_FILES"           // an upload without a file
	ReasonNoImages     = "NO_IMAGES"          // a zip without images
	ReasonNotAvailable = "NOT_AVAILABLE"      // the stored file is gone
	ReasonInUse        = "IN_USE"             // a dataset that projects still use
	ReasonReadOnly     = "READ_ONLY"          // a key that may not change anything
)

// invalid returns an InvalidArgument error.
func invalid(reason, format string, args ...any) error {
	return &Error{Kind: store.ErrInvalidArgument, Reason: reason, Msg: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the Reason of a domain error in err's chain, or "".
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
