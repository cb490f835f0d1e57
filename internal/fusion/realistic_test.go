package fusion

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/geo"
	"raqib/internal/sim"
	"raqib/internal/theater"
)

// The simulator's scenarios, run through the tracker and scored against
// the ground truth. TestRealistic runs a minute by default; set
// RAQIB_FUSION_SIM to a duration (such as 10m) for a longer run and
// RAQIB_FUSION_SHARDS to split the border into shards.

var (
	theaterOnce sync.Once
	theaterVal  *theater.Theater
	theaterErr  error
)

func loadTheater(tb testing.TB) *theater.Theater {
	tb.Helper()
	theaterOnce.Do(func() { theaterVal, theaterErr = theater.Load(theater.Embedded()) })
	if theaterErr != nil {
		tb.Fatal(theaterErr)
	}
	return theaterVal
}

// simFeed generates a scenario step by step and hands its observations
// out as the tracker's measurements in batches of batchSize, in the order
// they are sent, without the duplicates (which ingest removes).
type simFeed struct {
	gen       *sim.Generator
	batchSize int
	seen      map[uint64]struct{}
	sensors   map[string]uint64
	truth     bool
	// actorOf maps a detection (sensor, seq) to its actor's index + 1.
	actorOf map[uint64]int32
	actors  map[string]int32
	names   []string
	dets    []int // detections per actor index
}

func newSimFeed(tb testing.TB, scenario string, d time.Duration, truth bool) *simFeed {
	tb.Helper()
	return newSimFeedAt(tb, scenario, d, truth, "")
}

// newSimFeedAt is newSimFeed at the given intensity of clutter and
// animals; "" is the simulator's default (realistic).
func newSimFeedAt(tb testing.TB, scenario string, d time.Duration, truth bool, in sim.Intensity) *simFeed {
	tb.Helper()
	g, err := sim.New(loadTheater(tb), sim.Options{Scenario: scenario, Seed: 1, Duration: d, Intensity: in})
	if err != nil {
		tb.Fatal(err)
	}
	g.SetTruth(truth)
	return &simFeed{
		gen: g, batchSize: 500, seen: map[uint64]struct{}{}, sensors: map[string]uint64{},
		truth: truth, actorOf: map[uint64]int32{}, actors: map[string]int32{},
	}
}

func (f *simFeed) key(sensor string, seq uint64) uint64 {
	i, ok := f.sensors[sensor]
	if !ok {
		i = uint64(len(f.sensors))
		f.sensors[sensor] = i
	}
	return i<<40 | seq
}

