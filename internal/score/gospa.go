package score

import (
	"math"
	"slices"
	"sort"

	"raqib/internal/fusion"
	"raqib/internal/geo"
)

// gospaTerms are one sample's GOSPA terms before the p-th root.
type gospaTerms struct {
	loc, missed, false float64
}

// value is the sample's GOSPA, the p-th root of the sum of its terms.
func (g gospaTerms) value(p float64) float64 { return math.Pow(g.loc+g.missed+g.false, 1/p) }

// gospaSolver computes GOSPA with alpha = 2 between a set of true
// positions and a set of estimates. Only pairs closer than c can be
// matched, so the optimal assignment splits into the connected components
// of the graph of such pairs, each solved on its own: thousands of
// scattered animals cost little more than their count. A solver keeps its
// scratch space between calls and is not safe for concurrent use.
type gospaSolver struct {
	c, p float64
	miss float64 // c^p/alpha, the cost of a missed truth or a false estimate
	// The grid that finds close pairs: cells of cellLat × cellLon degrees,
	// each at least c metres on a side for latitudes up to maxLat.
	cellLat, cellLon float64

	cells  []cellEntry
	parent []int32
	edges  []edge
	match  []int32
	cost   []float64
	rowIdx []int32
	colIdx []int32
	ws     fusion.AssignWork
}

type cellEntry struct {
	key int64
	idx int32
}

// edge is a pair closer than c: truth i, estimate j, cost d^p; comp is
// the component's root.
type edge struct {
	comp, i, j int32
	cost       float64
}

// newGOSPASolver returns a solver for cut-off c metres and order p, for
// points at latitudes up to maxLat degrees (north or south).
func newGOSPASolver(c, p, alpha, maxLat float64) *gospaSolver {
	maxLat = math.Min(math.Abs(maxLat)+1, 89)
	// A degree of latitude is at least 110,574 m long, and a degree of
	// longitude at latitude φ at least 111,319·cos φ m: these cells are at
	// least c on each side, so a pair closer than c lies in neighbouring
	// cells.
	return &gospaSolver{
		c: c, p: p, miss: math.Pow(c, p) / alpha,
		cellLat: c / 110_000,
		cellLon: c / (110_000 * math.Cos(maxLat*math.Pi/180)),
	}
}

func (g *gospaSolver) cellOf(p geo.LatLon) (int64, int64) {
	return int64(math.Floor(p.Lat / g.cellLat)), int64(math.Floor(p.Lon / g.cellLon))
}

func cellKey(y, x int64) int64 { return y<<32 ^ (x & 0xffffffff) }

// solve returns the terms of GOSPA between xs (truth) and ys (estimates)
// and, for each truth, the estimate matched to it or -1. The slice belongs
// to the solver until its next call.
func (g *gospaSolver) solve(xs, ys []geo.LatLon) (gospaTerms, []int32) {
	n, m := len(xs), len(ys)
	g.match = slices.Grow(g.match[:0], n)[:n]
	for i := range g.match {
		g.match[i] = -1
	}
	g.edges = g.edges[:0]
	if n > 0 && m > 0 {
		g.findPairs(xs, ys)
	}
	var terms gospaTerms
	matchedY := 0
	// The edges come grouped by component (sorted by comp, i, j).
	for start := 0; start < len(g.edges); {
		end := start + 1
		for end < len(g.edges) && g.edges[end].comp == g.edges[start].comp {
			end++
		}
		loc, k := g.solveComponent(g.edges[start:end])
		terms.loc += loc
		matchedY += k
		start = end
	}
	matchedX := 0
	for _, j := range g.match {
		if j >= 0 {
			matchedX++
		}
	}
	terms.missed = float64(n-matchedX) * g.miss
	terms.false = float64(m-matchedY) * g.miss
	return terms, g.match
}

