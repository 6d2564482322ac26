package prep

import (
	"math/bits"

	"github.com/trainyard/trainyard/ml/frame"
)

// levelTable maps category text to its code for the encoders. It is an
// open-addressing table (linear probing, at most a quarter full) keyed by a
// cheap hash of the length and of up to 24 bytes at the start, middle and
// end of the text, which costs a few nanoseconds where a Go map hashes the
// whole key. Keys that cluster under that hash (long keys that differ only
// in bytes it skips) make the table fall back to a map, so no lookup probes
// far. The zero value is an empty table.
type levelTable struct {
	slots []levelSlot // power-of-two length; code < 0 marks an empty slot
	shift uint        // 64 - log2(len(slots)): the slot is hash >> shift
	m     map[string]int32
}

// levelSlot is one entry of a levelTable.
type levelSlot struct {
	key  string
	code int32
}

// maxLevelRun is the longest run of occupied slots a levelTable accepts
// before it falls back to a map.
const maxLevelRun = 32

// newLevelTable maps levels[i] to i and every other level to len(levels).
// A text listed twice keeps its last code, as map assignment would.
func newLevelTable(levels, other []string) levelTable {
	n := len(levels) + len(other)
	if n == 0 {
		return levelTable{}
	}
	size := 8
	for size < 4*n {
		size *= 2
	}
	t := levelTable{slots: make([]levelSlot, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
	for i := range t.slots {
		t.slots[i].code = -1
	}
	for i, l := range levels {
		t.put(l, int32(i))
	}
	for _, l := range other {
		t.put(l, int32(len(levels)))
	}
	if t.longestRun() <= maxLevelRun {
		return t
	}
	m := make(map[string]int32, n)
	for i, l := range levels {
		m[l] = int32(i)
	}
	for _, l := range other {
		m[l] = int32(len(levels))
	}
	return levelTable{m: m}
}

// put sets the code of key.
func (t *levelTable) put(key string, code int32) {
	mask := len(t.slots) - 1
	for i := int(levelHash(key) >> t.shift); ; i = (i + 1) & mask {
		e := &t.slots[i]
		if e.code < 0 || e.key == key {
			e.key, e.code = key, code
			return
		}
	}
}

// longestRun is the length of the longest run of occupied slots, counted
// around the end of the table: the most slots a lookup can probe.
func (t *levelTable) longestRun() int {
	run, longest := 0, 0
	for range 2 {
		for i := range t.slots {
			if t.slots[i].code < 0 {
				run = 0
				continue
			}
			run++
			longest = max(longest, run)
		}
	}
	return longest
}

// get returns the code of key.
func (t *levelTable) get(key string) (int32, bool) {
	if t.m != nil {
		c, ok := t.m[key]
		return c, ok
	}
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := len(t.slots) - 1
	for i := int(levelHash(key) >> t.shift); ; i = (i + 1) & mask {
		e := &t.slots[i]
		if e.code < 0 {
			return 0, false
		}
		if e.key == key {
			return e.code, true
		}
	}
}

// levelHash hashes the length of s and up to 24 of its bytes: the first
// and last 8 (or 4, or single bytes for short texts) and, past 16 bytes, 8
// from the middle. The words are mixed by 128-bit multiplication as in
// wyhash.
func levelHash(s string) uint64 {
	const k0, k1, k2 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db, 0x8ebc6af09c88c6e3
	n := len(s)
	var a, b uint64
	switch {
	case n >= 8:
		a, b = load64(s), load64(s[n-8:])
		if n > 16 {
			b ^= bits.RotateLeft64(load64(s[n/2-4:]), 31) * k2
		}
	case n >= 4:
		a, b = uint64(load32(s)), uint64(load32(s[n-4:]))
	case n > 0:
		a = uint64(s[0])<<16 | uint64(s[n/2])<<8 | uint64(s[n-1])
	}
	hi, lo := bits.Mul64(a^k0, b^k1^uint64(n))
	hi, lo = bits.Mul64(hi^lo^k2, k1)
	return hi ^ lo
}

// load64 reads the first 8 bytes of s, little-endian.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// load32 reads the first 4 bytes of s, little-endian.
func load32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// markerSet holds the missing markers a row encoder matches exactly. A cell
// is compared with the markers only when some marker has its length and
// starts and ends with its first and last bytes, so ordinary values cost two
// table loads and no hashing.
type markerSet struct {
	first, last [256]uint64 // per byte, bit l: a marker of length l (< 64) starts / ends with it
	long        bool        // some marker has 64 bytes or more
	empty       bool        // "" is a marker
	list        []string
	// number and boolean are set when some marker reads as a number or a
	// boolean (frame.ParseNumber, frame.ParseBool): only then can a cell
	// that reads as one be missing.
	number, boolean bool
}

// newMarkerSet builds the set of markers.
func newMarkerSet(markers []string) *markerSet {
	m := &markerSet{}
	for _, s := range markers {
		_, num := frame.ParseNumber(s)
		_, boolean := frame.ParseBool(s)
		m.number, m.boolean = m.number || num, m.boolean || boolean
		switch n := len(s); {
		case n == 0:
			m.empty = true
			continue
		case n >= 64:
			m.long = true
		default:
			m.first[s[0]] |= 1 << n
			m.last[s[n-1]] |= 1 << n
		}
		m.list = append(m.list, s)
	}
	return m
}

// has reports whether s is one of the markers. A nil set has none.
func (m *markerSet) has(s string) bool {
	if m == nil {
		return false
	}
	n := len(s)
	switch {
	case n == 0:
		return m.empty
	case n < 64:
		bit := uint64(1) << n
		if m.first[s[0]]&bit == 0 || m.last[s[n-1]]&bit == 0 {
			return false
		}
	case !m.long:
		return false
	}
	for _, t := range m.list {
		if t == s {
			return true
		}
	}
	return false
}
