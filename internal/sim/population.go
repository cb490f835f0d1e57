package sim

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

// Background populations at background 1.
const (
	// Wild and feral animals per kilometre of border, in a band from 5 km
	// inside Syria to 2.5 km inside Iraq.
	wildlifePerKm = 5.6
	// Shepherds per 100 km of border on a day, each with a flock.
	shepherdsPer100Km = 6.0
	// The sun is high enough for grazing, degrees.
	grazingSun = 8.0
)

// species of the wildlife: how often, group sizes, body size (m) and
// speeds (m/s).
var species = []struct {
	name       string
	weight     float64
	group      [2]int
	sizeM      float64
	speed      [2]float64
	restChance float64
	legM       [2]float64
}{
	{name: "fox", weight: 0.3, group: [2]int{1, 1}, sizeM: 0.5, speed: [2]float64{0.3, 1.5}, restChance: 0.4, legM: [2]float64{20, 200}},
	{name: "jackal", weight: 0.2, group: [2]int{1, 3}, sizeM: 0.7, speed: [2]float64{0.4, 1.8}, restChance: 0.4, legM: [2]float64{20, 250}},
	{name: "feral dog", weight: 0.25, group: [2]int{1, 4}, sizeM: 0.8, speed: [2]float64{0.4, 2.0}, restChance: 0.5, legM: [2]float64{20, 200}},
	{name: "gazelle", weight: 0.15, group: [2]int{1, 6}, sizeM: 1.1, speed: [2]float64{0.6, 3.0}, restChance: 0.35, legM: [2]float64{30, 300}},
	{name: "wild boar", weight: 0.1, group: [2]int{1, 5}, sizeM: 1.2, speed: [2]float64{0.3, 1.2}, restChance: 0.5, legM: [2]float64{20, 150}},
}

// background places what every scenario has: patrols (extra more in some
// sectors), shepherds by day, wildlife, and random camera outages.
func (b *builder) background(extra func(*theater.Sector) int) {
	b.patrols(extra)
	b.shepherds()
	b.wildlife()
	b.randomOutages()
}

// patrols puts one patrol in every sector, two where the threat is high or
// critical, plus extra.
func (b *builder) patrols(extra func(*theater.Sector) int) {
	for _, s := range b.th.Sectors {
		n := 1
		if s.Threat.Rank() >= theater.ThreatHigh.Rank() {
			n++
		}
		if extra != nil {
			n += extra(s)
		}
		for k := 1; k <= n; k++ {
			b.patrol(s, k)
		}
	}
}

// patrol places patrol k of a sector somewhere on its beat.
func (b *builder) patrol(s *theater.Sector, k int) {
	id := fmt.Sprintf("PATROL-%s-%d", s.ID, k)
	a := b.newActor(ActorPatrol, id, ClassVehicle, 1, "patrol")
	r := a.rng
	a.info.Friendly, a.info.Sector, a.info.Sensor = true, s.ID, id
	a.sizeM = 5.2
	// Drive in front of the camera line, between it and the border.
	camOffset := 1800.0
	if cams := b.th.SectorCameras(s.ID); len(cams) > 0 {
		camOffset = cams[0].Offset
	}
	dMax := math.Max(500, 0.7*camOffset)
	length := math.Min(s.LengthKm()*1000-2000, uniform(r, [2]float64{15000, 30000}))
	from := s.From() + 1000 + r.Float64()*(s.LengthKm()*1000-2000-length)
	m := &beat{
		th: b.th, from: from, to: from + length,
		s: from + r.Float64()*length, dir: []float64{-1, 1}[r.IntN(2)],
		d: uniform(r, [2]float64{300, dMax}), dMin: 300, dMax: dMax,
		speed:     [2]float64{20 / 3.6, 40 / 3.6},
		haltEvery: [2]float64{1200, 2400}, haltFor: [2]float64{300, 1200},
	}
	m.nextHalt = r.Float64() * m.haltEvery[1]
	p := b.th.Border.OffsetPoint(m.s, m.d, 2000)
	for try := 0; try < 5 && b.th.SignedDistance(p) < patrolMinOffset; try++ {
		m.d += 300
		p = b.th.Border.OffsetPoint(m.s, m.d, 2000)
	}
	a.mover = m
	a.nextGPSMs = r.Int64N(gpsEveryMs)
	a.start(waypoint{t: -r.Float64() * 600, p: p})
}

