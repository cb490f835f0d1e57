package sim

import (
	"raqib/internal/theater"
)

// wander moves wild or feral animals in a correlated random walk with
// rests, inside a band either side of the line. Animals do cross the line;
// their crossings are in the truth like any other.
type wander struct {
	th         *theater.Theater
	heading    float64
	speed      [2]float64 // m/s
	leg        [2]float64 // metres
	restChance float64
	rest       [2]float64 // seconds
	dMin, dMax float64    // the band, signed offsets in metres
}

func (m *wander) next(a *actor, last waypoint) (waypoint, bool) {
	r := a.rng
	if r.Float64() < m.restChance {
		return waypoint{t: last.t + uniform(r, m.rest), p: last.p}, true
	}
	m.heading += r.NormFloat64() * 35
	dist := uniform(r, m.leg)
	p := toward(last.p, m.heading, dist)
	if loc := m.th.Locate(p); loc.Distance < m.dMin || loc.Distance > m.dMax {
		// Turn back into the band, towards the line or away from it.
		m.heading = m.th.Border.TowardIraq(loc.Chainage, 2000) + r.NormFloat64()*30
		if loc.Distance > m.dMax {
			m.heading += 180
		}
		p = toward(last.p, m.heading, dist)
	}
	return waypoint{t: last.t + dist/uniform(r, m.speed), p: p}, true
}
