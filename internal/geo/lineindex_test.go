package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// testBorder returns a wiggly line of n vertices, about 600 km long, from
// 33.37 N 38.77 E to 37.11 N 42.36 E: a geodesic with two sinusoidal
// offsets and jitter of a fifth of the vertex spacing.
func testBorder(n int) []LatLon {
	a, b := LatLon{33.37, 38.77}, LatLon{37.11, 42.36}
	s, azi, _ := Inverse(a, b)
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]LatLon, n)
	for i := range n {
		f := float64(i) / float64(n-1)
		c, az := Direct(a, azi, f*s)
		off := 9e3*math.Sin(2*math.Pi*f*5) + 1.5e3*math.Sin(2*math.Pi*f*23+1)
		if i > 0 && i < n-1 {
			off += 0.2 * s / float64(n-1) * (2*rng.Float64() - 1)
		}
		pts[i], _ = Direct(c, az+90, off)
	}
	return pts
}

var border2000 = sync.OnceValues(func() (*LineIndex, *refLine) {
	pts := testBorder(2000)
	ix, err := NewLineIndex(pts)
	if err != nil {
		panic(err)
	}
	return ix, newRefLine(pts)
})

// refLine is a brute-force reference: every segment split along its
// geodesic into pieces of at most 500 m, measured in a transverse Mercator
// frame centred on the query point (conformal, and true to 1e-5 within
// 50 km).
type refLine struct {
	pts   []LatLon
	cum   []float64
	sub   [][]LatLon // points along each segment, ends included
	subCh [][]float64
}

func newRefLine(pts []LatLon) *refLine {
	r := &refLine{pts: pts, cum: make([]float64, len(pts))}
	for i := range len(pts) - 1 {
		s, azi, _ := Inverse(pts[i], pts[i+1])
		r.cum[i+1] = r.cum[i] + s
		k := max(1, int(math.Ceil(s/500)))
		ps, ch := []LatLon{pts[i]}, []float64{r.cum[i]}
		for j := 1; j < k; j++ {
			p, _ := Direct(pts[i], azi, s*float64(j)/float64(k))
			ps, ch = append(ps, p), append(ch, r.cum[i]+s*float64(j)/float64(k))
		}
		r.sub = append(r.sub, append(ps, pts[i+1]))
		r.subCh = append(r.subCh, append(ch, r.cum[i+1]))
	}
	return r
}

// refQuery is the reference answer for one point.
type refQuery struct {
	dist   float64 // unsigned, in the frame
	side   float64 // +1 right, -1 left
	seg    int
	chain  float64
	atEnd  bool // the nearest point is an end of the line
	margin float64
}

func (r *refLine) query(q LatLon) refQuery {
	// Pick the segments worth measuring with a crude distance.
	cq := math.Cos(q.Lat * degree)
	crude := func(p LatLon) float64 {
		dx := angleDiffSigned(q.Lon, p.Lon) * cq
		return math.Hypot(dx, p.Lat-q.Lat) * 111.2e3
	}
	best := math.Inf(1)
	for _, p := range r.pts {
		best = min(best, crude(p))
	}
	f := NewFrame(q)
	var res refQuery
	res.dist = math.Inf(1)
	second := math.Inf(1) // best distance on the other side, for margin
	for i, ps := range r.sub {
		if min(crude(r.pts[i]), crude(r.pts[i+1])) > best*1.2+3e3 {
			continue
		}
		vs := make([]vtx, len(ps))
		for j, p := range ps {
			vs[j].x, vs[j].y = f.Forward(p)
		}
		for j := 1; j < len(vs); j++ {
			a, b := vs[j-1], vs[j]
			dx, dy := b.x-a.x, b.y-a.y
			t := 0.0
			if dd := dx*dx + dy*dy; dd > 0 {
				t = math.Max(0, math.Min(1, -(a.x*dx+a.y*dy)/dd))
			}
			d := math.Hypot(a.x+t*dx, a.y+t*dy)
			side := math.Copysign(1, a.y*dx-a.x*dy)
			lastPiece := i == len(r.sub)-1 && j == len(vs)-1
			switch {
			case t == 0 && (i > 0 || j > 1):
				side = 0 // decided by the bisector below
			case t == 1 && !lastPiece:
				side = 0
			}
			atEnd := (t == 0 && i == 0 && j == 1) || (t == 1 && lastPiece)
			if atEnd {
				side = r.endSide(q, t == 0)
			}
			if d < res.dist {
				if res.side != 0 && side != 0 && side != res.side {
					second = min(second, res.dist)
				}
				res = refQuery{dist: d, side: side, seg: i,
					chain: r.subCh[i][j-1] + t*(r.subCh[i][j]-r.subCh[i][j-1]), atEnd: atEnd}
				if side == 0 {
					res.side = r.bisectorSide(f, vs, i, j, t)
				}
			} else if side != 0 && side != res.side {
				second = min(second, d)
			}
		}
	}
	res.margin = second - res.dist
	return res
}

