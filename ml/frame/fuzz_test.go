package frame

import (
	"bytes"
	"context"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read: it must return a frame or an
// error, never panic, and any frame it returns must be well formed.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n",
		"a\tb\n\"x\ty\"\t2\n",
		"\xEF\xBB\xBFa;b\r\n1;\"2\"\"\"\r\n",
		"a,b\n\"multi\nline\",NA\n?,3\n",
		"x\n2024-01-02\n2024-02-03\n",
		"x,y\nyes,\"1\"\nno,\"2\"\n",
		"a,,a\n\xff,1,2\n",
		"a,b\n1\n",
		"\"unclosed\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := Read(context.Background(), bytes.NewReader(data), ReadOptions{ReplaceInvalidUTF8: len(data)%2 == 0})
		if err != nil {
			return
		}
		if _, err := New(fr.Columns...); err != nil {
			t.Fatalf("Read(%q) gave a malformed frame: %v", data, err)
		}
		if fr.NRows() == 0 || fr.NCols() == 0 {
			t.Fatalf("Read(%q) gave an empty frame without error", data)
		}
		for _, c := range fr.Columns {
			for i := range c.Len() {
				_ = c.Value(i)
			}
		}
	})
}
