package sim

import (
	"math"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

// Patrol geometry, metres.
const (
	patrolMinOffset = 150.0 // a patrol keeps at least this far inside Iraq
	patrolStep      = 400.0 // chainage per leg
)

// beat drives an own patrol up and down a stretch of its sector on the
// Iraqi side, in front of the camera line, halting now and then. It never
// leaves Iraq: every leg is checked against the border.
type beat struct {
	th       *theater.Theater
	from, to float64 // chainage of the beat's ends
	s, dir   float64 // chainage now and direction of travel
	d        float64 // offset into Iraq now
	dMin     float64
	dMax     float64
	speed    [2]float64
	// Halts: after haltEvery seconds driving (drawn), stop for haltFor.
	haltEvery, haltFor [2]float64
	nextHalt, driving  float64
}

func (m *beat) next(a *actor, last waypoint) (waypoint, bool) {
	r := a.rng
	if m.driving >= m.nextHalt {
		m.nextHalt = m.driving + uniform(r, m.haltEvery)
		return waypoint{t: last.t + uniform(r, m.haltFor), p: last.p}, true
	}
	s := m.s + m.dir*patrolStep
	if s > m.to || s < m.from {
		m.dir = -m.dir
		s = m.s + m.dir*patrolStep
	}
	d := math.Min(math.Max(m.d+r.NormFloat64()*80, m.dMin), m.dMax)
	for try := 0; try < 5; try++ {
		p := m.th.Border.OffsetPoint(s, d, 2000)
		if m.insideIraq(last.p, p) {
			m.s, m.d = s, d
			dt := geo.Distance(last.p, p) / uniform(r, m.speed)
			m.driving += dt
			return waypoint{t: last.t + dt, p: p}, true
		}
		d += 300
	}
	// No safe leg here (the line bends sharply): wait and turn round.
	m.dir = -m.dir
	return waypoint{t: last.t + 60, p: last.p}, true
}

// insideIraq reports whether the leg a->b stays in Iraq, b at least
// patrolMinOffset from the line.
func (m *beat) insideIraq(a, b geo.LatLon) bool {
	if m.th.SignedDistance(b) < patrolMinOffset {
		return false
	}
	_, crosses := m.th.Border.Index.Crossing(a, b)
	return !crosses
}
