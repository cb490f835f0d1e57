package sim

import (
	"math"
	"math/rand/v2"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

// course moves an actor across the border's grain: from deep on one side
// toward the line, along a meandering course like a wadi or a desert track,
// either on across the line to some depth on the other side, or turning
// back short of it. Offsets are signed metres from the line along its
// smoothed normal (> 0 in Iraq), chainages metres along it.
type course struct {
	border *theater.Border

	// The course: at offset d it runs at chainage
	// c + drift*d + amp*sin(2*pi*d/wavelen + phase).
	c, drift, amp, wavelen, phase float64

	d, dir float64 // current offset; +1 toward Iraq, -1 toward Syria
	target float64 // offset where the current stage ends
	stepM  float64 // offset covered per leg
	jitter float64 // metres of random displacement of each corner

	speed      [2]float64 // m/s, drawn per leg
	slow       [2]float64 // m/s within slowWithin of the line; zero: no slowing
	slowWithin float64

	// A halt on the way: at offset stopAt, for stopFor seconds.
	stopAt, stopFor float64
	stopped         bool

	// Turning back: at target, pause for pauseFor seconds, then walk back
	// to returnTo.
	turnBack  bool
	returnTo  float64
	pauseFor  float64
	returning bool

	// Rests on a long walk: after restEvery seconds on the move (drawn),
	// rest for restFor.
	restEvery, restFor [2]float64
	nextRest, moving   float64
}

// at is the course's point at offset d.
func (m *course) at(d float64) geo.LatLon {
	s := m.c + m.drift*d + m.amp*math.Sin(2*math.Pi*d/m.wavelen+m.phase)
	s = math.Min(math.Max(s, 200), m.border.Length()-200)
	return m.border.OffsetPoint(s, d, 2500)
}

func (m *course) next(a *actor, last waypoint) (waypoint, bool) {
	r := a.rng
	if m.restFor[1] > 0 && m.moving >= m.nextRest {
		m.nextRest = m.moving + uniform(r, m.restEvery)
		return waypoint{t: last.t + uniform(r, m.restFor), p: last.p}, true
	}
	if m.stopFor > 0 && !m.stopped && (m.d-m.stopAt)*m.dir >= 0 {
		m.stopped = true
		return waypoint{t: last.t + m.stopFor, p: last.p}, true
	}
	if (m.d-m.target)*m.dir >= 0 {
		if !m.turnBack || m.returning {
			return waypoint{}, false
		}
		m.returning, m.dir, m.target = true, -m.dir, m.returnTo
		m.phase += math.Pi / 3 // not quite the way they came
		return waypoint{t: last.t + m.pauseFor, p: last.p}, true
	}
	nd := m.d + m.dir*m.stepM
	if (nd-m.target)*m.dir > 0 {
		nd = m.target
	}
	if m.stopFor > 0 && !m.stopped && (nd-m.stopAt)*m.dir > 0 && (m.d-m.stopAt)*m.dir < 0 {
		nd = m.stopAt
	}
	m.d = nd
	p := m.at(nd)
	if m.jitter > 0 {
		p = displace(p, r.NormFloat64()*m.jitter, r.NormFloat64()*m.jitter)
	}
	v := uniform(r, m.speed)
	if m.slow[1] > 0 && math.Abs(nd) < m.slowWithin {
		v = uniform(r, m.slow)
	}
	dt := geo.Distance(last.p, p) / v
	m.moving += dt
	return waypoint{t: last.t + dt, p: p}, true
}

// reachTime is how long after its first waypoint a course first reaches
// the offset reach, found by a dry run of a copy of the course with rng, a
// source in the same state as the actor's.
func (m course) reachTime(rng *rand.Rand, reach float64) float64 {
	a := &actor{rng: rng}
	dir := m.dir
	last := waypoint{p: m.at(m.d)}
	for range 100_000 {
		prev := m.d
		w, ok := m.next(a, last)
		if !ok {
			break
		}
		if (prev-reach)*dir < 0 && (m.d-reach)*dir >= 0 {
			return last.t + (w.t-last.t)*(reach-prev)/(m.d-prev)
		}
		last = w
	}
	return last.t
}
