package fusion

import (
	"math"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"raqib/internal/geo"
)

func TestThreeCamerasOneWalker(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		w := newWorld(seed, walkerCams(), []target{walker(-200, 100, 1.2, 0.5)})
		dur := 2 * time.Minute
		tr, us := runBatches(t, DefaultConfig(), deliver(w.run(dur), seed, 250*time.Millisecond))
		got := ids(us)
		if len(got) != 1 {
			t.Fatalf("seed %d: %d track ids, want 1:\n%s", seed, len(got), describe(us))
		}
		if us[0].Kind != UpdateConfirmed {
			t.Errorf("seed %d: first update %v, want confirmed", seed, us[0].Kind)
		}
		snap := tr.Snapshot()
		if len(snap) != 1 {
			t.Fatalf("seed %d: snapshot holds %d tracks, want 1", seed, len(snap))
		}
		tk := snap[0]
		x, y := walker(-200, 100, 1.2, 0.5).at(tk.Time.Sub(testStart))
		if d := frameDist(tk.Pos, x, y); d > 20 {
			t.Errorf("seed %d: track %.1f m from the walker, want ≤ 20", seed, d)
		}
		if dv := math.Hypot(tk.Vel.East-1.2, tk.Vel.North-0.5); dv > 0.5 {
			t.Errorf("seed %d: velocity (%.2f, %.2f) is %.2f m/s off", seed, tk.Vel.East, tk.Vel.North, dv)
		}
		if tk.Class != ClassPerson || tk.Count != 2 {
			t.Errorf("seed %d: class %v count %d, want person 2", seed, tk.Class, tk.Count)
		}
		if want := []string{"S01-C001", "S01-C002", "S01-C003"}; !slices.Equal(tk.Sensors, want) {
			t.Errorf("seed %d: sensors %v, want %v", seed, tk.Sensors, want)
		}
		st := tr.Stats()
		if st.Confirmed != 1 || st.Associated+st.Born+st.Suppressed != st.Measurements || st.Suppressed > 2 {
			t.Errorf("seed %d: stats %+v: want one confirmed and every measurement used", seed, st)
		}
		// Every measurement appears once in the updates.
		seen := map[ObsRef]bool{}
		for _, u := range us {
			for _, r := range u.Obs {
				if seen[r] {
					t.Fatalf("seed %d: %v reported twice", seed, r)
				}
				seen[r] = true
			}
		}
		if len(seen) != int(st.Associated+st.Born) {
			t.Errorf("seed %d: %d measurements reported, want %d", seed, len(seen), st.Associated+st.Born)
		}
	}
}

func TestHandOffBetweenCameras(t *testing.T) {
	for _, c := range []struct {
		name string
		gap  float64 // metres of ground between the two views (negative: overlap)
	}{
		{"overlap", -60},
		{"adjacent", 0},
		{"gap of 10 s", 14},
	} {
		t.Run(c.name, func(t *testing.T) {
			cams := []camera{
				{id: "S02-C001", period: 1250 * time.Millisecond, view: box{-2000, 0, -500, 500}, sigma: 20},
				{id: "S02-C002", period: 1750 * time.Millisecond, phase: 300 * time.Millisecond,
					view: box{c.gap, 2000, -500, 500}, sigma: 20},
			}
			w := newWorld(5, cams, []target{walker(-150, 0, 1.4, 0)})
			tr, us := runBatches(t, DefaultConfig(), deliver(w.run(4*time.Minute), 5, 250*time.Millisecond))
			if got := ids(us); len(got) != 1 {
				t.Fatalf("%d track ids, want 1:\n%s", len(got), describe(us))
			}
			snap := tr.Snapshot()
			if len(snap) != 1 || snap[0].Sensors[0] != "S02-C002" {
				t.Fatalf("snapshot %+v: want the track seen by the second camera", snap)
			}
		})
	}
}

