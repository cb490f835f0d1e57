package geo

import "math"

// The grid of a LineIndex: cells of equal size in latitude and longitude
// (about square in metres at the middle latitude of the line) over the
// bounding box of the line widened by gridMargin. A query in a cell
// measures in the frame of the cell's centre c (scaled by the radii of
// curvature there), and the cell lists the chunks that may hold the
// nearest point for a query anywhere in the cell.
//
// Each entry carries a lower bound of the distance to its chunk that is
// linear in the offset D of the query from c. The distance to one piece is
// a convex function of the query point, so it is at least its value at c
// plus its gradient g (the unit vector from the nearest point to c) times
// D. Over the pieces of a chunk, with a the least distance at c and u the
// gradient of that piece, this gives
//
//	dist(q, chunk) >= a + u.D - e |D|,  e = max(0, |g_p - u| - (d_p - a)/rho)
//
// over the pieces p, for |D| <= rho, the radius of the cell. (Where e would
// reach 1, the bound a - |D| serves instead: a distance changes no faster
// than the point it is measured from.) For a chunk far from the cell e is
// small, so the bound is nearly the distance itself and rejects the chunk
// without touching it. The entries are sorted
// by the bound over the whole cell, a - rho (1 + e), except that the chunk
// nearest to c comes first.

// Chunks hold chunkMin to chunkMax pieces, so as to be about as long as a
// cell, and more (up to maxChunk) only if the line has more than maxChunks
// chunks' worth of pieces.
const (
	chunkMin    = 4
	chunkMax    = 16
	maxChunk    = 31      // scanPieces keeps indices in 5 bits
	targetCells = 1 << 15 // cells in a grid of a long line
	minCell     = 500.0   // metres
	maxCellsDim = 4096    // cells along one side
)

type lineGrid struct {
	lat0, lon0 float64 // south-west corner, radians
	dlat, dlon float64 // cell size, radians
	nx, ny     int
	rows       []rowScale // the frame of the cells of each row
	start      []int32    // entries of cell c are entries[start[c]:start[c+1]]
	entries    []gridEntry
}

// rowScale is the frame at the centres of the cells of one row.
type rowScale struct {
	m, p     float64 // metres per radian north and east
	sin, cos float64 // of the latitude
	dmdphi   float64 // (dm/dphi) / m
	rho      float64 // radius of a cell, metres
}

// gridEntry is a chunk in the list of a cell with its linear lower bound
// (see above), packed into 12 bytes and rounded to stay a lower bound: a as
// a float32, the unit vector (gx, gy) in units of 1/32767, and e in units
// of 1/16384 in the low 15 bits of ef, whose top bit is set if the chunk's
// bounding box covers the cell.
type gridEntry struct {
	a      float32
	id     uint16 // chunk index
	gx, gy int16
	ef     uint16
}

const (
	gScale     = 32767
	eScale     = 16384
	coversCell = 1 << 15
	maxChunks  = 1 << 16
)

func (e *gridEntry) chunk() int   { return int(e.id) }
func (e *gridEntry) covers() bool { return e.ef&coversCell != 0 }

// bound returns the lower bound at offset (dx, dy), of length r, from the
// centre of the cell.
func (e *gridEntry) bound(dx, dy, r float64) float64 {
	return float64(e.a) + (float64(e.gx)*dx+float64(e.gy)*dy)/gScale - float64(e.ef&^coversCell)/eScale*r
}

// cellLB returns the lower bound over a cell of radius rho.
func (e *gridEntry) cellLB(rho float64) float64 {
	return float64(e.a) - rho*(1+float64(e.ef&^coversCell)/eScale)
}

// cellAt returns the column and row of the cell holding (lat, lon) in
// radians, and false if the point is outside the grid.
func (g *lineGrid) cellAt(lat, lon float64) (int, int, bool) {
	fx := (lon - g.lon0) / g.dlon
	fy := (lat - g.lat0) / g.dlat
	if !(fx >= 0 && fx < float64(g.nx) && fy >= 0 && fy < float64(g.ny)) {
		return 0, 0, false
	}
	return int(fx), int(fy), true
}

