package profile

import (
	"hash/maphash"
	"math"

	"github.com/trainyard/trainyard/ml/frame"
)

// DuplicateRows counts rows equal, in every column, to an earlier row.
// Missing values are equal to each other.
func DuplicateRows(f *frame.Frame) int {
	n := f.NRows()
	seed := maphash.MakeSeed()
	hashes := make([]uint64, n)
	var h maphash.Hash
	var buf [8]byte
	for i := range n {
		h.SetSeed(seed)
		for _, c := range f.Columns {
			switch {
			case c.Missing[i]:
				h.WriteByte(0)
			case c.Str != nil:
				h.WriteByte(1)
				h.WriteString(c.Str[i])
				h.WriteByte(0xff) // separator: "ab","c" differs from "a","bc"
			default:
				h.WriteByte(2)
				bits := math.Float64bits(c.Num[i])
				for k := range buf {
					buf[k] = byte(bits >> (8 * k))
				}
				h.Write(buf[:])
			}
		}
		hashes[i] = h.Sum64()
	}
	first := make(map[uint64][]int, n)
	dups := 0
	for i, hv := range hashes {
		dup := false
		for _, j := range first[hv] {
			if sameRow(f, i, j) {
				dup = true
				break
			}
		}
		if dup {
			dups++
			continue
		}
		first[hv] = append(first[hv], i)
	}
	return dups
}

// sameRow compares two rows exactly.
func sameRow(f *frame.Frame, i, j int) bool {
	for _, c := range f.Columns {
		if c.Missing[i] != c.Missing[j] {
			return false
		}
		if c.Missing[i] {
			continue
		}
		if c.Str != nil {
			if c.Str[i] != c.Str[j] {
				return false
			}
		} else if c.Num[i] != c.Num[j] {
			return false
		}
	}
	return true
}
