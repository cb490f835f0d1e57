package fusion

import (
	"math"
	"math/rand/v2"
	"testing"
)

// checkAssignment fails unless got is a valid partial matching of the
// rows×cols problem (each column at most once, no forbidden pair) and
// returns its total cost.
func checkAssignment(t *testing.T, cost []float64, rows, cols int, miss float64, got []int) float64 {
	t.Helper()
	if len(got) != rows {
		t.Fatalf("got %d rows, want %d", len(got), rows)
	}
	taken := make([]bool, cols)
	total := 0.0
	matched := 0
	for i, j := range got {
		if j == -1 {
			total += miss
			continue
		}
		if j < 0 || j >= cols {
			t.Fatalf("row %d assigned to column %d of %d", i, j, cols)
		}
		if taken[j] {
			t.Fatalf("column %d assigned twice: %v", j, got)
		}
		taken[j] = true
		c := cost[i*cols+j]
		if math.IsInf(c, 1) || math.IsNaN(c) {
			t.Fatalf("row %d took forbidden column %d", i, j)
		}
		total += c
		matched++
	}
	return total + miss*float64(cols-matched)
}

// bruteAssign returns the least total cost over every partial matching.
func bruteAssign(cost []float64, rows, cols int, miss float64) float64 {
	taken := make([]bool, cols)
	var rec func(i int, matched int) float64
	rec = func(i, matched int) float64 {
		if i == rows {
			return miss * float64(cols-matched)
		}
		best := miss + rec(i+1, matched)
		for j := range cols {
			c := cost[i*cols+j]
			if taken[j] || math.IsInf(c, 1) || math.IsNaN(c) {
				continue
			}
			taken[j] = true
			best = min(best, c+rec(i+1, matched+1))
			taken[j] = false
		}
		return best
	}
	return rec(0, 0)
}

func randomCosts(rng *rand.Rand, rows, cols int, pInf float64) []float64 {
	cost := make([]float64, rows*cols)
	for k := range cost {
		switch {
		case rng.Float64() < pInf:
			cost[k] = math.Inf(1)
		case rng.IntN(5) == 0:
			cost[k] = float64(rng.IntN(4)) // integer values make ties
		default:
			cost[k] = rng.Float64() * 20
		}
	}
	return cost
}

func TestAssignMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var ws AssignWork
	for n := range 5000 {
		rows, cols := rng.IntN(7), rng.IntN(7)
		cost := randomCosts(rng, rows, cols, rng.Float64()*0.6)
		miss := rng.Float64() * 12
		if n%10 == 0 {
			miss = float64(rng.IntN(3))
		}
		w := &ws
		if n%3 == 0 {
			w = nil
		}
		got := Assign(cost, rows, cols, miss, w)
		total := checkAssignment(t, cost, rows, cols, miss, got)
		want := bruteAssign(cost, rows, cols, miss)
		if math.Abs(total-want) > 1e-9 {
			t.Fatalf("case %d: %d×%d miss %v cost %v: total %v, brute force %v (assignment %v)",
				n, rows, cols, miss, cost, total, want, got)
		}
	}
}

func TestAssignDegenerate(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name       string
		cost       []float64
		rows, cols int
		miss       float64
		want       []int   // exact assignment, when it is unique
		total      float64 // expected total cost
	}{
		{name: "no rows", rows: 0, cols: 3, miss: 2, want: []int{}, total: 6},
		{name: "no columns", rows: 3, cols: 0, miss: 2, want: []int{-1, -1, -1}, total: 6},
		{name: "empty", want: []int{}, total: 0},
		{name: "all forbidden", cost: []float64{inf, inf, inf, inf}, rows: 2, cols: 2, miss: 1e9,
			want: []int{-1, -1}, total: 4e9},
		{name: "all ties", cost: []float64{1, 1, 1, 1, 1, 1}, rows: 2, cols: 3, miss: 1, total: 3},
		{name: "all zero", cost: []float64{0, 0, 0, 0, 0, 0}, rows: 3, cols: 2, miss: 5, total: 5},
		{name: "zero miss leaves positive pairs", cost: []float64{1, 2, 3, 4}, rows: 2, cols: 2, miss: 0,
			want: []int{-1, -1}, total: 0},
		{name: "pair dearer than two misses", cost: []float64{5}, rows: 1, cols: 1, miss: 2,
			want: []int{-1}, total: 4},
		{name: "pair at exactly two misses", cost: []float64{4}, rows: 1, cols: 1, miss: 2, total: 4},
		{name: "negative miss is zero", cost: []float64{1}, rows: 1, cols: 1, miss: -3,
			want: []int{-1}, total: 0},
		{name: "NaN miss is zero", cost: []float64{1}, rows: 1, cols: 1, miss: math.NaN(),
			want: []int{-1}, total: 0},
		{name: "NaN cost forbidden", cost: []float64{math.NaN(), 1}, rows: 1, cols: 2, miss: 10,
			want: []int{1}, total: 11},
		{name: "global beats greedy", cost: []float64{1, 2, 2, 100}, rows: 2, cols: 2, miss: 100,
			want: []int{1, 0}, total: 4},
		{name: "forbidden forces miss", cost: []float64{1, inf, 1, inf}, rows: 2, cols: 2, miss: 3,
			total: 7},
		{name: "negative costs", cost: []float64{-5, -1, -2, -6}, rows: 2, cols: 2, miss: 0,
			want: []int{0, 1}, total: -11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			miss := tc.miss
			if !(miss >= 0) {
				miss = 0
			}
			got := Assign(tc.cost, tc.rows, tc.cols, tc.miss, nil)
			total := checkAssignment(t, tc.cost, tc.rows, tc.cols, miss, got)
			if math.Abs(total-tc.total) > 1e-9 {
				t.Errorf("total = %v, want %v (assignment %v)", total, tc.total, got)
			}
			if tc.want != nil {
				if len(got) != len(tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Fatalf("got %v, want %v", got, tc.want)
					}
				}
			}
		})
	}
}

