package fusion

import "math"

// AssignWork holds reusable scratch space for Assign. The zero value is
// ready to use. It is not safe for concurrent use.
type AssignWork struct {
	a      []float64 // the rows×(cols+rows) shifted cost matrix, row-major
	u, v   []float64 // row and column potentials, 1-based
	minv   []float64
	p, way []int // p[j]: row (1-based) holding column j; way: the augmenting path
	used   []bool
	out    []int
}

// grow makes every buffer hold an n×m problem and its result.
func (w *AssignWork) grow(n, m int) {
	w.a = grow(w.a, n*m)
	w.u = grow(w.u, n+1)
	w.v = grow(w.v, m+1)
	w.minv = grow(w.minv, m+1)
	w.p = grow(w.p, m+1)
	w.way = grow(w.way, m+1)
	if cap(w.used) < m+1 {
		w.used = make([]bool, m+1)
	}
	w.used = w.used[:m+1]
	w.out = grow(w.out, n)
}

// grow returns s with length n, reusing its memory when it holds n; the
// contents are not cleared.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// Assign solves the linear assignment problem for a rows×cols cost matrix in row-major order
// (cost[i*cols+j]). Entries equal to +Inf are forbidden (so are NaN entries). Every row may
// also stay unassigned at cost missCost (a finite number ≥ 0; anything else is treated as 0),
// and every column likewise; the solution minimises the total cost. It returns, for each row,
// the column assigned or -1. It allocates only inside ws, which may be reused between calls
// (nil allocates a fresh one); the returned slice belongs to ws and is valid until its next use.
// A cost slice shorter than rows*cols leaves every row unassigned.
//
// With k pairs matched the total is missCost·(rows+cols) plus the sum over
// the pairs of (cost - 2·missCost), so a pair costing more than 2·missCost
// is never worth taking and is forbidden. Assign therefore solves the
// rows×(cols+rows) problem of shifted costs in which row i may instead take
// one of rows dummy columns at 0, by shortest augmenting paths with
// potentials (the Hungarian method) in O(rows²·(rows+cols)).
func Assign(cost []float64, rows, cols int, missCost float64, ws *AssignWork) []int {
	if ws == nil {
		ws = new(AssignWork)
	}
	if rows < 0 {
		rows = 0
	}
	if cols < 0 {
		cols = 0
	}
	if !(missCost >= 0) || math.IsInf(missCost, 1) {
		missCost = 0
	}
	m := cols + rows
	ws.grow(rows, m)
	out := ws.out
	for i := range out {
		out[i] = -1
	}
	if rows == 0 || cols == 0 || len(cost) < rows*cols {
		return out
	}

	inf := math.Inf(1)
	limit := 2 * missCost
	a := ws.a
	for i := range rows {
		row := a[i*m : (i+1)*m]
		for j, c := range cost[i*cols : (i+1)*cols] {
			if c > limit || math.IsNaN(c) {
				row[j] = inf
			} else {
				row[j] = c - limit
			}
		}
		clear(row[cols:])
	}

	hungarian(ws, rows, m)

	for j := 1; j <= cols; j++ {
		if i := ws.p[j] - 1; i >= 0 {
			out[i] = j - 1
		}
	}
	return out
}

// hungarian solves the n×m problem (n ≤ m) in ws.a by shortest augmenting
// paths, leaving in ws.p[j] (1-based) the row that holds column j, or 0.
// Index 0 of the potentials and of p is the virtual start of each path.
func hungarian(ws *AssignWork, n, m int) {
	a, u, v, p, way, minv, used := ws.a, ws.u, ws.v, ws.p, ws.way, ws.minv, ws.used
	clear(u)
	clear(v)
	clear(p)
	clear(way)
	inf := math.Inf(1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range m + 1 {
			minv[j] = inf
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			row := a[(i0-1)*m : i0*m]
			ui := u[i0]
			delta := inf
			j1 := 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := row[j-1] - ui - v[j]; cur < minv[j] {
					minv[j] = cur
					way[j] = j0
				}
				if minv[j] < delta {
					delta = minv[j]
					j1 = j
				}
			}
			if j1 == 0 {
				// No column is reachable: cannot happen, since every row
				// has a dummy column at 0.
				return
			}
			for j := range m + 1 {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
}