// vtx is a point in a frame.
type vtx struct{ x, y float64 }

// endSide is the side of q beyond the start or the end of the line: that
// of the geodesic extending the end segment.
func (r *refLine) endSide(q LatLon, atStart bool) float64 {
	v, w := r.pts[0], r.pts[1]
	_, fwd, _ := Inverse(v, w)
	if !atStart {
		v, w = r.pts[len(r.pts)-1], r.pts[len(r.pts)-2]
		_, _, fwd = Inverse(w, v)
	}
	_, az, _ := Inverse(v, q)
	return math.Copysign(1, angleDiffSigned(fwd, az))
}

// bisectorSide is the side of the origin of frame f (the query point) by
// the bisector at the vertex that starts (t = 0) or ends (t = 1) piece j of
// segment i, whose points in the frame are vs.
func (r *refLine) bisectorSide(f *Frame, vs []vtx, i, j int, t float64) float64 {
	var p, v, n vtx
	if t == 0 {
		v, n = vs[j-1], vs[j]
		if j > 1 {
			p = vs[j-2]
		} else {
			p.x, p.y = f.Forward(r.sub[i-1][len(r.sub[i-1])-2])
		}
	} else {
		p, v = vs[j-1], vs[j]
		if j < len(vs)-1 {
			n = vs[j+1]
		} else {
			n.x, n.y = f.Forward(r.sub[i+1][1])
		}
	}
	s := 0.0
	for _, u := range [2]vtx{{v.x - p.x, v.y - p.y}, {n.x - v.x, n.y - v.y}} {
		if l := math.Hypot(u.x, u.y); l > 0 {
			s += (-v.x*u.y + v.y*u.x) / l
		}
	}
	return math.Copysign(1, s)
}

func angleDiffSigned(a, b float64) float64 {
	d, _ := angDiff(a, b)
	return d
}

// geodesicDistance returns the geodesic distance from q to segment i of
// pts, by golden-section search along the segment.
func geodesicDistance(pts []LatLon, i int, q LatLon) float64 {
	s, azi, _ := Inverse(pts[i], pts[i+1])
	f := func(d float64) float64 {
		p, _ := Direct(pts[i], azi, d)
		return Distance(q, p)
	}
	lo, hi := 0.0, s
	g := (math.Sqrt(5) - 1) / 2
	x1, x2 := hi-g*(hi-lo), lo+g*(hi-lo)
	f1, f2 := f(x1), f(x2)
	for hi-lo > 1e-4 {
		if f1 < f2 {
			hi, x2, f2 = x2, x1, f1
			x1 = hi - g*(hi-lo)
			f1 = f(x1)
		} else {
			lo, x1, f1 = x1, x2, f2
			x2 = lo + g*(hi-lo)
			f2 = f(x2)
		}
	}
	return min(f1, f2, f(0), f(s))
}

// nearPoint returns a point about d metres right of the line at chainage c
// (negative d is left).
func nearPoint(ix *LineIndex, c, d float64) LatLon {
	p, az := ix.At(c)
	q, _ := Direct(p, az+90, d)
	return q
}

