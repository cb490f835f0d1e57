package fusion

import "math"

// Chi-square gates for 2 degrees of freedom: a position measurement whose
// squared Mahalanobis distance exceeds the gate is outside the 95%, 99% or
// 99.9% region of the track's predicted position.
const (
	Gate95  = 5.991
	Gate99  = 9.210
	Gate999 = 13.816
)

// State is a constant-velocity state in a local metric frame: X = [x, y, vx, vy]
// (metres east/north, m/s) with covariance P.
//
// The filter works on fixed-size arrays and never allocates.
type State struct {
	X [4]float64
	P [4][4]float64
}

// NewState starts a state at (x, y) with velocity (vx, vy), position variance posVar (m²)
// on each axis and velocity variance velVar (m²/s²) on each axis, no correlations.
func NewState(x, y, vx, vy, posVar, velVar float64) State {
	var s State
	s.X = [4]float64{x, y, vx, vy}
	s.P[0][0] = posVar
	s.P[1][1] = posVar
	s.P[2][2] = velVar
	s.P[3][3] = velVar
	return s
}

// Predict advances the state by dt seconds (dt may be 0; a negative dt is
// treated as 0) under the continuous white-noise-acceleration model with
// spectral density q (m²/s³) per axis:
// F = [[1,0,dt,0],[0,1,0,dt],[0,0,1,0],[0,0,0,1]],
// Q per axis = q*[[dt³/3, dt²/2],[dt²/2, dt]].
func (s *State) Predict(dt, q float64) {
	if !(dt > 0) {
		return
	}
	if !(q > 0) {
		q = 0
	}
	s.X[0] += dt * s.X[2]
	s.X[1] += dt * s.X[3]

	// A = F·P: rows 0 and 1 pick up dt times rows 2 and 3.
	var a [4][4]float64
	for j := range 4 {
		a[0][j] = s.P[0][j] + dt*s.P[2][j]
		a[1][j] = s.P[1][j] + dt*s.P[3][j]
		a[2][j] = s.P[2][j]
		a[3][j] = s.P[3][j]
	}
	// P = A·Fᵀ: columns 0 and 1 pick up dt times columns 2 and 3.
	for i := range 4 {
		s.P[i][0] = a[i][0] + dt*a[i][2]
		s.P[i][1] = a[i][1] + dt*a[i][3]
		s.P[i][2] = a[i][2]
		s.P[i][3] = a[i][3]
	}

	dt2 := dt * dt
	qpp := q * dt2 * dt / 3
	qpv := q * dt2 / 2
	qvv := q * dt
	s.P[0][0] += qpp
	s.P[1][1] += qpp
	s.P[0][2] += qpv
	s.P[2][0] += qpv
	s.P[1][3] += qpv
	s.P[3][1] += qpv
	s.P[2][2] += qvv
	s.P[3][3] += qvv
	s.symmetrize()
}

// Innovation returns the position innovation nu = z - Hx and its covariance S = HPHᵀ + r·I
// (r is the measurement variance per axis, m²).
func (s *State) Innovation(zx, zy, r float64) (nu [2]float64, S [2][2]float64) {
	return s.innovation(0, 1, zx, zy, r)
}

// innovation is the innovation of a measurement of the state components
// i0 and i1 (0, 1 for position; 2, 3 for velocity).
func (s *State) innovation(i0, i1 int, z0, z1, r float64) (nu [2]float64, S [2][2]float64) {
	nu[0] = z0 - s.X[i0]
	nu[1] = z1 - s.X[i1]
	off := (s.P[i0][i1] + s.P[i1][i0]) / 2
	S[0][0] = s.P[i0][i0] + r
	S[0][1] = off
	S[1][0] = off
	S[1][1] = s.P[i1][i1] + r
	return nu, S
}

// invert2 returns the inverse of the symmetric 2×2 matrix S, and false
// when S is not positive definite (or not finite).
func invert2(S [2][2]float64) (inv [2][2]float64, ok bool) {
	det := S[0][0]*S[1][1] - S[0][1]*S[1][0]
	if !(S[0][0] > 0) || !(S[1][1] > 0) || !(det > 0) || math.IsInf(det, 0) {
		return inv, false
	}
	inv[0][0] = S[1][1] / det
	inv[0][1] = -S[0][1] / det
	inv[1][0] = -S[1][0] / det
	inv[1][1] = S[0][0] / det
	return inv, true
}

