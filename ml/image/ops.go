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
// h×w) into out (cout planes of h×w).
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
			for ky := range 3 {
				dy := ky - 1
				y0, y1 := max(0, -dy), min(h, h-dy)
				for kx := range 3 {
					dx := kx - 1
					kv := k[ky*3+kx]
					x0, x1 := max(0, -dx), min(wd, wd-dx)
					for y := y0; y < y1; y++ {
						orow := o[y*wd+x0 : y*wd+x1]
						srow := src[(y+dy)*wd+x0+dx : (y+dy)*wd+x1+dx]
						srow = srow[:len(orow)]
						for x := range orow {
							orow[x] += kv * srow[x]
						}
					}
				}
			}
		}
	}
}

// convBackward adds the weight and bias gradients of a 3×3 convolution for
// the output gradient dout to gw and gb, and writes the input gradient into
// din (already zeroed) unless it is nil.
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
			for ky := range 3 {
				dy := ky - 1
				y0, y1 := max(0, -dy), min(h, h-dy)
				for kx := range 3 {
					dx := kx - 1
					x0, x1 := max(0, -dx), min(wd, wd-dx)
					var acc float32
					kv := w[base+ky*3+kx]
					for y := y0; y < y1; y++ {
						drow := d[y*wd+x0 : y*wd+x1]
						srow := src[(y+dy)*wd+x0+dx : (y+dy)*wd+x1+dx]
						srow = srow[:len(drow)]
						for x, dv := range drow {
							acc += dv * srow[x]
						}
						if din != nil {
							irow := din[ci*plane+(y+dy)*wd+x0+dx : ci*plane+(y+dy)*wd+x1+dx]
							irow = irow[:len(drow)]
							for x, dv := range drow {
								irow[x] += kv * dv
							}
						}
					}
					gw[base+ky*3+kx] += acc
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
