package prep

// Matrix is the learner input: column-major numbers plus raw text columns.
type Matrix struct {
	// Names of the numeric columns.
	Names []string
	// Cols holds one slice per numeric column, all Rows long.
	Cols [][]float64
	// Categorical marks columns of category codes 0..k-1 (Trees mode).
	Categorical []bool
	// NumCategories is k for categorical columns, 0 otherwise.
	NumCategories []int
	// TextNames and Text hold the raw text columns ("" = missing).
	TextNames []string
	Text      [][]string
	// Rows is the number of rows.
	Rows int
}

// Index returns the position of the named numeric column, or -1.
func (m *Matrix) Index(name string) int {
	for j, n := range m.Names {
		if n == name {
			return j
		}
	}
	return -1
}

// Take returns a matrix with the given rows, in order (for folds).
func (m *Matrix) Take(rows []int) *Matrix {
	out := &Matrix{Names: m.Names, Categorical: m.Categorical, NumCategories: m.NumCategories,
		TextNames: m.TextNames, Rows: len(rows)}
	for _, col := range m.Cols {
		c := make([]float64, len(rows))
		for i, r := range rows {
			c[i] = col[r]
		}
		out.Cols = append(out.Cols, c)
	}
	for _, col := range m.Text {
		c := make([]string, len(rows))
		for i, r := range rows {
			c[i] = col[r]
		}
		out.Text = append(out.Text, c)
	}
	return out
}

// RowMajor returns the matrix as rows (for learners that want them).
func (m *Matrix) RowMajor() [][]float64 {
	out := make([][]float64, m.Rows)
	flat := make([]float64, m.Rows*len(m.Cols))
	for i := range out {
		out[i] = flat[i*len(m.Cols) : (i+1)*len(m.Cols) : (i+1)*len(m.Cols)]
	}
	for j, col := range m.Cols {
		for i, v := range col {
			out[i][j] = v
		}
	}
	return out
}
