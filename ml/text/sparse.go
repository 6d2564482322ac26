package text

// CSR is a sparse matrix in compressed sparse row form: the entries of row i
// are Indices[Indptr[i]:Indptr[i+1]] (column numbers, increasing) with the
// matching Values.
type CSR struct {
	Rows, Cols int
	Indptr     []int
	Indices    []int32
	Values     []float32
}

// Row returns the column numbers and values of row i.
func (m *CSR) Row(i int) ([]int32, []float32) {
	a, b := m.Indptr[i], m.Indptr[i+1]
	return m.Indices[a:b], m.Values[a:b]
}

// NNZ is the number of stored entries.
func (m *CSR) NNZ() int { return len(m.Indices) }

// SelectRows returns a new matrix made of the given rows, in that order.
func (m *CSR) SelectRows(rows []int) *CSR {
	out := &CSR{Rows: len(rows), Cols: m.Cols, Indptr: make([]int, 1, len(rows)+1)}
	for _, r := range rows {
		idx, val := m.Row(r)
		out.Indices = append(out.Indices, idx...)
		out.Values = append(out.Values, val...)
		out.Indptr = append(out.Indptr, len(out.Indices))
	}
	return out
}

// HStack places the columns of b to the right of a's; both must have the same
// number of rows.
func HStack(a, b *CSR) *CSR {
	out := &CSR{Rows: a.Rows, Cols: a.Cols + b.Cols, Indptr: make([]int, 1, a.Rows+1)}
	out.Indices = make([]int32, 0, a.NNZ()+b.NNZ())
	out.Values = make([]float32, 0, a.NNZ()+b.NNZ())
	for i := 0; i < a.Rows; i++ {
		ia, va := a.Row(i)
		out.Indices = append(out.Indices, ia...)
		out.Values = append(out.Values, va...)
		ib, vb := b.Row(i)
		for _, c := range ib {
			out.Indices = append(out.Indices, c+int32(a.Cols))
		}
		out.Values = append(out.Values, vb...)
		out.Indptr = append(out.Indptr, len(out.Indices))
	}
	return out
}

// FromDense returns the CSR form of dense rows (zeros dropped).
func FromDense(rows [][]float64) *CSR {
	out := &CSR{Rows: len(rows), Indptr: make([]int, 1, len(rows)+1)}
	for _, r := range rows {
		if len(r) > out.Cols {
			out.Cols = len(r)
		}
		for j, v := range r {
			if v != 0 {
				out.Indices = append(out.Indices, int32(j))
				out.Values = append(out.Values, float32(v))
			}
		}
		out.Indptr = append(out.Indptr, len(out.Indices))
	}
	return out
}