func TestNewLineIndexErrors(t *testing.T) {
	tests := []struct {
		pts  []LatLon
		want string
	}{
		{nil, "geo: a line needs at least 2 points, got 0"},
		{[]LatLon{{33, 40}}, "geo: a line needs at least 2 points, got 1"},
		{[]LatLon{{33, 40}, {33.1, 40.1}, {91.2, 40}}, "geo: point 2: lat: 91.2 is out of range [-90, 90]"},
		{[]LatLon{{33, math.NaN()}, {33.1, 40.1}}, "geo: point 0: lon: NaN is not a finite number"},
	}
	for _, tc := range tests {
		if _, err := NewLineIndex(tc.pts); err == nil || err.Error() != tc.want {
			t.Errorf("NewLineIndex(%v) error %v, want %q", tc.pts, err, tc.want)
		}
	}
}

func TestLineIndexVertices(t *testing.T) {
	ix, ref := border2000()
	pts := ix.Points()
	pts[0] = LatLon{} // a copy: the index keeps its own
	if ix.Points()[0] == pts[0] {
		t.Fatal("Points returned the index's own slice")
	}
	if l := ix.Length(); math.Abs(l-ref.cum[len(ref.cum)-1]) > 1e-6 || l < 550e3 || l > 650e3 {
		t.Errorf("Length() = %v, want about 600 km (%v)", l, ref.cum[len(ref.cum)-1])
	}
	for i, p := range ix.Points() {
		q := ix.Query(p)
		if q.Chainage != ref.cum[i] || q.Distance != 0 || q.Nearest != p {
			t.Errorf("Query(vertex %d %v) = %+v; want chainage %v, distance 0", i, p, q, ref.cum[i])
		}
		if want := min(i, len(ref.pts)-2); q.Segment != want && q.Segment != want-1 {
			t.Errorf("Query(vertex %d).Segment = %d", i, q.Segment)
		}
		if at, _ := ix.At(ref.cum[i]); at != p {
			t.Errorf("At(%v) = %v, want vertex %d %v", ref.cum[i], at, i, p)
		}
	}
}

// TestLineIndexAccuracy compares Query with the geodesic distance to the
// line (a golden-section search along the nearest segments).
func TestLineIndexAccuracy(t *testing.T) {
	ix, ref := border2000()
	rng := rand.New(rand.NewPCG(41, 42))
	n := 200
	if testing.Short() {
		n = 40
	}
	var worst20, worst50 float64
	for k := range n {
		maxD := 20e3
		if k%4 == 3 {
			maxD = 50e3
		}
		q := nearPoint(ix, rng.Float64()*ix.Length(), maxD*(2*rng.Float64()-1))
		got := ix.Query(q)
		r := ref.query(q)
		want := math.Inf(1)
		for i := max(0, r.seg-3); i <= min(len(ref.pts)-2, r.seg+3); i++ {
			want = min(want, geodesicDistance(ref.pts, i, q))
		}
		e := math.Abs(math.Abs(got.Distance) - want)
		if want <= 20e3 {
			worst20 = max(worst20, e/max(want, 1))
			if e > max(1, 1e-3*want) {
				t.Errorf("Query(%v).Distance = %.3f, geodesic %.3f", q, got.Distance, want)
			}
		} else {
			worst50 = max(worst50, e/want)
			if e > 1e-3*want {
				t.Errorf("Query(%v).Distance = %.3f, geodesic %.3f", q, got.Distance, want)
			}
		}
		if r.margin > 1 && want > 1 && got.Distance*r.side < 0 {
			t.Errorf("Query(%v).Distance = %.3f, on the wrong side", q, got.Distance)
		}
		if math.Abs(got.Chainage-r.chain) > max(1, want*2e-3) {
			t.Errorf("Query(%v).Chainage = %.3f, reference %.3f (distance %.0f)", q, got.Chainage, r.chain, want)
		}
		if d := Distance(got.Nearest, q); math.Abs(d-math.Abs(got.Distance)) > max(0.05, 1e-4*d) {
			t.Errorf("Query(%v): Nearest %v is %.3f m away, Distance %.3f", q, got.Nearest, d, got.Distance)
		}
	}
	t.Logf("largest relative distance error: %.2g within 20 km, %.2g within 50 km", worst20, worst50)
}

