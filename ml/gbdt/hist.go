package gbdt

// binType is the storage type of bins.
type binType interface{ ~uint8 | ~uint16 }

// histAll accumulates all rows (identity order) of one feature column into
// hist (interleaved [grad, hess] per bin).
func histAll[T binType](col []T, g, h []float32, hist []float64) {
	g = g[:len(col)]
	h = h[:len(col)]
	for i, b := range col {
		j := int(b) * 2
		hist[j] += float64(g[i])
		hist[j+1] += float64(h[i])
	}
}

// histIdx accumulates rows idx (with gradients gathered in the same order
// into og, oh) of one feature column into hist.
func histIdx[T binType](col []T, idx []int32, og, oh []float32, hist []float64) {
	og = og[:len(idx)]
	oh = oh[:len(idx)]
	for i, r := range idx {
		j := int(col[r]) * 2
		hist[j] += float64(og[i])
		hist[j+1] += float64(oh[i])
	}
}

// histAll8 is histAll for uint8 bins with a 256-bin histogram (bounds
// checks lifted by the array type).
func histAll8(col []uint8, g, h []float32, hist *[512]float64) {
	g = g[:len(col)]
	h = h[:len(col)]
	for i, b := range col {
		j := int(b) * 2
		hist[j] += float64(g[i])
		hist[j|1] += float64(h[i])
	}
}

// histIdx8 is histIdx for uint8 bins with a 256-bin histogram.
func histIdx8(col []uint8, idx []int32, og, oh []float32, hist *[512]float64) {
	og = og[:len(idx)]
	oh = oh[:len(idx)]
	for i, r := range idx {
		j := int(col[r]) * 2
		hist[j] += float64(og[i])
		hist[j|1] += float64(oh[i])
	}
}

// subtractInto sets dst -= src: the larger sibling from the parent and the
// smaller child.
func subtractInto(dst, src []float64) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] -= src[i]
	}
}
