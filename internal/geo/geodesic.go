package geo

import "math"

// This file and geodesic_inverse.go solve the direct and inverse geodesic
// problems on the WGS84 ellipsoid with the method of C. F. F. Karney,
// "Algorithms for geodesics", J. Geodesy 87, 43-55 (2013): series to order
// 6 in the third flattening, Newton's method on the auxiliary sphere for
// the inverse problem and the astroid starting guess for nearly antipodal
// points. The error is about 15 nm for any pair of points.

// WGS84 defining constants.
const (
	wgs84A = 6378137.0
	wgs84F = 1 / 298.257223563
)

// Tolerances of the iterative solution.
var (
	tiny    = math.Sqrt(dblMin)
	tol0    = dblEpsilon
	tol1    = 200 * tol0
	tol2    = math.Sqrt(tol0)
	tolb    = tol0
	xthresh = 1000 * tol2
)

const (
	maxit1 = 20
	maxit2 = maxit1 + 53 + 10
)

// ellipsoid holds an oblate ellipsoid of revolution and the coefficients
// derived from it that the geodesic series need.
type ellipsoid struct {
	a, f, f1, e2, ep2, n, b, etol2 float64

	a3x [geodOrder]float64
	c3x [geodOrder][]float64
}

var wgs84 = newEllipsoid(wgs84A, wgs84F)

func newEllipsoid(a, f float64) *ellipsoid {
	g := &ellipsoid{a: a, f: f}
	g.f1 = 1 - f
	g.e2 = f * (2 - f)
	g.ep2 = g.e2 / sq(g.f1)
	g.n = f / (2 - f)
	g.b = a * g.f1
	// Threshold on sig12 below which the auxiliary sphere solution for a
	// short line is accurate to round-off.
	g.etol2 = 0.1 * tol2 / math.Sqrt(math.Max(0.001, math.Abs(f))*math.Min(1, 1-f/2)/2)
	g.a3x = a3coeffs(g.n)
	g.c3x = c3coeffs(g.n)
	return g
}

// a3f returns A3, the mean of dI3/dsigma.
func (g *ellipsoid) a3f(eps float64) float64 { return polyval(g.a3x[:], eps) }

// c3f sets c[1..5] to the coefficients C3[l] of I3.
func (g *ellipsoid) c3f(eps float64, c *[geodOrder]float64) {
	mult := 1.0
	for l := 1; l < geodOrder; l++ {
		mult *= eps
		c[l] = mult * polyval(g.c3x[l], eps)
	}
}

// Inverse solves the inverse geodesic problem: it returns the length of the
// shortest geodesic from a to b in metres and its azimuths at a and at b in
// degrees clockwise from north, in [-180, 180]. The azimuth at b is the
// direction of travel there (the forward azimuth). For coincident points
// both azimuths are those of a meridian. NaN in either point gives NaN.
func Inverse(a, b LatLon) (dist, azi1, azi2 float64) {
	r := wgs84.inverse(a.Lat, a.Lon, b.Lat, b.Lon)
	return r.s12, atan2d(r.salp1, r.calp1), atan2d(r.salp2, r.calp2)
}

// Distance returns the length in metres of the shortest geodesic between a
// and b.
func Distance(a, b LatLon) float64 {
	return wgs84.inverse(a.Lat, a.Lon, b.Lat, b.Lon).s12
}

// Direct solves the direct geodesic problem: it returns the point reached by
// travelling dist metres (negative to go backwards) along the geodesic that
// leaves a with azimuth azi1 degrees, and the forward azimuth there. The
// longitude of the result is reduced to [-180, 180].
func Direct(a LatLon, azi1, dist float64) (p LatLon, azi2 float64) {
	l := wgs84.line(a.Lat, a.Lon, azi1)
	lat, lon, azi := l.position(dist)
	return LatLon{Lat: lat, Lon: lon}, azi
}

