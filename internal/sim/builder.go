package sim

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

// builder places a scenario's actors and events before the run starts.
// Its choices come from its own random source, and each actor's path from
// the actor's own, so the population does not depend on the order the run
// later visits things in.
type builder struct {
	g      *Generator
	th     *theater.Theater
	rng    *rand.Rand
	dur    float64 // seconds
	actors []*actor
	ids    map[string]int
}

func newBuilder(g *Generator) *builder {
	return &builder{
		g:   g,
		th:  g.th,
		rng: rand.New(rand.NewPCG(g.opts.Seed, streamScenario)),
		dur: float64(g.endMs) / 1000,
		ids: map[string]int{},
	}
}

// Random streams of the builder, so that each part of the background is
// the same whatever else a scenario adds.
const (
	streamScenario = 0xb01d_0001 + iota
	streamShepherds
	streamWildlife
	streamOutages
)

func (b *builder) stream(k uint64) *rand.Rand { return rand.New(rand.NewPCG(b.g.opts.Seed, k)) }

// nextID returns the next id with the prefix: prefix0001, prefix0002...
func (b *builder) nextID(prefix string) string {
	b.ids[prefix]++
	return fmt.Sprintf("%s%04d", prefix, b.ids[prefix])
}

// newActor makes an actor with its own random source.
func (b *builder) newActor(typ ActorType, id string, class Class, size int, role string) *actor {
	pcg := rand.NewPCG(b.g.opts.Seed, hashID(id))
	a := &actor{class: class, pcg: pcg, rng: rand.New(pcg)}
	a.info = TruthRecord{Type: TruthActor, Actor: id, ActorType: typ, Class: class, GroupSize: size, Role: role}
	if class == ClassVehicle {
		a.rc = rangeVehicle
	}
	b.actors = append(b.actors, a)
	return a
}

// span is the border's usable chainage range, metres.
func (b *builder) span() (lo, hi float64) { return 500, b.th.Border.Length() - 500 }

// at is the point at a chainage and signed offset (metres).
func (b *builder) at(chainage, offset float64) geo.LatLon {
	lo, hi := b.span()
	return b.th.Border.OffsetPoint(clamp(chainage, lo, hi), offset, 2000)
}

// nightTime draws a time in [lo, hi] seconds, favouring the night at p.
func (b *builder) nightTime(lo, hi float64, p geo.LatLon) float64 {
	for range 64 {
		t := lo + b.rng.Float64()*(hi-lo)
		if chance(b.rng, nightWeight(sunElevation(b.g.timeAt(msOf(t)), p))) {
			return t
		}
	}
	return lo + b.rng.Float64()*(hi-lo)
}

// zones returns the zones overlapping a sector that satisfies keep.
func (b *builder) zones(keep func(*theater.Sector) bool) []*theater.Zone {
	var out []*theater.Zone
	for _, z := range b.th.Zones {
		for _, id := range z.Sectors {
			if s := b.th.Sector(id); s != nil && keep(s) {
				out = append(out, z)
				break
			}
		}
	}
	return out
}

// zoneAt returns the zone holding a chainage (metres) on the line, or nil.
func (b *builder) zoneAt(chainage float64) *theater.Zone {
	for _, z := range b.th.Zones {
		if z.Contains(chainage, 0) {
			return z
		}
	}
	return nil
}

// inZone draws a chainage (metres) inside the zone.
func (b *builder) inZone(z *theater.Zone) float64 {
	lo, hi := b.span()
	return clamp((z.FromKm+b.rng.Float64()*(z.ToKm-z.FromKm))*1000, lo, hi)
}

// footPlan describes a group on foot heading for the line.
type footPlan struct {
	typ      ActorType
	role     string
	size     int
	chainage float64 // where the course meets the line, metres
	reachAt  float64 // when the group reaches the line or its turning point, seconds
	start    float64 // offset it starts from, metres (< 0: in Syria)
	cross    bool    // crosses and goes on; otherwise turns back
	depth    float64 // how far it goes on after crossing, metres
	speed    [2]float64
	drift    float64 // chainage change per metre of offset
}

