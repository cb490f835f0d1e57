package score

import (
	"math"
	"math/rand/v2"
	"testing"

	"raqib/internal/geo"
)

var origin = geo.LatLon{Lat: 34.4, Lon: 40.95}

func offset(p geo.LatLon, az, d float64) geo.LatLon {
	q, _ := geo.Direct(p, az, d)
	return q
}

func TestGOSPAKnown(t *testing.T) {
	far := offset(origin, 0, 5000)
	cases := []struct {
		name               string
		xs, ys             []geo.LatLon
		loc, missed, false float64
		match              []int32
	}{
		{"empty", nil, nil, 0, 0, 0, nil},
		{"one track 10 m off", []geo.LatLon{origin}, []geo.LatLon{offset(origin, 90, 10)}, 100, 0, 0, []int32{0}},
		{"one missed", []geo.LatLon{origin}, nil, 0, 1250, 0, []int32{-1}},
		{"one false", nil, []geo.LatLon{origin}, 0, 0, 1250, nil},
		{"too far to match", []geo.LatLon{origin}, []geo.LatLon{offset(origin, 45, 50.5)}, 0, 1250, 1250, []int32{-1}},
		{"10 m off, one missed, one false",
			[]geo.LatLon{origin, far}, []geo.LatLon{offset(origin, 180, 10), offset(far, 90, 300)},
			100, 1250, 1250, []int32{0, -1}},
		{"the closer wins", // two truths 30 m apart, one estimate 5 m from the second
			[]geo.LatLon{origin, offset(origin, 0, 30)}, []geo.LatLon{offset(origin, 0, 35)},
			25, 1250, 0, []int32{-1, 0}},
		{"two pairs", // both at 20 m: 2·20² beats one pair and two misses
			[]geo.LatLon{origin, offset(origin, 90, 40)},
			[]geo.LatLon{offset(origin, 90, 20), offset(origin, 90, 60)},
			800, 0, 0, []int32{0, 1}},
	}
	s := newGOSPASolver(50, 2, 2, 40)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			terms, match := s.solve(c.xs, c.ys)
			if math.Abs(terms.loc-c.loc) > 1e-6*math.Max(1, c.loc) || terms.missed != c.missed || terms.false != c.false {
				t.Fatalf("terms %+v, want loc %v missed %v false %v", terms, c.loc, c.missed, c.false)
			}
			for i := range c.match {
				if match[i] != c.match[i] {
					t.Fatalf("match %v, want %v", match, c.match)
				}
			}
			want := math.Sqrt(c.loc + c.missed + c.false)
			if got := terms.value(2); math.Abs(got-want) > 1e-6 {
				t.Fatalf("GOSPA %v, want %v", got, want)
			}
		})
	}
}

// bruteGOSPA tries every partial assignment of truths to estimates.
func bruteGOSPA(xs, ys []geo.LatLon, c, p float64) float64 {
	miss := math.Pow(c, p) / 2
	used := make([]bool, len(ys))
	var best = math.Inf(1)
	var rec func(i int, acc float64, matched int)
	rec = func(i int, acc float64, matched int) {
		if i == len(xs) {
			total := acc + miss*float64(len(xs)+len(ys)-2*matched)
			best = math.Min(best, total)
			return
		}
		rec(i+1, acc, matched)
		for j := range ys {
			if !used[j] {
				used[j] = true
				d := math.Min(geo.Distance(xs[i], ys[j]), c)
				rec(i+1, acc+math.Pow(d, p), matched+1)
				used[j] = false
			}
		}
	}
	rec(0, 0, 0)
	return best
}

func TestGOSPABruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := newGOSPASolver(50, 2, 2, 40)
	randPoint := func(spread float64) geo.LatLon {
		return offset(origin, rng.Float64()*360, spread*math.Sqrt(rng.Float64()))
	}
	for trial := range 500 {
		n, m := rng.IntN(6), rng.IntN(6)
		spread := []float64{30, 80, 200}[trial%3]
		xs, ys := make([]geo.LatLon, n), make([]geo.LatLon, m)
		for i := range xs {
			xs[i] = randPoint(spread)
		}
		for j := range ys {
			ys[j] = randPoint(spread)
		}
		terms, match := s.solve(xs, ys)
		got := terms.loc + terms.missed + terms.false
		want := bruteGOSPA(xs, ys, 50, 2)
		if math.Abs(got-want) > 1e-6*math.Max(1, want) {
			t.Fatalf("trial %d (%d truths, %d estimates, spread %v m): %v, brute force %v", trial, n, m, spread, got, want)
		}
		// The matches are consistent with the terms.
		var loc float64
		seen := map[int32]bool{}
		k := 0
		for i, j := range match {
			if j < 0 {
				continue
			}
			if seen[j] {
				t.Fatalf("trial %d: estimate %d matched twice", trial, j)
			}
			seen[j] = true
			loc += math.Pow(geo.Distance(xs[i], ys[j]), 2)
			k++
		}
		if math.Abs(loc-terms.loc) > 1e-6*math.Max(1, loc) || terms.missed != float64(n-k)*1250 || terms.false != float64(m-k)*1250 {
			t.Fatalf("trial %d: matches %v disagree with %+v", trial, match, terms)
		}
	}
}

// TestGOSPAScattered: many far-apart pairs, each its own component.
func TestGOSPAScattered(t *testing.T) {
	s := newGOSPASolver(50, 2, 2, 40)
	var xs, ys []geo.LatLon
	for i := range 2000 {
		p := offset(origin, float64(i%360), 1000+float64(i)*70)
		xs = append(xs, p)
		if i%4 != 0 {
			ys = append(ys, offset(p, 90, 5))
		}
	}
	terms, _ := s.solve(xs, ys)
	if math.Abs(terms.loc-1500*25) > 1e-3 || terms.missed != 500*1250 || terms.false != 0 {
		t.Fatalf("%+v", terms)
	}
}