// mahalanobis2 returns nuᵀ·inv·nu.
func mahalanobis2(nu [2]float64, inv [2][2]float64) float64 {
	return nu[0]*(inv[0][0]*nu[0]+inv[0][1]*nu[1]) + nu[1]*(inv[1][0]*nu[0]+inv[1][1]*nu[1])
}

// Distance2 is the squared Mahalanobis distance of a position measurement: nuᵀ S⁻¹ nu.
// It returns +Inf when S is not positive definite.
func (s *State) Distance2(zx, zy, r float64) float64 {
	nu, S := s.Innovation(zx, zy, r)
	inv, ok := invert2(S)
	if !ok {
		return math.Inf(1)
	}
	d2 := mahalanobis2(nu, inv)
	if math.IsNaN(d2) {
		return math.Inf(1)
	}
	return d2
}

// Update applies a position measurement with variance r per axis (Joseph form, symmetric P kept).
// It returns the squared Mahalanobis distance of the innovation, and false (leaving s unchanged)
// when S is singular.
func (s *State) Update(zx, zy, r float64) (d2 float64, ok bool) {
	return s.update(0, 1, zx, zy, r)
}

// UpdateVelocity applies a velocity measurement (vx, vy) with variance r per axis (m²/s²).
// It returns false (leaving s unchanged) when the innovation covariance is singular.
func (s *State) UpdateVelocity(vx, vy, r float64) bool {
	_, ok := s.update(2, 3, vx, vy, r)
	return ok
}

// update applies a measurement (z0, z1) of the state components i0 and i1
// with variance r on each, in Joseph form:
// P = (I-KH)·P·(I-KH)ᵀ + K·R·Kᵀ.
func (s *State) update(i0, i1 int, z0, z1, r float64) (float64, bool) {
	if !(r >= 0) || math.IsInf(r, 0) {
		return math.Inf(1), false
	}
	nu, S := s.innovation(i0, i1, z0, z1, r)
	inv, ok := invert2(S)
	if !ok {
		return math.Inf(1), false
	}
	d2 := mahalanobis2(nu, inv)
	if math.IsNaN(d2) || math.IsInf(d2, 0) {
		return math.Inf(1), false
	}

	// K = P·Hᵀ·S⁻¹; P·Hᵀ is columns i0 and i1 of P.
	var k [4][2]float64
	for i := range 4 {
		p0, p1 := s.P[i][i0], s.P[i][i1]
		k[i][0] = p0*inv[0][0] + p1*inv[1][0]
		k[i][1] = p0*inv[0][1] + p1*inv[1][1]
	}

	// L = I - K·H; K·H has K's columns at columns i0 and i1.
	var l [4][4]float64
	for i := range 4 {
		l[i][i] = 1
		l[i][i0] -= k[i][0]
		l[i][i1] -= k[i][1]
	}
	// A = L·P.
	var a [4][4]float64
	for i := range 4 {
		for j := range 4 {
			var sum float64
			for m := range 4 {
				sum += l[i][m] * s.P[m][j]
			}
			a[i][j] = sum
		}
	}
	// P = A·Lᵀ + r·K·Kᵀ.
	var p [4][4]float64
	for i := range 4 {
		for j := range 4 {
			var sum float64
			for m := range 4 {
				sum += a[i][m] * l[j][m]
			}
			p[i][j] = sum + r*(k[i][0]*k[j][0]+k[i][1]*k[j][1])
		}
	}

	for i := range 4 {
		s.X[i] += k[i][0]*nu[0] + k[i][1]*nu[1]
	}
	s.P = p
	s.symmetrize()
	return d2, true
}

// PredictedPosition returns the position and its 2×2 covariance dt seconds ahead without changing s.
func (s *State) PredictedPosition(dt, q float64) (x, y float64, cov [2][2]float64) {
	t := *s
	t.Predict(dt, q)
	cov[0][0] = t.P[0][0]
	cov[0][1] = t.P[0][1]
	cov[1][0] = t.P[1][0]
	cov[1][1] = t.P[1][1]
	return t.X[0], t.X[1], cov
}

// symmetrize replaces P by (P + Pᵀ)/2 so rounding never makes it drift
// away from symmetry.
func (s *State) symmetrize() {
	for i := range 4 {
		for j := i + 1; j < 4; j++ {
			m := (s.P[i][j] + s.P[j][i]) / 2
			s.P[i][j] = m
			s.P[j][i] = m
		}
	}
}
