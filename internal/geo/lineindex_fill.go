package geo

import (
	"cmp"
	"math"
	"slices"
)

// fillCells computes the list of every cell: the chunks whose lower bound
// over the cell is at most an upper bound of the distance from anywhere in
// the cell to the line, and the chunks whose box covers the cell (which
// Crossings needs), with the chunk nearest to the cell's centre first and
// the rest sorted by their lower bound over the cell.
func (ix *LineIndex) fillCells() {
	g := &ix.grid
	_, ub2 := ix.nearChunks()
	ranges := make([][4]int, len(ix.chunks))
	for k := range ix.chunks {
		x0, y0, x1, y1 := g.chunkCells(&ix.chunks[k])
		ranges[k] = [4]int{x0, y0, x1, y1}
	}
	g.start = make([]int32, 0, g.nx*g.ny+1)
	g.start = append(g.start, 0)
	var list []gridEntry
	for cy := range g.ny {
		row := &g.rows[cy]
		for cx := range g.nx {
			b := g.bounds(cx, cy)
			clat, clon := g.centre(cx, cy)
			cell := cy*g.nx + cx
			list = list[:0]
			ub := math.Sqrt(ub2[cell])
			for k := range ix.chunks {
				c := &ix.chunks[k]
				r := &ranges[k]
				covers := cx >= r[0] && cx <= r[2] && cy >= r[1] && cy <= r[3]
				if !covers && b.lowerBound2(c) > ub2[cell] {
					continue
				}
				e := linearBound(ix.verts[c.first:c.end+1], clat, clon, row)
				e.id = uint16(k)
				if covers {
					e.ef |= coversCell
				}
				list = append(list, e)
				// The centre is within rho of anywhere in the cell.
				ub = min(ub, float64(e.a)+row.rho)
			}
			ix.appendList(list, ub, row.rho)
		}
	}
}

// appendList keeps the entries of one cell that can matter, puts the one
// nearest to the centre first and sorts the rest.
func (ix *LineIndex) appendList(list []gridEntry, ub, rho float64) {
	g := &ix.grid
	list = slices.DeleteFunc(list, func(e gridEntry) bool { return !e.covers() && e.cellLB(rho) > ub })
	if len(list) > 0 {
		first := 0
		for i := range list {
			if list[i].a < list[first].a {
				first = i
			}
		}
		list[0], list[first] = list[first], list[0]
		slices.SortFunc(list[1:], func(x, y gridEntry) int {
			return cmp.Or(cmp.Compare(x.cellLB(rho), y.cellLB(rho)), cmp.Compare(x.id, y.id))
		})
	}
	g.entries = append(g.entries, list...)
	g.start = append(g.start, int32(len(g.entries)))
}

// linearBound returns the linear lower bound (see lineGrid) of the
// distance from a query near the centre (clat, clon) of a cell to the
// pieces between the points v, in the frame of the cell's row.
func linearBound(v []vert, clat, clon float64, row *rowScale) gridEntry {
	type piece struct{ d, gx, gy float64 }
	var ps [maxChunk]piece
	m, p := row.m, row.p
	a, best := math.Inf(1), 0
	ax, ay := (v[0].lon-clon)*p, (v[0].lat-clat)*m
	for i := 1; i < len(v); i++ {
		bx, by := (v[i].lon-clon)*p, (v[i].lat-clat)*m
		dx, dy := bx-ax, by-ay
		t := 0.0
		if dd := dx*dx + dy*dy; dd > 0 {
			t = clamp01(-(ax*dx + ay*dy) / dd)
		}
		fx, fy := ax+t*dx, ay+t*dy // nearest point; the centre is the origin
		d := math.Hypot(fx, fy)
		pc := piece{d: d}
		if d > 0 {
			pc.gx, pc.gy = -fx/d, -fy/d
		}
		ps[i-1] = pc
		if d < a {
			a, best = d, i-1
		}
		ax, ay = bx, by
	}
	u := ps[best]
	e := 0.0
	for _, pc := range ps[:len(v)-1] {
		e = max(e, math.Hypot(pc.gx-u.gx, pc.gy-u.gy)-(pc.d-a)/row.rho)
	}
	if a == 0 || e+2.0/gScale >= 1 {
		// The gradients disagree too much (or the centre is on the line):
		// fall back on a - |D|, since a distance changes no faster than
		// the point it is measured from.
		u, e = piece{}, 1-2.0/gScale
	}
	// Round so that the packed values still give a lower bound: the
	// rounding of g changes g.D by at most |D| / gScale.
	return gridEntry{
		a:  float32Down(a*(1-1e-9) - 1e-6),
		gx: int16(math.Round(u.gx * gScale)),
		gy: int16(math.Round(u.gy * gScale)),
		ef: uint16(math.Ceil((e + 2.0/gScale) * eScale)),
	}
}

// nearChunks finds for every cell a chunk near it, with the square of an
// upper bound of the distance from anywhere in the cell to the line. It
// starts from the chunks over each cell and passes them on to the
// neighbouring cells in two raster sweeps, as in a distance transform; a
// chunk that is not quite the nearest only makes the bound looser.
func (ix *LineIndex) nearChunks() (near []int32, ub2 []float64) {
	g := &ix.grid
	n := g.nx * g.ny
	near = make([]int32, n)
	ub2 = make([]float64, n)
	bounds := make([]cellBounds, n)
	for cy := range g.ny {
		for cx := range g.nx {
			bounds[cy*g.nx+cx] = g.bounds(cx, cy)
		}
	}
	for i := range near {
		near[i], ub2[i] = -1, math.Inf(1)
	}
	try := func(cell int, k int32) {
		if k < 0 || k == near[cell] {
			return
		}
		if u := bounds[cell].upperBound2(ix, &ix.chunks[k]); u < ub2[cell] {
			near[cell], ub2[cell] = k, u
		}
	}
	for k := range ix.chunks {
		x0, y0, x1, y1 := g.chunkCells(&ix.chunks[k])
		for cy := y0; cy <= y1; cy++ {
			for cx := x0; cx <= x1; cx++ {
				try(cy*g.nx+cx, int32(k))
			}
		}
	}
	for pass := range 2 {
		for i := range n {
			cell := i
			if pass == 1 {
				cell = n - 1 - i
			}
			cx, cy := cell%g.nx, cell/g.nx
			for _, d := range [4][2]int{{-1, 0}, {-1, -1}, {0, -1}, {1, -1}} {
				if pass == 1 {
					d[0], d[1] = -d[0], -d[1]
				}
				if x, y := cx+d[0], cy+d[1]; x >= 0 && x < g.nx && y >= 0 && y < g.ny {
					try(cell, near[y*g.nx+x])
				}
			}
		}
	}
	return near, ub2
}
