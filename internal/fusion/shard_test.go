package fusion

import (
	"math"
	"slices"
	"testing"
	"time"

	"raqib/internal/geo"
)

// testShards splits the test ground into n shards by easting: the cuts
// are 12 km / n apart, centred on the origin, and each shard's frame is
// at its middle.
func testShards(n int) Config {
	cfg := DefaultConfig()
	if n == 1 {
		return cfg
	}
	width := 12000.0 / float64(n)
	cfg.Key = func(p geo.LatLon) float64 {
		x, _ := testFrame.Forward(p)
		return x
	}
	for i := range n {
		if i > 0 {
			cfg.Cuts = append(cfg.Cuts, -6000+width*float64(i))
		}
		cfg.Origins = append(cfg.Origins, testFrame.Reverse(-6000+width*(float64(i)+0.5), 0))
	}
	return cfg
}

func TestConvergence(t *testing.T) {
	f := geo.NewFrame(geo.LatLon{Lat: 34, Lon: 40})
	for _, p := range []geo.LatLon{{Lat: 35, Lon: 41.5}, {Lat: 33, Lon: 38}, {Lat: 34, Lon: 40}, {Lat: 36.5, Lon: 42.3}} {
		x0, y0 := f.Forward(p)
		s, c := convergence(f, p)
		for _, az := range []float64{0, 90, 217} {
			q, _ := geo.Direct(p, az, 100)
			x1, y1 := f.Forward(q)
			gx, gy := x1-x0, y1-y0
			east, north := c*gx+s*gy, c*gy-s*gx
			got := math.Atan2(east, north) * 180 / math.Pi
			if d := math.Abs(math.Remainder(got-az, 360)); d > 1e-3 {
				t.Errorf("%v azimuth %v: grid vector turned back to %.5f°", p, az, got)
			}
		}
	}
}

func TestFrameMapCarry(t *testing.T) {
	a := geo.NewFrame(geo.LatLon{Lat: 34.0, Lon: 40.0})
	b := geo.NewFrame(geo.LatLon{Lat: 34.3, Lon: 41.2})
	p := geo.LatLon{Lat: 34.15, Lon: 40.6}
	ve, vn := 3.0, -1.5 // true east and north, m/s
	inFrame := func(f *geo.Frame) State {
		x, y := f.Forward(p)
		s, c := convergence(f, p)
		// The inverse of convergence's turn.
		vx, vy := c*ve-s*vn, c*vn+s*ve
		st := NewState(x, y, vx, vy, 100, 1)
		st.P[0][1], st.P[1][0] = 60, 60
		return st
	}
	st := inFrame(a)
	m := newFrameMap(a, b, st.X[0], st.X[1])
	m.state(&st)
	want := inFrame(b)
	if d := math.Hypot(st.X[0]-want.X[0], st.X[1]-want.X[1]); d > 0.01 {
		t.Errorf("position %.3f m off", d)
	}
	if d := math.Hypot(st.X[2]-want.X[2], st.X[3]-want.X[3]); d > 1e-3 {
		t.Errorf("velocity %.5f m/s off", d)
	}
	// The covariance keeps its trace and determinant under the turn.
	tr := func(s State) float64 { return s.P[0][0] + s.P[1][1] }
	det := func(s State) float64 { return s.P[0][0]*s.P[1][1] - s.P[0][1]*s.P[1][0] }
	if math.Abs(tr(st)-200) > 1e-9 || math.Abs(det(st)-(100*100-60*60)) > 1e-6 {
		t.Errorf("covariance %v changed more than by a turn", st.P)
	}
}

func TestWalkerCrossesCut(t *testing.T) {
	for _, v := range []float64{1.4, -1.4} {
		// Four shards with cuts at −3 km, 0 and 3 km; the walker crosses
		// the middle one, seen by two cameras.
		cams := []camera{
			{id: "S07-C001", period: time.Second, view: box{-2500, 2500, -1000, 1000}, sigma: 20},
			{id: "S07-C002", period: 1500 * time.Millisecond, phase: 200 * time.Millisecond, view: box{-2500, 2500, -1000, 1000}, sigma: 30},
		}
		w := newWorld(7, cams, []target{walker(-500*v/1.4, 50, v, 0.2)})
		tr, us := runBatches(t, testShards(4), deliver(w.run(12*time.Minute), 7, 250*time.Millisecond))
		if got := ids(us); len(got) != 1 {
			t.Fatalf("v %v: %d track ids, want 1:\n%s", v, len(got), describe(us))
		}
		st := tr.Stats()
		if st.Handoffs != 1 {
			t.Errorf("v %v: %d hand-offs, want 1", v, st.Handoffs)
		}
		snap := tr.Snapshot()
		if len(snap) != 1 {
			t.Fatalf("v %v: %d tracks", v, len(snap))
		}
		x, y := walker(-500*v/1.4, 50, v, 0.2).at(snap[0].Time.Sub(testStart))
		if d := frameDist(snap[0].Pos, x, y); d > 25 {
			t.Errorf("v %v: track %.1f m from the walker", v, d)
		}
		if dv := math.Hypot(snap[0].Vel.East-v, snap[0].Vel.North-0.2); dv > 0.4 {
			t.Errorf("v %v: velocity %+v is %.2f m/s off", v, snap[0].Vel, dv)
		}
	}
}