func TestClutterConfirmsLittle(t *testing.T) {
	// Four overlapping cameras over 4 × 4 km, ten minutes of clutter at
	// the simulator's night rate (9,200 spots an hour per camera, 1 to 3
	// frames each: 2.55 reports a second).
	var cams []camera
	for i := range 4 {
		cams = append(cams, camera{
			id: "S03-C00" + string(rune('1'+i)), period: time.Duration(1000+250*i) * time.Millisecond,
			phase: time.Duration(100*i) * time.Millisecond, view: box{-2000, 2000, -2000, 2000}, sigma: 40,
		})
	}
	w := newWorld(9, cams, nil)
	w.clutterRate = 9200.0 / 3600 / 2
	ms := w.run(10 * time.Minute)
	confirmed := func(minConf float64) int {
		cfg := DefaultConfig()
		cfg.ConfirmMinConfidence = minConf
		tr, us := runBatches(t, cfg, deliver(ms, 9, 250*time.Millisecond))
		st := tr.Stats()
		if st.Born == 0 || len(ids(us)) != int(st.Confirmed) {
			t.Errorf("stats %+v, %d ids in the updates", st, len(ids(us)))
		}
		return int(st.Confirmed)
	}
	n := confirmed(DefaultConfig().ConfirmMinConfidence)
	t.Logf("%d clutter reports: %d tracks confirmed", len(ms), n)
	if n != 0 {
		t.Errorf("%d tracks confirmed from %d clutter reports, want none", n, len(ms))
	}
	// Four cameras stacked over one place make clutter four times as
	// dense as anywhere on the border: there M-of-N and the span alone
	// let chance chains of spots through, and the confidence rule is what
	// stops them.
	if n := confirmed(0); n == 0 || n > len(ms)/50 {
		t.Errorf("without the confidence rule %d tracks confirmed, want some but at most %d", n, len(ms)/50)
	}
}

