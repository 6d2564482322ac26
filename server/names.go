package server

import (
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"
)

// parseName returns the id of a resource name "collection/{id}"; a bare id is accepted too.
// A malformed name is InvalidArgument.
func parseName(name, collection string) (uuid.UUID, error) {
	raw := strings.TrimPrefix(name, collection+"/")
	id, err := uuid.Parse(raw)
	if err != nil || strings.Contains(raw, "/") {
		return uuid.Nil, connect.NewError(connect.CodeInvalidArgument,
			fmt.Errorf("name %q: want %s/{id} with a UUID id", name, collection))
	}
	return id, nil
}

// resourceName returns "collection/{id}".
func resourceName(collection string, id uuid.UUID) string { return collection + "/" + id.String() }