// findPairs fills g.edges with the pairs closer than c, sorted by
// component.
func (g *gospaSolver) findPairs(xs, ys []geo.LatLon) {
	n, m := len(xs), len(ys)
	g.cells = slices.Grow(g.cells[:0], m)[:m]
	for j, p := range ys {
		cy, cx := g.cellOf(p)
		g.cells[j] = cellEntry{key: cellKey(cy, cx), idx: int32(j)}
	}
	slices.SortFunc(g.cells, func(a, b cellEntry) int { return cmpInt64(a.key, b.key) })
	g.parent = slices.Grow(g.parent[:0], n+m)[:n+m]
	for i := range g.parent {
		g.parent[i] = int32(i)
	}
	cp := math.Pow(g.c, g.p)
	for i, x := range xs {
		cy, cx := g.cellOf(x)
		for dy := int64(-1); dy <= 1; dy++ {
			for dx := int64(-1); dx <= 1; dx++ {
				key := cellKey(cy+dy, cx+dx)
				k := sort.Search(len(g.cells), func(k int) bool { return g.cells[k].key >= key })
				for ; k < len(g.cells) && g.cells[k].key == key; k++ {
					j := g.cells[k].idx
					d := geo.Distance(x, ys[j])
					if d >= g.c {
						continue
					}
					cost := math.Pow(d, g.p)
					if cost >= cp { // rounding at the cut-off
						continue
					}
					g.edges = append(g.edges, edge{i: int32(i), j: j, cost: cost})
					g.union(int32(i), int32(n)+j)
				}
			}
		}
	}
	for k := range g.edges {
		g.edges[k].comp = g.find(g.edges[k].i)
	}
	slices.SortFunc(g.edges, func(a, b edge) int {
		if a.comp != b.comp {
			return int(a.comp - b.comp)
		}
		if a.i != b.i {
			return int(a.i - b.i)
		}
		return int(a.j - b.j)
	})
}

func (g *gospaSolver) find(x int32) int32 {
	for g.parent[x] != x {
		g.parent[x] = g.parent[g.parent[x]]
		x = g.parent[x]
	}
	return x
}

func (g *gospaSolver) union(a, b int32) {
	ra, rb := g.find(a), g.find(b)
	if ra != rb {
		g.parent[max(ra, rb)] = min(ra, rb)
	}
}

// solveComponent assigns one component's truths to its estimates,
// recording the matches; it returns the sum of the matched costs and how
// many pairs it matched.
func (g *gospaSolver) solveComponent(es []edge) (float64, int) {
	if len(es) == 1 {
		// One truth, one estimate closer than c: matching them (d^p < c^p)
		// is cheaper than two misses (2·c^p/2).
		g.match[es[0].i] = es[0].j
		return es[0].cost, 1
	}
	g.rowIdx, g.colIdx = g.rowIdx[:0], g.colIdx[:0]
	for _, e := range es {
		g.rowIdx = append(g.rowIdx, e.i)
		g.colIdx = append(g.colIdx, e.j)
	}
	slices.Sort(g.rowIdx)
	g.rowIdx = slices.Compact(g.rowIdx)
	slices.Sort(g.colIdx)
	g.colIdx = slices.Compact(g.colIdx)
	// Assign works in rows² × (rows + cols): put the smaller side in the
	// rows.
	rows, cols := g.rowIdx, g.colIdx
	swap := len(rows) > len(cols)
	if swap {
		rows, cols = cols, rows
	}
	nr, nc := len(rows), len(cols)
	g.cost = slices.Grow(g.cost[:0], nr*nc)[:nr*nc]
	inf := math.Inf(1)
	for k := range g.cost {
		g.cost[k] = inf
	}
	for _, e := range es {
		ti, _ := slices.BinarySearch(g.rowIdx, e.i)
		ej, _ := slices.BinarySearch(g.colIdx, e.j)
		if swap {
			g.cost[ej*nc+ti] = e.cost
		} else {
			g.cost[ti*nc+ej] = e.cost
		}
	}
	out := fusion.Assign(g.cost, nr, nc, g.miss, &g.ws)
	var loc float64
	k := 0
	for r, c := range out {
		if c < 0 {
			continue
		}
		cost := g.cost[r*nc+c]
		if math.IsInf(cost, 1) {
			continue
		}
		ti, ej := r, c
		if swap {
			ti, ej = c, r
		}
		g.match[g.rowIdx[ti]] = g.colIdx[ej]
		loc += cost
		k++
	}
	return loc, k
}
