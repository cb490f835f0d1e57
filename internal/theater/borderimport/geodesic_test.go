package borderimport

import (
	"fmt"
	"math"
	"testing"
)

// vincenty returns the distance in metres between two lon/lat positions on
// the WGS 84 ellipsoid, by Vincenty's inverse formula. It serves the tests
// only, to measure the border independently of the code under test.
func vincenty(p, q [2]float64) (float64, error) {
	const (
		a = 6378137.0
		f = 1 / 298.257223563
		b = a * (1 - f)
	)
	rad := math.Pi / 180
	l := (q[0] - p[0]) * rad
	u1 := math.Atan((1 - f) * math.Tan(p[1]*rad))
	u2 := math.Atan((1 - f) * math.Tan(q[1]*rad))
	sinU1, cosU1 := math.Sincos(u1)
	sinU2, cosU2 := math.Sincos(u2)

	lambda := l
	for range 200 {
		sinL, cosL := math.Sincos(lambda)
		sinSigma := math.Hypot(cosU2*sinL, cosU1*sinU2-sinU1*cosU2*cosL)
		if sinSigma == 0 {
			return 0, nil // the same point
		}
		cosSigma := sinU1*sinU2 + cosU1*cosU2*cosL
		sigma := math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinL / sinSigma
		cos2Alpha := 1 - sinAlpha*sinAlpha
		cos2SigmaM := 0.0
		if cos2Alpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		c := f / 16 * cos2Alpha * (4 + f*(4-3*cos2Alpha))
		prev := lambda
		lambda = l + (1-c)*f*sinAlpha*(sigma+c*sinSigma*(cos2SigmaM+c*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda-prev) < 1e-12 {
			uu := cos2Alpha * (a*a - b*b) / (b * b)
			aa := 1 + uu/16384*(4096+uu*(-768+uu*(320-175*uu)))
			bb := uu / 1024 * (256 + uu*(-128+uu*(74-47*uu)))
			deltaSigma := bb * sinSigma * (cos2SigmaM + bb/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
				bb/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
			return b * aa * (sigma - deltaSigma), nil
		}
	}
	return 0, fmt.Errorf("vincenty: no convergence between %v and %v", p, q)
}

func TestVincenty(t *testing.T) {
	for _, tc := range []struct {
		p, q [2]float64
		want float64 // metres
	}{
		// One degree of longitude on the equator: a * pi / 180.
		{[2]float64{0, 0}, [2]float64{1, 0}, 111319.491},
		// One degree of latitude from the equator, a known WGS 84 value.
		{[2]float64{0, 0}, [2]float64{0, 1}, 110574.389},
		// Flinders Peak to Buninyong, Vincenty's own example (on WGS 84).
		{[2]float64{144.42486788888889, -37.95103341666667}, [2]float64{143.92649552777777, -37.65282113888889}, 54972.271},
		{[2]float64{40, 35}, [2]float64{40, 35}, 0},
	} {
		got, err := vincenty(tc.p, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-tc.want) > 0.01 {
			t.Errorf("vincenty(%v, %v) = %.3f m, want %.3f m", tc.p, tc.q, got, tc.want)
		}
	}
}
