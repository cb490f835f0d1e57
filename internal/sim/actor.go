package sim

import (
	"math"
	"math/rand/v2"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

// waypoint is a corner of an actor's path: a position and the time, in
// seconds from the start of the run (whole milliseconds), the actor is
// there. Between two waypoints the actor moves at constant speed along the
// straight line in latitude and longitude.
type waypoint struct {
	t float64
	p geo.LatLon
}

// mover plans an actor's path one leg at a time, so that paths of any
// length cost only what the run looks at.
type mover interface {
	// next returns the waypoint after last, or false if the path ends at
	// last.
	next(a *actor, last waypoint) (waypoint, bool)
}

// crossingEvent is a crossing of the border by an actor's path.
type crossingEvent struct {
	t        float64
	p        geo.LatLon
	chainage float64
	inbound  bool
}

// follower is an actor whose path is its leader's, shifted in time and
// space: a flock beside its shepherd, a vehicle later in a convoy.
type follower struct {
	a           *actor
	dt          float64 // seconds after the leader
	east, north float64 // metres from the leader's position
}

func (f follower) shift(w waypoint) waypoint {
	return waypoint{t: w.t + f.dt, p: displace(w.p, f.east, f.north)}
}

// rangeClass selects the camera range that applies to an actor: animals
// are seen about as far as persons.
type rangeClass uint8

const (
	rangePerson rangeClass = iota
	rangeVehicle
)

// actor is one simulated mover with its true path.
type actor struct {
	info TruthRecord // the actor record, Type TruthActor; Time set when first seen

	class   Class
	rc      rangeClass
	sizeM   float64   // physical size, for size_m
	pcg     *rand.PCG // the state of rng
	rng     *rand.Rand
	mover   mover
	path    []waypoint // from the waypoint current at the last trim
	done    bool       // the path ends at its last waypoint
	follow  []follower
	lead    *actor
	leadDT  float64
	departS float64 // time of the first waypoint, seconds

	crossings []crossingEvent // found, not yet reported

	// Run state.
	seen      bool // the actor record has been written
	gone      bool // left the run
	gpsSeq    uint64
	nextGPSMs int64 // next GPS fix of a patrol, ms from the start
}

func (a *actor) id() string { return a.info.Actor }

// start places the actor's first waypoint and its followers' first ones.
func (a *actor) start(w waypoint) {
	w.t = quantize(w.t)
	a.path = append(a.path[:0], w)
	a.departS = w.t
	for _, f := range a.follow {
		f.a.start(f.shift(w))
	}
}

// addFollower makes f follow a from a's first waypoint on.
func (a *actor) addFollower(f *actor, dt, east, north float64) {
	f.lead, f.leadDT = a, dt
	f.mover = nil
	a.follow = append(a.follow, follower{a: f, dt: dt, east: east, north: north})
}

// departure is the time of the actor's first waypoint.
func (a *actor) departure() float64 { return a.departS }

// extend plans the path until it reaches the time until (seconds) or ends.
func (a *actor) extend(ix *geo.LineIndex, inbound bool, until float64) {
	if a.lead != nil {
		a.lead.extend(ix, inbound, until-a.leadDT)
		return
	}
	for !a.done && a.path[len(a.path)-1].t < until {
		w, ok := a.mover.next(a, a.path[len(a.path)-1])
		if !ok {
			a.done = true
			for _, f := range a.follow {
				f.a.done = true
			}
			break
		}
		a.push(ix, inbound, w)
		for _, f := range a.follow {
			f.a.push(ix, inbound, f.shift(w))
		}
	}
}

// push appends a waypoint and records the border crossings of the leg to
// it. toRightInbound says whether crossing to the right of the line's
// direction is entering Iraq.
func (a *actor) push(ix *geo.LineIndex, toRightInbound bool, w waypoint) {
	last := a.path[len(a.path)-1]
	w.t = quantize(math.Max(w.t, last.t))
	var buf [4]geo.Crossing
	for _, c := range ix.Crossings(last.p, w.p, buf[:0]) {
		a.crossings = append(a.crossings, crossingEvent{
			t:        last.t + c.Fraction*(w.t-last.t),
			p:        c.Point,
			chainage: c.Chainage,
			inbound:  c.ToRight == toRightInbound,
		})
	}
	a.path = append(a.path, w)
}

// trim drops the waypoints before the one current at time t.
func (a *actor) trim(t float64) {
	i := 0
	for i+1 < len(a.path) && a.path[i+1].t <= t {
		i++
	}
	if i > 0 {
		n := copy(a.path, a.path[i:])
		a.path = a.path[:n]
	}
}

// end is the time the actor leaves the run, +Inf while its path goes on.
func (a *actor) end() float64 {
	if !a.done {
		return math.Inf(1)
	}
	return a.path[len(a.path)-1].t
}

// leg returns the index i of the leg path[i]..path[i+1] holding time t, and
// false if the actor is not out at t (before its departure, or after its
// path ended). At the last waypoint of an ended path, i is the last index.
func (a *actor) leg(t float64) (int, bool) {
	p := a.path
	if t < p[0].t {
		return 0, false
	}
	i := 0
	for i+1 < len(p) && p[i+1].t <= t {
		i++
	}
	if i == len(p)-1 && t > p[i].t && a.done {
		return 0, false
	}
	return i, true
}

// posAt returns the actor's true position at time t (seconds), and false if
// it is not out then. The path must reach t (see extend).
func (a *actor) posAt(t float64) (geo.LatLon, bool) {
	i, ok := a.leg(t)
	if !ok {
		return geo.LatLon{}, false
	}
	if i == len(a.path)-1 {
		return a.path[i].p, true
	}
	w0, w1 := a.path[i], a.path[i+1]
	return lerp(w0.p, w1.p, (t-w0.t)/(w1.t-w0.t)), true
}

// velAt returns the actor's true velocity at time t in east and north
// metres per second.
func (a *actor) velAt(t float64) (east, north float64) {
	i, ok := a.leg(t)
	if !ok || i == len(a.path)-1 {
		return 0, 0
	}
	w0, w1 := a.path[i], a.path[i+1]
	e, n := offsetMetres(w0.p, w1.p)
	dt := w1.t - w0.t
	return e / dt, n / dt
}

// quantize rounds a time in seconds to whole milliseconds, the resolution
// of the records.
func quantize(t float64) float64 { return math.Round(t*1000) / 1000 }

// cloneRNG returns a random source in the same state as the actor's, for
// a dry run of its path.
func (a *actor) cloneRNG() *rand.Rand {
	pcg := *a.pcg
	return rand.New(&pcg)
}

// hashID is the FNV-1a hash of an actor id: it seeds the actor's own
// random source, so that an actor's place and path depend only on the
// seed and its id, not on what else the scenario holds.
func hashID(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return h
}

// theaterInboundRight reports whether crossing the line from its left to
// its right enters Iraq.
func theaterInboundRight(th *theater.Theater) bool { return th.Border.IraqSide != theater.HandLeft }
