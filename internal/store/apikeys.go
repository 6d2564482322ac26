package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/apikey"
	"github.com/trainyard/trainyard/ent/predicate"
)

const (
	// keyPrefixLen is how many leading characters of a secret are stored and shown in lists.
	keyPrefixLen = 8
	// secretPrefix starts every secret, so leaked keys are recognisable.
	secretPrefix = "ty_"
	// lastUsedGranularity is how stale last_used_at may get before a request updates it.
	lastUsedGranularity = time.Minute
)

// NewAPIKey describes a key to create.
type NewAPIKey struct {
	// OwnerID is the user the key acts as.
	OwnerID uuid.UUID
	// DisplayName labels the key in lists.
	DisplayName string
	// Role is what the key may do.
	Role Role
	// ModelID, when set, limits the key to that model's predictions.
	ModelID *uuid.UUID
	// ExpiresAt, when set, ends the key's validity.
	ExpiresAt *time.Time
}

// CreateAPIKey creates a key and returns its secret, which is not stored and cannot be shown
// again: `ty_` and 43 URL-safe base64 characters (256 random bits).
func (s *Store) CreateAPIKey(ctx context.Context, in NewAPIKey) (secret string, key *ent.ApiKey, err error) {
	if !in.Role.Valid() {
		return "", nil, newErr(ErrInvalidArgument, "unknown role %q", in.Role)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	secret = secretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	c := s.client.ApiKey.Create().
		SetOwnerID(in.OwnerID).
		SetDisplayName(in.DisplayName).
		SetKeyPrefix(secret[:keyPrefixLen]).
		SetSecretHash(hashSecret(secret)).
		SetRole(in.Role).
		SetNillableModelID(in.ModelID)
	if in.ExpiresAt != nil {
		c.SetExpiresAt(in.ExpiresAt.UTC())
	}
	key, err = c.Save(ctx)
	if err != nil {
		return "", nil, mapErr(err, "api key")
	}
	s.keys.forget(keyHash(sha256.Sum256([]byte(secret))))
	return secret, key, nil
}

// hashSecret returns the stored form of a secret.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Authenticate returns the viewer of an API key secret, or ErrUnauthenticated for an unknown,
// revoked or expired key. It needs no viewer in ctx and refreshes the key's last_used_at at
// most once a minute. Results are cached by the secret's hash (see Options.AuthCacheTTL): a
// known key then costs no database read, a revoke through this Store applies at once and one
// through another process within the TTL. The returned key is shared: do not modify it.
func (s *Store) Authenticate(ctx context.Context, secret string) (Viewer, *ent.ApiKey, error) {
	h := keyHash(sha256.Sum256([]byte(secret)))
	now := time.Now()
	if e := s.keys.get(h, now); e != nil {
		if e.err != nil {
			return Viewer{}, nil, e.err
		}
		if e.key.ExpiresAt != nil && !now.Before(*e.key.ExpiresAt) {
			return Viewer{}, nil, newErr(ErrUnauthenticated, "API key %s… expired", e.key.KeyPrefix)
		}
		if used := e.used.Load(); now.UnixNano()-used >= int64(lastUsedGranularity) && e.used.CompareAndSwap(used, now.UnixNano()) {
			s.touchAPIKey(ctx, e.key, nowUTC())
		}
		return e.view, e.key, nil
	}
	gen := s.keys.generation()
	v, key, err := s.authenticate(ctx, hex.EncodeToString(h[:]))
	e := &keyEntry{until: now.Add(s.keys.ttl), err: err, key: key, view: v}
	if err != nil {
		if !errors.Is(err, ErrUnauthenticated) {
			return v, key, err // a database error: nothing learnt
		}
		e.until = now.Add(min(authNegativeTTL, s.keys.ttl))
	} else if key.LastUsedAt != nil {
		e.used.Store(key.LastUsedAt.UnixNano())
	}
	s.keys.put(h, e, gen)
	return v, key, err
}

// authenticate reads the key with the hex SHA-256 hash from the database.
func (s *Store) authenticate(ctx context.Context, hash string) (Viewer, *ent.ApiKey, error) {
	sys := system(ctx)
	key, err := s.client.ApiKey.Query().Where(apikey.SecretHash(hash)).Only(sys)
	if ent.IsNotFound(err) {
		return Viewer{}, nil, newErr(ErrUnauthenticated, "unknown API key")
	}
	if err != nil {
		return Viewer{}, nil, mapErr(err, "api key")
	}
	now := nowUTC()
	if key.RevokedAt != nil {
		return Viewer{}, nil, newErr(ErrUnauthenticated, "API key %s… was revoked", key.KeyPrefix)
	}
	if key.ExpiresAt != nil && !now.Before(*key.ExpiresAt) {
		return Viewer{}, nil, newErr(ErrUnauthenticated, "API key %s… expired", key.KeyPrefix)
	}
	if key.LastUsedAt == nil || now.Sub(*key.LastUsedAt) >= lastUsedGranularity {
		if s.touchAPIKey(ctx, key, now) {
			key.LastUsedAt = &now
		}
	}
	v := Viewer{UserID: key.OwnerID, Role: key.Role}
	if key.ModelID != nil {
		v.ModelScope = *key.ModelID
	}
	return v, key, nil
}

// touchAPIKey sets the key's last_used_at to now unless another request did within the
// granularity. Best effort: a busy database must not fail the request.
func (s *Store) touchAPIKey(ctx context.Context, key *ent.ApiKey, now time.Time) bool {
	n, err := s.client.ApiKey.Update().
		Where(apikey.ID(key.ID), apikey.Or(apikey.LastUsedAtIsNil(), apikey.LastUsedAtLT(now.Add(-lastUsedGranularity)))).
		SetLastUsedAt(now).Save(system(ctx))
	if err != nil {
		s.log.WarnContext(ctx, "update api key last_used_at", "key_prefix", key.KeyPrefix, "err", err)
		return false
	}
	return n > 0
}

// ListAPIKeys returns the keys of ownerID, newest first, revoked ones included;
// uuid.Nil lists every key the viewer may see (an admin's: all users' keys).
func (s *Store) ListAPIKeys(ctx context.Context, ownerID uuid.UUID, page PageRequest) ([]*ent.ApiKey, string, error) {
	return listPage(ctx, page, "api_keys:"+ownerID.String(),
		func(where, order func(*sql.Selector), limit int) ([]*ent.ApiKey, error) {
			q := s.client.ApiKey.Query().Where(predicate.ApiKey(where))
			if ownerID != uuid.Nil {
				q = q.Where(apikey.OwnerID(ownerID))
			}
			return q.Order(apikey.OrderOption(order)).Limit(limit).All(ctx)
		},
		func(k *ent.ApiKey) (time.Time, uuid.UUID) { return k.CreatedAt, k.ID })
}

// GetAPIKey returns a key the viewer may see.
func (s *Store) GetAPIKey(ctx context.Context, id uuid.UUID) (*ent.ApiKey, error) {
	k, err := s.client.ApiKey.Get(ctx, id)
	return k, mapErr(err, "api key "+id.String())
}

// RevokeAPIKey revokes a key at once (in this process; other processes stop accepting it
// within their Options.AuthCacheTTL); revoking a revoked key changes nothing.
func (s *Store) RevokeAPIKey(ctx context.Context, id uuid.UUID) (*ent.ApiKey, error) {
	k, err := s.client.ApiKey.Get(ctx, id)
	if err != nil {
		return nil, mapErr(err, "api key "+id.String())
	}
	if k.RevokedAt != nil {
		return k, nil
	}
	k, err = k.Update().SetRevokedAt(nowUTC()).Save(ctx)
	if err == nil {
		s.keys.forgetKey(id)
	}
	return k, mapErr(err, "api key "+id.String())
}

// nowUTC returns the time in the form the store keeps (UTC, microseconds).
func nowUTC() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
