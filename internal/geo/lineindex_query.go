package geo

import "math"

// isValid is LatLon.Validate without the error value.
func isValid(p LatLon) bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180
}

// pos returns max(x, 0) without branches.
func pos(x float64) float64 { return (x + math.Abs(x)) / 2 }

// radii returns the meridional radius of curvature m and the radius of the
// parallel p = N cos(phi) at latitude phi (radians) on WGS84.
func radii(phi float64) (m, p float64) {
	s, c := math.Sincos(phi)
	w2 := 1 - wgs84.e2*s*s
	n := wgs84.a / math.Sqrt(w2)
	return n * (1 - wgs84.e2) / w2, n * c
}

// queryFrame is the frame of one query. The search measures in
// x = (lon - lon0) p, y = (lat - lat0) m, with (lat0, lon0) the query point
// and (m, p) the scales at the centre of its cell (or at the query point
// outside the grid); (mq, pq) are the scales at the query point itself.
type queryFrame struct {
	lat, lon float64 // radians, longitude unwrapped
	m, p     float64 // metres per radian north and east, for the search
	mq, pq   float64 // the same at the query point
	sin      float64 // of the latitude of the query point
	dmdphi   float64 // (dm/dphi) / m
	cx, cy   int     // the cell, if inGrid
	inGrid   bool
	dx, dy   float64 // offset from the centre of the cell in the frame
	r        float64 // its length
}

// locate sets q to the frame of a query at p.
func (ix *LineIndex) locate(p LatLon, q *queryFrame) {
	*q = queryFrame{lat: p.Lat * degree, lon: p.Lon * degree}
	if math.Abs(q.lon-ix.lonRef) > math.Pi {
		q.lon += 2 * math.Pi * math.Round((ix.lonRef-q.lon)/(2*math.Pi))
	}
	g := &ix.grid
	if cx, cy, ok := g.cellAt(q.lat, q.lon); ok {
		row := &g.rows[cy]
		clat, clon := g.centre(cx, cy)
		dphi := q.lat - clat
		q.cx, q.cy, q.inGrid = cx, cy, true
		q.m, q.p = row.m, row.p
		// The scales at the query point, to first order (the next term
		// is below 1e-8 of them within a cell).
		q.mq = row.m * (1 + row.dmdphi*dphi)
		q.pq = row.p - row.m*row.sin*dphi
		q.sin = row.sin + row.cos*dphi
		q.dmdphi = row.dmdphi
		q.dx, q.dy = (q.lon-clon)*q.p, dphi*q.m
		q.r = math.Sqrt(q.dx*q.dx + q.dy*q.dy)
		return
	}
	s, c := math.Sincos(q.lat)
	w2 := 1 - wgs84.e2*s*s
	n := wgs84.a / math.Sqrt(w2)
	q.m, q.p = n*(1-wgs84.e2)/w2, n*c
	q.mq, q.pq, q.sin = q.m, q.p, s
	q.dmdphi = 3 * wgs84.e2 * s * c / w2
}

// hit is the best piece found so far: its index, the parameter of the
// nearest point on it and the squared distance.
type hit struct {
	piece int
	t, d2 float64
}

// Query returns the point of the line nearest to p, its chainage and
// segment, and the signed distance to it (positive right of the line).
// Where the nearest point is a vertex, the side is decided by the bisector
// of the two segments meeting there; beyond the ends of the line it is the
// side of the geodesic that extends the end segment (a point exactly on
// that extension counts as right). A position that fails Validate gives
// NaN fields and Segment -1. Query does not allocate.
func (ix *LineIndex) Query(p LatLon) LineQuery {
	if !isValid(p) {
		nan := math.NaN()
		return LineQuery{Distance: nan, Chainage: nan, Nearest: LatLon{Lat: nan, Lon: nan}, Segment: -1}
	}
	var q queryFrame
	ix.locate(p, &q)
	h := ix.nearest(&q)
	return ix.finish(p, &q, h)
}

// nearest finds the piece nearest to the query point.
func (ix *LineIndex) nearest(q *queryFrame) hit {
	h := hit{d2: math.Inf(1)}
	if !q.inGrid {
		// Outside the grid: check every chunk, nearest first as seen from
		// the closest cell.
		cx, cy := ix.grid.cellXY(q.lat, q.lon)
		if list := ix.grid.list(cx, cy); len(list) > 0 {
			ix.scanChunk(q, &ix.chunks[list[0].chunk()], &h)
		}
		for i := range ix.chunks {
			ix.scanChunk(q, &ix.chunks[i], &h)
		}
		return h
	}
	// The first entry is the chunk nearest to the centre of the cell; the
	// rest are sorted by their lower bound over the cell. Each is skipped
	// if its bound at the query point exceeds the best distance.
	rho := ix.grid.rows[q.cy].rho
	best := math.Inf(1)
	list := ix.grid.list(q.cx, q.cy)
	for i := range list {
		e := &list[i]
		if i > 0 && e.cellLB(rho) > best {
			break
		}
		if e.bound(q.dx, q.dy, q.r) > best {
			continue
		}
		if ix.scanCapsule(q, &ix.chunks[e.chunk()], &h) {
			best = math.Sqrt(h.d2)
		}
	}
	return h
}

