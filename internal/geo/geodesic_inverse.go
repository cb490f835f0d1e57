package geo

import "math"

// inverseResult is the solution of one inverse problem: the distance and the
// sines and cosines of the azimuths at both ends.
type inverseResult struct {
	s12                        float64
	salp1, calp1, salp2, calp2 float64
}

// reduced holds the two end points in the canonical arrangement used by the
// solver (point 1 has the larger |latitude| and lies south of the equator,
// 0 <= lon12 <= 180), as reduced latitudes beta and the factors
// dn = sqrt(1 + ep2 sin^2 beta).
type reduced struct {
	sbet1, cbet1, dn1 float64
	sbet2, cbet2, dn2 float64
}

// inverse solves the inverse problem from (lat1, lon1) to (lat2, lon2).
func (g *ellipsoid) inverse(lat1, lon1, lat2, lon2 float64) inverseResult {
	lon12, lon12s := angDiff(lon1, lon2)
	lonsign := 1.0
	if math.Signbit(lon12) {
		lonsign = -1
	}
	lon12 *= lonsign
	lon12s *= lonsign
	lam12 := lon12 * degree
	slam12, clam12 := sincosde(lon12, lon12s)
	lon12s = (hd - lon12) - lon12s // supplementary longitude difference

	lat1 = angRound(latFix(lat1))
	lat2 = angRound(latFix(lat2))
	swapp := 1.0
	if math.Abs(lat1) < math.Abs(lat2) || math.IsNaN(lat2) {
		swapp = -1
		lonsign = -lonsign
		lat1, lat2 = lat2, lat1
	}
	latsign := -1.0
	if math.Signbit(lat1) {
		latsign = 1
	}
	lat1 *= latsign
	lat2 *= latsign

	p := g.reduce(lat1, lat2)
	r := g.solveInverse(&p, lat1, lam12, slam12, clam12, lon12s)

	if swapp < 0 {
		r.salp1, r.salp2 = r.salp2, r.salp1
		r.calp1, r.calp2 = r.calp2, r.calp1
	}
	r.salp1 *= swapp * lonsign
	r.calp1 *= swapp * latsign
	r.salp2 *= swapp * lonsign
	r.calp2 *= swapp * latsign
	r.s12 += 0 // -0 becomes +0
	return r
}

// reduce converts the canonical latitudes to reduced latitudes.
func (g *ellipsoid) reduce(lat1, lat2 float64) reduced {
	var p reduced
	p.sbet1, p.cbet1 = sincosd(lat1)
	p.sbet1, p.cbet1 = norm2(p.sbet1*g.f1, p.cbet1)
	p.cbet1 = math.Max(tiny, p.cbet1)
	p.sbet2, p.cbet2 = sincosd(lat2)
	p.sbet2, p.cbet2 = norm2(p.sbet2*g.f1, p.cbet2)
	p.cbet2 = math.Max(tiny, p.cbet2)
	// Force |beta2| = |beta1| exactly when round-off leaves them apart by
	// an ulp; the solver relies on that symmetry.
	if p.cbet1 < -p.sbet1 {
		if p.cbet2 == p.cbet1 {
			p.sbet2 = math.Copysign(p.sbet1, p.sbet2)
		}
	} else if math.Abs(p.sbet2) == -p.sbet1 {
		p.cbet2 = p.cbet1
	}
	p.dn1 = math.Sqrt(1 + g.ep2*sq(p.sbet1))
	p.dn2 = math.Sqrt(1 + g.ep2*sq(p.sbet2))
	return p
}

// solveInverse handles the meridional and equatorial cases directly and
// hands the rest to the general solver.
func (g *ellipsoid) solveInverse(p *reduced, lat1, lam12, slam12, clam12, lon12s float64) inverseResult {
	if lat1 == -qd || slam12 == 0 {
		// Both points on one meridian: the geodesic may run along it.
		r := inverseResult{salp1: slam12, calp1: clam12, salp2: 0, calp2: 1}
		ssig1, csig1 := p.sbet1, r.calp1*p.cbet1
		ssig2, csig2 := p.sbet2, r.calp2*p.cbet2
		sig12 := math.Atan2(math.Max(0, float64(csig1*ssig2)-float64(ssig1*csig2))+0,
			float64(csig1*csig2)+float64(ssig1*ssig2))
		s12b, m12b := g.lengths(g.n, sig12, ssig1, csig1, p.dn1, ssig2, csig2, p.dn2, true, true)
		if sig12 < 1 || m12b >= 0 {
			if sig12 < 3*tiny || (sig12 < tol0 && (s12b < 0 || m12b < 0)) {
				s12b = 0
			}
			r.s12 = s12b * g.b
			return r
		}
		// Otherwise the meridian is not the shortest path.
	}
	if p.sbet1 == 0 && lon12s >= g.f*hd {
		// Both points on the equator and not nearly antipodal: the
		// geodesic runs along the equator.
		return inverseResult{s12: g.a * lam12, salp1: 1, calp1: 0, salp2: 1, calp2: 0}
	}
	return g.inverseGeneral(p, lam12, slam12, clam12)
}

