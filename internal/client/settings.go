package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// DefaultURL is the server a client talks to when nothing names one (`trainyard serve`'s
// default address).
const DefaultURL = "http://127.0.0.1:8080"

// Settings are the server and key a client uses, and where each came from.
type Settings struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:8080.
	URL string `json:"url"`
	// APIKey is the bearer token.
	APIKey string `json:"apiKey"`
	// URLFrom and KeyFrom say where URL and APIKey came from ("--url", "TRAINYARD_URL", the
	// credentials file's path, or "default"), for error messages.
	URLFrom string `json:"-"`
	KeyFrom string `json:"-"`
}

// CredentialsPath returns where the credentials file lives:
// $XDG_CONFIG_HOME/trainyard/credentials.json, else ~/.config/trainyard/credentials.json.
func CredentialsPath(lookup func(string) (string, bool)) (string, error) {
	if dir, ok := lookup("XDG_CONFIG_HOME"); ok && dir != "" {
		return filepath.Join(dir, "trainyard", "credentials.json"), nil
	}
	home, ok := lookup("HOME")
	if !ok || home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the home folder: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".config", "trainyard", "credentials.json"), nil
}

// ReadCredentials reads the credentials file at path; a missing file gives zero Settings and
// no error.
func ReadCredentials(path string) (Settings, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("read credentials: %w", err)
	}
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return Settings{}, fmt.Errorf("read credentials %s: %w", path, err)
	}
	return s, nil
}

// WriteCredentials writes s to path (mode 0600, replacing any file there).
func WriteCredentials(path string, s Settings) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	b, err := json.MarshalIndent(Settings{URL: s.URL, APIKey: s.APIKey}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".credentials-*.json")
	if err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write credentials: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	return nil
}

// Resolve picks the URL and key: a flag value when given, else TRAINYARD_URL /
// TRAINYARD_API_KEY, else the credentials file, else DefaultURL and no key. The file's key
// is used only with the file's URL (or when no URL names another server), so a key saved for
// one server is never sent to another.
func Resolve(flagURL, flagKey string, lookup func(string) (string, bool)) (Settings, error) {
	var s Settings
	envURL, _ := lookup("TRAINYARD_URL")
	envKey, _ := lookup("TRAINYARD_API_KEY")
	switch {
	case flagURL != "":
		s.URL, s.URLFrom = flagURL, "--url"
	case envURL != "":
		s.URL, s.URLFrom = envURL, "TRAINYARD_URL"
	}
	switch {
	case flagKey != "":
		s.APIKey, s.KeyFrom = flagKey, "--api-key"
	case envKey != "":
		s.APIKey, s.KeyFrom = envKey, "TRAINYARD_API_KEY"
	}
	if s.URL == "" || s.APIKey == "" {
		path, err := CredentialsPath(lookup)
		if err != nil {
			return Settings{}, err
		}
		file, err := ReadCredentials(path)
		if err != nil {
			return Settings{}, err
		}
		sameServer := s.URL == "" || file.URL == "" || sameURL(s.URL, file.URL)
		if s.URL == "" && file.URL != "" {
			s.URL, s.URLFrom = file.URL, path
		}
		if s.APIKey == "" && file.APIKey != "" && sameServer {
			s.APIKey, s.KeyFrom = file.APIKey, path
		}
	}
	if s.URL == "" {
		s.URL, s.URLFrom = DefaultURL, "default"
	}
	s.URL = strings.TrimSuffix(strings.TrimSpace(s.URL), "/")
	s.APIKey = strings.TrimSpace(s.APIKey)
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Settings{}, fmt.Errorf("server URL %q (from %s): want http://HOST:PORT or https://HOST", s.URL, s.URLFrom)
	}
	return s, nil
}

// sameURL reports whether a and b name the same server.
func sameURL(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "/")) }
	return norm(a) == norm(b)
}

// RequireKey returns an error that says how to get a key when s has none.
func (s Settings) RequireKey() error {
	if s.APIKey != "" {
		return nil
	}
	return fmt.Errorf("%w for %s: run `trainyard login --url %s` (or set TRAINYARD_API_KEY); "+
		"an admin makes keys with `trainyard admin create-key --email you@example.com`", ErrNoKey, s.URL, s.URL)
}
