package main

import (
	"strings"
	"testing"
)

// TestClientVerbMistakes runs verbs with no server and no key: help and a wrong count of
// arguments print the verb's whole usage line, and a verb's own checks of its flags come
// before --output's and the key's, so that a typo is reported as such wherever it is made.
func TestClientVerbMistakes(t *testing.T) {
	c := cliRunner{t, map[string]string{"XDG_CONFIG_HOME": t.TempDir()}}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"projects", "get", "-h"}, 0, "Usage: trainyard projects get PROJECT [--output json]\n\nFlags:\n"},
		{[]string{"login", "--help"}, 0, "Usage: trainyard login [--url URL] [--api-key KEY]\n\nFlags:\n"},
		{[]string{"models", "list", "extra"}, 2, "trainyard models: usage: trainyard models list [--limit N] [--output json]\n"},
		{[]string{"projects", "cancel"}, 2, "trainyard projects: usage: trainyard projects cancel PROJECT [--reason TEXT] [--output json]\n"},
		{[]string{"projects", "get", "p", "--output", "yaml"}, 2, `trainyard projects: --output "yaml": want text or json` + "\n"},
		{[]string{"projects", "get", "p"}, 1, "trainyard projects: no API key"},
		{[]string{"projects", "list", "--stage", "bogus", "--output", "yaml"}, 2, `trainyard projects: --stage "bogus": want one of`},
		{[]string{"models", "download", "m", "--format", "zip"}, 2, `trainyard models: format "zip": want onnx or native`},
		{[]string{"predict", "m", "--output", "yaml"}, 2, "trainyard predict: --input is required: usage: trainyard predict MODEL --input rows.csv|rows.json|-|photo.png|photos/ [--out preds.csv] [--explain] [--output json]\n"},
		{[]string{"train", "x.csv", "--output", "yaml"}, 2, "trainyard train: say what to predict"},
		{[]string{"login", "--api-key", "k", "--output", "yaml"}, 2, `trainyard login: --output "yaml": want text or json` + "\n"},
	} {
		code, out, errOut := c.run(tc.args...)
		if code != tc.code || out != "" || !strings.HasPrefix(errOut, tc.want) {
			t.Errorf("trainyard %s = exit %d, stdout %q, stderr %q; want exit %d, no stdout, stderr starting %q",
				strings.Join(tc.args, " "), code, out, errOut, tc.code, tc.want)
		}
	}
}
