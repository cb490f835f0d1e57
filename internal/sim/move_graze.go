package sim

import (
	"math"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

// grazeMinOffset is how close to the line, in metres, a shepherd or the
// flock beside him may come.
const grazeMinOffset = 200.0

// graze takes a shepherd and his flock out from home to a pasture near the
// line in the morning, lets them wander there, and brings them home in the
// afternoon. They never cross: every leg of the shepherd and of the flock
// (his follower, displaced by flockEast/flockNorth) is checked against the
// border and refused if it would cross or come too close.
type graze struct {
	th                    *theater.Theater
	side                  float64 // +1 Iraq, -1 Syria
	home, pasture         geo.LatLon
	leave                 float64 // time to head home, seconds
	flockEast, flockNorth float64
	stage                 int // 0 going out, 1 grazing, 2 going home
	heading               float64
}

const (
	grazeOut = iota
	grazeAt
	grazeHome
)

func (m *graze) next(a *actor, last waypoint) (waypoint, bool) {
	r := a.rng
	if m.stage == grazeAt && last.t >= m.leave {
		m.stage = grazeHome
	}
	switch m.stage {
	case grazeOut, grazeHome:
		dest := m.pasture
		if m.stage == grazeHome {
			dest = m.home
		}
		e, n := offsetMetres(last.p, dest)
		dist := math.Hypot(e, n)
		if dist < 1 {
			if m.stage == grazeHome {
				return waypoint{}, false
			}
			m.stage = grazeAt
			return waypoint{t: last.t + 60, p: last.p}, true
		}
		step := math.Min(dist, 150)
		heading := math.Atan2(e, n) / deg
		return m.walk(a, last, heading, step, uniform(r, [2]float64{0.9, 1.3}))
	}
	if r.Float64() < 0.35 {
		return waypoint{t: last.t + uniform(r, [2]float64{60, 480}), p: last.p}, true
	}
	e, n := offsetMetres(m.pasture, last.p)
	if math.Hypot(e, n) > 700 {
		m.heading = math.Atan2(-e, -n)/deg + r.NormFloat64()*30
	} else {
		m.heading += r.NormFloat64() * 50
	}
	return m.walk(a, last, m.heading, uniform(r, [2]float64{20, 100}), uniform(r, [2]float64{0.15, 0.5}))
}

// walk tries a step on the heading, then on random headings, and waits if
// none is allowed.
func (m *graze) walk(a *actor, last waypoint, heading, step, speed float64) (waypoint, bool) {
	for try := 0; try < 6; try++ {
		p := toward(last.p, heading, step)
		if m.allowed(last.p, p) {
			return waypoint{t: last.t + step/speed, p: p}, true
		}
		heading = a.rng.Float64() * 360
	}
	return waypoint{t: last.t + 120, p: last.p}, true
}

// allowed reports whether the shepherd may walk a->b with the flock beside
// him: both stay on their side, at least grazeMinOffset from the line.
func (m *graze) allowed(a, b geo.LatLon) bool {
	fa := displace(a, m.flockEast, m.flockNorth)
	fb := displace(b, m.flockEast, m.flockNorth)
	for _, leg := range [2][2]geo.LatLon{{a, b}, {fa, fb}} {
		if m.side*m.th.SignedDistance(leg[1]) < grazeMinOffset {
			return false
		}
		if _, crosses := m.th.Border.Index.Crossing(leg[0], leg[1]); crosses {
			return false
		}
	}
	return true
}
