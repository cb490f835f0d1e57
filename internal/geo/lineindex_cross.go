package geo

import "math"

// Crossings of the line by a track segment. The track a->b is straight in
// latitude and longitude (which is within centimetres of the geodesic for
// the short legs between successive track positions); the pieces of the
// line are treated the same way, so the test is exact up to round-off and
// agrees with the side that Query reports.

// Crossing is a crossing of the line by a track segment.
type Crossing struct {
	Point    LatLon  // where the segment a->b crosses the line
	Chainage float64 // metres
	Fraction float64 // 0..1 along a->b
	ToRight  bool    // true if the motion goes from the left side to the right side
}

// Crossing reports the first crossing of the line by the straight segment
// a->b (in order along a->b), and false if a->b does not cross. Touching the
// line without crossing it, or ending on it, is not a crossing. Crossing
// does not allocate unless the segment crosses the line more than 8 times.
func (ix *LineIndex) Crossing(a, b LatLon) (Crossing, bool) {
	var buf [8]Crossing
	cs := ix.Crossings(a, b, buf[:0])
	if len(cs) == 0 {
		return Crossing{}, false
	}
	return cs[0], true
}

// Crossings appends to dst all crossings of the line by the straight
// segment a->b, in order along a->b, and returns the extended slice. A
// track crosses a winding line several times; where a->b only touches the
// line at a vertex no crossing is reported. Invalid positions give no
// crossings.
func (ix *LineIndex) Crossings(a, b LatLon, dst []Crossing) []Crossing {
	if !isValid(a) || !isValid(b) {
		return dst
	}
	t := ix.newTrack(a, b)
	start := len(dst)
	g := &ix.grid
	x0, y0 := g.cellXY(t.latMin, t.lonMin)
	x1, y1 := g.cellXY(t.latMax, t.lonMax)
	_, _, in0 := g.cellAt(t.latMin, t.lonMin)
	_, _, in1 := g.cellAt(t.latMax, t.lonMax)
	if !in0 || !in1 || (x1-x0+1)*(y1-y0+1) > len(ix.chunks) {
		for k := range ix.chunks {
			dst = ix.crossChunk(&t, &ix.chunks[k], dst)
		}
	} else {
		for cy := y0; cy <= y1; cy++ {
			for cx := x0; cx <= x1; cx++ {
				dst = ix.crossCell(&t, cx, cy, x0, y0, dst)
			}
		}
	}
	found := dst[start:]
	found = dropTouches(found)
	sortByFraction(found)
	return dst[:start+len(found)]
}

// crossCell tests the chunks whose boxes cover cell (cx, cy), each in the
// first cell of the track's range that it covers so that none is tested
// twice.
func (ix *LineIndex) crossCell(t *track, cx, cy, x0, y0 int, dst []Crossing) []Crossing {
	g := &ix.grid
	list := g.list(cx, cy)
	for i := range list {
		e := &list[i]
		if !e.covers() {
			continue
		}
		c := &ix.chunks[e.chunk()]
		cx0, cy0, _, _ := g.chunkCells(c)
		if max(cx0, x0) != cx || max(cy0, y0) != cy {
			continue
		}
		dst = ix.crossChunk(t, c, dst)
	}
	return dst
}

// track is a segment a->b in a frame at a: x = (lon - lonA) p,
// y = (lat - latA) m, with its bounding box in radians.
type track struct {
	lat, lon                       float64 // a, radians, longitude unwrapped
	m, p                           float64
	tx, ty                         float64 // b in the frame
	latMin, latMax, lonMin, lonMax float64
}

func (ix *LineIndex) newTrack(a, b LatLon) track {
	var q queryFrame
	ix.locate(a, &q)
	latB := b.Lat * degree
	lonB := b.Lon * degree
	lonB += 2 * math.Pi * math.Round((q.lon-lonB)/(2*math.Pi)) // the short way from a
	return track{
		lat: q.lat, lon: q.lon, m: q.m, p: q.p,
		tx: (lonB - q.lon) * q.p, ty: (latB - q.lat) * q.m,
		latMin: min(q.lat, latB), latMax: max(q.lat, latB),
		lonMin: min(q.lon, lonB), lonMax: max(q.lon, lonB),
	}
}

// crossChunk appends the crossings of the pieces of c.
func (ix *LineIndex) crossChunk(t *track, c *chunk, dst []Crossing) []Crossing {
	if latMin, latMax, lonMin, lonMax := c.box(); latMin > t.latMax || latMax < t.latMin || lonMin > t.lonMax || lonMax < t.lonMin {
		return dst
	}
	v := ix.verts[c.first : c.end+1]
	ax := (v[0].lon - t.lon) * t.p
	ay := (v[0].lat - t.lat) * t.m
	// Side of the piece end points relative to the track; a point on the
	// track line counts as left, so a vertex on it is on one side only.
	da := t.tx*ay - t.ty*ax
	for j := 1; j < len(v); j++ {
		bx := (v[j].lon - t.lon) * t.p
		by := (v[j].lat - t.lat) * t.m
		db := t.tx*by - t.ty*bx
		if (da < 0) != (db < 0) {
			// The piece straddles the track line; the track must straddle
			// the piece line strictly.
			ex, ey := bx-ax, by-ay
			e1 := ey*ax - ex*ay               // a relative to the piece: > 0 left
			e2 := ex*(t.ty-ay) - ey*(t.tx-ax) // b
			if (e1 > 0 && e2 < 0) || (e1 < 0 && e2 > 0) {
				i := int(c.first) + j - 1
				dst = append(dst, ix.crossingAt(i, da/(da-db), e1/(e1-e2), e1 > 0))
			}
		}
		ax, ay, da = bx, by, db
	}
	return dst
}

// crossingAt builds the crossing of piece i at parameter u.
func (ix *LineIndex) crossingAt(i int, u, frac float64, toRight bool) Crossing {
	p, chain := ix.pointAt(i, u)
	return Crossing{Point: p, Chainage: chain, Fraction: frac, ToRight: toRight}
}

// dropTouches removes pairs of crossings at the same vertex in opposite
// directions: the track touches the line there from the side that counts
// vertices on the track line as crossed.
func dropTouches(cs []Crossing) []Crossing {
	for i := 0; i < len(cs); i++ {
		for j := i + 1; j < len(cs); j++ {
			if cs[i].Chainage == cs[j].Chainage && cs[i].ToRight != cs[j].ToRight {
				cs = append(cs[:j], cs[j+1:]...)
				cs = append(cs[:i], cs[i+1:]...)
				i--
				break
			}
		}
	}
	return cs
}

// sortByFraction sorts a few crossings by insertion.
func sortByFraction(cs []Crossing) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].Fraction < cs[j-1].Fraction; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}
