package sim

import (
	"cmp"
	"math"
	"slices"

	"raqib/internal/jsonw"
)

// addTruth adds a truth record of time ms (from the start) to the batch.
func (g *Generator) addTruth(ms int64, r TruthRecord) {
	if g.noTruth {
		return
	}
	g.batch.Truth = append(g.batch.Truth, r)
	g.truthMs = append(g.truthMs, ms)
}

// sortTruth puts the batch's truth records in time order, keeping the
// order they were made in among records of the same millisecond.
func (g *Generator) sortTruth() {
	recs := g.batch.Truth
	g.order = g.order[:0]
	for i := range recs {
		g.order = append(g.order, int32(i))
	}
	slices.SortFunc(g.order, func(a, b int32) int {
		if c := cmp.Compare(g.truthMs[a], g.truthMs[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	out := g.scratch[:0]
	for _, i := range g.order {
		out = append(out, recs[i])
	}
	g.batch.Truth, g.scratch = out, recs[:0]
}

// scenarioRecord opens the truth.
func (g *Generator) scenarioRecord() TruthRecord {
	o := g.opts
	return TruthRecord{
		Type: TruthScenario, Time: g.timeAt(0), Until: g.timeAt(g.endMs),
		Scenario: o.Scenario, Seed: o.Seed, Intensity: string(o.Intensity),
		Background: o.Background, Weather: o.Weather, Theater: g.th.ID,
	}
}

// truthPositions writes the actor's record when it first appears and its
// true positions in the step: on the sampling grid, at every corner of its
// path, and where it appears and leaves.
func (g *Generator) truthPositions(a *actor, t0, t1 int64, final bool) {
	lo, hi := max(t0, msOf(a.departS)), t1-1
	if final {
		hi = t1
	}
	end := int64(math.MaxInt64)
	if e := a.end(); !math.IsInf(e, 1) {
		end = msOf(e)
		hi = min(hi, end)
	}
	if lo > hi {
		return
	}
	times := g.times[:0]
	if !a.seen {
		a.seen = true
		rec := a.info
		rec.Time = g.timeAt(lo)
		g.addTruth(lo, rec)
		g.stats.Actors[a.info.ActorType]++
		times = append(times, lo)
	}
	if g.noTruth {
		return
	}
	for k := (lo + g.everyMs - 1) / g.everyMs * g.everyMs; k <= hi; k += g.everyMs {
		times = append(times, k)
	}
	for _, w := range a.path {
		if m := msOf(w.t); m >= lo && m <= hi {
			times = append(times, m)
		}
	}
	if hi == end || final {
		times = append(times, hi)
	}
	slices.Sort(times)
	times = slices.Compact(times)
	for _, m := range times {
		if p, ok := a.posAt(float64(m) / 1000); ok {
			g.addTruth(m, TruthRecord{
				Type: TruthPosition, Actor: a.id(), Time: g.timeAt(m),
				Lat: jsonw.Round(p.Lat, truthDecimals), Lon: jsonw.Round(p.Lon, truthDecimals),
			})
		}
	}
	g.times = times
}

// reportCrossings writes the actor's crossings that happened before t1
// (up to t1 in the final step), dropping those before the window.
func (g *Generator) reportCrossings(a *actor, t1s float64, final bool) {
	keep := a.crossings[:0]
	for _, c := range a.crossings {
		switch {
		case c.t < 0:
		case c.t < t1s || final && c.t <= t1s:
			g.crossing(a, c)
		default:
			keep = append(keep, c)
		}
	}
	a.crossings = keep
}

func (g *Generator) crossing(a *actor, c crossingEvent) {
	dir := Outbound
	if c.inbound {
		dir = Inbound
		g.stats.Inbound++
	} else {
		g.stats.Outbound++
	}
	g.stats.CrossingsByClass[a.class]++
	ms := msOf(c.t)
	g.addTruth(ms, TruthRecord{
		Type: TruthCrossing, Actor: a.id(), Time: g.timeAt(ms),
		Lat: jsonw.Round(c.p.Lat, truthDecimals), Lon: jsonw.Round(c.p.Lon, truthDecimals),
		ChainageKm: jsonw.Round(c.chainage/1000, chainageDecimals), Direction: dir,
		Sector: g.th.SectorAt(c.chainage).ID,
	})
}
