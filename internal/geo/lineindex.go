package geo

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// A LineIndex answers distance, side and crossing questions about a
// polyline quickly.
//
// Each segment of the line is the geodesic between its vertices. Segments
// longer than maxPiece are split along the geodesic into pieces; a piece is
// then treated as straight in latitude and longitude (it stays within 2 cm
// of the geodesic). Runs of consecutive pieces form chunks, each with a
// bounding box and a capsule (a chord and a radius). A grid of cells over
// the line and a margin around it lists, for each cell, the chunks that can
// hold the nearest point of the line for a query anywhere in the cell,
// each with a lower bound of its distance that is linear in the position
// of the query in the cell (see lineGrid).
//
// A query measures in a local frame scaled by the meridian and parallel
// radii of curvature at the centre of its cell. That frame is affine in
// latitude and longitude, so the side of a point and the crossings of a
// track agree exactly with each other. The distance to the nearest piece
// is then re-measured at the mean latitude of the query and the nearest
// point, which keeps it within 1e-5 of the geodesic distance up to 50 km;
// beyond farDistance it is the geodesic distance to the nearest point.

const (
	maxPiece    = 1000.0 // metres; longer segments are split
	gridMargin  = 60e3   // metres around the line covered by the grid
	farDistance = 60e3   // metres; farther distances are measured along geodesics
)

// LineIndex is an immutable index over a polyline, safe for concurrent use.
// Vertices are in order; "right" means to the right of the direction of
// travel from the first vertex to the last. Chainage is the geodesic
// distance along the line from the first vertex, in metres.
type LineIndex struct {
	pts    []LatLon
	cum    []float64 // chainage of each vertex
	azi    []float64 // azimuth at the start of each segment
	aziEnd float64   // azimuth at the end of the last segment

	verts []vert // end points of the pieces, len(pieces)+1
	vrec  []vrec // the same in degrees, with chainage and segment

	chunks []chunk
	lonRef float64 // radians; longitudes are unwrapped to within pi of it
	grid   lineGrid
}

// vert is a piece end point in radians, its longitude unwrapped so that the
// line is continuous across the antimeridian.
type vert struct{ lat, lon float64 }

// vrec is a piece end point in degrees, its longitude unwrapped, with its
// chainage and the segment holding the piece that starts there (the last
// piece for the last point).
type vrec struct {
	lat, lon, chain float64
	seg             int32
}

// chunk is a run of pieces [first, end) with two bounds in radians: its
// bounding box (centre and half sizes), and a capsule: every point of the
// pieces lies within (rLat, rLon) of a point of the chord from the first to
// the last end point.
type chunk struct {
	first, end     int32
	latMid, lonMid float64
	latHalf        float64
	lonHalf        float64
	chord          [2]vert
	rLat, rLon     float64
}

// box returns the bounding box of c.
func (c *chunk) box() (latMin, latMax, lonMin, lonMax float64) {
	return c.latMid - c.latHalf, c.latMid + c.latHalf, c.lonMid - c.lonHalf, c.lonMid + c.lonHalf
}

// LineQuery describes the point of a line nearest to a query point.
type LineQuery struct {
	Distance float64 // signed distance to the nearest point of the line, metres: > 0 right of the line, < 0 left
	Chainage float64 // chainage of that nearest point, metres
	Nearest  LatLon  // the nearest point on the line
	Segment  int     // index i of the segment pts[i]..pts[i+1] holding it
}

// NewLineIndex builds the index of the polyline through pts, which needs at
// least 2 valid points. Repeated points make segments of length zero.
func NewLineIndex(pts []LatLon) (*LineIndex, error) {
	if len(pts) < 2 {
		return nil, fmt.Errorf("geo: a line needs at least 2 points, got %d", len(pts))
	}
	for i, p := range pts {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("geo: point %d: %w", i, err)
		}
	}
	ix := &LineIndex{pts: slices.Clone(pts)}
	ix.buildPieces()
	if n := len(ix.verts) - 1; n > maxChunk*maxChunks {
		return nil, fmt.Errorf("geo: the line splits into %d pieces of at most %g m; at most %d are supported", n, maxPiece, maxChunk*maxChunks)
	}
	ix.buildGrid()
	return ix, nil
}

