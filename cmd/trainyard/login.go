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

// runLogin implements `trainyard login`: it checks the URL and key against the server and saves
// them in the credentials file the CLI and the SDKs read. Without --api-key it reads the key
// from TRAINYARD_API_KEY or, on a terminal, asks for it.
func runLogin(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "login", "[--url URL] [--api-key KEY]")
	if _, err := v.parse(args, 0); err != nil {
		return err
	}
	if v.apiKey == "" {
		v.apiKey, _ = e.lookup("TRAINYARD_API_KEY")
	}
	if v.apiKey == "" && isTerminal(os.Stdin) {
		fmt.Fprint(e.stderr, "API key: ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the API key: %w", err)
		}
		v.apiKey = strings.TrimSpace(line)
	}
	if v.apiKey == "" {
		return usageError{errors.New("no API key: pass --api-key KEY (an admin makes one with `trainyard admin create-key --email you@example.com`)")}
	}
	c, err := v.dial()
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
	if v.json() {
		return writeJSON(e.stdout, map[string]any{"url": s.URL, "credentials": path, "user": protoValue(u)})
	}
	fmt.Fprintf(e.stdout, "Logged in to %s as %s; saved to %s\n", s.URL, u.GetEmail(), path)
	return nil
}
