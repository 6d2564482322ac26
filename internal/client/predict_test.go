package client

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"
)

// inputsOf returns empty instances with pictures of the given sizes (0: no picture).
func inputsOf(sizes ...int64) Inputs {
	in := Inputs{Instances: make([]*structpb.Struct, len(sizes)), Pictures: make([]Picture, len(sizes))}
	for i, n := range sizes {
		in.Instances[i] = &structpb.Struct{}
		if n > 0 {
			in.Pictures[i] = Picture{Path: "p.png", Size: n}
		}
	}
	return in
}

// TestSplit: calls stay under the byte and row limits, keep the rows' order, and a call's
// pictures are its first rows (images[i] goes with instances[i]).
func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        Inputs
		max, rows int
		want      []span
	}{
		{"one call", inputsOf(10, 10, 10), 1000, 10, []span{{0, 3}}},
		{"by bytes", inputsOf(40, 40, 40, 40, 40), 120, 10, []span{{0, 2}, {2, 4}, {4, 5}}},
		{"by rows", inputsOf(0, 0, 0, 0, 0), 1000, 2, []span{{0, 2}, {2, 4}, {4, 5}}},
		{"plain rows after pictures", inputsOf(10, 10, 0, 0), 1000, 10, []span{{0, 4}}},
		{"a picture after a plain row", inputsOf(10, 0, 10, 0, 10), 1000, 10, []span{{0, 2}, {2, 4}, {4, 5}}},
	} {
		got, err := tc.in.split(tc.max, tc.rows)
		if err != nil || !cmp.Equal(got, tc.want, cmp.AllowUnexported(span{})) {
			t.Errorf("%s: split = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := inputsOf(10, 200).split(100, 10); err == nil || !strings.Contains(err.Error(), "row 2 (p.png)") {
		t.Errorf("split with a picture over the limit = %v, want an error naming row 2 and its file", err)
	}
}
