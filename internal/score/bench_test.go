package score

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"raqib/internal/geo"
	"raqib/internal/sim"
	"raqib/internal/theater"
	"raqib/internal/trackfile"
)

// synthRun makes the files of a run of the given length with n animals
// near the line, each seen every second and followed by a track a few
// metres off that is replaced by a new one every 5 minutes, and n/100
// infiltrators crossing halfway through with an approach alert.
func synthRun(tb testing.TB, th *theater.Theater, n int, dur time.Duration) (truth, tracks, alerts []byte) {
	rng := rand.New(rand.NewPCG(uint64(n), 9))
	start := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	var tb1, tb2, tb3 bytes.Buffer
	add := func(r sim.TruthRecord) { tb1.Write(append(r.AppendJSON(nil), '\n')) }
	add(sim.TruthRecord{Type: sim.TruthScenario, Time: start, Until: start.Add(dur), Scenario: "synthetic", Intensity: "realistic", Theater: th.ID})
	tw, aw := trackfile.NewWriter(&tb2), trackfile.NewWriter(&tb3)
	length := th.Border.Length()
	type mover struct {
		id       string
		p, v     geo.LatLon // position, and its change a second
		hostile  bool
		sensor   string
		seq      uint64
		track    int
		crossing time.Time
	}
	movers := make([]*mover, n+n/100)
	for i := range movers {
		m := &mover{id: fmt.Sprintf("wld-%05d", i), sensor: fmt.Sprintf("CAM-%05d", i)}
		dist := -5000 + rng.Float64()*10000
		if i >= n {
			m.id, m.hostile, dist = fmt.Sprintf("inf-%04d", i-n), true, -600
		}
		ch := rng.Float64() * length
		m.p = th.Border.OffsetPoint(ch, dist, 500)
		q := th.Border.OffsetPoint(ch, dist+1, 500) // a metre toward Iraq
		m.v = geo.LatLon{Lat: q.Lat - m.p.Lat, Lon: q.Lon - m.p.Lon}
		typ := sim.ActorWildlife
		if m.hostile {
			typ = sim.ActorInfiltrator
			m.crossing = start.Add(dur / 2)
		}
		add(sim.TruthRecord{Type: sim.TruthActor, Actor: m.id, Time: start, ActorType: typ, Class: "animal", GroupSize: 1})
		movers[i] = m
	}
	alertID := int64(0)
	for s := 0; s <= int(dur/time.Second); s++ {
		t := start.Add(time.Duration(s) * time.Second)
		for _, m := range movers {
			speed := 0.5
			if m.hostile {
				speed = 600 / (dur / 2).Seconds()
			}
			m.p.Lat += m.v.Lat * speed
			m.p.Lon += m.v.Lon * speed
			if s%5 == 0 {
				add(sim.TruthRecord{Type: sim.TruthPosition, Actor: m.id, Time: t, Lat: m.p.Lat, Lon: m.p.Lon})
			}
			m.seq++
			add(sim.TruthRecord{Type: sim.TruthDetection, Actor: m.id, Time: t, Sensor: m.sensor, Seq: m.seq})
			if m.hostile && t.Equal(m.crossing) {
				add(sim.TruthRecord{Type: sim.TruthCrossing, Actor: m.id, Time: t, Lat: m.p.Lat, Lon: m.p.Lon, Direction: sim.Inbound})
			}
			if s%300 == 0 {
				m.track++
			}
			ev := "measured"
			if s%300 == 0 {
				ev = "confirmed"
			}
			id := fmt.Sprintf("%s-%d", m.id, m.track)
			if err := tw.Track(trackfile.TrackRecord{
				Type: "track", Event: ev, ID: id, Time: t, Lat: m.p.Lat + 3e-5, Lon: m.p.Lon,
				Class: "animal", PAnimal: 1, Count: 1, Obs: []string{fmt.Sprintf("%s/%d", m.sensor, m.seq)},
			}); err != nil {
				tb.Fatal(err)
			}
			if m.hostile && t.Equal(m.crossing.Add(-90*time.Second)) {
				alertID++
				if err := aw.Alert(trackfile.AlertRecord{
					Type: "alert", Event: "raised", ID: alertID, Time: t, Rule: "approach", Phase: "begin",
					Severity: "high", Track: id, Lat: m.p.Lat, Lon: m.p.Lon, Class: "person", Count: 1,
				}); err != nil {
					tb.Fatal(err)
				}
			}
		}
	}
	tw.Flush()
	aw.Flush()
	return tb1.Bytes(), tb2.Bytes(), tb3.Bytes()
}

func BenchmarkScore(b *testing.B) {
	th := testTheater(b)
	for _, n := range []int{100, 1000} {
		truth, tracks, alerts := synthRun(b, th, n, 10*time.Minute)
		b.Run(fmt.Sprintf("actors=%d/10min", n), func(b *testing.B) {
			b.SetBytes(int64(len(truth) + len(tracks) + len(alerts)))
			b.ReportAllocs()
			for b.Loop() {
				r, err := Score(th, bytes.NewReader(truth), bytes.NewReader(tracks), bytes.NewReader(alerts), Options{})
				if err != nil {
					b.Fatal(err)
				}
				if r.Recall.Caught != n/100 {
					b.Fatalf("caught %d of %d", r.Recall.Caught, r.Recall.Crossings)
				}
			}
		})
	}
}

func BenchmarkGOSPASolve(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{100, 3000} {
		xs, ys := make([]geo.LatLon, n), make([]geo.LatLon, n)
		for i := range xs {
			xs[i] = geo.LatLon{Lat: 33 + rng.Float64()*4, Lon: 39 + rng.Float64()*3}
			ys[i] = offset(xs[i], rng.Float64()*360, rng.Float64()*30)
		}
		s := newGOSPASolver(50, 2, 2, 37)
		b.Run(fmt.Sprintf("points=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.solve(xs, ys)
			}
		})
	}
}