// Length returns the geodesic length of the line in metres.
func (ix *LineIndex) Length() float64 { return ix.cum[len(ix.cum)-1] }

// Points returns a copy of the vertices of the line.
func (ix *LineIndex) Points() []LatLon { return slices.Clone(ix.pts) }

// buildPieces measures the segments and splits the long ones.
func (ix *LineIndex) buildPieces() {
	n := len(ix.pts)
	ix.cum = make([]float64, n)
	ix.azi = make([]float64, n-1)
	first := ix.pts[0]
	ix.addVertex(first.Lat, first.Lon, 0, 0)
	for i := range n - 1 {
		a, b := ix.pts[i], ix.pts[i+1]
		r := wgs84.inverse(a.Lat, a.Lon, b.Lat, b.Lon)
		s := r.s12
		ix.azi[i] = atan2d(r.salp1, r.calp1)
		ix.aziEnd = atan2d(r.salp2, r.calp2)
		ix.cum[i+1] = ix.cum[i] + s
		k := max(1, int(math.Ceil(s/maxPiece)))
		var line geodesicLine
		if k > 1 {
			line = wgs84.line(a.Lat, a.Lon, ix.azi[i])
		}
		for j := 1; j < k; j++ {
			d := s * float64(j) / float64(k)
			lat, lon, _ := line.position(d)
			ix.addVertex(lat, lon, ix.cum[i]+d, i)
		}
		ix.addVertex(b.Lat, b.Lon, ix.cum[i+1], min(i+1, n-2))
	}
}

// addVertex appends a piece end point, unwrapping its longitude against the
// previous one; seg is the segment of the piece that starts there.
func (ix *LineIndex) addVertex(lat, lon, chainage float64, seg int) {
	if k := len(ix.vrec); k > 0 {
		lon += td * math.Round((ix.vrec[k-1].lon-lon)/td)
	}
	ix.vrec = append(ix.vrec, vrec{lat: lat, lon: lon, chain: chainage, seg: int32(seg)})
	ix.verts = append(ix.verts, vert{lat: lat * degree, lon: lon * degree})
}

// pointAt returns the point at parameter u of piece i and its chainage,
// exactly the end points for u = 0 and u = 1.
func (ix *LineIndex) pointAt(i int, u float64) (LatLon, float64) {
	var lat, lon, chain float64
	switch a, b := &ix.vrec[i], &ix.vrec[i+1]; u {
	case 0:
		lat, lon, chain = a.lat, a.lon, a.chain
	case 1:
		lat, lon, chain = b.lat, b.lon, b.chain
	default:
		lat = a.lat + u*(b.lat-a.lat)
		lon = a.lon + u*(b.lon-a.lon)
		chain = a.chain + u*(b.chain-a.chain)
	}
	return LatLon{Lat: lat, Lon: wrapLon(lon)}, chain
}

// At returns the point of the line at a chainage, clamped to [0, Length],
// and the azimuth of the line there in degrees. At a vertex it returns the
// vertex and the azimuth of the segment that starts there (of the last
// segment at the end of the line).
func (ix *LineIndex) At(chainage float64) (LatLon, float64) {
	n := len(ix.pts)
	if !(chainage > 0) { // also NaN
		return ix.pts[0], ix.azi[0]
	}
	if chainage >= ix.Length() {
		_, _, azi2 := ix.segmentPoint(n-2, ix.cum[n-1]-ix.cum[n-2])
		return ix.pts[n-1], azi2
	}
	// The segment i with cum[i] <= chainage < cum[i+1].
	i := sort.SearchFloat64s(ix.cum, chainage)
	if i < n && ix.cum[i] == chainage {
		return ix.pts[i], ix.azi[i]
	}
	i--
	lat, lon, azi := ix.segmentPoint(i, chainage-ix.cum[i])
	return LatLon{Lat: lat, Lon: lon}, azi
}

// segmentPoint returns the point at distance d along segment i and the
// azimuth there.
func (ix *LineIndex) segmentPoint(i int, d float64) (lat, lon, azi float64) {
	a := ix.pts[i]
	l := wgs84.line(a.Lat, a.Lon, ix.azi[i])
	return l.position(d)
}