// TestLineIndexSides checks the side and chainage of many points against
// the brute-force reference, near the line, far from it and beyond its
// ends.
func TestLineIndexSides(t *testing.T) {
	ix, ref := border2000()
	rng := rand.New(rand.NewPCG(43, 44))
	n := 1500
	if testing.Short() {
		n = 200
	}
	for k := range n {
		var q LatLon
		switch k % 5 {
		case 0: // very near
			q = nearPoint(ix, rng.Float64()*ix.Length(), 200*(2*rng.Float64()-1))
		case 1, 2:
			q = nearPoint(ix, rng.Float64()*ix.Length(), 50e3*(2*rng.Float64()-1))
		case 3: // hundreds of km away
			q = LatLon{28 + 14*rng.Float64(), 33 + 15*rng.Float64()}
		case 4: // around the ends
			end := ref.pts[0]
			if k%2 == 0 {
				end = ref.pts[len(ref.pts)-1]
			}
			q, _ = Direct(end, 360*rng.Float64(), 30e3*rng.Float64())
		}
		got := ix.Query(q)
		r := ref.query(q)
		if math.IsNaN(got.Distance) || math.IsInf(got.Distance, 0) {
			t.Fatalf("Query(%v) = %+v", q, got)
		}
		if r.margin < 1 || r.dist < 0.01 {
			continue // equidistant from both sides, or on the line
		}
		if got.Distance*r.side <= 0 {
			t.Errorf("Query(%v).Distance = %.3f; reference %.3f on side %v (at end %v)", q, got.Distance, r.dist, r.side, r.atEnd)
		}
		tol := max(0.5, 1e-3*r.dist)
		if r.dist > 60e3 {
			tol = 5e-3 * r.dist // the reference frame is no longer true
		}
		if math.Abs(math.Abs(got.Distance)-r.dist) > tol {
			t.Errorf("Query(%v).Distance = %.3f; reference %.3f", q, got.Distance, r.dist)
		}
	}
}

// TestLineIndexVertexSide checks the side of points near a sharp vertex,
// where the nearest point is the vertex itself.
func TestLineIndexVertexSide(t *testing.T) {
	// A roof: west to east, peak at the middle. Right of the line is south.
	pts := []LatLon{{33.00, 40.00}, {33.05, 40.01}, {33.00, 40.02}}
	ix, err := NewLineIndex(pts)
	if err != nil {
		t.Fatal(err)
	}
	peak := pts[1]
	for azi := 0.0; azi < 360; azi += 5 {
		for _, d := range []float64{0.5, 10, 300, 3000} {
			q, _ := Direct(peak, azi, d)
			got := ix.Query(q)
			ref := newRefLine(pts).query(q)
			if ref.margin < 0.01 {
				continue
			}
			if got.Distance*ref.side <= 0 {
				t.Errorf("%v m from the peak at %v: Distance %.4f, reference side %v", d, azi, got.Distance, ref.side)
			}
			// Points above the peak (between the two normals) are left, at
			// the vertex.
			if (azi <= 60 || azi >= 300) && d > 1 {
				if got.Distance >= 0 || got.Chainage != ix.cum[1] {
					t.Errorf("%v m from the peak at %v: %+v, want left of the peak", d, azi, got)
				}
			}
		}
	}
}

