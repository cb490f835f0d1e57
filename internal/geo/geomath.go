package geo

import "math"

// Angle helpers shared by the geodesic and projection code. They reduce
// angles exactly in degrees, to [-45, 45], before converting to radians,
// so that for instance the sine of 180 degrees is exactly 0 and large
// angles lose no accuracy.

const (
	qd     = 90.0  // quarter turn in degrees
	hd     = 180.0 // half turn
	td     = 360.0 // full turn
	degree = math.Pi / hd
)

const (
	dblEpsilon = 0x1p-52
	dblMin     = 0x1p-1022
)

func sq(x float64) float64 { return x * x }

// sumx returns s = round(u + v) and the rounding error t, so that
// u + v = s + t exactly.
func sumx(u, v float64) (s, t float64) {
	s = u + v
	up := s - v
	vpp := s - up
	up -= u
	vpp -= v
	if s != 0 {
		t = 0 - (up + vpp)
	} else {
		t = s
	}
	return s, t
}

// angNormalize reduces x to [-180, 180].
func angNormalize(x float64) float64 {
	y := math.Remainder(x, td)
	if math.Abs(y) == hd {
		return math.Copysign(hd, x)
	}
	return y
}

// latFix returns NaN for latitudes beyond the poles.
func latFix(x float64) float64 {
	if math.Abs(x) > qd {
		return math.NaN()
	}
	return x
}

// angDiff returns y - x reduced to [-180, 180] and the error e of that
// difference, d + e = y - x (mod 360) exactly.
func angDiff(x, y float64) (d, e float64) {
	d, t := sumx(math.Remainder(-x, td), math.Remainder(y, td))
	d, t = sumx(math.Remainder(d, td), t)
	if d == 0 || math.Abs(d) == hd {
		if t == 0 {
			d = math.Copysign(d, y-x)
		} else {
			d = math.Copysign(d, -t)
		}
	}
	return d, t
}

// angRound rounds tiny angles so that values below 1/16 keep a fixed
// number of bits after the binary point; this makes nearly equatorial
// points exactly equatorial and avoids underflow.
func angRound(x float64) float64 {
	const z = 1.0 / 16
	y := math.Abs(x)
	w := z - y
	if w > 0 {
		y = z - w
	}
	return math.Copysign(y, x)
}

// remquo90 returns r = x - 90 q with |r| <= 45 and the quadrant q mod 4.
func remquo90(x float64) (r float64, q int) {
	r = math.Remainder(x, qd)
	n := math.Mod(math.Round((x-r)/qd), 4)
	if n < 0 {
		n += 4
	}
	if n >= 0 && n < 4 {
		q = int(n)
	}
	return r, q
}

// sincosd returns the sine and cosine of x degrees.
func sincosd(x float64) (sinx, cosx float64) {
	r, q := remquo90(x)
	return sincosQuadrant(r*degree, q, x)
}

// sincosde returns the sine and cosine of x + t degrees, where t is a small
// correction to x.
func sincosde(x, t float64) (sinx, cosx float64) {
	r, q := remquo90(x)
	return sincosQuadrant(angRound(r+t)*degree, q, x)
}

func sincosQuadrant(r float64, q int, x float64) (sinx, cosx float64) {
	s, c := math.Sincos(r)
	switch q & 3 {
	case 0:
		sinx, cosx = s, c
	case 1:
		sinx, cosx = c, -s
	case 2:
		sinx, cosx = -s, -c
	default:
		sinx, cosx = -c, s
	}
	cosx += 0 // turn -0 into +0
	if sinx == 0 {
		sinx = math.Copysign(sinx, x)
	}
	return sinx, cosx
}

// atan2d returns atan2(y, x) in degrees, in [-180, 180].
func atan2d(y, x float64) float64 {
	q := 0
	if math.Abs(y) > math.Abs(x) {
		x, y = y, x
		q = 2
	}
	if math.Signbit(x) {
		x = -x
		q++
	}
	ang := math.Atan2(y, x) / degree
	switch q {
	case 1:
		ang = math.Copysign(hd, y) - ang
	case 2:
		ang = qd - ang
	case 3:
		ang = -qd + ang
	}
	return ang
}

// norm2 scales (s, c) to unit length.
func norm2(s, c float64) (float64, float64) {
	r := math.Hypot(s, c)
	return s / r, c / r
}

// polyval evaluates the polynomial p[0] x^n + ... + p[n] by Horner's rule.
func polyval(p []float64, x float64) float64 {
	if len(p) == 0 {
		return 0
	}
	y := p[0]
	for _, c := range p[1:] {
		y = y*x + c
	}
	return y
}

// eatanhe returns e atanh(e x) for the ellipsoid eccentricity e.
func eatanhe(x, e float64) float64 { return e * math.Atanh(e*x) }

// taupf returns tan(chi) for tau = tan(phi), where chi is the conformal
// latitude of phi on an ellipsoid of eccentricity e.
func taupf(tau, e float64) float64 {
	if math.IsInf(tau, 0) {
		return tau
	}
	tau1 := math.Hypot(1, tau)
	sig := math.Sinh(eatanhe(tau/tau1, e))
	return math.Hypot(1, sig)*tau - sig*tau1
}

// tauf inverts taupf by Newton's method.
func tauf(taup, e float64) float64 {
	const numit = 5
	tol := math.Sqrt(dblEpsilon) / 10
	taumax := 2 / math.Sqrt(dblEpsilon)
	e2m := 1 - e*e
	var tau float64
	if math.Abs(taup) > 70 {
		tau = taup * math.Exp(eatanhe(1, e))
	} else {
		tau = taup / e2m
	}
	stol := tol * math.Max(1, math.Abs(taup))
	if !(math.Abs(tau) < taumax) {
		return tau
	}
	for range numit {
		taupa := taupf(tau, e)
		dtau := (taup - taupa) * (1 + e2m*tau*tau) /
			(e2m * math.Hypot(1, tau) * math.Hypot(1, taupa))
		tau += dtau
		if !(math.Abs(dtau) >= stol) {
			break
		}
	}
	return tau
}