// step runs one simulated second and returns its batches; nil at the end.
func (f *simFeed) step() [][]Measurement {
	b, ok := f.gen.Step()
	if !ok {
		return nil
	}
	if f.truth {
		for _, r := range b.Truth {
			if r.Type != sim.TruthDetection {
				continue
			}
			a, ok := f.actors[r.Actor]
			if !ok {
				a = int32(len(f.names))
				f.actors[r.Actor] = a
				f.names = append(f.names, r.Actor)
				f.dets = append(f.dets, 0)
			}
			f.dets[a]++
			f.actorOf[f.key(r.Sensor, r.Seq)] = a + 1
		}
	}
	var out [][]Measurement
	cur := make([]Measurement, 0, f.batchSize)
	for i := range b.Observations {
		o := &b.Observations[i]
		k := f.key(o.Sensor, o.Seq)
		if _, dup := f.seen[k]; dup {
			continue
		}
		f.seen[k] = struct{}{}
		cur = append(cur, measurementOf(o))
		if len(cur) == f.batchSize {
			out = append(out, cur)
			cur = make([]Measurement, 0, f.batchSize)
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	if out == nil {
		out = [][]Measurement{}
	}
	return out
}

func measurementOf(o *sim.Observation) Measurement {
	m := Measurement{
		Sensor: o.Sensor, Seq: o.Seq, Time: o.Time,
		Pos:        geo.LatLon{Lat: o.Position.Lat, Lon: o.Position.Lon},
		SigmaM:     max(o.AccuracyM, 1),
		Confidence: o.Confidence,
		Count:      max(o.Count, 1),
		Friendly:   o.Kind == sim.KindPatrolGPS,
	}
	switch o.Class {
	case sim.ClassPerson:
		m.Class = ClassPerson
	case sim.ClassVehicle:
		m.Class = ClassVehicle
	case sim.ClassAnimal:
		m.Class = ClassAnimal
	}
	if v := o.Velocity; v != nil {
		m.Vel = &Velocity{East: v.EastMPS, North: v.NorthMPS}
	}
	return m
}

// score follows the confirmed tracks' measurements.
type score struct {
	feed   *simFeed
	tracks map[string]map[int32]int // track → actor index + 1 (0: clutter) → measurements
}

func (s *score) add(us []Update) {
	for i := range us {
		u := &us[i]
		m := s.tracks[u.Track.ID]
		if m == nil {
			m = map[int32]int{}
			s.tracks[u.Track.ID] = m
		}
		for _, r := range u.Obs {
			m[s.feed.actorOf[s.feed.key(r.Sensor, r.Seq)]]++
		}
	}
}

// result summarises a scored run.
type result struct {
	tracks, fromClutter, fromActors int
	actors, one, split, missed      int // actors with ≥ 20 detections
	// byKind counts one, split and missed by the actor id's prefix
	// (inf, smg, pat, wld...).
	byKind map[string][3]int
}

func (s *score) result() result {
	r := result{byKind: map[string][3]int{}}
	perActor := map[int32]int{}
	for _, m := range s.tracks {
		r.tracks++
		best, bestN, total := int32(0), -1, 0
		keys := make([]int32, 0, len(m))
		for a := range m {
			keys = append(keys, a)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for _, a := range keys {
			total += m[a]
			if m[a] > bestN {
				best, bestN = a, m[a]
			}
		}
		if best == 0 || 2*m[0] > total {
			r.fromClutter++
			continue
		}
		r.fromActors++
		perActor[best]++
	}
	for a, n := range s.feed.dets {
		if n < 20 {
			continue
		}
		r.actors++
		kind, _, _ := strings.Cut(s.feed.names[a], "-")
		k := r.byKind[kind]
		switch perActor[int32(a)+1] {
		case 0:
			r.missed++
			k[2]++
		case 1:
			r.one++
			k[0]++
		default:
			r.split++
			k[1]++
		}
		r.byKind[kind] = k
	}
	return r
}

// runScored runs the scenario through a tracker and scores it.
func runScored(tb testing.TB, scenario string, d time.Duration, cfg Config) (result, Stats, []Track) {
	tb.Helper()
	feed := newSimFeed(tb, scenario, d, true)
	tr, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	defer tr.Close()
	sc := &score{feed: feed, tracks: map[string]map[int32]int{}}
	for {
		batches := feed.step()
		if batches == nil {
			break
		}
		for _, ms := range batches {
			sc.add(tr.Process(ms))
		}
	}
	return sc.result(), tr.Stats(), tr.Snapshot()
}

func TestRealistic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator")
	}
	d := time.Minute
	if v := os.Getenv("RAQIB_FUSION_SIM"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("RAQIB_FUSION_SIM: %v", err)
		}
	}
	cfg := DefaultConfig()
	if v := os.Getenv("RAQIB_FUSION_SHARDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("RAQIB_FUSION_SHARDS: %q is not a number of shards", v)
		}
		cfg = shardedConfig(t, n)
	}
	start := time.Now()
	r, st, snap := runScored(t, "infiltration-anbar", d, cfg)
	friendly, units := 0, map[string]bool{}
	for _, tr := range snap {
		if tr.Friendly {
			friendly++
			units[tr.Unit] = true
		}
	}
	t.Logf("at the end: %d friendly tracks of %d units", friendly, len(units))
	if friendly != len(units) {
		t.Errorf("%d friendly tracks for %d units, want one each", friendly, len(units))
	}
	t.Logf("%v of infiltration-anbar in %v: %+v", d, time.Since(start).Round(time.Millisecond), r)
	t.Logf("stats: %+v", st)
	if r.fromClutter > r.fromActors/20 {
		t.Errorf("%d confirmed tracks from clutter, %d from actors: want at most 5 %%", r.fromClutter, r.fromActors)
	}
	if r.one < r.actors*7/10 {
		t.Errorf("%d of %d actors with ≥ 20 detections have exactly one track, want ≥ 70 %%", r.one, r.actors)
	}
}