// shepherds sends shepherds and their flocks out to graze near the line on
// every day of the run (and on the day before it, if still light at the
// start), on both sides, except in the mountains.
func (b *builder) shepherds() {
	scale := clamp(math.Sqrt(b.g.opts.Background), 0.3, 3)
	r := b.stream(streamShepherds)
	for i, s := range b.th.Sectors {
		if s.Terrain == theater.TerrainMountain {
			continue
		}
		for _, day := range b.days(b.g.sectorMid[i]) {
			for n := poisson(r, shepherdsPer100Km*s.LengthKm()/100*scale); n > 0; n-- {
				b.shepherd(s, day)
			}
		}
	}
}

// days lists the spans (seconds) when the sun is above grazingSun at p
// that overlap the run, whole.
func (b *builder) days(p geo.LatLon) [][2]float64 {
	const step = 600.0
	var out [][2]float64
	up := false
	for t := -16 * 3600.0; t <= b.dur+16*3600; t += step {
		high := sunElevation(b.g.timeAt(msOf(t)), p) > grazingSun
		switch {
		case high && !up:
			out = append(out, [2]float64{t, t})
		case high:
			out[len(out)-1][1] = t
		}
		up = high
	}
	return slices.DeleteFunc(out, func(d [2]float64) bool { return d[1] < 0 || d[0] > b.dur })
}

// shepherd places a shepherd with his flock in a sector for a day.
func (b *builder) shepherd(s *theater.Sector, day [2]float64) {
	a := b.newActor(ActorShepherd, b.nextID("shp-"), ClassPerson, 1, "graze")
	r := a.rng
	side := 1.0
	if chance(r, 0.3) {
		side = -1
	}
	c := s.From() + 500 + r.Float64()*(s.LengthKm()*1000-1000)
	pasture := b.at(c, side*uniform(r, [2]float64{700, 2500}))
	home := b.at(c+r.NormFloat64()*1000, side*uniform(r, [2]float64{4000, 6000}))
	arrive := day[0] + uniform(r, [2]float64{0, 3600})
	leave := day[1] - uniform(r, [2]float64{1800, 5400})
	if leave-arrive < 2*3600 || leave < 0 || arrive > b.dur ||
		side*b.th.SignedDistance(pasture) < 2*grazeMinOffset || side*b.th.SignedDistance(home) < 1000 {
		b.actors = b.actors[:len(b.actors)-1] // not out today
		return
	}
	a.sizeM, a.info.Sector = 1.7, s.ID
	flock := b.newActor(ActorFlock, "flk-"+strings.TrimPrefix(a.id(), "shp-"), ClassAnimal, between(r, 20, 150), "graze")
	flock.sizeM, flock.info.Sector, flock.info.Leader = 15, s.ID, a.id()
	flock.info.Species = []string{"sheep", "goats"}[r.IntN(2)]
	az := r.Float64() * 2 * math.Pi
	dist := uniform(r, [2]float64{30, 60})
	e, n := dist*math.Sin(az), dist*math.Cos(az)
	a.addFollower(flock, 0, e, n)
	a.mover = &graze{th: b.th, side: side, home: home, pasture: pasture, leave: leave, flockEast: e, flockNorth: n}
	walk := geo.Distance(home, pasture) / 1.1
	a.start(waypoint{t: arrive - walk, p: home})
}

// wildlife scatters animals over the band either side of the line. Each
// animal's kind and place come from its own random source, so the first
// animals are the same whatever the intensity.
func (b *builder) wildlife() {
	weights := make([]float64, len(species))
	for i, sp := range species {
		weights[i] = sp.weight
	}
	lo, hi := b.span()
	n := int(math.Round(wildlifePerKm * b.th.Border.LengthKm() * b.g.opts.Background))
	for range n {
		a := b.newActor(ActorWildlife, b.nextID("wld-"), ClassAnimal, 1, "wander")
		r := a.rng
		sp := species[weighted(r, weights)]
		c := lo + r.Float64()*(hi-lo)
		a.info.GroupSize = between(r, sp.group[0], sp.group[1])
		a.sizeM, a.info.Species, a.info.Sector = sp.sizeM, sp.name, b.th.SectorAt(c).ID
		a.mover = &wander{
			th: b.th, heading: r.Float64() * 360, speed: sp.speed, leg: sp.legM,
			restChance: sp.restChance, rest: [2]float64{30, 600}, dMin: -5000, dMax: 2500,
		}
		a.start(waypoint{t: -r.Float64() * 600, p: b.at(c, uniform(r, [2]float64{-3500, 1200}))})
	}
}