func TestCoastingAndDeletion(t *testing.T) {
	cfg := DefaultConfig()
	for _, c := range []struct {
		name      string
		class     Class
		deleteAft time.Duration
	}{
		{"person", ClassPerson, cfg.DeleteAfter},
		{"vehicle", ClassVehicle, cfg.VehicleDeleteAfter},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := walker(0, 0, 1, 0)
			g.class, g.until = c.class, 30*time.Second
			w := newWorld(3, walkerCams()[:1], []target{g})
			tr, us := runBatches(t, cfg, inOrder(w.run(30*time.Second)))
			if len(ids(us)) != 1 {
				t.Fatalf("%d tracks, want 1", len(ids(us)))
			}
			last := us[len(us)-1].Track.LastSeen
			coastAt := last.Add(cfg.CoastAfter)
			deleteAt := coastAt.Add(c.deleteAft)
			var coasted, deleted time.Time
			for now := last; now.Before(deleteAt.Add(time.Second)); now = now.Add(100 * time.Millisecond) {
				for _, u := range tr.Advance(now) {
					switch u.Kind {
					case UpdateCoasting:
						coasted = now
						if u.Track.Status != StatusCoasting {
							t.Errorf("coasting update with status %v", u.Track.Status)
						}
					case UpdateDeleted:
						deleted = now
						if u.Track.Status != StatusDeleted {
							t.Errorf("deleted update with status %v", u.Track.Status)
						}
					default:
						t.Errorf("unexpected %v update", u.Kind)
					}
				}
				if coasted.IsZero() && len(tr.Snapshot()) == 1 && tr.Snapshot()[0].Status != StatusConfirmed {
					t.Fatalf("status %v before coasting", tr.Snapshot()[0].Status)
				}
			}
			if d := coasted.Sub(coastAt); d < 0 || d >= 100*time.Millisecond {
				t.Errorf("coasted at %v, want within 100 ms after %v", coasted, coastAt)
			}
			if d := deleted.Sub(deleteAt); d < 0 || d >= 100*time.Millisecond {
				t.Errorf("deleted at %v, want within 100 ms after %v", deleted, deleteAt)
			}
			if n := len(tr.Snapshot()); n != 0 {
				t.Errorf("%d tracks left after deletion", n)
			}
			if st := tr.Stats(); st.Deleted != 1 || st.Live != 0 || st.Tentative != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestCoastingTrackRecovers(t *testing.T) {
	g := walker(0, 0, 1, 0)
	g.until = 30 * time.Second
	back := walker(0, 0, 1, 0)
	back.from = 45 * time.Second
	w := newWorld(4, walkerCams()[:1], []target{g, back})
	tr, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var us []Update
	ms := w.run(60 * time.Second)
	for sec := time.Duration(0); sec <= 60*time.Second; sec += time.Second {
		var batch []Measurement
		for len(ms) > 0 && ms[0].Time.Before(testStart.Add(sec)) {
			batch, ms = append(batch, ms[0]), ms[1:]
		}
		us = append(us, tr.Process(batch)...)
		us = append(us, tr.Advance(testStart.Add(sec))...)
	}
	var kinds []UpdateKind
	for _, u := range us {
		if len(kinds) == 0 || kinds[len(kinds)-1] != u.Kind {
			kinds = append(kinds, u.Kind)
		}
	}
	want := []UpdateKind{UpdateConfirmed, UpdateMeasured, UpdateCoasting, UpdateMeasured}
	if !slices.Equal(kinds, want) || len(ids(us)) != 1 {
		t.Errorf("updates %v of %d tracks, want %v of one", kinds, len(ids(us)), want)
	}
}

func TestTentativeDroppedSilently(t *testing.T) {
	g := walker(0, 0, 1, 0)
	g.until = 2 * time.Second // two frames: never confirmed
	w := newWorld(1, walkerCams()[:1], []target{g})
	tr, us := runBatches(t, DefaultConfig(), inOrder(w.run(3*time.Second)))
	if st := tr.Stats(); st.Tentative != 1 {
		t.Fatalf("%d tentative tracks, want 1", st.Tentative)
	}
	us = append(us, tr.Advance(testStart.Add(time.Minute))...)
	if len(us) != 0 {
		t.Errorf("updates of a tentative track: %v", describe(us))
	}
	if st := tr.Stats(); st.Tentative != 0 || st.Dropped != 1 {
		t.Errorf("stats %+v: want the tentative track dropped", st)
	}
}

// TestNewObjectFarFromConfirmedTrack: a camera whose every frame holds a
// confirmed track's object and, far outside its search radius, a new
// object. The new object's confident reports are gated with no track and
// must start one of their own, whatever the confirmed track took in the
// same scan: here the animal, once confirmed, is seen with little
// confidence, so its track does not count as having taken another
// confident report.
func TestNewObjectFarFromConfirmedTrack(t *testing.T) {
	animal := target{class: ClassAnimal, count: 1, conf: 0.8, until: 20 * time.Second}
	dim := animal
	dim.conf, dim.from, dim.until = 0.3, 20*time.Second, 0
	newcomer := walker(1500, 200, 1.2, 0.5)
	newcomer.from = 30 * time.Second
	w := newWorld(6, walkerCams()[:1], []target{animal, dim, newcomer})
	ms := w.run(90 * time.Second)
	// One batch per frame: each holds the whole scan of both objects.
	var batches [][]Measurement
	for len(ms) > 0 {
		n := 1
		for n < len(ms) && ms[n].Time.Equal(ms[0].Time) {
			n++
		}
		batches, ms = append(batches, ms[:n:n]), ms[n:]
	}
	tr, us := runBatches(t, DefaultConfig(), batches)
	got := ids(us)
	if len(got) != 2 {
		t.Fatalf("%d track ids, want 2:\n%s", len(got), describe(us))
	}
	snap := tr.Snapshot()
	var near bool
	for _, tk := range snap {
		x, y := newcomer.at(tk.Time.Sub(testStart))
		near = near || frameDist(tk.Pos, x, y) <= 30
	}
	if !near {
		t.Errorf("no track within 30 m of the new object: %+v", snap)
	}
	if st := tr.Stats(); st.Suppressed != 0 || st.Confirmed != 2 {
		t.Errorf("stats %+v: want two confirmed tracks and no report suppressed", st)
	}
}

// gpsFixes makes a unit's fixes every 10 s along target g.
func gpsFixes(unit string, g target, dur time.Duration) []Measurement {
	var out []Measurement
	seq := uint64(0)
	for d := 50 * time.Millisecond; d < dur; d += 10 * time.Second {
		if !g.live(d) {
			continue
		}
		x, y := g.at(d)
		seq++
		out = append(out, Measurement{
			Sensor: unit, Seq: seq, Time: testStart.Add(d), Pos: testFrame.Reverse(x, y),
			SigmaM: 4, Confidence: 1, Count: 1, Friendly: true, Vel: &Velocity{East: g.vx, North: g.vy},
		})
	}
	return out
}

func TestFriendly(t *testing.T) {
	patrol := target{x: -1000, y: 200, vx: 8, vy: 0, class: ClassVehicle, conf: 0.85}
	const unit = "PATROL-S01-1"
	cases := []struct {
		name string
		gps  target // the GPS's path
		cams bool   // the cameras see the patrol
	}{
		{"gps and cameras", patrol, true},
		{"cameras first", func() target { g := patrol; g.from = 20 * time.Second; return g }(), true},
		{"gps only", patrol, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var targets []target
			if c.cams {
				targets = append(targets, patrol)
			}
			w := newWorld(2, walkerCams(), targets)
			ms := append(w.run(2*time.Minute), gpsFixes(unit, c.gps, 2*time.Minute)...)
			slices.SortStableFunc(ms, func(a, b Measurement) int { return a.Time.Compare(b.Time) })
			tr, us := runBatches(t, DefaultConfig(), deliver(ms, 2, 500*time.Millisecond))
			if got := ids(us); len(got) != 1 {
				t.Fatalf("%d track ids, want 1:\n%s", len(got), describe(us))
			}
			snap := tr.Snapshot()
			if len(snap) != 1 || !snap[0].Friendly || snap[0].Unit != unit {
				t.Fatalf("snapshot %+v: want one friendly track of %s", snap, unit)
			}
			if c.cams && snap[0].Class != ClassVehicle {
				t.Errorf("class %v, want vehicle", snap[0].Class)
			}
			// The first update that says friendly is the one after the
			// first fix; none after it says otherwise.
			friendly := false
			for _, u := range us {
				if friendly && !u.Track.Friendly {
					t.Fatalf("track stopped being friendly at %v", u.Track.Time)
				}
				friendly = friendly || u.Track.Friendly
			}
			if st := tr.Stats(); st.Associated+st.Born+st.Suppressed != st.Measurements || st.Suppressed > 2 {
				t.Errorf("stats %+v: want (nearly) every measurement used", st)
			}
		})
	}
}

func TestFriendlyDeletedWhenGPSStops(t *testing.T) {
	g := target{x: 0, y: 0, vx: 5, vy: 0, class: ClassVehicle, conf: 0.9}
	gps := g
	gps.until = 60 * time.Second
	cfg := DefaultConfig()
	w := newWorld(6, walkerCams()[:1], []target{g})
	ms := append(w.run(5*time.Minute), gpsFixes("PATROL-S02-1", gps, 5*time.Minute)...)
	slices.SortStableFunc(ms, func(a, b Measurement) int { return a.Time.Compare(b.Time) })
	_, us := runBatches(t, cfg, deliver(ms, 6, time.Second))
	var deleted *Update
	at := 0
	for i := range us {
		if us[i].Kind == UpdateDeleted && us[i].Track.Friendly {
			deleted, at = &us[i], i
			break
		}
	}
	if deleted == nil {
		t.Fatalf("the friendly track was not deleted:\n%s", describe(us))
	}
	lastFix := testStart.Add(50*time.Millisecond + 50*time.Second)
	if d := deleted.Track.Time.Sub(lastFix); d < cfg.FriendlyDeleteAfter || d > cfg.FriendlyDeleteAfter+time.Second {
		t.Errorf("deleted %v after the last fix, want %v", d, cfg.FriendlyDeleteAfter)
	}
	// The cameras go on seeing the vehicle: a new, not friendly, track.
	after := ids(us[at+1:])
	if len(after) != 1 || after[0] == deleted.Track.ID {
		t.Errorf("tracks after the deletion %v, want one new", after)
	}
}

func TestDeterminism(t *testing.T) {
	// Walkers on both sides of three cuts, clutter, network disorder.
	var targets []target
	for i := range 12 {
		x := -4500 + 750*float64(i)
		targets = append(targets, walker(x, -800+150*float64(i%5), 1.2*math.Cos(float64(i)), 1.2*math.Sin(float64(i))))
	}
	var cams []camera
	for i := range 6 {
		x0 := -5000 + 1700*float64(i)
		cams = append(cams, camera{
			id: "S04-C00" + string(rune('1'+i)), period: time.Duration(1000+250*(i%5)) * time.Millisecond,
			phase: time.Duration(170*i) * time.Millisecond, view: box{x0, x0 + 2000, -1500, 1500}, sigma: 20 + 5*float64(i),
		})
	}
	w := newWorld(8, cams, targets)
	w.clutterRate = 1
	batches := deliver(w.run(3*time.Minute), 8, 200*time.Millisecond)

	run := func(workers int) []Update {
		cfg := testShards(4)
		cfg.Workers = workers
		_, us := runBatches(t, cfg, batches)
		return us
	}
	first := run(1)
	if len(first) == 0 || len(ids(first)) < 10 {
		t.Fatalf("%d updates of %d tracks: the scenario tracks nothing", len(first), len(ids(first)))
	}
	for _, workers := range []int{1, 2, 4} {
		if got := run(workers); !reflect.DeepEqual(got, first) {
			t.Errorf("workers %d: updates differ from the first run", workers)
		}
	}
}

func TestUpdatesSorted(t *testing.T) {
	w := newWorld(3, walkerCams(), []target{walker(0, 0, 1, 1), walker(800, 0, -1, 0), walker(0, 900, 0.5, -1)})
	_, us := runBatches(t, DefaultConfig(), deliver(w.run(time.Minute), 3, 2*time.Second))
	if !slices.IsSortedFunc(us, compareUpdates) {
		t.Error("updates are not sorted by time, id and kind")
	}
	if len(ids(us)) != 3 {
		t.Errorf("%d tracks, want 3", len(ids(us)))
	}
}

func TestVelocityReportsHelp(t *testing.T) {
	// A walker seen by one far camera: the sensor's velocity estimates
	// make the track's velocity better than positions alone do.
	cams := []camera{{id: "S05-C001", period: 2 * time.Second, view: box{-5000, 5000, -5000, 5000}, sigma: 60}}
	var withVel, without float64
	for seed := range uint64(20) {
		for _, noVel := range []bool{false, true} {
			g := walker(0, 0, 1.3, -0.4)
			g.noVel = noVel
			w := newWorld(seed, cams, []target{g})
			cfg := DefaultConfig()
			cfg.ConfirmMinConfidence = 0
			tr, _ := runBatches(t, cfg, inOrder(w.run(40*time.Second)))
			snap := tr.Snapshot()
			if len(snap) != 1 {
				t.Fatalf("seed %d: %d tracks", seed, len(snap))
			}
			e := math.Hypot(snap[0].Vel.East-1.3, snap[0].Vel.North+0.4)
			if noVel {
				without += e
			} else {
				withVel += e
			}
		}
	}
	t.Logf("mean velocity error: %.2f m/s with the sensor's velocity, %.2f without", withVel/20, without/20)
	if withVel >= without {
		t.Errorf("velocity reports do not help: error %.2f with, %.2f without", withVel/20, without/20)
	}
}

func TestProcessInput(t *testing.T) {
	tr, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if us := tr.Process(nil); us != nil {
		t.Errorf("Process(nil) = %v", us)
	}
	good := Measurement{Sensor: "S06-C001", Seq: 1, Time: testStart, Pos: testOrigin, SigmaM: 10, Confidence: 0.9, Count: 1}
	bad := []Measurement{
		{Sensor: "S06-C001", Seq: 2, Time: testStart, Pos: geo.LatLon{Lat: math.NaN()}, SigmaM: 10},
		{Sensor: "S06-C001", Seq: 3, Time: testStart, Pos: testOrigin, SigmaM: 0},
		{Sensor: "S06-C001", Seq: 4, Pos: testOrigin, SigmaM: 10},
	}
	tr.Process(append([]Measurement{good, good}, bad...))
	st := tr.Stats()
	if st.Measurements != 5 || st.Rejected != 3 || st.Duplicates != 1 || st.Born != 1 || st.Tentative != 1 {
		t.Errorf("stats %+v: want 5 measurements, 3 rejected, 1 duplicate, 1 born", st)
	}
}

func TestTrackID(t *testing.T) {
	id := TrackID("S05-C012", 18231)
	if !regexp.MustCompile(`^T-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("id %q: want T- and 12 lower-case hex digits", id)
	}
	if TrackID("S05-C012", 18231) != id {
		t.Error("ids are not stable")
	}
	seen := map[string]bool{}
	for _, s := range []string{"S05-C012", "S05-C013", "S06-C012"} {
		for seq := range uint64(2000) {
			id := TrackID(s, seq)
			if seen[id] {
				t.Fatalf("id %s repeats", id)
			}
			seen[id] = true
		}
	}
	// Neighbouring seqs differ in most digits.
	a, b := TrackID("S05-C012", 7), TrackID("S05-C012", 8)
	same := 0
	for i := 2; i < len(a); i++ {
		if a[i] == b[i] {
			same++
		}
	}
	if same > 6 {
		t.Errorf("%s and %s share %d of 12 digits", a, b, same)
	}
	// The first measurement names the track.
	w := newWorld(1, walkerCams()[:1], []target{walker(0, 0, 1, 0)})
	ms := w.run(20 * time.Second)
	_, us := runBatches(t, DefaultConfig(), inOrder(ms))
	if want := TrackID(ms[0].Sensor, ms[0].Seq); len(us) == 0 || us[0].Track.ID != want {
		t.Errorf("track id %v, want %s from the first measurement", ids(us), want)
	}
}

func TestClose(t *testing.T) {
	cfg := testShards(2)
	cfg.Workers = 2
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	tr.Close()
	w := newWorld(1, walkerCams()[:1], []target{walker(0, 0, 1, 0)})
	for _, b := range inOrder(w.run(20 * time.Second)) {
		tr.Process(b)
	}
	if n := len(tr.Snapshot()); n != 1 {
		t.Errorf("a closed tracker tracked %d targets, want 1", n)
	}
}

// TestFriendlyNotAnAnimal: a patrol's first GPS fix landing on a grazing
// animal's track does not make the animal the patrol: the fix starts the
// unit's own track and the animal's stays what it is.
func TestFriendlyNotAnAnimal(t *testing.T) {
	const unit = "PATROL-S03-1"
	goat := target{x: 0, y: 300, vx: 0.3, vy: 0, class: ClassAnimal, conf: 0.9}
	gps := target{x: 0, y: 300, vx: 0.3, vy: 0, class: ClassVehicle, from: 60 * time.Second} // parked beside it
	w := newWorld(4, walkerCams(), []target{goat})
	ms := append(w.run(2*time.Minute), gpsFixes(unit, gps, 2*time.Minute)...)
	slices.SortStableFunc(ms, func(a, b Measurement) int { return a.Time.Compare(b.Time) })
	_, us := runBatches(t, DefaultConfig(), deliver(ms, 4, 500*time.Millisecond))
	goats := map[string]bool{}
	friendly := false
	for _, u := range us {
		if u.Track.Time.Before(testStart.Add(55*time.Second)) && u.Track.Class == ClassAnimal {
			goats[u.Track.ID] = true
		}
		if u.Track.Friendly {
			friendly = true
			if goats[u.Track.ID] {
				t.Fatalf("the goat's track %s became the patrol's at %v", u.Track.ID, u.Track.Time)
			}
		}
	}
	if len(goats) == 0 || !friendly {
		t.Fatalf("goat tracks %v, friendly track %v:\n%s", goats, friendly, describe(us))
	}
}

// TestFriendlyKeepsItsClass: between a parked patrol's GPS fixes the
// cameras see a fox walking past it. The fox's confident animal reports
// must not update the patrol's track (which would drag it off and leave
// the vehicle's own reports to start a second, unfriendly track); the fox
// gets its own track.
func TestFriendlyKeepsItsClass(t *testing.T) {
	const unit = "PATROL-S03-1"
	patrol := target{x: 0, y: 300, class: ClassVehicle, conf: 0.85}
	fox := target{x: -150, y: 315, vx: 1.2, class: ClassAnimal, conf: 0.9, from: 40 * time.Second, until: 4 * time.Minute}
	w := newWorld(5, walkerCams(), []target{patrol, fox})
	ms := append(w.run(4*time.Minute), gpsFixes(unit, patrol, 4*time.Minute)...)
	slices.SortStableFunc(ms, func(a, b Measurement) int { return a.Time.Compare(b.Time) })
	_, us := runBatches(t, DefaultConfig(), deliver(ms, 4, 500*time.Millisecond))
	friendlyIDs := map[string]bool{}
	foxSeen := false
	for _, u := range us {
		tr := u.Track
		if tr.Friendly {
			friendlyIDs[tr.ID] = true
			x, y := testFrame.Forward(tr.Pos)
			if d := math.Hypot(x-patrol.x, y-patrol.y); d > 40 && u.Kind != UpdateDeleted {
				t.Fatalf("the patrol's track %s was dragged %.0f m off at %v (fox reports taken):\n%s", tr.ID, d, tr.Time, describe(us))
			}
			continue
		}
		if tr.Status != StatusTentative && tr.Class == ClassAnimal && !friendlyIDs[tr.ID] {
			foxSeen = true
		}
		if tr.Status != StatusTentative && tr.Class == ClassVehicle {
			t.Fatalf("a second, unfriendly vehicle track %s at %v beside the patrol:\n%s", tr.ID, tr.Time, describe(us))
		}
	}
	if len(friendlyIDs) != 1 || !foxSeen {
		t.Fatalf("friendly tracks %v, fox tracked %v:\n%s", friendlyIDs, foxSeen, describe(us))
	}
}