func TestLineIndexEnds(t *testing.T) {
	pts := []LatLon{{33.0, 40.0}, {33.1, 40.0}, {33.2, 40.05}} // heading north
	ix, err := NewLineIndex(pts)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		p        LatLon
		right    bool
		chainage float64
	}{
		{"before the start, east", LatLon{32.9, 40.01}, true, 0},
		{"before the start, west", LatLon{32.9, 39.99}, false, 0},
		{"beside the start, east", LatLon{33.0, 40.1}, true, 0},
		{"beyond the end, right of the last segment", LatLon{33.3, 40.12}, true, ix.Length()},
		{"beyond the end, left of the last segment", LatLon{33.3, 40.08}, false, ix.Length()},
	}
	for _, tc := range tests {
		got := ix.Query(tc.p)
		if (got.Distance > 0) != tc.right || got.Chainage != tc.chainage {
			t.Errorf("%s: Query(%v) = %+v; want right %v, chainage %v", tc.name, tc.p, got, tc.right, tc.chainage)
		}
		if d := Distance(tc.p, got.Nearest); math.Abs(d-math.Abs(got.Distance)) > 1e-3*d {
			t.Errorf("%s: Distance %v, but the nearest point is %v m away", tc.name, got.Distance, d)
		}
	}
}

// TestLineIndexLongSegments uses a line of long straight segments, like
// the desert stretches of a border: the index splits them along their
// geodesics.
func TestLineIndexLongSegments(t *testing.T) {
	pts := []LatLon{{33.37, 38.79}, {32.3, 39.3}, {33.4, 41.0}, {34.6, 41.2}, {36.2, 44.8}}
	ix, err := NewLineIndex(pts)
	if err != nil {
		t.Fatal(err)
	}
	ref := newRefLine(pts)
	rng := rand.New(rand.NewPCG(45, 46))
	for range 60 {
		q := nearPoint(ix, rng.Float64()*ix.Length(), 20e3*(2*rng.Float64()-1))
		got := ix.Query(q)
		r := ref.query(q)
		want := geodesicDistance(pts, r.seg, q)
		if math.Abs(math.Abs(got.Distance)-want) > max(1, 1e-3*want) || (r.margin > 1 && got.Distance*r.side < 0) {
			t.Errorf("Query(%v) = %+v; geodesic distance %.3f on side %v", q, got, want, r.side)
		}
	}
	// The middle of a 400 km segment, where a straight line in latitude and
	// longitude would be kilometres off the geodesic.
	mid, _ := ix.At((ix.cum[3] + ix.cum[4]) / 2)
	if q := ix.Query(mid); math.Abs(q.Distance) > 0.05 || q.Segment != 3 {
		t.Errorf("Query(middle of segment 3 %v) = %+v, want on the line", mid, q)
	}
}

func TestLineIndexAt(t *testing.T) {
	ix, ref := border2000()
	if p, az := ix.At(-5); p != ref.pts[0] || math.Abs(az-ix.azi[0]) > 1e-12 {
		t.Errorf("At(-5) = %v %v, want the first vertex", p, az)
	}
	if p, _ := ix.At(math.NaN()); p != ref.pts[0] {
		t.Errorf("At(NaN) = %v, want the first vertex", p)
	}
	if p, _ := ix.At(ix.Length() + 1); p != ref.pts[len(ref.pts)-1] {
		t.Errorf("At(beyond) = %v, want the last vertex", p)
	}
	rng := rand.New(rand.NewPCG(47, 48))
	for range 200 {
		c := rng.Float64() * ix.Length()
		p, az := ix.At(c)
		q := ix.Query(p)
		if math.Abs(q.Distance) > 0.01 || math.Abs(q.Chainage-c) > 0.01 {
			t.Errorf("At(%v) = %v, which Query puts at %+v", c, p, q)
		}
		// The azimuth is that of the segment's geodesic there.
		i := q.Segment
		_, a1, _ := Inverse(p, ref.pts[i+1])
		if d := Distance(p, ref.pts[i+1]); d > 1 && angleDiff(a1, az) > 1e-6 {
			t.Errorf("At(%v) azimuth %v, towards the segment's end %v", c, az, a1)
		}
	}
}

func TestLineIndexAntimeridian(t *testing.T) {
	pts := []LatLon{{-16.9, 179.7}, {-17.0, 179.95}, {-17.1, -179.8}, {-17.0, -179.5}}
	ix, err := NewLineIndex(pts)
	if err != nil {
		t.Fatal(err)
	}
	ref := newRefLine(pts)
	for _, q := range []LatLon{{-17.2, 179.99}, {-16.8, -179.99}, {-17.05, 180}, {-17.3, -179.6}} {
		got, r := ix.Query(q), ref.query(q)
		if math.Abs(math.Abs(got.Distance)-r.dist) > 1 || got.Distance*r.side < 0 || math.Abs(got.Chainage-r.chain) > max(1, 2e-4*r.dist) {
			t.Errorf("Query(%v) = %+v; reference %+v", q, got, r)
		}
	}
}