// cellXY returns the column and row of the cell nearest to (lat, lon).
func (g *lineGrid) cellXY(lat, lon float64) (int, int) {
	fx := math.Floor((lon - g.lon0) / g.dlon)
	fy := math.Floor((lat - g.lat0) / g.dlat)
	cx := int(min(max(fx, 0), float64(g.nx-1)))
	cy := int(min(max(fy, 0), float64(g.ny-1)))
	return cx, cy
}

// centre returns the centre of a cell in radians.
func (g *lineGrid) centre(cx, cy int) (lat, lon float64) {
	return g.lat0 + (float64(cy)+0.5)*g.dlat, g.lon0 + (float64(cx)+0.5)*g.dlon
}

func (g *lineGrid) list(cx, cy int) []gridEntry {
	c := cy*g.nx + cx
	return g.entries[g.start[c]:g.start[c+1]]
}

// chunkCells returns the range of cells covered by the bounding box of c.
func (g *lineGrid) chunkCells(c *chunk) (x0, y0, x1, y1 int) {
	latMin, latMax, lonMin, lonMax := c.box()
	x0, y0 = g.cellXY(latMin, lonMin)
	x1, y1 = g.cellXY(latMax, lonMax)
	return x0, y0, x1, y1
}

// buildGrid sizes the grid, groups the pieces into chunks and fills the
// cell lists.
func (ix *LineIndex) buildGrid() {
	latMin, latMax := math.Inf(1), math.Inf(-1)
	lonMin, lonMax := math.Inf(1), math.Inf(-1)
	for _, v := range ix.verts {
		latMin, latMax = min(latMin, v.lat), max(latMax, v.lat)
		lonMin, lonMax = min(lonMin, v.lon), max(lonMax, v.lon)
	}
	ix.lonRef = (lonMin + lonMax) / 2
	mRef, pRef := radii((latMin + latMax) / 2)
	g := &ix.grid
	mlat := gridMargin / mRef
	g.lat0 = max(latMin-mlat, -math.Pi/2)
	latTop := min(latMax+mlat, math.Pi/2)
	_, pLow := radii(max(math.Abs(g.lat0), math.Abs(latTop)))
	mlon := min(gridMargin/max(pLow, 1e3), math.Pi)
	g.lon0 = lonMin - mlon
	lonTop := lonMax + mlon

	widthM := (lonTop - g.lon0) * max(pRef, 1e3)
	heightM := (latTop - g.lat0) * mRef
	cell := max(minCell, math.Sqrt(widthM*heightM/targetCells))
	g.nx = min(maxCellsDim, max(1, int(math.Ceil(widthM/cell))))
	g.ny = min(maxCellsDim, max(1, int(math.Ceil(heightM/cell))))
	g.dlon = (lonTop - g.lon0) / float64(g.nx)
	g.dlat = (latTop - g.lat0) / float64(g.ny)
	g.rows = make([]rowScale, g.ny)
	for cy := range g.rows {
		r := &g.rows[cy]
		lat, _ := g.centre(0, cy)
		r.sin, r.cos = math.Sincos(lat)
		w2 := 1 - wgs84.e2*r.sin*r.sin
		n := wgs84.a / math.Sqrt(w2)
		r.m, r.p = n*(1-wgs84.e2)/w2, n*r.cos
		r.dmdphi = 3 * wgs84.e2 * r.sin * r.cos / w2
		r.rho = math.Hypot(g.dlat*r.m, g.dlon*r.p) / 2 * (1 + 1e-9)
	}

	pieces := len(ix.verts) - 1
	meanPiece := ix.Length() / float64(pieces)
	// Chunks about as long as a cell.
	k := chunkMin
	if meanPiece > 0 {
		k = int(min(chunkMax, max(chunkMin, math.Round(cell/meanPiece))))
	}
	// The entries number chunks in 16 bits.
	k = max(k, (pieces+maxChunks-1)/maxChunks)
	ix.buildChunks(k)
	ix.fillCells()
}