// scanChunk updates h with the pieces of c, unless the bounding box of c is
// farther than the best distance so far.
func (ix *LineIndex) scanChunk(q *queryFrame, c *chunk, h *hit) {
	gx := pos(math.Abs(q.lon-c.lonMid)-c.lonHalf) * q.p
	gy := pos(math.Abs(q.lat-c.latMid)-c.latHalf) * q.m
	if gx*gx+gy*gy > h.d2 {
		return
	}
	ix.scanCapsule(q, c, h)
}

// scanCapsule updates h with the pieces of c, unless the capsule of c is
// farther than the best distance so far, and reports whether h changed.
func (ix *LineIndex) scanCapsule(q *queryFrame, c *chunk, h *hit) bool {
	// The distance to the chord less the radius.
	ax, ay := (c.chord[0].lon-q.lon)*q.p, (c.chord[0].lat-q.lat)*q.m
	dx, dy := (c.chord[1].lon-c.chord[0].lon)*q.p, (c.chord[1].lat-c.chord[0].lat)*q.m
	u := clamp01(-(ax*dx + ay*dy) / (dx*dx + dy*dy + tiny))
	ex, ey := ax+u*dx, ay+u*dy
	rx, ry := c.rLon*q.p, c.rLat*q.m
	if lb := pos(math.Sqrt(ex*ex+ey*ey) - math.Sqrt(rx*rx+ry*ry)); lb*lb > h.d2 {
		return false
	}
	j, t, d2 := scanPieces(ix.verts[c.first:c.end+1], q, h.d2)
	if j < 0 {
		return false
	}
	*h = hit{piece: int(c.first) + j, t: t, d2: d2}
	return true
}

// scanPieces returns the piece (an index into the pieces between the points
// v), the foot parameter and the squared distance of the nearest point of
// the pieces if it is nearer to the query point than sqrt(best); j is -1 if
// there is none. The end points are checked first, which makes best small
// enough to skip at once almost every piece that cannot beat it: a piece
// whose foot F is nearer than sqrt(best) has an end point within half its
// length d of F, so within best + d^2/4 of the query point.
func scanPieces(v []vert, q *queryFrame, best float64) (j int, t, d2 float64) {
	lat, lon, m, p := q.lat, q.lon, q.m, q.p
	// The nearest end point, by keys: the bits of a non-negative float64
	// order like the float, so with the index in the low bits the minimum
	// needs no branches (at a relative cost of 2^-47 in the distance).
	kbest := uint64(math.MaxUint64)
	for i := range v {
		x, y := (v[i].lon-lon)*p, (v[i].lat-lat)*m
		kbest = min(kbest, math.Float64bits(x*x+y*y)&^31|uint64(i))
	}
	j = -1
	if i := int(kbest & 31); i < len(v) {
		x, y := (v[i].lon-lon)*p, (v[i].lat-lat)*m
		if e2 := x*x + y*y; e2 < best {
			j, t, best = i, 0, e2
			if i == len(v)-1 {
				j, t = i-1, 1 // the last point ends the last piece
			}
		}
	}
	ax, ay := (v[0].lon-lon)*p, (v[0].lat-lat)*m
	a2 := ax*ax + ay*ay
	for i := 1; i < len(v); i++ {
		bx, by := (v[i].lon-lon)*p, (v[i].lat-lat)*m
		b2 := bx*bx + by*by
		dx, dy := bx-ax, by-ay
		dd := dx*dx + dy*dy
		// min(a2, b2) without a branch: non-negative floats order as
		// their bits.
		lo := math.Float64frombits(min(math.Float64bits(a2), math.Float64bits(b2)))
		if lo-dd/4 < best {
			// The foot of the query point on the piece, if inside it (the
			// ends are done).
			if u := -(ax*dx + ay*dy) / (dd + tiny); u > 0 && u < 1 {
				ex, ey := ax+u*dx, ay+u*dy
				if e2 := ex*ex + ey*ey; e2 < best {
					j, t, best = i-1, u, e2
				}
			}
		}
		ax, ay, a2 = bx, by, b2
	}
	return j, t, best
}

// wrapLon reduces an unwrapped longitude to [-180, 180].
func wrapLon(lon float64) float64 {
	if lon >= -hd && lon <= hd {
		return lon
	}
	return angNormalize(lon)
}

