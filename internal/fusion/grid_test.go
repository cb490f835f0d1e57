package fusion

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

type gridPoint struct{ x, y float64 }

// checkQuery fails unless Query returns every point of want within r of
// (x, y), no id twice and no id that is not in the grid.
func checkQuery(t *testing.T, g *Grid, want map[int32]gridPoint, x, y, r float64) {
	t.Helper()
	got := g.Query(x, y, r, nil)
	seen := make(map[int32]bool, len(got))
	for _, id := range got {
		if seen[id] {
			t.Fatalf("Query(%v, %v, %v) returned %d twice", x, y, r, id)
		}
		seen[id] = true
		if _, ok := want[id]; !ok {
			t.Fatalf("Query(%v, %v, %v) returned %d, which is not in the grid", x, y, r, id)
		}
	}
	for id, p := range want {
		if math.Hypot(p.x-x, p.y-y) <= r && !seen[id] {
			t.Fatalf("Query(%v, %v, %v) missed %d at (%v, %v)", x, y, r, id, p.x, p.y)
		}
	}
}

func TestGridAgainstBruteForce(t *testing.T) {
	tests := []struct {
		name   string
		cell   float64
		extent float64 // points lie in [-extent, extent]²
		ops    int
	}{
		{name: "dense", cell: 100, extent: 500, ops: 5000},
		{name: "sparse", cell: 50, extent: 20000, ops: 5000},
		{name: "cell edges", cell: 10, extent: 40, ops: 3000},
	}
	for n, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, uint64(n)))
			g := NewGrid(tc.cell)
			want := map[int32]gridPoint{}
			var nextID int32
			coord := func() float64 {
				if tc.name == "cell edges" && rng.IntN(2) == 0 {
					// Land exactly on cell boundaries, either side of zero.
					return float64(rng.IntN(9)-4) * tc.cell
				}
				return (rng.Float64()*2 - 1) * tc.extent
			}
			pick := func() int32 {
				for id := range want { // map order is random enough here
					return id
				}
				return -1
			}
			for op := range tc.ops {
				switch k := rng.IntN(10); {
				case k < 4 || len(want) == 0:
					p := gridPoint{coord(), coord()}
					g.Insert(nextID, p.x, p.y)
					want[nextID] = p
					nextID++
				case k < 6:
					id := pick()
					old := want[id]
					p := gridPoint{coord(), coord()}
					if rng.IntN(3) == 0 {
						// A small step usually stays in the cell.
						p = gridPoint{old.x + rng.Float64(), old.y - rng.Float64()}
					}
					g.Move(id, old.x, old.y, p.x, p.y)
					want[id] = p
				case k < 8:
					id := pick()
					p := want[id]
					g.Remove(id, p.x, p.y)
					delete(want, id)
				default:
					r := rng.Float64() * 3 * tc.cell
					if rng.IntN(20) == 0 {
						r = 10 * tc.extent // wider than the occupied cells
					}
					checkQuery(t, g, want, coord(), coord(), r)
				}
				if g.Len() != len(want) {
					t.Fatalf("op %d: Len = %d, want %d", op, g.Len(), len(want))
				}
			}
			for id, p := range want {
				g.Remove(id, p.x, p.y)
			}
			if g.Len() != 0 || len(g.cells) != 0 {
				t.Errorf("after removing everything: Len %d, %d cells left", g.Len(), len(g.cells))
			}
			if len(g.spare) > maxSpareCells {
				t.Errorf("%d spare cells kept, limit %d", len(g.spare), maxSpareCells)
			}
		})
	}
}

func TestGridEdgeCases(t *testing.T) {
	t.Run("remove absent", func(t *testing.T) {
		g := NewGrid(10)
		g.Insert(1, 5, 5)
		g.Remove(2, 5, 5)
		g.Remove(1, 500, 500)
		if g.Len() != 1 {
			t.Fatalf("Len = %d, want 1", g.Len())
		}
		g.Remove(1, 5, 5)
		g.Remove(1, 5, 5)
		if g.Len() != 0 || len(g.cells) != 0 {
			t.Fatalf("Len = %d, cells %d, want 0, 0", g.Len(), len(g.cells))
		}
	})

	t.Run("move within a cell", func(t *testing.T) {
		g := NewGrid(10)
		g.Insert(7, 1, 1)
		g.Move(7, 1, 1, 9, 9)
		if got := g.Query(9, 9, 0, nil); !slices.Equal(got, []int32{7}) {
			t.Fatalf("Query = %v, want [7]", got)
		}
		if g.Len() != 1 {
			t.Fatalf("Len = %d, want 1", g.Len())
		}
	})

	t.Run("negative coordinates", func(t *testing.T) {
		g := NewGrid(10)
		g.Insert(1, -0.5, -0.5)
		g.Insert(2, 0.5, 0.5)
		if got := g.Query(-0.5, -0.5, 0, nil); !slices.Equal(got, []int32{1}) {
			t.Fatalf("Query at (-0.5,-0.5) = %v, want [1]", got)
		}
		got := g.Query(0, 0, 1, nil)
		slices.Sort(got)
		if !slices.Equal(got, []int32{1, 2}) {
			t.Fatalf("Query across zero = %v, want [1 2]", got)
		}
	})

	t.Run("appends to dst", func(t *testing.T) {
		g := NewGrid(10)
		g.Insert(3, 0, 0)
		got := g.Query(0, 0, 1, []int32{9})
		if !slices.Equal(got, []int32{9, 3}) {
			t.Fatalf("Query = %v, want [9 3]", got)
		}
	})

	t.Run("odd arguments", func(t *testing.T) {
		for _, cell := range []float64{0, -1, math.NaN(), math.Inf(1)} {
			g := NewGrid(cell)
			g.Insert(1, 3, 4)
			if got := g.Query(3, 4, math.NaN(), nil); !slices.Equal(got, []int32{1}) {
				t.Errorf("cell %v: Query = %v, want [1]", cell, got)
			}
		}
		g := NewGrid(10)
		g.Insert(1, 1e300, -1e300)
		g.Insert(2, math.NaN(), 0)
		if got := g.Query(1e300, -1e300, 1, nil); !slices.Contains(got, 1) {
			t.Errorf("far point not found: %v", got)
		}
		if got := g.Query(0, 0, math.Inf(1), nil); len(got) != 2 {
			t.Errorf("Query with infinite radius = %v, want both points", got)
		}
	})
}