func TestLineIndexInvalidQuery(t *testing.T) {
	ix, _ := border2000()
	for _, p := range []LatLon{{math.NaN(), 40}, {33, math.Inf(1)}, {91, 40}} {
		if q := ix.Query(p); !math.IsNaN(q.Distance) || q.Segment != -1 {
			t.Errorf("Query(%v) = %+v, want NaN", p, q)
		}
		if _, ok := ix.Crossing(p, LatLon{34, 40}); ok {
			t.Errorf("Crossing(%v, ...) reported a crossing", p)
		}
	}
}

// roof is a line with a peak: west to east, rising to 33.05 N at 40.01 E,
// with a vertex half-way up the west side.
var roof = []LatLon{{33.00, 40.00}, {33.025, 40.005}, {33.05, 40.01}, {33.00, 40.02}}

func TestCrossingCases(t *testing.T) {
	ix, err := NewLineIndex(roof)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		a, b    LatLon
		toRight []bool // the crossings, in order
	}{
		{"grazes the peak from above", LatLon{33.05, 40.005}, LatLon{33.05, 40.015}, nil},
		{"passes just above the peak", LatLon{33.0501, 40.005}, LatLon{33.0501, 40.015}, nil},
		{"crosses under the roof and out", LatLon{33.04, 40.0}, LatLon{33.04, 40.02}, []bool{true, false}},
		{"crosses at the peak, north to south", LatLon{33.07, 40.01}, LatLon{33.03, 40.01}, []bool{true}},
		{"crosses at the peak, south to north", LatLon{33.03, 40.01}, LatLon{33.07, 40.01}, []bool{false}},
		{"stays below", LatLon{33.01, 40.005}, LatLon{33.02, 40.015}, nil},
		{"ends on a vertex", LatLon{33.06, 40.0}, LatLon{33.025, 40.005}, nil},
		{"starts on a vertex", LatLon{33.025, 40.005}, LatLon{33.06, 40.0}, nil},
		{"crosses the west side", LatLon{33.03, 39.99}, LatLon{33.02, 40.01}, []bool{true}},
	}
	for _, tc := range tests {
		cs := ix.Crossings(tc.a, tc.b, nil)
		var dirs []bool
		for _, c := range cs {
			dirs = append(dirs, c.ToRight)
			if q := ix.Query(c.Point); math.Abs(q.Distance) > 1e-3 || math.Abs(q.Chainage-c.Chainage) > 1e-3 {
				t.Errorf("%s: crossing %+v is not on the line: %+v", tc.name, c, q)
			}
			// Fraction is the place along a->b.
			p := LatLon{tc.a.Lat + c.Fraction*(tc.b.Lat-tc.a.Lat), tc.a.Lon + c.Fraction*(tc.b.Lon-tc.a.Lon)}
			if d := Distance(p, c.Point); d > 1e-3 {
				t.Errorf("%s: crossing at fraction %v is %v m from %v", tc.name, c.Fraction, d, c.Point)
			}
		}
		if fmt.Sprint(dirs) != fmt.Sprint(tc.toRight) {
			t.Errorf("%s: crossings %+v, want directions %v", tc.name, cs, tc.toRight)
		}
		first, ok := ix.Crossing(tc.a, tc.b)
		if ok != (len(cs) > 0) || (ok && first != cs[0]) {
			t.Errorf("%s: Crossing = %+v %v, Crossings %+v", tc.name, first, ok, cs)
		}
		if qa, qb := ix.Query(tc.a), ix.Query(tc.b); qb.Distance != 0 && (len(cs)%2 == 1) != (qa.Distance*qb.Distance < 0) {
			t.Errorf("%s: %d crossings, but the ends are at %v and %v", tc.name, len(cs), qa.Distance, qb.Distance)
		}
	}
	// The crossing at the peak is at the vertex.
	if c, ok := ix.Crossing(LatLon{33.07, 40.01}, LatLon{33.03, 40.01}); !ok || c.Chainage != ix.cum[2] || c.Point != roof[2] {
		t.Errorf("crossing at the peak = %+v, %v; want the vertex %v at chainage %v", c, ok, roof[2], ix.cum[2])
	}
}

