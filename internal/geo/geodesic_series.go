package geo

// Series expansions for geodesics on an ellipsoid, to order 6 in the
// expansion parameter eps (Karney, "Algorithms for geodesics", J. Geodesy
// 87, 43-55, 2013, equations 17, 18, 21, 23, 24, 25 and 42-43). Arrays of
// Fourier coefficients are indexed from 1; element 0 is unused.

const geodOrder = 6

// coefs holds the Fourier coefficients c[1..6] of one series.
type coefs [geodOrder + 1]float64

// a1m1f returns A1 - 1, the mean of dI1/dsigma minus one.
func a1m1f(eps float64) float64 {
	eps2 := eps * eps
	t := eps2 * (eps2*(eps2+4) + 64) / 256
	return (t + eps) / (1 - eps)
}

// c1f sets the coefficients C1[l] of the distance integral I1.
func c1f(eps float64, c *coefs) {
	eps2 := eps * eps
	d := eps
	c[1] = d * ((6-eps2)*eps2 - 16) / 32
	d *= eps
	c[2] = d * ((64-9*eps2)*eps2 - 128) / 2048
	d *= eps
	c[3] = d * (9*eps2 - 16) / 768
	d *= eps
	c[4] = d * (3*eps2 - 5) / 512
	d *= eps
	c[5] = d * -7 / 1280
	d *= eps
	c[6] = d * -7 / 2048
}

// c1pf sets the coefficients C1'[l] of the reverted distance series.
func c1pf(eps float64, c *coefs) {
	eps2 := eps * eps
	d := eps
	c[1] = d * ((205*eps2-432)*eps2 + 768) / 1536
	d *= eps
	c[2] = d * ((4005*eps2-4736)*eps2 + 3840) / 12288
	d *= eps
	c[3] = d * (116 - 225*eps2) / 384
	d *= eps
	c[4] = d * (2695 - 7173*eps2) / 7680
	d *= eps
	c[5] = d * 3467 / 7680
	d *= eps
	c[6] = d * 38081 / 61440
}

// a2m1f returns A2 - 1, the mean of dI2/dsigma minus one.
func a2m1f(eps float64) float64 {
	eps2 := eps * eps
	t := eps2 * (eps2*(-11*eps2-28) - 192) / 256
	return (t - eps) / (1 + eps)
}

// c2f sets the coefficients C2[l] of the reduced-length integral I2.
func c2f(eps float64, c *coefs) {
	eps2 := eps * eps
	d := eps
	c[1] = d * ((eps2+2)*eps2 + 16) / 32
	d *= eps
	c[2] = d * ((35*eps2+64)*eps2 + 384) / 2048
	d *= eps
	c[3] = d * (15*eps2 + 80) / 768
	d *= eps
	c[4] = d * (7*eps2 + 35) / 512
	d *= eps
	c[5] = d * 63 / 1280
	d *= eps
	c[6] = d * 77 / 2048
}

// a3coeffs returns the coefficients of A3 as a polynomial in eps, highest
// power first, for third flattening n.
func a3coeffs(n float64) [geodOrder]float64 {
	return [geodOrder]float64{
		-3.0 / 128,
		(-2*n - 3) / 64,
		((-n-3)*n - 1) / 16,
		((3*n-1)*n - 2) / 8,
		(n - 1) / 2,
		1,
	}
}

// c3coeffs returns, for l = 1..5, the coefficients of C3[l]/eps^l as a
// polynomial in eps, highest power first, for third flattening n.
func c3coeffs(n float64) [geodOrder][]float64 {
	return [geodOrder][]float64{
		1: {3.0 / 128, (2*n + 5) / 128, ((3-n)*n + 3) / 64, (1 - n*n) / 8, (1 - n) / 4},
		2: {5.0 / 256, (n + 3) / 128, ((-3*n-2)*n + 3) / 64, ((n-3)*n + 2) / 32},
		3: {7.0 / 512, (9 - 10*n) / 384, ((5*n-9)*n + 5) / 192},
		4: {7.0 / 512, (7 - 14*n) / 512},
		5: {21.0 / 2560},
	}
}

// sinSeries evaluates sum(c[l] sin(2 l sigma), l = 1..len(c)-1) by
// Clenshaw summation, given sin(sigma) and cos(sigma).
func sinSeries(sinx, cosx float64, c []float64) float64 {
	k := len(c) - 1
	ar := 2 * (cosx - sinx) * (cosx + sinx) // 2 cos(2 sigma)
	var y0, y1 float64
	if k&1 == 1 {
		y0 = c[k]
		k--
	}
	for k > 0 {
		y1 = ar*y0 - y1 + c[k]
		k--
		y0 = ar*y1 - y0 + c[k]
		k--
	}
	return 2 * sinx * cosx * y0 // sin(2 sigma) y0
}
