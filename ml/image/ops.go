package image

// dot returns Σ a[i]·b[i] over len(a) values.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// axpy adds alpha·x to y.
func axpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// dense writes W·x + b into out; W has len(out) rows of len(x).
func dense(x, out, w, b []float32) {
	nx := len(x)
	for o := range out {
		out[o] = dot(w[o*nx:(o+1)*nx], x) + b[o]
	}
}

// convForward computes a 3×3 same-padded convolution of in (cin planes of
// h×w, w >= 2) into out (cout planes of h×w). The three taps of a kernel row
// are applied in one pass over each input row.
func convForward(in, out, w, b []float32, cin, cout, h, wd int) {
	plane := h * wd
	for co := range cout {
		o := out[co*plane : (co+1)*plane]
		bv := b[co]
		for i := range o {
			o[i] = bv
		}
		for ci := range cin {
			src := in[ci*plane : (ci+1)*plane]
			k := w[(co*cin+ci)*9 : (co*cin+ci)*9+9]
			for y := range h {
				orow := o[y*wd : (y+1)*wd]
				for ky := range 3 {
					sy := y + ky - 1
					if sy < 0 || sy >= h {
						continue
					}
					srow := src[sy*wd : (sy+1)*wd]
					srow = srow[:len(orow)]
					k0, k1, k2 := k[ky*3], k[ky*3+1], k[ky*3+2]
					last := wd - 1
					orow[0] += k1*srow[0] + k2*srow[1]
					for x := 1; x < last; x++ {
						orow[x] += k0*srow[x-1] + k1*srow[x] + k2*srow[x+1]
					}
					orow[last] += k0*srow[last-1] + k1*srow[last]
				}
			}
		}
	}
}

// convBackward adds the weight and bias gradients of a 3×3 convolution for
// the output gradient dout to gw and gb, and adds the input gradient to din
// (zeroed by the caller) unless it is nil.
func convBackward(in, dout, w, gw, gb, din []float32, cin, cout, h, wd int) {
	plane := h * wd
	for co := range cout {
		d := dout[co*plane : (co+1)*plane]
		var sb float32
		for _, v := range d {
			sb += v
		}
		gb[co] += sb
		for ci := range cin {
			src := in[ci*plane : (ci+1)*plane]
			base := (co*cin + ci) * 9
			k := w[base : base+9]
			g := gw[base : base+9]
			var ip []float32
			if din != nil {
				ip = din[ci*plane : (ci+1)*plane]
			}
			for y := range h {
				drow := d[y*wd : (y+1)*wd]
				last := wd - 1
				for ky := range 3 {
					sy := y + ky - 1
					if sy < 0 || sy >= h {
						continue
					}
					srow := src[sy*wd : (sy+1)*wd]
					srow = srow[:len(drow)]
					var g0, g1, g2 float32
					g1 += drow[0] * srow[0]
					g2 += drow[0] * srow[1]
					for x := 1; x < last; x++ {
						dv := drow[x]
						g0 += dv * srow[x-1]
						g1 += dv * srow[x]
						g2 += dv * srow[x+1]
					}
					g0 += drow[last] * srow[last-1]
					g1 += drow[last] * srow[last]
					g[ky*3] += g0
					g[ky*3+1] += g1
					g[ky*3+2] += g2
					if ip == nil {
						continue
					}
					irow := ip[sy*wd : (sy+1)*wd]
					irow = irow[:len(drow)]
					k0, k1, k2 := k[ky*3], k[ky*3+1], k[ky*3+2]
					irow[0] += k1*drow[0] + k0*drow[1]
					for x := 1; x < last; x++ {
						irow[x] += k2*drow[x-1] + k1*drow[x] + k0*drow[x+1]
					}
					irow[last] += k2*drow[last-1] + k1*drow[last]
				}
			}
		}
	}
}

// maxPool takes 2×2 maxima of c planes of h×w into out, remembering in arg
// the index (into in) of each maximum. An odd last row or column is dropped.
func maxPool(in, out []float32, arg []int32, c, h, w int) {
	oh, ow := h/2, w/2
	for ch := range c {
		base := ch * h * w
		for y := range oh {
			for x := range ow {
				i := base + 2*y*w + 2*x
				best, bi := in[i], i
				if v := in[i+1]; v > best {
					best, bi = v, i+1
				}
				if v := in[i+w]; v > best {
					best, bi = v, i+w
				}
				if v := in[i+w+1]; v > best {
					best, bi = v, i+w+1
				}
				o := ch*oh*ow + y*ow + x
				out[o] = best
				arg[o] = int32(bi)
			}
		}
	}
}
