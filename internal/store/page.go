package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"
)

const (
	// DefaultPageSize is the page size when a request gives none.
	DefaultPageSize = 50
	// MaxPageSize caps the page size.
	MaxPageSize = 1000
)

// PageRequest asks for one page of a list, newest first (or in sequence order for decisions).
type PageRequest struct {
	// Size is the most items to return (0 = DefaultPageSize, capped at MaxPageSize).
	Size int
	// Token is the NextPageToken of the previous page, "" for the first.
	Token string
}

// size returns the effective page size.
func (p PageRequest) size() int {
	switch {
	case p.Size <= 0:
		return DefaultPageSize
	case p.Size > MaxPageSize:
		return MaxPageSize
	}
	return p.Size
}

// cursor is the decoded page token: the sort key of the last item returned, and the list (with
// its filter) it belongs to, so a token cannot be replayed against another list.
type cursor struct {
	Time  time.Time `json:"t,omitzero"`
	ID    uuid.UUID `json:"i,omitzero"`
	Seq   int64     `json:"q,omitzero"`
	Scope string    `json:"s"`
}

// decodeToken parses a page token of the list scope; nil for the first page.
func decodeToken(token, scope string) (*cursor, error) {
	if token == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	var c cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.Scope != scope {
		return nil, newErr(ErrInvalidArgument, "page_token is not valid for this request")
	}
	return &c, nil
}

// encodeToken returns the opaque form of c.
func encodeToken(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// listPage runs a keyset-paged query ordered by (created_at DESC, id DESC). run executes the
// query with the given where clause, order and limit; key returns an item's sort key.
func listPage[T any](ctx context.Context, page PageRequest, scope string,
	run func(where, order func(*sql.Selector), limit int) ([]T, error),
	key func(T) (time.Time, uuid.UUID),
) ([]T, string, error) {
	c, err := decodeToken(page.Token, scope)
	if err != nil {
		return nil, "", err
	}
	const timeCol, idCol = "created_at", "id"
	where := func(s *sql.Selector) {
		if c == nil {
			return
		}
		s.Where(sql.Or(
			sql.LT(s.C(timeCol), c.Time),
			sql.And(sql.EQ(s.C(timeCol), c.Time), sql.LT(s.C(idCol), c.ID)),
		))
	}
	order := func(s *sql.Selector) {
		s.OrderBy(sql.Desc(s.C(timeCol)), sql.Desc(s.C(idCol)))
	}
	n := page.size()
	items, err := run(where, order, n+1)
	if err != nil {
		return nil, "", mapErr(err, scope)
	}
	if len(items) <= n {
		return items, "", nil
	}
	items = items[:n]
	t, id := key(items[n-1])
	return items, encodeToken(cursor{Time: t, ID: id, Scope: scope}), nil
}
