package blob

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// ErrDirectUnsupported means the bucket cannot sign links for direct transfers (file://,
// mem://, or gs:// without signing credentials): hand out Signer links through the server.
var ErrDirectUnsupported = errors.New("this blob store cannot sign direct transfer links")

// MaxDirectTTL is the longest a direct link may live (the V4 signing limit).
const MaxDirectTTL = 7 * 24 * time.Hour

// DirectURL returns a link with which a client transfers key straight to or from the bucket,
// without passing through the server: method PUT uploads (the client must send contentType
// as its Content-Type), GET downloads. On gs:// it is a V4 signed URL, signed with the
// bucket URL's access_id and private_key_path, or else with the IAM Credentials API as the
// default service account (on Cloud Run, that account needs the Service Account Token
// Creator role on itself). Backends that cannot sign return ErrDirectUnsupported.
func (s *Store) DirectURL(ctx context.Context, method, key, contentType string, ttl time.Duration) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if method != http.MethodPut && method != http.MethodGet {
		return "", fmt.Errorf("direct link for %q: method %s: want PUT or GET", key, method)
	}
	if ttl <= 0 || ttl > MaxDirectTTL {
		return "", fmt.Errorf("direct link for %q: ttl %v: want (0, %v]", key, ttl, MaxDirectTTL)
	}
	opts := &blob.SignedURLOptions{
		Expiry:                   ttl,
		Method:                   method,
		ContentType:              contentType,
		EnforceAbsentContentType: method == http.MethodPut && contentType == "",
		BeforeSign: func(as func(any) bool) error {
			var so *storage.SignedURLOptions
			if as(&so) {
				so.Scheme = storage.SigningSchemeV4
				// A local emulator (tests) serves plain HTTP unless its address says https.
				emu := os.Getenv("STORAGE_EMULATOR_HOST")
				so.Insecure = emu != "" && !strings.HasPrefix(emu, "https://")
			}
			return nil
		},
	}
	u, err := s.bucket.SignedURL(ctx, key, opts)
	if gcerrors.Code(err) == gcerrors.Unimplemented {
		return "", fmt.Errorf("direct link for %q on %s: %w", key, s.url, ErrDirectUnsupported)
	}
	if err != nil {
		return "", fmt.Errorf("direct link for %q: %w", key, err)
	}
	return u, nil
}
