package rules

import (
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/sim"
)

// The scenario tests play simulated ground truth through the rules: each
// actor's true path, sampled every two seconds, blurred by position noise
// and smoothed by a constant-velocity filter standing in for the tracker.
// They take a minute or more, so they run only with RAQIB_SCENARIO=1.

func scenarioTest(t *testing.T) {
	t.Helper()
	if os.Getenv("RAQIB_SCENARIO") == "" || testing.Short() {
		t.Skip("set RAQIB_SCENARIO=1 to play simulated scenarios through the rules")
	}
}

// cvFilter is a constant-velocity Kalman filter per axis in a local frame.
type cvFilter struct {
	frame  *geo.Frame
	t      time.Time
	x      [2][2]float64    // per axis: position, velocity
	p      [2][2][2]float64 // per axis: covariance
	q      float64          // process noise, m²/s³
	r      float64          // measurement variance, m²
	inited bool
}

func (f *cvFilter) update(t time.Time, px, py float64) {
	z := [2]float64{px, py}
	if !f.inited {
		for a := range 2 {
			f.x[a] = [2]float64{z[a], 0}
			f.p[a] = [2][2]float64{{f.r, 0}, {0, 4}}
		}
		f.t, f.inited = t, true
		return
	}
	dt := t.Sub(f.t).Seconds()
	f.t = t
	for a := range 2 {
		x, p := &f.x[a], &f.p[a]
		x[0] += dt * x[1]
		p00 := p[0][0] + dt*(p[1][0]+p[0][1]) + dt*dt*p[1][1] + f.q*dt*dt*dt/3
		p01 := p[0][1] + dt*p[1][1] + f.q*dt*dt/2
		p11 := p[1][1] + f.q*dt
		s := p00 + f.r
		k0, k1 := p00/s, p01/s
		y := z[a] - x[0]
		x[0] += k0 * y
		x[1] += k1 * y
		p[0][0], p[0][1], p[1][1] = (1-k0)*p00, (1-k0)*p01, p11-k1*p01
		p[1][0] = p[0][1]
	}
}

type simActor struct {
	rec    sim.TruthRecord
	filter cvFilter
	born   time.Time
	hits   int
	// crossings are the true crossings' times.
	crossings []time.Time
	dirs      []sim.Direction
	startDist float64
}

type simResult struct {
	actors map[string]*simActor
	events []Event
}

// playScenario runs a scenario and feeds every actor's filtered path to an
// engine with the default configuration.
func playScenario(t *testing.T, opts sim.Options, cfg *Config) simResult {
	th := testTheater(t)
	g, err := sim.New(th, opts)
	if err != nil {
		t.Fatal(err)
	}
	g.SetTruth(true)
	e := New(th, cfg, nil)
	res := simResult{actors: map[string]*simActor{}}
	rng := rand.New(rand.NewPCG(opts.Seed, 99))
	sigma := 15.0
	if v, err := strconv.ParseFloat(os.Getenv("RAQIB_SCENARIO_SIGMA"), 64); err == nil {
		sigma = v
	}
	for !g.Done() {
		b, ok := g.Step()
		if !ok {
			break
		}
		var us []fusion.Update
		for _, r := range b.Truth {
			switch r.Type {
			case sim.TruthActor:
				res.actors[r.Actor] = &simActor{rec: r, born: r.Time}
			case sim.TruthCrossing:
				if a := res.actors[r.Actor]; a != nil {
					a.crossings = append(a.crossings, r.Time)
					a.dirs = append(a.dirs, r.Direction)
				}
			case sim.TruthPosition:
				a := res.actors[r.Actor]
				if a == nil {
					continue
				}
				pos := geo.LatLon{Lat: r.Lat, Lon: r.Lon}
				if a.filter.frame == nil {
					a.filter.frame = geo.NewFrame(pos)
					a.filter.r = sigma * sigma
					a.filter.q = 0.05
					if a.rec.Class == sim.ClassVehicle {
						a.filter.q = 5
					}
					a.startDist = th.Locate(pos).Distance
				}
				x, y := a.filter.frame.Forward(pos)
				a.filter.update(r.Time, x+rng.NormFloat64()*sigma, y+rng.NormFloat64()*sigma)
				a.hits++
				if a.hits < 4 {
					continue
				}
				us = append(us, a.update(r.Time))
			}
		}
		slices.SortStableFunc(us, func(x, y fusion.Update) int { return x.Track.Time.Compare(y.Track.Time) })
		res.events = append(res.events, e.Step(us)...)
	}
	return res
}

func (a *simActor) update(t time.Time) fusion.Update {
	f := &a.filter
	pos := f.frame.Reverse(f.x[0][0], f.x[1][0])
	class := fusion.ClassUnknown
	switch a.rec.Class {
	case sim.ClassPerson:
		class = fusion.ClassPerson
	case sim.ClassVehicle:
		class = fusion.ClassVehicle
	case sim.ClassAnimal:
		class = fusion.ClassAnimal
	}
	tr := fusion.Track{
		ID: a.rec.Actor, Time: t, Pos: pos,
		Vel:      fusion.Velocity{East: f.x[0][1], North: f.x[1][1]},
		PosCov:   [3]float64{f.p[0][0][0], 0, f.p[1][0][0]},
		VelCov:   [3]float64{f.p[0][1][1], 0, f.p[1][1][1]},
		Status:   fusion.StatusConfirmed,
		Class:    class,
		Friendly: a.rec.Friendly,
		Count:    max(a.rec.GroupSize, 1),
		Born:     a.born, LastSeen: t, Hits: a.hits, Quality: 1, LastStrong: t,
		Sensors: []string{"SIM"},
	}
	return fusion.Update{Kind: fusion.UpdateMeasured, Track: tr, Obs: []fusion.ObsRef{{Sensor: "SIM", Seq: uint64(a.hits), Time: t}}}
}

