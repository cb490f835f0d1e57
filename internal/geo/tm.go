package geo

import "math"

// Transverse Mercator projection of the WGS84 ellipsoid by Krüger's series
// to order n^6, following C. F. F. Karney, "Transverse Mercator with an
// accuracy of a few nanometers", J. Geodesy 85, 475-485 (2011). The series
// is accurate to 5 nm within 3900 km of the central meridian. Sums of the
// trigonometric series use Clenshaw's method in complex arithmetic.

// tmSeries holds the projection constants for one ellipsoid with scale 1
// on the central meridian.
type tmSeries struct {
	a1     float64    // rectifying radius: a / (1 + n) (1 + n^2/4 + n^4/64 + n^6/256)
	e      float64    // eccentricity
	alp    [7]float64 // alpha[1..6], geographic to projected
	negBet [7]float64 // -beta[1..6], projected to geographic
}

var tmWGS84 = newTMSeries(wgs84A, wgs84F)

func newTMSeries(a, f float64) *tmSeries {
	n := f / (2 - f)
	n2 := n * n
	s := &tmSeries{
		a1: a / (1 + n) * (1 + n2*(1.0/4+n2*(1.0/64+n2/256))),
		e:  math.Sqrt(f * (2 - f)),
	}
	// Krüger's coefficients (Karney 2011, equations 35 and 36), written as
	// n^j times a polynomial in n.
	alp := [7][]float64{
		1: {7891.0 / 37800, -127.0 / 288, 41.0 / 180, 5.0 / 16, -2.0 / 3, 1.0 / 2},
		2: {-1983433.0 / 1935360, 281.0 / 630, 557.0 / 1440, -3.0 / 5, 13.0 / 48},
		3: {167603.0 / 181440, 15061.0 / 26880, -103.0 / 140, 61.0 / 240},
		4: {6601661.0 / 7257600, -179.0 / 168, 49561.0 / 161280},
		5: {-3418889.0 / 1995840, 34729.0 / 80640},
		6: {212378941.0 / 319334400},
	}
	bet := [7][]float64{
		1: {96199.0 / 604800, -81.0 / 512, -1.0 / 360, 37.0 / 96, -2.0 / 3, 1.0 / 2},
		2: {-1118711.0 / 3870720, 46.0 / 105, -437.0 / 1440, 1.0 / 15, 1.0 / 48},
		3: {5569.0 / 90720, -209.0 / 4480, -37.0 / 840, 17.0 / 480},
		4: {-830251.0 / 7257600, -11.0 / 504, 4397.0 / 161280},
		5: {-108847.0 / 3991680, 4583.0 / 161280},
		6: {20648693.0 / 638668800},
	}
	nj := 1.0
	for j := 1; j <= 6; j++ {
		nj *= n
		s.alp[j] = nj * polyval(alp[j], n)
		s.negBet[j] = -nj * polyval(bet[j], n)
	}
	return s
}

// krugerSum returns zeta + sum(c[j] sin(2 j zeta), j = 1..6) for the
// complex zeta = xi + i eta, as its real and imaginary parts.
func krugerSum(xi, eta float64, c *[7]float64) (float64, float64) {
	s0, c0 := math.Sincos(2 * xi)
	ex := math.Exp(2 * eta)
	sh0 := (ex - 1/ex) / 2
	ch0 := (ex + 1/ex) / 2
	a := complex(2*c0*ch0, -2*s0*sh0) // 2 cos(2 zeta)
	var y0, y1 complex128
	for k := 6; k > 0; k -= 2 {
		y1 = a*y0 - y1 + complex(c[k], 0)
		y0 = a*y1 - y0 + complex(c[k-1], 0)
	}
	z := complex(xi, eta) + complex(s0*ch0, c0*sh0)*y0 // sin(2 zeta) y0
	return real(z), imag(z)
}

// forward projects (lat, lon) with central meridian lon0. It returns x
// (east) and y (north of the equator) in metres for scale 1 on the central
// meridian.
func (s *tmSeries) forward(lon0, lat, lon float64) (x, y float64) {
	lat = latFix(lat)
	lon, _ = angDiff(lon0, lon)
	// Work in the first quadrant and restore the signs at the end.
	latsign, lonsign := 1.0, 1.0
	if math.Signbit(lat) {
		latsign = -1
	}
	if math.Signbit(lon) {
		lonsign = -1
	}
	lat *= latsign
	lon *= lonsign
	backside := lon > qd
	if backside {
		if lat == 0 {
			latsign = -1
		}
		lon = hd - lon
	}
	sphi, cphi := sincosd(lat)
	slam, clam := sincosd(lon)
	xip, etap := math.Pi/2, 0.0
	if lat != qd {
		taup := taupf(sphi/cphi, s.e)
		xip = math.Atan2(taup, clam)
		etap = math.Asinh(slam / math.Hypot(taup, clam))
	}
	xi, eta := krugerSum(xip, etap, &s.alp)
	if backside {
		xi = math.Pi - xi
	}
	return s.a1 * eta * lonsign, s.a1 * xi * latsign
}

// reverse inverts forward.
func (s *tmSeries) reverse(lon0, x, y float64) (lat, lon float64) {
	xi := y / s.a1
	eta := x / s.a1
	xisign, etasign := 1.0, 1.0
	if math.Signbit(xi) {
		xisign = -1
	}
	if math.Signbit(eta) {
		etasign = -1
	}
	xi *= xisign
	eta *= etasign
	backside := xi > math.Pi/2
	if backside {
		xi = math.Pi - xi
	}
	xip, etap := krugerSum(xi, eta, &s.negBet)
	sh := math.Sinh(etap)
	c := math.Max(0, math.Cos(xip)) // cos(pi/2) may come out negative
	r := math.Hypot(sh, c)
	if r != 0 {
		lon = atan2d(sh, c)
		tau := tauf(math.Sin(xip)/r, s.e)
		lat = atan2d(tau, 1)
	} else {
		lat, lon = qd, 0
	}
	lat *= xisign
	if backside {
		lon = hd - lon
	}
	lon *= etasign
	return lat, angNormalize(lon + lon0)
}

// Frame is a local metric frame: x east and y north in metres, with the
// origin at (0, 0). It is the transverse Mercator projection with scale 1
// on the meridian of the origin and a false northing that puts the origin
// at y = 0, so distances and angles near the origin are true (the scale
// error is about (x/6371 km)^2 / 2: 5e-6 at 20 km and 1.2e-4 at 100 km
// east or west of the origin). A Frame is immutable and safe for concurrent use.
type Frame struct {
	origin LatLon
	y0     float64 // northing of the origin from the equator
}

// NewFrame returns the frame centred at origin. The origin should be a
// valid position (see LatLon.Validate); an invalid one gives NaN
// coordinates.
func NewFrame(origin LatLon) *Frame {
	_, y0 := tmWGS84.forward(origin.Lon, origin.Lat, origin.Lon)
	return &Frame{origin: origin, y0: y0}
}

// Origin returns the position at (0, 0).
func (f *Frame) Origin() LatLon { return f.origin }

// Forward returns the coordinates of p in the frame, in metres.
func (f *Frame) Forward(p LatLon) (x, y float64) {
	x, y = tmWGS84.forward(f.origin.Lon, p.Lat, p.Lon)
	return x, y - f.y0
}

// Reverse returns the position at frame coordinates (x, y).
func (f *Frame) Reverse(x, y float64) LatLon {
	lat, lon := tmWGS84.reverse(f.origin.Lon, x, y+f.y0)
	return LatLon{Lat: lat, Lon: lon}
}