// TestCrossingConsistency checks that a track crosses the line an odd
// number of times exactly when Query puts its ends on opposite sides.
func TestCrossingConsistency(t *testing.T) {
	ix, _ := border2000()
	rng := rand.New(rand.NewPCG(49, 50))
	n := 3000
	if testing.Short() {
		n = 300
	}
	var odd int
	for range n {
		c := 20e3 + rng.Float64()*(ix.Length()-40e3) // away from the ends
		a := nearPoint(ix, c, 20e3*(2*rng.Float64()-1))
		b, _ := Direct(a, 360*rng.Float64(), 15e3*rng.Float64())
		qa, qb := ix.Query(a), ix.Query(b)
		cs := ix.Crossings(a, b, nil)
		if all := allCrossings(ix, a, b); fmt.Sprint(all) != fmt.Sprint(cs) {
			t.Errorf("%v -> %v: grid finds %+v, all chunks %+v", a, b, cs, all)
		}
		if (len(cs)%2 == 1) != (qa.Distance*qb.Distance < 0) {
			t.Errorf("%v -> %v: %d crossings, ends at %.3f and %.3f", a, b, len(cs), qa.Distance, qb.Distance)
		}
		for i, x := range cs {
			if i > 0 && (x.Fraction < cs[i-1].Fraction || x.ToRight == cs[i-1].ToRight) {
				t.Errorf("%v -> %v: crossings out of order or not alternating: %+v", a, b, cs)
			}
		}
		if len(cs) > 0 && cs[0].ToRight != (qa.Distance < 0) {
			t.Errorf("%v -> %v: first crossing %+v, but a is at %.3f", a, b, cs[0], qa.Distance)
		}
		odd += len(cs) % 2
	}
	t.Logf("%d of %d tracks cross an odd number of times", odd, n)

	// Long tracks, across much of the grid or out of it.
	for range n / 10 {
		a := nearPoint(ix, 60e3+rng.Float64()*(ix.Length()-120e3), 80e3*(2*rng.Float64()-1))
		b, _ := Direct(a, 360*rng.Float64(), 400e3*rng.Float64())
		qa, qb := ix.Query(a), ix.Query(b)
		cs := ix.Crossings(a, b, nil)
		if all := allCrossings(ix, a, b); fmt.Sprint(all) != fmt.Sprint(cs) {
			t.Errorf("%v -> %v: grid finds %+v, all chunks %+v", a, b, cs, all)
		}
		if !nearEnd(ix, qb) && (len(cs)%2 == 1) != (qa.Distance*qb.Distance < 0) {
			t.Errorf("%v -> %v: %d crossings, ends at %.3f and %.3f", a, b, len(cs), qa.Distance, qb.Distance)
		}
	}
}

// allCrossings is Crossings checking every chunk, without the grid.
func allCrossings(ix *LineIndex, a, b LatLon) []Crossing {
	tr := ix.newTrack(a, b)
	var cs []Crossing
	for k := range ix.chunks {
		cs = ix.crossChunk(&tr, &ix.chunks[k], cs)
	}
	cs = dropTouches(cs)
	sortByFraction(cs)
	return cs
}

func TestCrossingAllocations(t *testing.T) {
	ix, _ := border2000()
	a := nearPoint(ix, 300e3, -2e3)
	b := nearPoint(ix, 301e3, 2e3)
	var c Crossing
	var ok bool
	var q LineQuery
	allocs := testing.AllocsPerRun(100, func() {
		c, ok = ix.Crossing(a, b)
		q = ix.Query(a)
	})
	if allocs != 0 || !ok || q.Distance >= 0 {
		t.Errorf("Crossing and Query: %v allocations, %+v %v %+v", allocs, c, ok, q)
	}
}

