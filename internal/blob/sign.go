package blob

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Errors of Signer.Verify; test for them with errors.Is.
var (
	// ErrLinkExpired means a signed link's expiry has passed.
	ErrLinkExpired = errors.New("signed link has expired")
	// ErrLinkInvalid means a link carries no signature, or one that does not match.
	ErrLinkInvalid = errors.New("signed link is invalid")
)

// The query parameters a signed link carries.
const (
	paramExpires = "expires"
	paramSig     = "sig"
)

// Signer makes and checks short-lived links such as
// /api/v1/models/{id}/download?format=onnx&expires=1767225600&sig=...: an HMAC-SHA256 over the
// path and every other query parameter, so a browser can follow the link without a key and
// nobody can change what it points to or when it expires.
type Signer struct {
	key []byte
	now func() time.Time
}

// MinSecretLen is the shortest secret NewSigner accepts.
const MinSecretLen = 32

// NewSigner returns a signer with secret as its HMAC key (at least MinSecretLen bytes).
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("signing secret has %d bytes, want at least %d", len(secret), MinSecretLen)
	}
	return &Signer{key: append([]byte(nil), secret...), now: time.Now}, nil
}

// WithClock returns a copy of s that reads the time from now (tests).
func (s *Signer) WithClock(now func() time.Time) *Signer {
	c := *s
	c.now = now
	return &c
}

// Sign returns path?query with expires and sig added; the link stops working after ttl.
func (s *Signer) Sign(path string, query url.Values, ttl time.Duration) string {
	q := url.Values{}
	for k, v := range query {
		if k != paramSig && k != paramExpires {
			q[k] = append([]string(nil), v...)
		}
	}
	q.Set(paramExpires, strconv.FormatInt(s.now().Add(ttl).Unix(), 10))
	q.Set(paramSig, s.mac(path, q))
	return path + "?" + q.Encode()
}

// Signed reports whether query carries a signature at all (then Verify decides).
func Signed(query url.Values) bool { return query.Has(paramSig) }

// Verify checks that path and query were produced by Sign with this secret and have not
// expired. It returns ErrLinkInvalid or ErrLinkExpired.
func (s *Signer) Verify(path string, query url.Values) error {
	sig := query.Get(paramSig)
	exp := query.Get(paramExpires)
	if sig == "" || exp == "" || len(query[paramSig]) != 1 || len(query[paramExpires]) != 1 {
		return ErrLinkInvalid
	}
	want := s.mac(path, query)
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return ErrLinkInvalid
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return ErrLinkInvalid
	}
	if !s.now().Before(time.Unix(unix, 0)) {
		return ErrLinkExpired
	}
	return nil
}

// mac signs the path and the sorted query parameters other than sig.
func (s *Signer) mac(path string, query url.Values) string {
	keys := make([]string, 0, len(query))
	for k := range query {
		if k != paramSig {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(path))
	for _, k := range keys {
		for _, v := range query[k] {
			// Lengths first, so no two different inputs produce the same byte stream.
			fmt.Fprintf(h, "\n%d:%s=%d:%s", len(k), k, len(v), v)
		}
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// secretFile is where LoadOrCreateSecret keeps a generated secret, under the data dir.
const secretFile = "link-signing.key"

// LoadOrCreateSecret returns the signing secret kept in dataDir, creating a random one
// (mode 0600) on first use, so links stay valid across restarts of one installation.
// Several replicas must share a secret given in configuration instead.
func LoadOrCreateSecret(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, secretFile)
	if b, err := os.ReadFile(path); err == nil {
		secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(secret) < MinSecretLen {
			return nil, fmt.Errorf("read signing secret %s: not %d+ hex-encoded bytes", secretFile, MinSecretLen)
		}
		return secret, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read signing secret: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("generate signing secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateSecret(dataDir) // another process won the race
	}
	if err != nil {
		return nil, fmt.Errorf("write signing secret: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(secret) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write signing secret: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write signing secret: %w", err)
	}
	return secret, nil
}

// SecretFrom returns the signing secret given in configuration (hex or base64, at least
// MinSecretLen bytes), or, when none is given, the one kept in dataDir (LoadOrCreateSecret).
// Replicas behind one load balancer must be given the same secret.
func SecretFrom(configured, dataDir string) ([]byte, error) {
	configured = strings.TrimSpace(configured)
	if configured == "" {
		return LoadOrCreateSecret(dataDir)
	}
	secret, err := hex.DecodeString(configured)
	if err != nil {
		secret, err = base64.StdEncoding.DecodeString(configured)
	}
	if err != nil {
		secret, err = base64.RawURLEncoding.DecodeString(configured)
	}
	if err != nil {
		return nil, errors.New("link-signing secret: not hex or base64")
	}
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("link-signing secret has %d bytes, want at least %d", len(secret), MinSecretLen)
	}
	return secret, nil
}
