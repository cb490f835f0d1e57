package fusion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func BenchmarkKalman(b *testing.B) {
	b.Run("predict", func(b *testing.B) {
		b.ReportAllocs()
		s := NewState(0, 0, 1, 1, 100, 10)
		for b.Loop() {
			s.Predict(1e-3, 0.5)
		}
	})
	b.Run("distance", func(b *testing.B) {
		b.ReportAllocs()
		s := NewState(0, 0, 1, 1, 100, 10)
		var sink float64
		for b.Loop() {
			sink += s.Distance2(3, 4, 25)
		}
		_ = sink
	})
	b.Run("predict+update", func(b *testing.B) {
		b.ReportAllocs()
		s := NewState(0, 0, 1, 1, 100, 10)
		for b.Loop() {
			s.Predict(1, 0.5)
			s.Update(s.X[0]+1, s.X[1]-1, 25)
		}
	})
}

func BenchmarkAssign(b *testing.B) {
	for _, n := range []int{5, 20, 100} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, uint64(n)))
			cost := make([]float64, n*n)
			for k := range cost {
				// Sparse gating, as in tracking: most pairs are out of gate.
				if rng.Float64() < 0.7 {
					cost[k] = math.Inf(1)
				} else {
					cost[k] = rng.Float64() * Gate99
				}
			}
			var ws AssignWork
			b.ReportAllocs()
			for b.Loop() {
				Assign(cost, n, n, Gate99/2, &ws)
			}
		})
	}
}

func BenchmarkGridQuery(b *testing.B) {
	const (
		width  = 600_000.0 // m, along the border
		depth  = 20_000.0  // m
		radius = 300.0
		cell   = 500.0
	)
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("points=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(2, uint64(n)))
			g := NewGrid(cell)
			for id := range n {
				g.Insert(int32(id), rng.Float64()*width, rng.Float64()*depth)
			}
			queries := make([][2]float64, 1024)
			for i := range queries {
				queries[i] = [2]float64{rng.Float64() * width, rng.Float64() * depth}
			}
			dst := make([]int32, 0, 256)
			found := 0
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				q := queries[i%len(queries)]
				dst = g.Query(q[0], q[1], radius, dst[:0])
				found += len(dst)
				i++
			}
			b.ReportMetric(float64(found)/float64(i), "ids/op")
		})
	}
}

func BenchmarkGridMove(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	const n = 10_000
	g := NewGrid(500)
	pos := make([][2]float64, n)
	for id := range pos {
		pos[id] = [2]float64{rng.Float64() * 600_000, rng.Float64() * 20_000}
		g.Insert(int32(id), pos[id][0], pos[id][1])
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		id := i % n
		p := pos[id]
		x, y := p[0]+30, p[1]-20 // a few seconds of a vehicle's travel
		g.Move(int32(id), p[0], p[1], x, y)
		pos[id] = [2]float64{x, y}
		i++
	}
}