// fuzzNear maps two arbitrary numbers to a point up to about 250 km from
// the test border.
func fuzzNear(x, y float64) LatLon {
	p := fuzzPoint(x, y)
	return LatLon{Lat: 31 + (p.Lat+90)/180*8.5, Lon: 36.5 + (p.Lon+180)/360*8.5}
}

func FuzzLineIndex(f *testing.F) {
	f.Add(0.5, 0.5, 0.51, 0.52)
	f.Add(0.27, 0.26, 0.28, 0.27) // near the start
	f.Add(0.71, 0.70, 0.69, 0.70) // near the end
	f.Add(0.0, 0.0, 0.99, 0.99)
	f.Fuzz(func(t *testing.T, x1, y1, x2, y2 float64) {
		ix, ref := border2000()
		a, b := fuzzNear(x1, y1), fuzzNear(x2, y2)
		q := ix.Query(a)
		for _, v := range []float64{q.Distance, q.Chainage, q.Nearest.Lat, q.Nearest.Lon} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("Query(%v) = %+v", a, q)
			}
		}
		if q.Chainage < 0 || q.Chainage > ix.Length() || q.Segment < 0 || q.Segment >= len(ref.pts)-1 {
			t.Fatalf("Query(%v) = %+v", a, q)
		}
		if r := ref.query(a); r.margin > 1 && r.dist > 0.01 && q.Distance*r.side <= 0 {
			t.Fatalf("Query(%v).Distance = %v; reference %v on side %v", a, q.Distance, r.dist, r.side)
		}
		// Crossings of a short track agree with the sides of its ends.
		if Distance(a, b) < 30e3 {
			qb := ix.Query(b)
			cs := ix.Crossings(a, b, nil)
			if (len(cs)%2 == 1) != (q.Distance*qb.Distance < 0) && !nearEnd(ix, q) && !nearEnd(ix, qb) {
				t.Fatalf("%v -> %v: %d crossings, ends at %v and %v", a, b, len(cs), q.Distance, qb.Distance)
			}
		}
	})
}

// nearEnd reports whether the nearest point of q is an end of the line, where
// the side is that of the end segment extended, which a track can pass
// without crossing the line.
func nearEnd(ix *LineIndex, q LineQuery) bool {
	return q.Chainage == 0 || q.Chainage == ix.Length()
}

func benchPoints(ix *LineIndex, n int, maxD float64) []LatLon {
	rng := rand.New(rand.NewPCG(51, 52))
	qs := make([]LatLon, n)
	for i := range qs {
		qs[i] = nearPoint(ix, rng.Float64()*ix.Length(), maxD*(2*rng.Float64()-1))
	}
	return qs
}

// BenchmarkLineIndexQuery queries random points within 50 km of the test
// border, in random order.
func BenchmarkLineIndexQuery(b *testing.B) {
	for _, n := range []int{500, 2000, 8000} {
		ix, err := NewLineIndex(testBorder(n))
		if err != nil {
			b.Fatal(err)
		}
		qs := benchPoints(ix, 4096, 50e3)
		b.Run(fmt.Sprintf("vertices=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ix.Query(qs[i%len(qs)])
				i++
			}
		})
	}
}

// BenchmarkLineIndexCrossing checks random track legs of up to 2 km within
// 20 km of the test border.
func BenchmarkLineIndexCrossing(b *testing.B) {
	ix, _ := border2000()
	qs := benchPoints(ix, 4096, 20e3)
	rng := rand.New(rand.NewPCG(53, 54))
	ends := make([]LatLon, len(qs))
	for i, q := range qs {
		ends[i], _ = Direct(q, 360*rng.Float64(), 2e3*rng.Float64())
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ix.Crossing(qs[i%len(qs)], ends[i%len(qs)])
		i++
	}
}

func BenchmarkNewLineIndex(b *testing.B) {
	pts := testBorder(2000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewLineIndex(pts); err != nil {
			b.Fatal(err)
		}
	}
}