// geodesicLine is a geodesic through a point with a given azimuth, set up
// once so that positions along it cost one series evaluation each.
type geodesicLine struct {
	g          *ellipsoid
	lat1, lon1 float64
	salp0      float64 // sine of the azimuth at the equator crossing
	calp0      float64
	ssig1      float64 // arc length on the auxiliary sphere from that crossing
	csig1      float64
	somg1      float64 // longitude on the auxiliary sphere from that crossing
	comg1      float64
	k2         float64
	a1m1, b11  float64
	stau1      float64
	ctau1      float64
	a3c, b31   float64
	c1a, c1pa  coefs
	c3a        [geodOrder]float64
}

// line returns the geodesic leaving (lat1, lon1) with azimuth azi1.
func (g *ellipsoid) line(lat1, lon1, azi1 float64) geodesicLine {
	azi1 = angNormalize(azi1)
	salp1, calp1 := sincosd(angRound(azi1))
	l := geodesicLine{g: g, lat1: latFix(lat1), lon1: lon1}
	sbet1, cbet1 := sincosd(angRound(l.lat1))
	sbet1 *= g.f1
	sbet1, cbet1 = norm2(sbet1, cbet1)
	cbet1 = math.Max(tiny, cbet1) // +epsilon at the poles

	l.salp0 = salp1 * cbet1
	l.calp0 = math.Hypot(calp1, salp1*sbet1)
	l.ssig1 = sbet1
	l.somg1 = l.salp0 * sbet1
	if sbet1 != 0 || calp1 != 0 {
		l.csig1 = cbet1 * calp1
	} else {
		l.csig1 = 1
	}
	l.comg1 = l.csig1
	l.ssig1, l.csig1 = norm2(l.ssig1, l.csig1)

	l.k2 = sq(l.calp0) * g.ep2
	eps := l.k2 / (2*(1+math.Sqrt(1+l.k2)) + l.k2)
	l.a1m1 = a1m1f(eps)
	c1f(eps, &l.c1a)
	l.b11 = sinSeries(l.ssig1, l.csig1, l.c1a[:])
	s, c := math.Sincos(l.b11)
	l.stau1 = l.ssig1*c + l.csig1*s
	l.ctau1 = l.csig1*c - l.ssig1*s
	c1pf(eps, &l.c1pa)
	g.c3f(eps, &l.c3a)
	l.a3c = -g.f * l.salp0 * g.a3f(eps)
	l.b31 = sinSeries(l.ssig1, l.csig1, l.c3a[:])
	return l
}

// position returns the point at distance s12 along the line and the
// forward azimuth there.
func (l *geodesicLine) position(s12 float64) (lat2, lon2, azi2 float64) {
	g := l.g
	tau12 := s12 / (g.b * (1 + l.a1m1))
	s, c := math.Sincos(tau12)
	b12 := -sinSeries(l.stau1*c+l.ctau1*s, l.ctau1*c-l.stau1*s, l.c1pa[:])
	sig12 := tau12 - (b12 - l.b11)
	ssig12, csig12 := math.Sincos(sig12)

	ssig2 := l.ssig1*csig12 + l.csig1*ssig12
	csig2 := l.csig1*csig12 - l.ssig1*ssig12
	sbet2 := l.calp0 * ssig2
	cbet2 := math.Hypot(l.salp0, l.calp0*csig2)
	if cbet2 == 0 {
		cbet2, csig2 = tiny, tiny // meridian through the pole
	}
	salp2, calp2 := l.salp0, l.calp0*csig2

	somg2, comg2 := l.salp0*ssig2, csig2
	omg12 := math.Atan2(somg2*l.comg1-comg2*l.somg1, comg2*l.comg1+somg2*l.somg1)
	lam12 := omg12 + l.a3c*(sig12+(sinSeries(ssig2, csig2, l.c3a[:])-l.b31))
	lon12 := lam12 / degree
	lon2 = angNormalize(angNormalize(l.lon1) + angNormalize(lon12))
	lat2 = atan2d(sbet2, g.f1*cbet2)
	azi2 = atan2d(salp2, calp2)
	return lat2, lon2, azi2
}