// greedyAssign takes the cheapest remaining pairs first while a pair beats
// two misses; it gives a feasible total, an upper bound on the optimum.
func greedyAssign(cost []float64, rows, cols int, miss float64) float64 {
	rowDone := make([]bool, rows)
	colDone := make([]bool, cols)
	total := 0.0
	matched := 0
	for {
		bi, bj, best := -1, -1, 2*miss
		for i := range rows {
			if rowDone[i] {
				continue
			}
			for j := range cols {
				if !colDone[j] && cost[i*cols+j] < best {
					bi, bj, best = i, j, cost[i*cols+j]
				}
			}
		}
		if bi < 0 {
			break
		}
		rowDone[bi], colDone[bj] = true, true
		total += best
		matched++
	}
	return total + miss*float64(rows+cols-2*matched)
}

// lowerBound gives every row its cheapest option (a column or a miss) as if
// columns could be shared, and every column likewise; half of both sums
// bounds the optimum from below because each matched pair's cost is split
// evenly between its row and column and each miss is counted once per side.
func lowerBound(cost []float64, rows, cols int, miss float64) float64 {
	var lb float64
	for i := range rows {
		best := miss
		for j := range cols {
			best = min(best, cost[i*cols+j]/2)
		}
		lb += best
	}
	for j := range cols {
		best := miss
		for i := range rows {
			best = min(best, cost[i*cols+j]/2)
		}
		lb += best
	}
	return lb
}

func TestAssignLarge(t *testing.T) {
	const n = 200
	rng := rand.New(rand.NewPCG(3, 5))
	cost := make([]float64, n*n)
	for k := range cost {
		if rng.Float64() < 0.3 {
			cost[k] = math.Inf(1)
		} else {
			cost[k] = rng.Float64() * 20
		}
	}
	for _, miss := range []float64{0.05, 0.3, 2} {
		var ws AssignWork
		got := Assign(cost, n, n, miss, &ws)
		total := checkAssignment(t, cost, n, n, miss, got)
		greedy := greedyAssign(cost, n, n, miss)
		lb := lowerBound(cost, n, n, miss)
		if total > greedy+1e-9 {
			t.Errorf("miss %v: total %v worse than greedy %v", miss, total, greedy)
		}
		if total < lb-1e-9 {
			t.Errorf("miss %v: total %v below the lower bound %v", miss, total, lb)
		}
		t.Logf("miss %v: lower bound %.2f ≤ optimum %.2f ≤ greedy %.2f", miss, lb, total, greedy)
		checkNoLocalImprovement(t, cost, n, n, miss, got)

		// A reused workspace gives the same answer.
		again := Assign(cost, n, n, miss, &ws)
		if t2 := checkAssignment(t, cost, n, n, miss, again); math.Abs(t2-total) > 1e-9 {
			t.Errorf("miss %v: reused workspace total %v, first %v", miss, t2, total)
		}
	}
}

// checkNoLocalImprovement fails when swapping the columns of two rows,
// moving a row to a free column, or dropping a pair lowers the total.
func checkNoLocalImprovement(t *testing.T, cost []float64, rows, cols int, miss float64, got []int) {
	t.Helper()
	const eps = 1e-9
	pair := func(i, j int) float64 {
		if j < 0 {
			return miss
		}
		return cost[i*cols+j]
	}
	free := make([]bool, cols)
	for j := range free {
		free[j] = true
	}
	for _, j := range got {
		if j >= 0 {
			free[j] = false
		}
	}
	for i, j := range got {
		if j >= 0 && 2*miss < cost[i*cols+j]-eps {
			t.Fatalf("row %d keeps column %d at %v, dearer than two misses", i, j, cost[i*cols+j])
		}
		for c := range cols {
			if !free[c] {
				continue
			}
			// Row i takes free column c; its old column (if any) is missed.
			before := pair(i, j) + miss
			after := cost[i*cols+c]
			if j >= 0 {
				after += miss
			}
			if after < before-eps {
				t.Fatalf("row %d would gain by moving from column %d to free column %d", i, j, c)
			}
		}
		for k := i + 1; k < rows; k++ {
			jk := got[k]
			if j < 0 || jk < 0 {
				continue
			}
			if cost[i*cols+jk]+cost[k*cols+j] < cost[i*cols+j]+cost[k*cols+jk]-eps {
				t.Fatalf("rows %d and %d would gain by swapping columns %d and %d", i, k, j, jk)
			}
		}
	}
}

func TestAssignReusesWorkspace(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	cost := randomCosts(rng, 20, 15, 0.2)
	var ws AssignWork
	Assign(cost, 20, 15, 5, &ws)
	allocs := testing.AllocsPerRun(50, func() {
		Assign(cost, 20, 15, 5, &ws)
		Assign(cost[:6*5], 6, 5, 5, &ws)
	})
	if allocs != 0 {
		t.Errorf("Assign allocated %v times per run with a warm workspace", allocs)
	}
}