// lamState is what lambda12 learns about the trial geodesic.
type lamState struct {
	salp2, calp2, sig12, ssig1, csig1, ssig2, csig2, eps float64
}

// inverseGeneral finds the azimuth at point 1 by Newton's method on
// lambda12(alp1) = lam12, keeping a bracket of the root to fall back on.
func (g *ellipsoid) inverseGeneral(p *reduced, lam12, slam12, clam12 float64) inverseResult {
	sig12, salp1, calp1, salp2, calp2, dnm := g.inverseStart(p, lam12, slam12, clam12)
	if sig12 >= 0 {
		// Short line: the auxiliary sphere solution is exact enough.
		return inverseResult{s12: sig12 * g.b * dnm, salp1: salp1, calp1: calp1, salp2: salp2, calp2: calp2}
	}
	var st lamState
	salp1a, calp1a, salp1b, calp1b := tiny, 1.0, tiny, -1.0
	tripn, tripb := false, false
	for numit := 0; ; numit++ {
		v, dv := g.lambda12(p, salp1, calp1, slam12, clam12, numit < maxit1, &st)
		tol := tol0
		if tripn {
			tol *= 8
		}
		// The comparison is written so that NaN leaves the loop.
		if tripb || !(math.Abs(v) >= tol) || numit == maxit2 {
			break
		}
		if v > 0 && (numit > maxit1 || calp1/salp1 > calp1b/salp1b) {
			salp1b, calp1b = salp1, calp1
		} else if v < 0 && (numit > maxit1 || calp1/salp1 < calp1a/salp1a) {
			salp1a, calp1a = salp1, calp1
		}
		if numit < maxit1 && dv > 0 {
			if dalp1 := -v / dv; math.Abs(dalp1) < math.Pi {
				sdalp1, cdalp1 := math.Sincos(dalp1)
				if nsalp1 := salp1*cdalp1 + calp1*sdalp1; nsalp1 > 0 {
					calp1 = calp1*cdalp1 - salp1*sdalp1
					salp1, calp1 = norm2(nsalp1, calp1)
					// Near a vanishing slope convergence is only linear:
					// aim at epsilon rather than sqrt(epsilon).
					tripn = math.Abs(v) <= 16*tol0
					continue
				}
			}
		}
		// Newton's step left the legal range: bisect the bracket.
		salp1, calp1 = norm2((salp1a+salp1b)/2, (calp1a+calp1b)/2)
		tripn = false
		tripb = math.Abs(salp1a-salp1)+(calp1a-calp1) < tolb ||
			math.Abs(salp1-salp1b)+(calp1-calp1b) < tolb
	}
	s12b, _ := g.lengths(st.eps, st.sig12, st.ssig1, st.csig1, p.dn1, st.ssig2, st.csig2, p.dn2, true, false)
	return inverseResult{s12: s12b * g.b, salp1: salp1, calp1: calp1, salp2: st.salp2, calp2: st.calp2}
}

// lengths returns the distance s12/b and, if wantM, the reduced length
// m12/b of the geodesic between sigma1 and sigma2.
func (g *ellipsoid) lengths(eps, sig12, ssig1, csig1, dn1, ssig2, csig2, dn2 float64, wantS, wantM bool) (s12b, m12b float64) {
	var ca, cb coefs
	a1 := a1m1f(eps)
	c1f(eps, &ca)
	var a2, m0, j12 float64
	if wantM {
		a2 = a2m1f(eps)
		c2f(eps, &cb)
		m0 = a1 - a2
		a2 = 1 + a2
	}
	a1 = 1 + a1
	if wantS {
		b1 := sinSeries(ssig2, csig2, ca[:]) - sinSeries(ssig1, csig1, ca[:])
		s12b = a1 * (sig12 + b1)
		if wantM {
			b2 := sinSeries(ssig2, csig2, cb[:]) - sinSeries(ssig1, csig1, cb[:])
			j12 = m0*sig12 + (a1*b1 - a2*b2)
		}
	} else if wantM {
		for l := 1; l <= geodOrder; l++ {
			cb[l] = a1*ca[l] - a2*cb[l]
		}
		j12 = m0*sig12 + (sinSeries(ssig2, csig2, cb[:]) - sinSeries(ssig1, csig1, cb[:]))
	}
	if wantM {
		// Parenthesised products cancel exactly for coincident points.
		m12b = dn2*float64(csig1*ssig2) - dn1*float64(ssig1*csig2) - csig1*csig2*j12
	}
	return s12b, m12b
}

