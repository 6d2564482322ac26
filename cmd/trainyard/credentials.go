package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// credentials is the file the CLI and the SDKs read to reach a server:
// $XDG_CONFIG_HOME/trainyard/credentials.json, or ~/.config/trainyard/credentials.json.
type credentials struct {
	URL    string `json:"url"`
	APIKey string `json:"apiKey"`
}

// credentialsPath returns where the credentials file lives.
func credentialsPath(lookup func(string) (string, bool)) (string, error) {
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

// saveCredentials writes c to path with mode 0600 unless a file is already there; it reports
// whether it wrote.
func saveCredentials(path string, c credentials) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create %s: %w", path, err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		f.Close()
		return false, err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	return true, nil
}
