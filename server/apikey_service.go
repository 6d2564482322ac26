package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent/types"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/store"
)

// ApiKeyService implements trainyardv1connect.ApiKeyServiceHandler: keys for the caller (or,
// for admins, any user), and who the caller is.
type ApiKeyService struct{ s *Server }

var _ trainyardv1connect.ApiKeyServiceHandler = (*ApiKeyService)(nil)

// roleRank orders roles by power.
func roleRank(r types.Role) int {
	switch r {
	case types.RoleAdmin:
		return 3
	case types.RoleMember:
		return 2
	case types.RoleViewer:
		return 1
	}
	return 0
}

// CreateApiKey implements trainyardv1connect.ApiKeyServiceHandler.
func (h *ApiKeyService) CreateApiKey(ctx context.Context, req *trainyardv1.CreateApiKeyRequest) (*trainyardv1.ApiKey, error) {
	v, _ := store.ViewerFrom(ctx)
	in := req.GetApiKey()
	role := roleFromProto(in.GetRole())
	if role == "" {
		role = types.RoleMember
		if v.Role == types.RoleViewer {
			role = types.RoleViewer
		}
	}
	if roleRank(role) > roleRank(v.Role) {
		return nil, connect.NewError(connect.CodePermissionDenied,
			fmt.Errorf("a %s key cannot create a %s key", v.Role, role))
	}
	owner := v.UserID
	if email := req.GetUserEmail(); email != "" {
		if !v.Admin() {
			return nil, connect.NewError(connect.CodePermissionDenied, errors.New("only admins create keys for other users"))
		}
		u, err := h.s.store.GetOrCreateUser(ctx, email, "", types.RoleMember)
		if err != nil {
			return nil, err
		}
		owner = u.ID
	}
	nk := store.NewAPIKey{OwnerID: owner, DisplayName: in.GetDisplayName(), Role: role}
	if m := in.GetModelId(); m != "" {
		id, err := parseName(m, "models")
		if err != nil {
			return nil, fieldError("api_key.model_id", "must be a model id", err)
		}
		if _, err := h.s.store.Client().Model.Get(ctx, id); err != nil {
			return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("model %s not found", id))
		}
		nk.ModelID = &id
	}
	if t := in.GetExpireTime(); t != nil {
		exp := t.AsTime()
		if !exp.After(time.Now()) {
			return nil, fieldError("api_key.expire_time", "must be in the future", nil)
		}
		nk.ExpiresAt = &exp
	}
	secret, key, err := h.s.store.CreateAPIKey(ctx, nk)
	if err != nil {
		return nil, err
	}
	return apiKeyToProto(key, secret), nil
}

// ListApiKeys implements trainyardv1connect.ApiKeyServiceHandler.
func (h *ApiKeyService) ListApiKeys(ctx context.Context, req *trainyardv1.ListApiKeysRequest) (*trainyardv1.ListApiKeysResponse, error) {
	v, _ := store.ViewerFrom(ctx)
	owner := v.UserID
	if v.Role == store.RoleAdmin {
		owner = uuid.Nil // admins manage every user's keys
	}
	keys, next, err := h.s.store.ListAPIKeys(ctx, owner, store.PageRequest{Size: int(req.GetPageSize()), Token: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	out := &trainyardv1.ListApiKeysResponse{NextPageToken: next}
	for _, k := range keys {
		out.ApiKeys = append(out.ApiKeys, apiKeyToProto(k, ""))
	}
	return out, nil
}

// DeleteApiKey implements trainyardv1connect.ApiKeyServiceHandler.
func (h *ApiKeyService) DeleteApiKey(ctx context.Context, req *trainyardv1.DeleteApiKeyRequest) (*trainyardv1.DeleteApiKeyResponse, error) {
	id, err := parseName(req.GetName(), "api-keys")
	if err != nil {
		return nil, err
	}
	if _, err := h.s.store.RevokeAPIKey(ctx, id); err != nil {
		return nil, err
	}
	return &trainyardv1.DeleteApiKeyResponse{}, nil
}

// GetCurrentUser implements trainyardv1connect.ApiKeyServiceHandler.
func (h *ApiKeyService) GetCurrentUser(ctx context.Context, _ *trainyardv1.GetCurrentUserRequest) (*trainyardv1.User, error) {
	v, _ := store.ViewerFrom(ctx)
	if v.UserID == uuid.Nil {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New(missingKeyMessage))
	}
	u, err := h.s.store.GetUser(ctx, v.UserID)
	if err != nil {
		return nil, err
	}
	return userToProto(u, v.Role), nil
}