// foot places a group on foot that walks a meandering course from deep in
// Syria toward the line and either crosses it or turns back short of it.
func (b *builder) foot(p footPlan) *actor {
	r := b.rng
	a := b.newActor(p.typ, b.nextID("inf-"), ClassPerson, p.size, p.role)
	a.sizeM = 1.7
	a.info.Sector = b.th.SectorAt(p.chainage).ID
	if z := b.zoneAt(p.chainage); z != nil {
		a.info.Zone = z.ID
	}
	m := &course{
		border: b.th.Border, c: p.chainage, drift: p.drift,
		amp: uniform(r, [2]float64{150, 600}), wavelen: uniform(r, [2]float64{1500, 4000}), phase: r.Float64() * 2 * math.Pi,
		d: p.start, dir: 1, target: p.depth, stepM: 150, jitter: 15, speed: p.speed,
		restEvery: [2]float64{1500, 3000}, restFor: [2]float64{300, 900},
	}
	reach := 0.0
	if !p.cross {
		reach = -uniform(r, [2]float64{300, 1500})
		m.turnBack, m.target, m.returnTo = true, reach, p.start-uniform(r, [2]float64{0, 2000})
		m.pauseFor = uniform(r, [2]float64{180, 900})
	}
	m.nextRest = uniform(r, m.restEvery)
	a.mover = m
	depart := p.reachAt - m.reachTime(a.cloneRNG(), reach)
	a.start(waypoint{t: depart, p: m.at(p.start)})
	return a
}

// vehicle places a smuggling vehicle (and the convoy behind it) on a
// desert track across the line at a chainage, reaching the line at
// reachAt.
func (b *builder) vehicle(chainage, reachAt float64, outbound bool, convoy int) *actor {
	r := b.rng
	role := "smuggle_in"
	dir := 1.0
	if outbound {
		role, dir = "smuggle_out", -1
	}
	a := b.newActor(ActorSmuggler, b.nextID("smg-"), ClassVehicle, 1, role)
	a.sizeM = 4.8
	a.info.Sector = b.th.SectorAt(chainage).ID
	if z := b.zoneAt(chainage); z != nil {
		a.info.Zone = z.ID
	}
	v := uniform(r, [2]float64{30, 80}) / 3.6
	m := &course{
		border: b.th.Border, c: chainage, drift: uniform(r, [2]float64{-0.3, 0.3}),
		amp: uniform(r, [2]float64{200, 800}), wavelen: uniform(r, [2]float64{3000, 8000}), phase: r.Float64() * 2 * math.Pi,
		dir: dir, stepM: 400, jitter: 5,
		speed: [2]float64{0.85 * v, 1.15 * v}, slow: [2]float64{4, 7}, slowWithin: 600,
	}
	m.d = -dir * uniform(r, [2]float64{8000, 15000})
	m.target = dir * uniform(r, [2]float64{8000, 15000})
	if chance(r, 0.3) { // waits short of the line for the signal
		m.stopAt, m.stopFor = -dir*uniform(r, [2]float64{300, 900}), uniform(r, [2]float64{180, 600})
	}
	for k := 1; k < convoy; k++ {
		f := b.newActor(ActorSmuggler, b.nextID("smg-"), ClassVehicle, 1, role)
		f.sizeM, f.info.Sector, f.info.Zone, f.info.Leader = a.sizeM, a.info.Sector, a.info.Zone, a.id()
		a.addFollower(f, float64(k)*uniform(r, [2]float64{30, 120}), r.NormFloat64()*10, r.NormFloat64()*10)
	}
	a.mover = m
	depart := reachAt - m.reachTime(a.cloneRNG(), 0)
	a.start(waypoint{t: depart, p: m.at(m.d)})
	return a
}

// sectorOutage takes down every camera of a sector from about from to
// about until (seconds), with a cause.
func (b *builder) sectorOutage(sectorID string, from, until float64, cause string) {
	for i := range b.g.cams {
		c := &b.g.cams[i]
		if c.cam.Sector != sectorID {
			continue
		}
		c.outages = append(c.outages, outage{
			fromMs:  msOf(from + 20*b.rng.Float64()),
			untilMs: msOf(until + 60*b.rng.Float64()),
			cause:   cause,
		})
		sortOutages(c)
	}
}

// randomOutages gives cameras the odd outage of 5 to 90 minutes.
func (b *builder) randomOutages() {
	hours := b.dur / 3600
	r := b.stream(streamOutages)
	for i := range b.g.cams {
		c := &b.g.cams[i]
		for n := poisson(r, outagesPerCameraHour*hours); n > 0; n-- {
			from := r.Float64() * b.dur
			length := math.Exp(uniform(r, [2]float64{math.Log(300), math.Log(5400)}))
			c.outages = append(c.outages, outage{
				fromMs: msOf(from), untilMs: msOf(from + length),
				cause: outageCauses[weighted(r, outageWeights)],
			})
		}
		sortOutages(c)
	}
}

func sortOutages(c *camState) {
	slices.SortStableFunc(c.outages, func(x, y outage) int { return cmp.Compare(x.fromMs, y.fromMs) })
}
