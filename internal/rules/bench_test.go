package rules

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/geo"
)

// benchTracks is a population of tracks along the whole border, most of
// them animals as on a real night, each with a short back-and-forth path
// of precomputed states.
type benchTracks struct {
	tracks []fusion.Track
	obs    [][]fusion.ObsRef
	// path holds each track's states, pathLen per track.
	path []benchState
}

type benchState struct {
	pos geo.LatLon
	vel fusion.Velocity
}

const pathLen = 24

func newBenchTracks(tb testing.TB, n int) *benchTracks {
	th := testTheater(tb)
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	bt := &benchTracks{
		tracks: make([]fusion.Track, n),
		obs:    make([][]fusion.ObsRef, n),
		path:   make([]benchState, 0, n*pathLen),
	}
	length := th.Border.Length()
	for i := range n {
		class := fusion.ClassAnimal
		switch r := rng.Float64(); {
		case r < 0.25:
			class = fusion.ClassPerson
		case r < 0.35:
			class = fusion.ClassUnknown
		case r < 0.40:
			class = fusion.ClassVehicle
		}
		speed := 0.3 + rng.Float64()*1.5
		if class == fusion.ClassVehicle {
			speed = 5 + rng.Float64()*15
		}
		ch := rng.Float64() * length
		dist := (rng.Float64()*2 - 1) * 6000
		across := (rng.Float64()*2 - 1) * speed
		along := (rng.Float64()*2 - 1) * speed
		m := newMover(th, fmt.Sprintf("T%06d", i), class, night)
		for k := range pathLen {
			f := fix{
				at:       time.Duration(k) * 2 * time.Second,
				chainage: ch + along*2*float64(k),
				dist:     dist + across*2*float64(k),
				across:   across, along: along,
			}
			tr := m.track(f)
			bt.path = append(bt.path, benchState{pos: tr.Pos, vel: tr.Vel})
			if k == 0 {
				tr.Friendly = rng.Float64() < 0.01
				bt.tracks[i] = tr
			}
		}
		bt.obs[i] = []fusion.ObsRef{{Sensor: "S05-C001"}}
	}
	return bt
}

// fill writes the next batch of updates into us: tracks in turn, each one
// step further along its path (and back), time advancing by one frame per
// round of the population.
func (bt *benchTracks) fill(us []fusion.Update, next *int) {
	n := len(bt.tracks)
	for j := range us {
		k := *next
		*next = k + 1
		i := k % n
		round := k / n
		step := round % (2 * (pathLen - 1))
		if step >= pathLen {
			step = 2*(pathLen-1) - step
		}
		st := bt.path[i*pathLen+step]
		tr := &bt.tracks[i]
		tr.Time = night.Add(time.Duration(round) * 2 * time.Second)
		tr.Pos, tr.Vel = st.pos, st.vel
		if step != round%(2*(pathLen-1)) {
			tr.Vel.East, tr.Vel.North = -tr.Vel.East, -tr.Vel.North
		}
		tr.LastSeen = tr.Time
		o := &bt.obs[i][0]
		o.Seq, o.Time = uint64(k), tr.Time
		us[j] = fusion.Update{Kind: fusion.UpdateMeasured, Track: *tr, Obs: bt.obs[i]}
	}
}

// BenchmarkStep judges batches of 1,000 updates over populations of live
// tracks; the budget is well under 2 µs an update.
func BenchmarkStep(b *testing.B) {
	for _, n := range []int{1_000, 20_000} {
		b.Run(fmt.Sprintf("tracks=%d", n), func(b *testing.B) {
			bt := newBenchTracks(b, n)
			e := New(testTheater(b), nil, nil)
			us := make([]fusion.Update, 1000)
			next := 0
			// Warm up: every track judged once, so the memories exist.
			for next < n {
				bt.fill(us, &next)
				e.Step(us)
			}
			b.ReportAllocs()
			b.ResetTimer()
			updates := 0
			for b.Loop() {
				bt.fill(us, &next)
				e.Step(us)
				updates += len(us)
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(updates)/sec, "updates/s")
			b.ReportMetric(sec*1e9/float64(updates), "ns/update")
		})
	}
}

// BenchmarkJudge is the per-track judgement alone, on a walker heading for
// the line.
func BenchmarkJudge(b *testing.B) {
	th := testTheater(b)
	r := newJudgeRun(b, nil, nil)
	m := newMover(th, "T1", fusion.ClassPerson, night)
	var trs []fusion.Track
	for _, f := range line(fix{chainage: open05, dist: -3000, across: 1.2, along: 0.3}, 4*time.Minute, 2*time.Second) {
		trs = append(trs, m.track(f))
	}
	b.ReportAllocs()
	var dst []Event
	k := 0
	for b.Loop() {
		tr := &trs[k%len(trs)]
		if k%len(trs) == 0 {
			r.mem = memory{}
		}
		r.mem, dst = judge(dst[:0], r.mem, tr, &r.ev, &r.x)
		k++
	}
	if !r.mem.judged {
		b.Fatal("nothing judged")
	}
}
