package frame

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCommasMatchSplit: AppendCommas finds the commas strings.Split splits
// at, and AppendCells returns its cells, for lines of every length up to 40
// with commas at every byte position, bytes next to a comma's (0x2b, 0x2d,
// 0xac) and high bytes, appending to what dst holds.
func TestCommasMatchSplit(t *testing.T) {
	alphabet := []byte{',', ',', '+', '-', 0xac, 0x2c ^ 0x80, '0', '7', '.', 'x', 0xff, 0}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 41 {
		for range 200 {
			b := make([]byte, n)
			for i := range b {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
			line := string(b)
			if diff := cmp.Diff(splitCommas(line), AppendCommas([]int32{-1}, line)); diff != "" {
				t.Fatalf("AppendCommas(%q) (-want +got):\n%s", line, diff)
			}
			want := append([]string{"kept"}, strings.Split(line, ",")...)
			if diff := cmp.Diff(want, AppendCells([]string{"kept"}, line)); diff != "" {
				t.Fatalf("AppendCells(%q) (-want +got):\n%s", line, diff)
			}
		}
	}
}

// splitCommas returns -1 and then the index of the comma after each cell
// strings.Split finds in line but the last.
func splitCommas(line string) []int32 {
	want := []int32{-1}
	end := -1
	cells := strings.Split(line, ",")
	for _, cell := range cells[:len(cells)-1] {
		end += len(cell) + 1
		want = append(want, int32(end))
	}
	return want
}

// BenchmarkAppendCommas reads lines shaped like a sparse numeric CSV's: 58
// cells, most of them "0", the others of one to five bytes.
func BenchmarkAppendCommas(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	lines := make([]string, 1024)
	for i := range lines {
		cells := make([]string, 58)
		for j := range cells {
			cells[j] = "0"
			if rng.IntN(5) < 2 {
				cells[j] = "0.123"[:1+rng.IntN(5)]
			}
		}
		lines[i] = strings.Join(cells, ",")
	}
	var dst []int32
	for i := 0; b.Loop(); i++ {
		dst = AppendCommas(dst[:0], lines[i%len(lines)])
	}
}