// lambda12 returns the longitude difference on the ellipsoid, less the
// target lam120, of the geodesic leaving point 1 with azimuth alp1 and
// reaching the latitude of point 2, and its derivative with respect to
// alp1 if diffp.
func (g *ellipsoid) lambda12(p *reduced, salp1, calp1, slam120, clam120 float64, diffp bool, st *lamState) (lam12, dlam12 float64) {
	if p.sbet1 == 0 && calp1 == 0 {
		calp1 = -tiny // break the degeneracy of the equatorial line
	}
	salp0 := salp1 * p.cbet1
	calp0 := math.Hypot(calp1, salp1*p.sbet1)
	somg1 := salp0 * p.sbet1
	comg1 := calp1 * p.cbet1
	ssig1, csig1 := norm2(p.sbet1, comg1)

	salp2 := salp1
	if p.cbet2 != p.cbet1 {
		salp2 = salp0 / p.cbet2
	}
	calp2 := math.Abs(calp1)
	if p.cbet2 != p.cbet1 || math.Abs(p.sbet2) != -p.sbet1 {
		var t float64
		if p.cbet1 < -p.sbet1 {
			t = (p.cbet2 - p.cbet1) * (p.cbet1 + p.cbet2)
		} else {
			t = (p.sbet1 - p.sbet2) * (p.sbet1 + p.sbet2)
		}
		calp2 = math.Sqrt(sq(calp1*p.cbet1)+t) / p.cbet2
	}
	somg2 := salp0 * p.sbet2
	comg2 := calp2 * p.cbet2
	ssig2, csig2 := norm2(p.sbet2, comg2)

	sig12 := math.Atan2(math.Max(0, float64(csig1*ssig2)-float64(ssig1*csig2))+0,
		float64(csig1*csig2)+float64(ssig1*ssig2))
	somg12 := math.Max(0, float64(comg1*somg2)-float64(somg1*comg2)) + 0
	comg12 := float64(comg1*comg2) + float64(somg1*somg2)
	eta := math.Atan2(somg12*clam120-comg12*slam120, comg12*clam120+somg12*slam120)

	k2 := sq(calp0) * g.ep2
	eps := k2 / (2*(1+math.Sqrt(1+k2)) + k2)
	var c3 [geodOrder]float64
	g.c3f(eps, &c3)
	b312 := sinSeries(ssig2, csig2, c3[:]) - sinSeries(ssig1, csig1, c3[:])
	domg12 := -g.f * g.a3f(eps) * salp0 * (sig12 + b312)
	lam12 = eta + domg12

	if diffp {
		if calp2 == 0 {
			dlam12 = -2 * g.f1 * p.dn1 / p.sbet1
		} else {
			_, m12b := g.lengths(eps, sig12, ssig1, csig1, p.dn1, ssig2, csig2, p.dn2, false, true)
			dlam12 = m12b * g.f1 / (calp2 * p.cbet2)
		}
	}
	*st = lamState{salp2: salp2, calp2: calp2, sig12: sig12,
		ssig1: ssig1, csig1: csig1, ssig2: ssig2, csig2: csig2, eps: eps}
	return lam12, dlam12
}