// trackSummary is what two runs should agree on about a track.
type trackSummary struct {
	id   string
	hits int
	pos  geo.LatLon
}

func summarise(ts []Track) []trackSummary {
	out := make([]trackSummary, len(ts))
	for i, t := range ts {
		out[i] = trackSummary{id: t.ID, hits: t.Hits, pos: t.Pos}
	}
	return out
}

func TestShardCountsAgree(t *testing.T) {
	scenario := func(nearCuts bool) [][]Measurement {
		var targets []target
		for i := range 8 {
			// 1.5 km and more from the cuts of 4 shards (−3, 0 and 3 km),
			// or starting 150 m short of one and walking across it.
			x, vx := -4500+1150*float64(i), 0.3*math.Cos(float64(i))
			if nearCuts {
				cut, dir := 3000*float64(i%3-1), float64(1-2*(i%2))
				x, vx = cut-150*dir, 1.4*dir
			}
			targets = append(targets, walker(x, -600+170*float64(i), vx, 0.4*math.Sin(float64(i))))
		}
		var cams []camera
		for i := range 4 {
			x0 := -6000 + 3000*float64(i)
			cams = append(cams, camera{
				id: "S08-C00" + string(rune('1'+i)), period: time.Duration(1000+250*i) * time.Millisecond,
				view: box{x0 - 200, x0 + 3200, -2000, 2000}, sigma: 25,
			})
		}
		w := newWorld(12, cams, targets)
		return deliver(w.run(5*time.Minute), 12, 250*time.Millisecond)
	}
	t.Run("away from the cuts", func(t *testing.T) {
		batches := scenario(false)
		one, _ := runBatches(t, testShards(1), batches)
		four, _ := runBatches(t, testShards(4), batches)
		a, b := summarise(one.Snapshot()), summarise(four.Snapshot())
		if len(a) != 8 || len(a) != len(b) {
			t.Fatalf("%d tracks with one shard, %d with four; want 8", len(a), len(b))
		}
		for i := range a {
			if a[i].id != b[i].id || a[i].hits != b[i].hits {
				t.Errorf("track %d: %+v with one shard, %+v with four", i, a[i], b[i])
			}
			if d := geo.Distance(a[i].pos, b[i].pos); d > 0.5 {
				t.Errorf("track %s: positions %.2f m apart", a[i].id, d)
			}
		}
		if st := four.Stats(); st.Handoffs != 0 {
			t.Errorf("%d hand-offs, want none", st.Handoffs)
		}
	})
	t.Run("across the cuts", func(t *testing.T) {
		batches := scenario(true)
		one, _ := runBatches(t, testShards(1), batches)
		four, _ := runBatches(t, testShards(4), batches)
		a, b := summarise(one.Snapshot()), summarise(four.Snapshot())
		if four.Stats().Handoffs == 0 {
			t.Error("no hand-off: the scenario does not cross a cut")
		}
		var ia, ib []string
		for _, s := range a {
			ia = append(ia, s.id)
		}
		for _, s := range b {
			ib = append(ib, s.id)
		}
		common := 0
		for _, id := range ia {
			if slices.Contains(ib, id) {
				common++
			}
		}
		t.Logf("%d tracks with one shard, %d with four, %d ids in common", len(ia), len(ib), common)
		if common < len(ia)-1 || len(ib) > len(ia)+1 {
			t.Errorf("tracks %v with one shard, %v with four: want nearly the same", ia, ib)
		}
	})
}

func TestConfigRoutesGPSToUnitShard(t *testing.T) {
	// A patrol driving through two cuts keeps its friendly track.
	g := target{x: -4000, y: 100, vx: 10, vy: 0, class: ClassVehicle, conf: 0.9}
	ms := gpsFixes("PATROL-S09-1", g, 12*time.Minute)
	tr, us := runBatches(t, testShards(4), deliver(ms, 1, time.Second))
	if got := ids(us); len(got) != 1 {
		t.Fatalf("%d track ids, want 1:\n%s", len(got), describe(us))
	}
	if st := tr.Stats(); st.Handoffs < 2 {
		t.Errorf("%d hand-offs, want at least 2", st.Handoffs)
	}
}