// clamp01 limits t to [0, 1]; unlike min and max it need not order NaN
// and signed zeros, so it compiles to fewer instructions.
func clamp01(t float64) float64 {
	if t < 0 {
		return 0
	}
	if t > 1 {
		return 1
	}
	return t
}

// finish turns the nearest piece into a LineQuery.
func (ix *LineIndex) finish(p LatLon, q *queryFrame, h hit) LineQuery {
	i := h.piece
	side := ix.side(p, q, i, h.t)
	// Re-measure in the frame of the mean latitude of the query and the
	// nearest point, to first order in the latitude difference.
	a, b := ix.verts[i], ix.verts[i+1]
	half := (a.lat + h.t*(b.lat-a.lat) - q.lat) / 2
	pm := q.pq - q.mq*q.sin*half
	mm := q.mq * (1 + q.dmdphi*half)
	ax, ay := (a.lon-q.lon)*pm, (a.lat-q.lat)*mm
	dx, dy := (b.lon-a.lon)*pm, (b.lat-a.lat)*mm
	t := 0.0
	if dd := dx*dx + dy*dy; dd > 0 {
		t = clamp01(-(ax*dx + ay*dy) / dd)
	}
	ex, ey := ax+t*dx, ay+t*dy
	dist := math.Sqrt(ex*ex + ey*ey)

	near, chain := ix.pointAt(i, t)
	if dist > farDistance {
		dist = Distance(p, near)
	}
	return LineQuery{Distance: side * dist, Chainage: chain, Nearest: near, Segment: int(ix.vrec[i].seg)}
}

// side returns +1 if the query point p is right of the line and -1 if
// left, given its nearest point, at parameter t of piece i, in the search
// frame.
func (ix *LineIndex) side(p LatLon, q *queryFrame, i int, t float64) float64 {
	last := len(ix.verts) - 2
	var s float64
	switch {
	case t <= 0 && i > 0:
		s = ix.vertexSide(q, i)
	case t >= 1 && i < last:
		s = ix.vertexSide(q, i+1)
	case t <= 0 || t >= 1:
		s = ix.endSide(p, q, i, t <= 0)
	default:
		ax, ay := ix.project(q, i)
		bx, by := ix.project(q, i+1)
		s = ay*(bx-ax) - ax*(by-ay) // > 0 right
	}
	if s < 0 {
		return -1
	}
	return 1
}

// endSide returns a value whose sign is the side of p relative to the
// geodesic that extends the line beyond its start or its end (piece i):
// the sine of the angle from the direction of the line there to the
// direction of p. The search frame gives it where that angle is clearly
// away from 0 and 180 degrees; elsewhere, and far away, where the frame
// bends the extension, the azimuths of the geodesics decide.
func (ix *LineIndex) endSide(p LatLon, q *queryFrame, i int, atStart bool) float64 {
	ax, ay := ix.project(q, i)
	bx, by := ix.project(q, i+1)
	ux, uy := bx-ax, by-ay // the direction of the end piece
	wx, wy := -bx, -by     // from the end to the query point
	if atStart {
		wx, wy = -ax, -ay
	}
	w2 := wx*wx + wy*wy
	if s := (wx*uy - wy*ux) / math.Sqrt((ux*ux+uy*uy)*w2+tiny); w2 < farDistance*farDistance && math.Abs(s) > 0.02 {
		return s
	}
	v, fwd := ix.pts[0], ix.azi[0]
	if !atStart {
		v, fwd = ix.pts[len(ix.pts)-1], ix.aziEnd
	}
	r := wgs84.inverse(v.Lat, v.Lon, p.Lat, p.Lon)
	sf, cf := sincosd(fwd)
	return cf*r.salp1 - sf*r.calp1 // sin(azimuth to p - fwd)
}

// vertexSide returns a value whose sign is the side of the query point
// relative to interior vertex j, by the bisector of the pieces meeting at
// j (the sum of their unit right normals).
func (ix *LineIndex) vertexSide(q *queryFrame, j int) float64 {
	px, py := ix.project(q, j-1)
	vx, vy := ix.project(q, j)
	nx, ny := ix.project(q, j+1)
	wx, wy := -vx, -vy // from the vertex to the query point
	s := 0.0
	for _, u := range [2][2]float64{{vx - px, vy - py}, {nx - vx, ny - vy}} {
		if l := math.Sqrt(u[0]*u[0] + u[1]*u[1]); l > 0 {
			s += (wx*u[1] - wy*u[0]) / l
		}
	}
	return s
}

// project returns the coordinates of piece end point j in the search
// frame.
func (ix *LineIndex) project(q *queryFrame, j int) (x, y float64) {
	v := ix.verts[j]
	return (v.lon - q.lon) * q.p, (v.lat - q.lat) * q.m
}