// buildChunks groups runs of k pieces.
func (ix *LineIndex) buildChunks(k int) {
	pieces := len(ix.verts) - 1
	ix.chunks = make([]chunk, 0, (pieces+k-1)/k)
	for first := 0; first < pieces; first += k {
		end := min(first+k, pieces)
		c := chunk{first: int32(first), end: int32(end)}
		latMin, latMax := math.Inf(1), math.Inf(-1)
		lonMin, lonMax := math.Inf(1), math.Inf(-1)
		for _, v := range ix.verts[first : end+1] {
			latMin, latMax = min(latMin, v.lat), max(latMax, v.lat)
			lonMin, lonMax = min(lonMin, v.lon), max(lonMax, v.lon)
		}
		// Centre and half sizes, widened so that the box still holds the
		// points after rounding.
		c.latMid, c.lonMid = (latMin+latMax)/2, (lonMin+lonMax)/2
		c.latHalf = max(latMax-c.latMid, c.latMid-latMin)*(1+1e-12) + 1e-15
		c.lonHalf = max(lonMax-c.lonMid, c.lonMid-lonMin)*(1+1e-12) + 1e-15
		c.chord = [2]vert{ix.verts[first], ix.verts[end]}
		c.rLat, c.rLon = capsule(c.chord, ix.verts[first+1:end])
		ix.chunks = append(ix.chunks, c)
	}
}

// float32Down returns the largest float32 not above x.
func float32Down(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

// capsule returns the largest latitude and longitude offsets of the points
// v from their nearest points on the chord (nearest in a frame scaled at the
// chord's start; any points of the chord would do).
func capsule(chord [2]vert, v []vert) (rLat, rLon float64) {
	m, p := radii(chord[0].lat)
	dx := (chord[1].lon - chord[0].lon) * p
	dy := (chord[1].lat - chord[0].lat) * m
	dd := dx*dx + dy*dy
	for _, w := range v {
		wx := (w.lon - chord[0].lon) * p
		wy := (w.lat - chord[0].lat) * m
		u := 0.0
		if dd > 0 {
			u = clamp01((wx*dx + wy*dy) / dd)
		}
		rLat = max(rLat, math.Abs(w.lat-(chord[0].lat+u*(chord[1].lat-chord[0].lat))))
		rLon = max(rLon, math.Abs(w.lon-(chord[0].lon+u*(chord[1].lon-chord[0].lon))))
	}
	// Allow for rounding in the query's arithmetic.
	return rLat*(1+1e-9) + 1e-15, rLon*(1+1e-9) + 1e-15
}

// cellBounds holds a cell and the extreme radii of curvature over it.
type cellBounds struct {
	latA, latB, lonA, lonB float64
	mMin, mMax, pMin, pMax float64
}

func (g *lineGrid) bounds(cx, cy int) cellBounds {
	b := cellBounds{
		latA: g.lat0 + float64(cy)*g.dlat, latB: g.lat0 + float64(cy+1)*g.dlat,
		lonA: g.lon0 + float64(cx)*g.dlon, lonB: g.lon0 + float64(cx+1)*g.dlon,
	}
	// m grows and p shrinks with |lat|.
	lo := math.Min(math.Abs(b.latA), math.Abs(b.latB))
	if b.latA <= 0 && b.latB >= 0 {
		lo = 0
	}
	hi := math.Min(math.Max(math.Abs(b.latA), math.Abs(b.latB)), math.Pi/2)
	b.mMin, b.pMax = radii(lo)
	b.mMax, b.pMin = radii(hi)
	b.pMin = max(b.pMin, 0)
	return b
}

// lowerBound2 returns the square of a distance from any point of the cell
// to chunk c, in a frame with scales in [mMin, mMax] and [pMin, pMax], that
// no point of c is nearer than.
func (b *cellBounds) lowerBound2(c *chunk) float64 {
	latMin, latMax, lonMin, lonMax := c.box()
	gx := (pos(lonMin-b.lonB) + pos(b.lonA-lonMax)) * b.pMin
	gy := (pos(latMin-b.latB) + pos(b.latA-latMax)) * b.mMin
	return gx*gx + gy*gy
}

// upperBound2 returns the square of a distance, for any point of the cell
// in such a frame, that some end point of the pieces of chunk c is not
// farther than.
func (b *cellBounds) upperBound2(ix *LineIndex, c *chunk) float64 {
	u := math.Inf(1)
	for _, v := range ix.verts[c.first : c.end+1] {
		gx := max(math.Abs(v.lon-b.lonA), math.Abs(v.lon-b.lonB)) * b.pMax
		gy := max(math.Abs(v.lat-b.latA), math.Abs(v.lat-b.latB)) * b.mMax
		u = min(u, gx*gx+gy*gy)
	}
	return u
}
