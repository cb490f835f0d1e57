package fusion

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func checkVec(t *testing.T, what string, got, want [4]float64) {
	t.Helper()
	for i := range 4 {
		if !near(got[i], want[i], 1e-12) {
			t.Errorf("%s X[%d] = %.15g, want %.15g", what, i, got[i], want[i])
		}
	}
}

func checkMat(t *testing.T, what string, got, want [4][4]float64) {
	t.Helper()
	for i := range 4 {
		for j := range 4 {
			if !near(got[i][j], want[i][j], 1e-12) {
				t.Errorf("%s P[%d][%d] = %.15g, want %.15g", what, i, j, got[i][j], want[i][j])
			}
		}
	}
}

// TestKalmanHandComputed checks one predict and one update against values
// worked out by hand.
func TestKalmanHandComputed(t *testing.T) {
	s := NewState(0, 0, 1, 0, 100, 10)

	// Predict dt=1, q=0.5.
	// X = F·X = (0+1·1, 0+1·0, 1, 0) = (1, 0, 1, 0).
	// Per axis F·P·Fᵀ = [[100 + 2·1·0 + 1·10, 0 + 1·10], [10, 10]] = [[110, 10], [10, 10]];
	// Q = 0.5·[[1/3, 1/2], [1/2, 1]] = [[1/6, 1/4], [1/4, 1/2]].
	// P = [[110+1/6, 10.25], [10.25, 10.5]] per axis, x and y uncorrelated:
	// P00 = P11 = 661/6 ≈ 110.1667, P02 = P13 = 10.25, P22 = P33 = 10.5.
	s.Predict(1, 0.5)
	checkVec(t, "predict", s.X, [4]float64{1, 0, 1, 0})
	pp := 661.0 / 6
	checkMat(t, "predict", s.P, [4][4]float64{
		{pp, 0, 10.25, 0},
		{0, pp, 0, 10.25},
		{10.25, 0, 10.5, 0},
		{0, 10.25, 0, 10.5},
	})

	// Update z=(1.5, 0.2), r=25.
	// nu = (0.5, 0.2); S = diag(661/6 + 25) = diag(811/6) ≈ diag(135.1667).
	// d2 = (0.25 + 0.04)·6/811 = 1.74/811 ≈ 0.0021455.
	// K per axis = (P00/S, P02/S) = (661/811, 61.5/811) ≈ (0.81504, 0.07583).
	// X = (1 + 0.5·661/811, 0.2·661/811, 1 + 0.5·61.5/811, 0.2·61.5/811)
	//   = (1 + 330.5/811, 132.2/811, 1 + 30.75/811, 12.3/811)
	//   ≈ (1.40752, 0.16301, 1.03792, 0.01517).
	// P00 = P00·r/S = 25·661/811 = 16525/811 ≈ 20.3761,
	// P02 = P02·r/S = 25·61.5/811 = 1537.5/811 ≈ 1.89581,
	// P22 = P22 - P02²/S = 10.5 - 105.0625·6/811 = 10.5 - 630.375/811 ≈ 9.72272.
	d2, ok := s.Update(1.5, 0.2, 25)
	if !ok {
		t.Fatal("Update rejected a regular measurement")
	}
	if !near(d2, 1.74/811, 1e-12) {
		t.Errorf("d2 = %.15g, want %.15g", d2, 1.74/811)
	}
	checkVec(t, "update", s.X, [4]float64{1 + 330.5/811, 132.2 / 811, 1 + 30.75/811, 12.3 / 811})
	p0, p02, p22 := 16525.0/811, 1537.5/811, 10.5-630.375/811
	checkMat(t, "update", s.P, [4][4]float64{
		{p0, 0, p02, 0},
		{0, p0, 0, p02},
		{p02, 0, p22, 0},
		{0, p02, 0, p22},
	})
}

