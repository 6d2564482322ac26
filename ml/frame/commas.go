package frame

import (
	"math/bits"
	"slices"
)

// AppendCommas appends the index of every comma of line to dst.
//
// It takes eight bytes at a time: their commas as the eight bits of a byte
// (see commaMask) select a row of commaOffsets, whose eight entries are all
// stored, and the count of commas says how many of them to keep. Nothing
// branches on the bytes: the cells of numeric records are short and of
// varying length, so a loop that branches at each comma mispredicts most of
// them, and a loop that stores an index per byte waits on its count.
func AppendCommas(dst []int32, line string) []int32 {
	n := len(dst)
	dst = slices.Grow(dst, len(line)+8)[:n+len(line)+8] // a word's stores reach 8 past its commas
	i := 0
	for ; i+8 <= len(line); i += 8 {
		m := (commaMask(line[i:]) >> 7) * 0x0102040810204080 >> 56 // bit k: byte k is a comma
		off := &commaOffsets[m]
		d := (*[8]int32)(dst[n : n+8])
		b := int32(i)
		d[0], d[1], d[2], d[3] = b+off[0], b+off[1], b+off[2], b+off[3]
		d[4], d[5], d[6], d[7] = b+off[4], b+off[5], b+off[6], b+off[7]
		n += bits.OnesCount8(uint8(m))
	}
	for ; i < len(line); i++ {
		dst[n] = int32(i)
		if line[i] == ',' {
			n++
		}
	}
	return dst[:n]
}

// AppendCells appends the cells of line, split at every comma as
// strings.Split splits it, to dst: substrings of line, no copies. Its loop
// branches per comma, which suits callers that build a string per cell
// anyway; AppendCommas is the one for callers that only need positions.
func AppendCells(dst []string, line string) []string {
	start, i := 0, 0
	for ; i+8 <= len(line); i += 8 {
		for m := commaMask(line[i:]); m != 0; m &= m - 1 {
			j := i + bits.TrailingZeros64(m)/8
			dst = append(dst, line[start:j])
			start = j + 1
		}
	}
	for ; i < len(line); i++ {
		if line[i] == ',' {
			dst = append(dst, line[start:i])
			start = i + 1
		}
	}
	return append(dst, line[start:])
}

// commaOffsets lists, for every byte m, the positions of m's set bits in
// increasing order, then zeros: a read-only table for AppendCommas (8 KiB,
// int32 entries so that a word's stores need no conversion).
var commaOffsets = func() (t [256][8]int32) {
	for m := range t {
		k := 0
		for j := range 8 {
			if m>>j&1 != 0 {
				t[m][k] = int32(j)
				k++
			}
		}
	}
	return t
}()

// commaMask returns the high bit of every one of the first eight bytes of s
// that is a comma, byte k of s at bit 8k+7; s must have eight bytes. No carry
// crosses bytes: x&lo7 + lo7 sets a byte's high bit when its low seven bits
// are not all zero, and x sets it for bytes of 0x80 and above.
func commaMask(s string) uint64 {
	const lo7, high = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	x := load64(s) ^ 0x2c2c2c2c2c2c2c2c // commas become zero bytes
	return ^(x&lo7 + lo7 | x) & high
}

// load64 returns the first eight bytes of s, little-endian (the compiler
// makes it one load).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
