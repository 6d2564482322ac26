package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/trainyard/trainyard/internal/client"
)

// clientVerb is the command line of a verb that calls a server: its flag set, which holds
// the flags all of them take (--url, --api-key, --output), and the client those flags give. A
// verb adds its own flags to fs, calls connect (or parse, its own checks, then dial), makes its
// call and, when the answer is one message, ends with reply.
type clientVerb struct {
	e  env
	fs *flag.FlagSet
	// usage is the verb's name and synopsis, as help and usage errors show them.
	usage               string
	url, apiKey, output string
	// c is the client dial made, whose settings reply's explanations name.
	c *client.Client
}

// newClientVerb returns the command line of the verb name ("projects get"); its help and its
// usage errors show "trainyard name synopsis".
func newClientVerb(e env, name, synopsis string) *clientVerb {
	v := &clientVerb{e: e, fs: flag.NewFlagSet("trainyard "+name, flag.ContinueOnError), usage: name + " " + synopsis}
	v.fs.SetOutput(e.stderr)
	v.fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: trainyard %s\n\nFlags:\n", v.usage)
		v.fs.PrintDefaults()
	}
	v.fs.StringVar(&v.url, "url", "", "server URL (else TRAINYARD_URL, else the credentials file, else "+client.DefaultURL+")")
	v.fs.StringVar(&v.apiKey, "api-key", "", "API key (else TRAINYARD_API_KEY, else the credentials file)")
	v.fs.StringVar(&v.output, "output", "text", "text, or json: exactly one JSON document on stdout, progress on stderr")
	return v
}

// parse parses args, flags and n positional arguments in any order, and returns the
// positional ones.
func (v *clientVerb) parse(args []string, n int) ([]string, error) {
	pos, err := parseInterspersed(v.fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{err}
	}
	if len(pos) != n {
		return nil, usageError{fmt.Errorf("usage: trainyard %s", v.usage)}
	}
	return pos, nil
}

// dial checks --output and returns a client with the settings the flags, the environment or
// the credentials file give; every verb needs a key, so a missing one is an error.
func (v *clientVerb) dial() (*client.Client, error) {
	if v.output != "text" && v.output != "json" {
		return nil, usageError{fmt.Errorf("--output %q: want text or json", v.output)}
	}
	s, err := client.Resolve(v.url, v.apiKey, v.e.lookup)
	if err != nil {
		return nil, err
	}
	if err := s.RequireKey(); err != nil {
		return nil, err
	}
	v.c = client.New(s)
	return v.c, nil
}

// connect parses args as parse does, then dials: the whole set-up of a verb that has no
// checks of its own before it needs the client.
func (v *clientVerb) connect(args []string, n int) (*client.Client, []string, error) {
	pos, err := v.parse(args, n)
	if err != nil {
		return nil, nil, err
	}
	c, err := v.dial()
	if err != nil {
		return nil, nil, err
	}
	return c, pos, nil
}

// json reports whether --output json was asked for.
func (v *clientVerb) json() bool { return v.output == "json" }

// reply ends a verb whose answer is m, from a call that returned err (after dial): a failed
// call is explained for people, --output json writes m to stdout, and otherwise text prints it.
func (v *clientVerb) reply(m proto.Message, err error, text func()) error {
	if err != nil {
		return v.c.Explain(err)
	}
	if v.json() {
		return writeProto(v.e.stdout, m)
	}
	text()
	return nil
}

// parseInterspersed parses args with fs, letting flags follow positional arguments
// ("train data.csv --goal ..."); "--" ends the flags. It returns the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// writeProto writes m to w as one indented protojson document (camelCase names, as REST).
func writeProto(w io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// writeJSON writes v to w as one indented JSON document; proto messages inside v must be
// converted with protoValue first.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// protoValue returns m as a JSON value (its protojson form) for embedding in writeJSON.
func protoValue(m proto.Message) json.RawMessage {
	b, err := protojson.Marshal(m)
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}

// progressBar draws a one-line transfer bar on w (stderr), at most every 100 ms.
type progressBar struct {
	w     io.Writer
	label string
	last  time.Time
	start time.Time
}

// newProgressBar returns a bar labelled label.
func newProgressBar(w io.Writer, label string) *progressBar {
	return &progressBar{w: w, label: label, start: time.Now()}
}

// update draws done of total bytes; it is a client.Progress.
func (p *progressBar) update(done, total int64) {
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.last = now
	if total > 0 {
		const width = 30
		n := int(float64(width) * float64(done) / float64(total))
		fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %s/%s", p.label, strings.Repeat("=", n), strings.Repeat(" ", width-n),
			100*float64(done)/float64(total), byteSize(done), byteSize(total))
	} else {
		fmt.Fprintf(p.w, "\r%s %s", p.label, byteSize(done))
	}
}

// finish ends the bar's line.
func (p *progressBar) finish() {
	fmt.Fprintf(p.w, " in %s\n", time.Since(p.start).Round(10*time.Millisecond))
}

// byteSize formats n bytes for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// isTerminal reports whether f is a character device other than the null device (a terminal,
// in practice), for interactive prompts.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}

// subcommand dispatches args[0] to one of verbs (for `projects get`, `models download`, ...).
func subcommand(ctx context.Context, e env, group string, verbs map[string]func(context.Context, env, []string) error, args []string) error {
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.stderr, "Usage: trainyard %s %s ... (add -h for a verb's flags)\n", group, strings.Join(names, "|"))
		if len(args) == 0 {
			return usageError{fmt.Errorf("missing verb: want one of %s", strings.Join(names, ", "))}
		}
		return flag.ErrHelp
	}
	fn, ok := verbs[args[0]]
	if !ok {
		return usageError{fmt.Errorf("unknown verb %q: want one of %s", args[0], strings.Join(names, ", "))}
	}
	return fn(ctx, e, args[1:])
}