func TestUpdateVelocityHandComputed(t *testing.T) {
	// S = 10 + 10 = 20 per axis, K for velocity = 10/20 = 0.5, no gain on
	// position since position and velocity are uncorrelated.
	s := NewState(5, 6, 0, 0, 100, 10)
	if !s.UpdateVelocity(2, -1, 10) {
		t.Fatal("UpdateVelocity rejected a regular measurement")
	}
	checkVec(t, "velocity", s.X, [4]float64{5, 6, 1, -0.5})
	checkMat(t, "velocity", s.P, [4][4]float64{
		{100, 0, 0, 0},
		{0, 100, 0, 0},
		{0, 0, 5, 0},
		{0, 0, 0, 5},
	})
}

func TestKalmanEdgeCases(t *testing.T) {
	base := NewState(10, 20, 1, 2, 50, 5)

	t.Run("zero and negative dt", func(t *testing.T) {
		for _, dt := range []float64{0, -3, math.NaN()} {
			s := base
			s.Predict(dt, 1)
			if s != base {
				t.Errorf("Predict(%v) changed the state: %+v", dt, s)
			}
		}
	})

	t.Run("predicted position leaves state alone", func(t *testing.T) {
		s := base
		x, y, cov := s.PredictedPosition(2, 0.3)
		if s != base {
			t.Fatal("PredictedPosition changed the state")
		}
		p := base
		p.Predict(2, 0.3)
		if x != p.X[0] || y != p.X[1] {
			t.Errorf("position = (%v, %v), want (%v, %v)", x, y, p.X[0], p.X[1])
		}
		want := [2][2]float64{{p.P[0][0], p.P[0][1]}, {p.P[1][0], p.P[1][1]}}
		if cov != want {
			t.Errorf("cov = %v, want %v", cov, want)
		}
	})

	t.Run("singular innovation", func(t *testing.T) {
		s := NewState(0, 0, 0, 0, 0, 0)
		before := s
		if d2 := s.Distance2(1, 1, 0); !math.IsInf(d2, 1) {
			t.Errorf("Distance2 = %v, want +Inf", d2)
		}
		if _, ok := s.Update(1, 1, 0); ok {
			t.Error("Update accepted a singular S")
		}
		if s.UpdateVelocity(1, 1, 0) {
			t.Error("UpdateVelocity accepted a singular S")
		}
		if s != before {
			t.Error("a rejected update changed the state")
		}
	})

	t.Run("bad variance", func(t *testing.T) {
		for _, r := range []float64{-1, math.NaN(), math.Inf(1)} {
			s := base
			if _, ok := s.Update(1, 1, r); ok {
				t.Errorf("Update accepted r=%v", r)
			}
			if s != base {
				t.Errorf("Update with r=%v changed the state", r)
			}
		}
	})

	t.Run("distance matches update", func(t *testing.T) {
		s := base
		s.Predict(1.5, 0.2)
		want := s.Distance2(14, 19, 30)
		d2, ok := s.Update(14, 19, 30)
		if !ok || !near(d2, want, 1e-12) {
			t.Errorf("Update d2 = %v, %v; Distance2 = %v", d2, ok, want)
		}
	})

	t.Run("distance of correlated innovation", func(t *testing.T) {
		var s State
		s.P = [4][4]float64{{4, 1, 0, 0}, {1, 2, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}
		// S = [[4,1],[1,2]], det 7, S⁻¹ = [[2,-1],[-1,4]]/7; nu = (1, 1):
		// d2 = (2 - 1 - 1 + 4)/7 = 4/7.
		if d2 := s.Distance2(1, 1, 0); !near(d2, 4.0/7, 1e-12) {
			t.Errorf("Distance2 = %v, want %v", d2, 4.0/7)
		}
	})
}

// positiveDefinite reports whether the symmetric P has a Cholesky factor.
func positiveDefinite(p [4][4]float64) bool {
	var l [4][4]float64
	for i := range 4 {
		for j := 0; j <= i; j++ {
			sum := p[i][j]
			for k := range j {
				sum -= l[i][k] * l[j][k]
			}
			if i == j {
				if !(sum > 0) {
					return false
				}
				l[i][i] = math.Sqrt(sum)
			} else {
				l[i][j] = sum / l[j][j]
			}
		}
	}
	return true
}

func TestKalmanStaysSymmetricPositiveDefinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := NewState(0, 0, 0, 0, 1e4, 100)
	for step := range 10000 {
		switch rng.IntN(4) {
		case 0, 1:
			s.Predict(rng.Float64()*5, rng.Float64()*2)
		case 2:
			r := math.Pow(10, rng.Float64()*6-2) // 0.01 to 10⁴ m²
			zx := s.X[0] + rng.NormFloat64()*math.Sqrt(s.P[0][0]+r)
			zy := s.X[1] + rng.NormFloat64()*math.Sqrt(s.P[1][1]+r)
			if _, ok := s.Update(zx, zy, r); !ok {
				t.Fatalf("step %d: Update rejected a measurement, P = %v", step, s.P)
			}
		case 3:
			r := math.Pow(10, rng.Float64()*4-2)
			if !s.UpdateVelocity(s.X[2]+rng.NormFloat64(), s.X[3]+rng.NormFloat64(), r) {
				t.Fatalf("step %d: UpdateVelocity rejected a measurement, P = %v", step, s.P)
			}
		}
		for i := range 4 {
			for j := range 4 {
				if s.P[i][j] != s.P[j][i] {
					t.Fatalf("step %d: P not symmetric at %d,%d: %v", step, i, j, s.P)
				}
			}
		}
		if !positiveDefinite(s.P) {
			t.Fatalf("step %d: P not positive definite: %v", step, s.P)
		}
		for i := range 4 {
			if math.IsNaN(s.X[i]) || math.IsInf(s.X[i], 0) {
				t.Fatalf("step %d: X not finite: %v", step, s.X)
			}
		}
	}
}

