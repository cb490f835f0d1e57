package fusion

// Clusters of a scan. In dense clutter a scan holds tens of reports and
// its candidates tens of tracks, but each report is gated with a few
// tracks near it: the gating graph (rows and columns joined by the pairs
// Assign may take, those costing at most twice the miss cost) falls apart
// into small connected components. Since leaving a row or a column
// unassigned costs the same wherever it is, the least total cost is the
// sum of each component's least cost, and each component is solved on
// its own: a row alone in its component takes its cheapest column (the
// first of equal ones, as Assign does), and a larger component goes to
// Assign with its rows and columns in their order in the scan.

// clusterWork is the scratch space of solveClusters.
type clusterWork struct {
	edges  []int32 // r*cols+c of the gated pairs, by row then column
	parent []int32 // union-find over rows [0, rows) and columns [rows, rows+cols)
	rowsOf []int32 // rows per component root
	id     []int32 // per root: 1 + the index of its multi-row component, or 0
	rowAt  []int32 // per multi-row component: where its rows begin in rowIdx
	colAt  []int32 // likewise for its columns in colIdx
	rowIdx []int32 // the rows of the multi-row components, by component, in order
	colIdx []int32 // their columns likewise
	sub    []float64
	out    []int
}

// find returns the root of x, halving the path on the way.
func (w *clusterWork) find(x int32) int32 {
	p := w.parent
	for p[x] != x {
		p[x] = p[p[x]]
		x = p[x]
	}
	return x
}

func (w *clusterWork) union(a, b int32) {
	a, b = w.find(a), w.find(b)
	if a == b {
		return
	}
	if a > b {
		a, b = b, a
	}
	w.parent[b] = a
}

// solveClusters solves the rows×cols assignment problem in cost (as
// Assign does, with miss cost missCost) component by component. w.edges
// must hold, by row then column, at least every pair costing at most
// 2·missCost. The result belongs to w and is valid until its next use.
func solveClusters(cost []float64, rows, cols int, missCost float64, w *clusterWork, aw *AssignWork) []int {
	limit := 2 * missCost
	out := grow(w.out, rows)
	w.out = out
	for r := range out {
		out[r] = -1
	}
	n := rows + cols
	w.parent = grow(w.parent, n)
	for i := range w.parent {
		w.parent[i] = int32(i)
	}
	// Keep only the pairs Assign may take.
	nc := int32(cols)
	edges := w.edges[:0]
	for _, e := range w.edges {
		if cost[e] <= limit {
			edges = append(edges, e)
			w.union(e/nc, int32(rows)+e%nc)
		}
	}
	w.edges = edges
	if len(edges) == 0 {
		return out
	}
	w.rowsOf = grow(w.rowsOf, n)
	clear(w.rowsOf)
	for r := range rows {
		w.rowsOf[w.find(int32(r))]++
	}

	// A row alone in its component takes its cheapest column.
	multi := false
	for i := 0; i < len(edges); {
		r := edges[i] / nc
		j := i + 1
		for j < len(edges) && edges[j]/nc == r {
			j++
		}
		if w.rowsOf[w.find(r)] > 1 {
			multi = true
		} else {
			best := limit
			for _, e := range edges[i:j] {
				if v := cost[e]; v < best || (v == best && out[r] < 0) {
					out[r], best = int(e%nc), v
				}
			}
		}
		i = j
	}
	if multi {
		w.solveMulti(cost, rows, cols, missCost, aw)
	}
	return out
}

// solveMulti solves the components of more than one row with Assign,
// each with its rows and columns in order, into w.out.
func (w *clusterWork) solveMulti(cost []float64, rows, cols int, missCost float64, aw *AssignWork) {
	n := rows + cols
	w.id = grow(w.id, n)
	clear(w.id)
	w.rowAt, w.colAt = append(w.rowAt[:0], 0), append(w.colAt[:0], 0)
	for r := range rows {
		if root := w.find(int32(r)); w.rowsOf[root] > 1 && w.id[root] == 0 {
			w.rowAt = append(w.rowAt, 0)
			w.colAt = append(w.colAt, 0)
			w.id[root] = int32(len(w.rowAt) - 1)
		}
	}
	// Count each component's rows and columns, then lay them out in order.
	for x := range n {
		k := w.id[w.find(int32(x))]
		if k == 0 {
			continue
		}
		if x < rows {
			w.rowAt[k]++
		} else {
			w.colAt[k]++
		}
	}
	for k := 1; k < len(w.rowAt); k++ {
		w.rowAt[k] += w.rowAt[k-1]
		w.colAt[k] += w.colAt[k-1]
	}
	w.rowIdx = grow(w.rowIdx, int(w.rowAt[len(w.rowAt)-1]))
	w.colIdx = grow(w.colIdx, int(w.colAt[len(w.colAt)-1]))
	for x := n - 1; x >= 0; x-- {
		k := w.id[w.find(int32(x))]
		if k == 0 {
			continue
		}
		if x < rows {
			w.rowAt[k]--
			w.rowIdx[w.rowAt[k]] = int32(x)
		} else {
			w.colAt[k]--
			w.colIdx[w.colAt[k]] = int32(x - rows)
		}
	}
	// rowAt[k] is now where component k begins in rowIdx, and it ends
	// where component k+1 begins; likewise colAt.
	for k := 1; k < len(w.rowAt); k++ {
		rEnd, cEnd := len(w.rowIdx), len(w.colIdx)
		if k+1 < len(w.rowAt) {
			rEnd, cEnd = int(w.rowAt[k+1]), int(w.colAt[k+1])
		}
		rs, cs := w.rowIdx[w.rowAt[k]:rEnd], w.colIdx[w.colAt[k]:cEnd]
		nr, nc := len(rs), len(cs)
		w.sub = grow(w.sub, nr*nc)
		for i, r := range rs {
			row := cost[int(r)*cols : (int(r)+1)*cols]
			sub := w.sub[i*nc : (i+1)*nc]
			for j, c := range cs {
				sub[j] = row[c]
			}
		}
		got := Assign(w.sub, nr, nc, missCost, aw)
		for i, r := range rs {
			if got[i] >= 0 {
				w.out[r] = int(cs[got[i]])
			}
		}
	}
}
