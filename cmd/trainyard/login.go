package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/client"
)

const loginUsage = "login [--url URL] [--api-key KEY]"

// runLogin implements `trainyard login`: it checks the URL and key against the server and saves
// them in the credentials file the CLI and the SDKs read. Without --api-key it reads the key
// from TRAINYARD_API_KEY or, on a terminal, asks for it.
func runLogin(ctx context.Context, e env, args []string) error {
	var cf clientFlags
	fs := newVerbFlags(e, "login", loginUsage)
	cf.register(fs)
	if _, err := parseVerb(fs, args, 0, 0, loginUsage); err != nil {
		return err
	}
	url, key := cf.url, cf.apiKey
	if key == "" {
		key, _ = e.lookup("TRAINYARD_API_KEY")
	}
	if key == "" && isTerminal(os.Stdin) {
		fmt.Fprint(e.stderr, "API key: ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the API key: %w", err)
		}
		key = strings.TrimSpace(line)
	}
	if key == "" {
		return usageError{errors.New("no API key: pass --api-key KEY (an admin makes one with `trainyard admin create-key --email you@example.com`)")}
	}
	cf.url, cf.apiKey = url, key
	c, err := cf.client(e, true)
	if err != nil {
		return err
	}
	u, err := c.Keys.GetCurrentUser(ctx, &trainyardv1.GetCurrentUserRequest{})
	if err != nil {
		return c.Explain(err)
	}
	path, err := client.CredentialsPath(e.lookup)
	if err != nil {
		return err
	}
	s := c.Settings()
	if err := client.WriteCredentials(path, s); err != nil {
		return err
	}
	if cf.json() {
		return writeJSON(e.stdout, map[string]any{"url": s.URL, "credentials": path, "user": protoValue(u)})
	}
	fmt.Fprintf(e.stdout, "Logged in to %s as %s; saved to %s\n", s.URL, u.GetEmail(), path)
	return nil
}
