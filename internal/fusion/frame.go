package fusion

import (
	"math"

	"raqib/internal/geo"
)

// Every shard works in its own local transverse Mercator frame (x east,
// y north of the frame's meridian). Grid north differs from true north by
// the meridian convergence, up to a degree or two across a long shard, so
// velocities are rotated when they leave the tracker, and when a track
// moves to the neighbouring shard its position is carried through
// latitude and longitude exactly while its velocity, its covariance and
// its short history are rotated by the difference of the two frames'
// convergences at the track (the frames' scales differ by less than 1e-4
// within a shard, which is neglected).

// convergence returns the sine and cosine of the meridian convergence γ of
// frame f at p: a grid vector (gx, gy) points to true east and north
// (c·gx + s·gy, c·gy − s·gx). γ = atan(tan(Δλ)·sin φ), the spherical
// formula, within 1e-6 rad of the ellipsoid's near the frame's meridian.
func convergence(f *geo.Frame, p geo.LatLon) (s, c float64) {
	o := f.Origin()
	dl := (p.Lon - o.Lon) * math.Pi / 180
	g := math.Atan(math.Tan(dl) * math.Sin(p.Lat*math.Pi/180))
	return math.Sincos(g)
}

// frameMap carries a track from one shard's frame to another's: the point
// (ax, ay) of the first is (bx, by) in the second, and vectors turn by the
// rotation (c, s) in the convention of convergence.
type frameMap struct {
	ax, ay, bx, by float64
	s, c           float64
}

// newFrameMap builds the map around (x, y) of frame from.
func newFrameMap(from, to *geo.Frame, x, y float64) frameMap {
	p := from.Reverse(x, y)
	bx, by := to.Forward(p)
	sa, ca := convergence(from, p)
	sb, cb := convergence(to, p)
	// The rotation by γa − γb.
	return frameMap{ax: x, ay: y, bx: bx, by: by, s: sa*cb - ca*sb, c: ca*cb + sa*sb}
}

// vec turns a vector.
func (m *frameMap) vec(x, y float64) (float64, float64) {
	return m.c*x + m.s*y, m.c*y - m.s*x
}

// point carries a point near (ax, ay).
func (m *frameMap) point(x, y float64) (float64, float64) {
	dx, dy := m.vec(x-m.ax, y-m.ay)
	return m.bx + dx, m.by + dy
}

// state carries a state: position, velocity and covariance.
func (m *frameMap) state(st *State) {
	st.X[0], st.X[1] = m.point(st.X[0], st.X[1])
	st.X[2], st.X[3] = m.vec(st.X[2], st.X[3])
	// P' = T·P·Tᵀ with T the rotation on both the position and the
	// velocity blocks.
	t := [4][4]float64{
		{m.c, m.s, 0, 0},
		{-m.s, m.c, 0, 0},
		{0, 0, m.c, m.s},
		{0, 0, -m.s, m.c},
	}
	var a, p [4][4]float64
	for i := range 4 {
		for j := range 4 {
			var sum float64
			for k := range 4 {
				sum += t[i][k] * st.P[k][j]
			}
			a[i][j] = sum
		}
	}
	for i := range 4 {
		for j := range 4 {
			var sum float64
			for k := range 4 {
				sum += a[i][k] * t[j][k]
			}
			p[i][j] = sum
		}
	}
	st.P = p
}

// carry moves the track's state and history to the other frame.
func (m *frameMap) carry(tr *track) {
	m.state(&tr.st)
	h := &tr.hist
	m.state(&h.base)
	for i := range h.n {
		e := h.at(i)
		m.state(&e.st)
		e.z.x, e.z.y = m.point(e.z.x, e.z.y)
		if e.z.rv > 0 {
			e.z.vx, e.z.vy = m.vec(e.z.vx, e.z.vy)
		}
	}
}