// inverseStart returns a starting azimuth for Newton's method. For short
// lines it solves the problem outright and returns sig12 >= 0 with the
// azimuth at point 2 and the mean dn; otherwise sig12 = -1.
func (g *ellipsoid) inverseStart(p *reduced, lam12, slam12, clam12 float64) (sig12, salp1, calp1, salp2, calp2, dnm float64) {
	sig12 = -1
	sbet12 := p.sbet2*p.cbet1 - p.cbet2*p.sbet1 // beta2 - beta1 in [0, pi)
	cbet12 := p.cbet2*p.cbet1 + p.sbet2*p.sbet1
	sbet12a := p.sbet2*p.cbet1 + p.cbet2*p.sbet1 // beta2 + beta1 in (-pi, 0]
	shortline := cbet12 >= 0 && sbet12 < 0.5 && p.cbet2*lam12 < 0.5
	somg12, comg12 := slam12, clam12
	if shortline {
		sbetm2 := sq(p.sbet1 + p.sbet2)
		sbetm2 /= sbetm2 + sq(p.cbet1+p.cbet2)
		dnm = math.Sqrt(1 + g.ep2*sbetm2)
		somg12, comg12 = math.Sincos(lam12 / (g.f1 * dnm))
	}
	salp1 = p.cbet2 * somg12
	if comg12 >= 0 {
		calp1 = sbet12 + p.cbet2*p.sbet1*sq(somg12)/(1+comg12)
	} else {
		calp1 = sbet12a - p.cbet2*p.sbet1*sq(somg12)/(1-comg12)
	}
	ssig12 := math.Hypot(salp1, calp1)
	csig12 := p.sbet1*p.sbet2 + p.cbet1*p.cbet2*comg12

	switch {
	case shortline && ssig12 < g.etol2:
		salp2 = p.cbet1 * somg12
		if comg12 >= 0 {
			calp2 = sbet12 - p.cbet1*p.sbet2*(sq(somg12)/(1+comg12))
		} else {
			calp2 = sbet12 - p.cbet1*p.sbet2*(1-comg12)
		}
		salp2, calp2 = norm2(salp2, calp2)
		sig12 = math.Atan2(ssig12, csig12)
	case csig12 >= 0 || ssig12 >= 6*math.Abs(g.n)*math.Pi*sq(p.cbet1):
		// Not nearly antipodal: the spherical estimate will do.
	default:
		salp1, calp1 = g.antipodalStart(p, slam12, clam12, sbet12a)
	}
	if !(salp1 <= 0) {
		salp1, calp1 = norm2(salp1, calp1)
	} else {
		salp1, calp1 = 1, 0
	}
	return sig12, salp1, calp1, salp2, calp2, dnm
}

// antipodalStart estimates the azimuth at point 1 for nearly antipodal
// points by solving the astroid problem (Karney 2013, section 5).
func (g *ellipsoid) antipodalStart(p *reduced, slam12, clam12, sbet12a float64) (salp1, calp1 float64) {
	// Scale so that the antipodal point is at the origin and the singular
	// point at (-1, 0).
	lam12x := math.Atan2(-slam12, -clam12) // lam12 - pi
	k2 := sq(p.sbet1) * g.ep2
	eps := k2 / (2*(1+math.Sqrt(1+k2)) + k2)
	lamscale := g.f * p.cbet1 * g.a3f(eps) * math.Pi
	betscale := lamscale * p.cbet1
	x := lam12x / lamscale
	y := sbet12a / betscale
	if y > -tol1 && x > -1-xthresh {
		// Strip near the cut.
		salp1 = math.Min(1, -x)
		calp1 = -math.Sqrt(1 - sq(salp1))
		return salp1, calp1
	}
	k := astroid(x, y)
	omg12a := lamscale * (-x * k / (1 + k))
	somg12, comg12 := math.Sincos(omg12a)
	comg12 = -comg12
	salp1 = p.cbet2 * somg12
	calp1 = sbet12a - p.cbet2*p.sbet1*sq(somg12)/(1-comg12)
	return salp1, calp1
}

// astroid returns the positive root k of
// k^4 + 2 k^3 - (x^2 + y^2 - 1) k^2 - 2 y^2 k - y^2 = 0.
func astroid(x, y float64) float64 {
	p := sq(x)
	q := sq(y)
	r := (p + q - 1) / 6
	if q == 0 && r <= 0 {
		return 0
	}
	s := p * q / 4 // r^3 s
	r2 := sq(r)
	r3 := r * r2
	disc := s * (s + 2*r3) // zero on the evolute p^(1/3) + q^(1/3) = 1
	u := r
	if disc >= 0 {
		t3 := s + r3
		// Pick the sign of the root that avoids cancellation.
		if t3 < 0 {
			t3 -= math.Sqrt(disc)
		} else {
			t3 += math.Sqrt(disc)
		}
		t := math.Cbrt(t3)
		if t != 0 {
			u += t + r2/t
		}
	} else {
		ang := math.Atan2(math.Sqrt(-disc), -(s + r3))
		u += 2 * r * math.Cos(ang/3)
	}
	v := math.Sqrt(sq(u) + q)
	uv := u + v
	if u < 0 {
		uv = q / (v - u)
	}
	w := (uv - q) / (2 * v)
	return uv / (math.Sqrt(uv+sq(w)) + w)
}