// warnings measures, for each crossing of a hostile actor, how long before
// it the first approach or crossing alert on the actor was raised; NaN when
// none was by a minute after it.
func warnings(res simResult, types ...sim.ActorType) []float64 {
	var out []float64
	for id, a := range res.actors {
		if !slices.Contains(types, a.rec.ActorType) {
			continue
		}
		for k, ct := range a.crossings {
			from := time.Time{}
			if k > 0 {
				from = a.crossings[k-1]
			}
			w := math.NaN()
			for _, e := range res.events {
				if e.Track != id || e.Phase == PhaseEnd || !e.Time.After(from) || e.Time.After(ct.Add(time.Minute)) {
					continue
				}
				if e.Rule == RuleApproach || e.Rule == RuleInbound || e.Rule == RuleOutbound {
					w = ct.Sub(e.Time).Seconds()
					break
				}
			}
			out = append(out, w)
		}
	}
	return out
}

func median(vs []float64) float64 {
	var ok []float64
	for _, v := range vs {
		if !math.IsNaN(v) {
			ok = append(ok, v)
		}
	}
	if len(ok) == 0 {
		return math.NaN()
	}
	sort.Float64s(ok)
	return ok[len(ok)/2]
}

func TestScenarioInfiltration(t *testing.T) {
	scenarioTest(t)
	res := playScenario(t, sim.Options{Scenario: "infiltration-anbar", Seed: 3, Duration: 3 * time.Hour, Background: 0.05, TruthEvery: 2 * time.Second}, nil)
	ws := warnings(res, sim.ActorInfiltrator)
	missed := 0
	for _, w := range ws {
		if math.IsNaN(w) {
			missed++
		}
	}
	t.Logf("foot crossings %d, missed %d, median warning %.0f s", len(ws), missed, median(ws))
	if len(ws) == 0 || missed > 0 || median(ws) < 60 {
		t.Errorf("foot crossings %d, missed %d, median warning %.0f s: want none missed and a median of 60 s or more", len(ws), missed, median(ws))
	}
	// An approach should begin about once per crossing or turn back, not
	// flap on the way.
	begins, crossings := 0, 0
	for id, a := range res.actors {
		if a.rec.ActorType != sim.ActorInfiltrator {
			continue
		}
		crossings += max(len(a.crossings), 1)
		for _, e := range res.events {
			if e.Track == id && e.Rule == RuleApproach && e.Phase == PhaseBegin {
				begins++
			}
		}
	}
	t.Logf("approach begins on infiltrators %d, over %d crossings and turns back", begins, crossings)
	if begins > crossings*3/2 {
		t.Errorf("approach begins %d over %d crossings and turns back: it flaps", begins, crossings)
	}
	sw := warnings(res, sim.ActorSmuggler)
	t.Logf("vehicle crossings %d, median warning %.0f s", len(sw), median(sw))
	logFalse(t, res)
}

func TestScenarioShepherds(t *testing.T) {
	scenarioTest(t)
	start := time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC) // 09:00 in Baghdad
	cfg := DefaultConfig()
	if os.Getenv("RAQIB_SCENARIO_HERDERS") == "0" {
		cfg.Defaults.Approach.HerdersExempt = false
	}
	res := playScenario(t, sim.Options{Scenario: "quiet-night", Seed: 5, Start: start, Duration: 9 * time.Hour, Background: 0.25, TruthEvery: 2 * time.Second}, cfg)
	shepherds := 0
	for _, a := range res.actors {
		if a.rec.ActorType == sim.ActorShepherd {
			shepherds++
		}
	}
	t.Logf("shepherds %d", shepherds)
	n := logFalse(t, res)
	if n[RuleApproach] > 0 || n[RuleLoiter] > 0 {
		t.Errorf("approach %d and loiter %d alerts on shepherds and their flocks", n[RuleApproach], n[RuleLoiter])
	}
}

// logFalse logs the begins and crossings raised on actors that are not
// hostile, by rule and actor type, and returns the counts by rule.
func logFalse(t *testing.T, res simResult) map[Rule]int {
	byRule := map[Rule]int{}
	byType := map[string]int{}
	for _, e := range res.events {
		a := res.actors[e.Track]
		if a == nil || e.Phase == PhaseEnd || a.rec.ActorType == sim.ActorInfiltrator || a.rec.ActorType == sim.ActorSmuggler {
			continue
		}
		byRule[e.Rule]++
		byType[string(a.rec.ActorType)+"/"+string(e.Rule)]++
	}
	t.Logf("alerts on actors not hostile: %v", byType)
	return byRule
}
