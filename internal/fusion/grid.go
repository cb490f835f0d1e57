package fusion

import "math"

// maxSpareCells bounds the emptied cell slices a Grid keeps for reuse.
const maxSpareCells = 256

// Grid is a uniform spatial hash of points (ids int32) in a local metric frame. Not safe for
// concurrent use.
//
// Cells are keyed by their packed integer coordinates; a cell holds only the
// ids of its points, so callers keep the positions themselves. Empty cells
// are deleted so a moving population does not leak memory.
type Grid struct {
	cell  float64
	inv   float64
	cells map[int64][]int32
	spare [][]int32
	n     int
}

// NewGrid makes a grid with square cells of side cellM metres. A side that
// is not a positive finite number is taken as 1 m.
func NewGrid(cellM float64) *Grid {
	if !(cellM > 0) || math.IsInf(cellM, 1) {
		cellM = 1
	}
	return &Grid{cell: cellM, inv: 1 / cellM, cells: make(map[int64][]int32)}
}

// coord is the cell index of the metric coordinate v, clamped to int32.
func (g *Grid) coord(v float64) int32 {
	c := math.Floor(v * g.inv)
	switch {
	case math.IsNaN(c):
		return 0
	case c >= math.MaxInt32:
		return math.MaxInt32
	case c <= math.MinInt32:
		return math.MinInt32
	}
	return int32(c)
}

func cellKey(cx, cy int32) int64 { return int64(cx)<<32 | int64(uint32(cy)) }

func (g *Grid) key(x, y float64) int64 { return cellKey(g.coord(x), g.coord(y)) }

// Insert adds id at (x, y).
func (g *Grid) Insert(id int32, x, y float64) {
	g.insertKey(id, g.key(x, y))
}

func (g *Grid) insertKey(id int32, k int64) {
	ids, ok := g.cells[k]
	if !ok && len(g.spare) > 0 {
		ids = g.spare[len(g.spare)-1]
		g.spare = g.spare[:len(g.spare)-1]
	}
	g.cells[k] = append(ids, id)
	g.n++
}

// Move moves id from (ox, oy), where it was inserted, to (x, y); cheap when the cell is the same.
// An id not found at (ox, oy) is still inserted at (x, y).
func (g *Grid) Move(id int32, ox, oy, x, y float64) {
	from, to := g.key(ox, oy), g.key(x, y)
	if from == to {
		if g.contains(from, id) {
			return
		}
		g.insertKey(id, to)
		return
	}
	g.removeKey(id, from)
	g.insertKey(id, to)
}

// Remove removes id inserted at (x, y). Removing an id that is not there
// does nothing.
func (g *Grid) Remove(id int32, x, y float64) {
	g.removeKey(id, g.key(x, y))
}

func (g *Grid) contains(k int64, id int32) bool {
	for _, v := range g.cells[k] {
		if v == id {
			return true
		}
	}
	return false
}

func (g *Grid) removeKey(id int32, k int64) {
	ids, ok := g.cells[k]
	if !ok {
		return
	}
	for i, v := range ids {
		if v != id {
			continue
		}
		last := len(ids) - 1
		ids[i] = ids[last]
		ids = ids[:last]
		g.n--
		if len(ids) == 0 {
			delete(g.cells, k)
			if len(g.spare) < maxSpareCells && cap(ids) <= 64 {
				g.spare = append(g.spare, ids)
			}
			return
		}
		g.cells[k] = ids
		return
	}
}

// Query appends to dst the ids of every point that may lie within r metres of (x, y) (every
// point in the cells the square [x-r,x+r]×[y-r,y+r] touches; the caller filters exactly) and
// returns dst. A negative or NaN r is taken as 0.
func (g *Grid) Query(x, y, r float64, dst []int32) []int32 {
	if !(r >= 0) {
		r = 0
	}
	cx0, cx1 := g.coord(x-r), g.coord(x+r)
	cy0, cy1 := g.coord(y-r), g.coord(y+r)
	span := (float64(cx1) - float64(cx0) + 1) * (float64(cy1) - float64(cy0) + 1)
	if span > float64(len(g.cells)) {
		// The square covers more cells than are occupied: scan those instead.
		for k, ids := range g.cells {
			cx, cy := int32(k>>32), int32(uint32(k))
			if cx >= cx0 && cx <= cx1 && cy >= cy0 && cy <= cy1 {
				dst = append(dst, ids...)
			}
		}
		return dst
	}
	for cx := int64(cx0); cx <= int64(cx1); cx++ {
		for cy := int64(cy0); cy <= int64(cy1); cy++ {
			dst = append(dst, g.cells[cellKey(int32(cx), int32(cy))]...)
		}
	}
	return dst
}

// Len is the number of points.
func (g *Grid) Len() int { return g.n }