func TestKalmanConverges(t *testing.T) {
	const (
		sigma = 10.0 // m, measurement noise per axis
		dt    = 1.0
		steps = 2000
		warm  = 10
	)
	tests := []struct {
		name   string
		vx, vy float64 // m/s, true initial velocity
		qTrue  float64 // m²/s³, true acceleration noise
		q      float64 // filter's acceleration noise
	}{
		{name: "stationary", q: 0.01},
		{name: "moving", vx: 3, vy: -1.5, q: 0.01},
		{name: "manoeuvring", vx: 8, vy: 2, qTrue: 0.2, q: 0.2},
	}
	for n, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(42, uint64(n)))
			tx, ty, tvx, tvy := 1000.0, -500.0, tc.vx, tc.vy
			r := sigma * sigma
			s := NewState(tx+rng.NormFloat64()*sigma, ty+rng.NormFloat64()*sigma, 0, 0, r, 100)
			inside, total := 0, 0
			for step := range steps {
				// Truth: constant velocity plus white acceleration noise.
				tx += tvx * dt
				ty += tvy * dt
				if tc.qTrue > 0 {
					sd := math.Sqrt(tc.qTrue * dt)
					tvx += rng.NormFloat64() * sd
					tvy += rng.NormFloat64() * sd
				}
				s.Predict(dt, tc.q)
				if _, ok := s.Update(tx+rng.NormFloat64()*sigma, ty+rng.NormFloat64()*sigma, r); !ok {
					t.Fatalf("step %d: update rejected", step)
				}
				if step < warm {
					continue
				}
				total++
				if math.Abs(s.X[0]-tx) <= 3*math.Sqrt(s.P[0][0]) &&
					math.Abs(s.X[1]-ty) <= 3*math.Sqrt(s.P[1][1]) {
					inside++
				}
			}
			if frac := float64(inside) / float64(total); frac < 0.98 {
				t.Errorf("position within 3 sigma in %.3f of steps, want ≥ 0.98", frac)
			}
			if e := math.Hypot(s.X[0]-tx, s.X[1]-ty); e > 3*sigma {
				t.Errorf("final position error %.2f m, want ≤ %.0f", e, 3*sigma)
			}
			if sd := math.Sqrt(s.P[0][0]); sd >= sigma {
				t.Errorf("final position sigma %.2f m did not shrink below the measurement's %.0f", sd, sigma)
			}
			if e := math.Hypot(s.X[2]-tvx, s.X[3]-tvy); e > 2 {
				t.Errorf("final velocity error %.2f m/s, want ≤ 2", e)
			}
		})
	}
}
