package fusion

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sparseCosts makes a rows×cols problem whose gated pairs fall into
// small groups, as a scan's do: each row is gated with a few columns
// near it, and a few with none.
func sparseCosts(rng *rand.Rand, rows, cols int, miss float64) ([]float64, []int32) {
	cost := make([]float64, rows*cols)
	var edges []int32
	for r := range rows {
		centre := rng.IntN(max(cols, 1))
		for c := range cols {
			cost[r*cols+c] = math.Inf(1)
			if d := c - centre; d >= -1 && d <= 1 && rng.Float64() < 0.7 {
				cost[r*cols+c] = rng.Float64() * 3 * miss
				edges = append(edges, int32(r*cols+c))
			}
		}
	}
	return cost, edges
}

func TestSolveClustersMatchesAssign(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var cw clusterWork
	var aw, whole AssignWork
	for n := range 3000 {
		rows, cols := rng.IntN(30), 1+rng.IntN(40)
		miss := 0.5 + rng.Float64()*10
		cost, edges := sparseCosts(rng, rows, cols, miss)
		cw.edges = append(cw.edges[:0], edges...)
		got := slices.Clone(solveClusters(cost, rows, cols, miss, &cw, &aw))
		want := Assign(cost, rows, cols, miss, &whole)
		if !slices.Equal(got, want) {
			t.Fatalf("case %d: %d×%d miss %v: clusters give %v, Assign %v", n, rows, cols, miss, got, want)
		}
	}
}

func TestFarOutsideOnlyRejectsOutsideTheGate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rejected := 0
	for range 200000 {
		sx, sy := math.Exp(rng.Float64()*12-2), math.Exp(rng.Float64()*12-2)
		rho := rng.Float64()*2 - 1
		st := NewState(rng.NormFloat64()*1000, rng.NormFloat64()*1000, 0, 0, 1, 1)
		st.P[0][0], st.P[1][1] = sx*sx, sy*sy
		st.P[0][1] = rho * sx * sy
		st.P[1][0] = st.P[0][1]
		sigma := 1 + rng.Float64()*100
		z := obsVec{x: st.X[0] + rng.NormFloat64()*3*sx, y: st.X[1] + rng.NormFloat64()*3*sy, r: sigma * sigma}
		dx, dy := z.x-st.X[0], z.y-st.X[1]
		if !farOutside(dx*dx+dy*dy, reachVar(&st)+z.r, Gate99) {
			continue
		}
		rejected++
		if d2, _ := pairCost(&st, &z); !(d2 > Gate99) {
			t.Fatalf("rejected a pair inside the gate: d² %v, P %v, z %+v", d2, st.P, z)
		}
	}
	if rejected == 0 {
		t.Fatal("nothing rejected")
	}
}
