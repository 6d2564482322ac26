package blob

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testSigner(t *testing.T, now time.Time) *Signer {
	t.Helper()
	s, err := NewSigner(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	return s.WithClock(func() time.Time { return now })
}

func split(t *testing.T, link string) (string, url.Values) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path, u.Query()
}

func TestSignVerify(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	s := testSigner(t, t0)
	link := s.Sign("/api/v1/models/m1/download", url.Values{"format": {"onnx"}}, 15*time.Minute)
	path, q := split(t, link)
	if q.Get("format") != "onnx" || q.Get("expires") != "1800000900" {
		t.Fatalf("Sign = %q, want format=onnx and expires=1800000900", link)
	}
	if err := s.Verify(path, q); err != nil {
		t.Errorf("Verify(fresh link) = %v, want nil", err)
	}
	if err := s.WithClock(func() time.Time { return t0.Add(14 * time.Minute) }).Verify(path, q); err != nil {
		t.Errorf("Verify(link after 14m) = %v, want nil", err)
	}
	if err := s.WithClock(func() time.Time { return t0.Add(15 * time.Minute) }).Verify(path, q); !errors.Is(err, ErrLinkExpired) {
		t.Errorf("Verify(link after 15m) = %v, want ErrLinkExpired", err)
	}

	tamper := func(name string, p string, edit func(url.Values)) {
		c := url.Values{}
		for k, v := range q {
			c[k] = append([]string(nil), v...)
		}
		edit(c)
		if err := s.Verify(p, c); !errors.Is(err, ErrLinkInvalid) {
			t.Errorf("Verify(%s) = %v, want ErrLinkInvalid", name, err)
		}
	}
	tamper("other model", "/api/v1/models/m2/download", func(url.Values) {})
	tamper("other format", path, func(c url.Values) { c.Set("format", "native") })
	tamper("later expiry", path, func(c url.Values) { c.Set("expires", "1900000000") })
	tamper("extra param", path, func(c url.Values) { c.Set("x", "1") })
	tamper("no sig", path, func(c url.Values) { c.Del("sig") })
	tamper("flipped sig", path, func(c url.Values) {
		sig := []byte(c.Get("sig"))
		sig[0] ^= 1
		c.Set("sig", string(sig))
	})
	tamper("two sigs", path, func(c url.Values) { c.Add("sig", c.Get("sig")) })

	other, _ := NewSigner(bytes.Repeat([]byte("j"), 32))
	if err := other.WithClock(func() time.Time { return t0 }).Verify(path, q); !errors.Is(err, ErrLinkInvalid) {
		t.Errorf("Verify with another secret = %v, want ErrLinkInvalid", err)
	}
}

func TestNewSignerShortSecret(t *testing.T) {
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Error("NewSigner(5 bytes) succeeded, want an error")
	}
}

func TestLoadOrCreateSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	a, err := LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) || len(a) != 32 {
		t.Errorf("LoadOrCreateSecret twice = %x, %x; want the same 32 bytes", a, b)
	}
	fi, err := os.Stat(filepath.Join(dir, secretFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode = %v, want 0600", fi.Mode().Perm())
	}
	os.WriteFile(filepath.Join(dir, secretFile), []byte(strings.Repeat("zz", 32)), 0o600)
	if _, err := LoadOrCreateSecret(dir); err == nil {
		t.Error("LoadOrCreateSecret(corrupt file) succeeded, want an error")
	}
}

func TestSecretFrom(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte{0xab}, 32)
	for _, in := range []string{strings.Repeat("ab", 32), "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="} {
		got, err := SecretFrom(in, dir)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("SecretFrom(%q) = %x, %v; want %x", in, got, err, key)
		}
	}
	if _, err := SecretFrom("abcd", dir); err == nil {
		t.Error("SecretFrom(2 bytes) succeeded, want an error")
	}
	if _, err := SecretFrom("not a secret!", dir); err == nil {
		t.Error("SecretFrom(garbage) succeeded, want an error")
	}
	gen, err := SecretFrom("", dir)
	if err != nil || len(gen) != 32 {
		t.Fatalf("SecretFrom(\"\") = %x, %v; want a generated secret", gen, err)
	}
	if again, _ := LoadOrCreateSecret(dir); !bytes.Equal(again, gen) {
		t.Error("SecretFrom(\"\") did not persist the secret in the data dir")
	}
}
