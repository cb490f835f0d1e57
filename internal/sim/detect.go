package sim

import (
	"math"

	"raqib/internal/geo"
	"raqib/internal/jsonw"
)

// The thermal camera detection model.
const (
	// Probability of detection per frame: pdNear at the camera, falling
	// with the square of the range to pdNear*(1-pdFall) at the camera's
	// range for the class, times the weather.
	pdNear = 0.97
	pdFall = 0.72
	// By full day a person stands out less from the warm ground.
	dayPersonFactor = 0.55
	// Position error (1 sigma, per axis): 5 m plus 1.5 % of the range.
	accBase  = 5.0
	accPerM  = 0.015
	minSpeed = 0.2 // m/s; slower targets get no velocity
)

// detect decides whether camera c, in its frame at tMs, sees actor a, which
// is truly at p, r metres away, and if so makes the observation.
func (g *Generator) detect(c *camState, a *actor, p geo.LatLon, tMs int64, r float64) {
	rng := g.rng
	x := r / c.ranges[a.rc]
	light := g.light[c.sector]
	pd := pdNear * (1 - pdFall*x*x) * g.opts.Weather
	if a.class == ClassPerson {
		pd *= 1 - (1-dayPersonFactor)*light
	}
	if n := min(a.info.GroupSize, 6); n > 1 {
		pd = 1 - math.Pow(1-pd, 1+0.1*float64(n-1)) // a group is easier to see
	}
	if !chance(rng, pd) {
		return
	}
	acc := accBase + accPerM*r
	seen := displace(p, rng.NormFloat64()*acc, rng.NormFloat64()*acc)
	class := g.reportedClass(a.class, x, light)
	conf := 0.93 - 0.4*x + 0.05*rng.NormFloat64()
	if class == ClassUnknown {
		conf -= 0.3
	}
	if a.class == ClassPerson {
		conf -= 0.15 * light
	}
	o := Observation{
		Sensor:     c.cam.ID,
		Time:       g.timeAt(tMs),
		Kind:       KindThermalCamera,
		Position:   roundPosition(seen),
		AccuracyM:  jsonw.Round(acc, accuracyDecimals),
		Class:      class,
		Confidence: jsonw.Round(clamp(conf, 0.2, 0.99), confDecimals),
	}
	if class == ClassPerson || class == ClassAnimal {
		o.Count = g.reportedCount(a.info.GroupSize, x)
	}
	if x < 0.6 && a.sizeM > 0 {
		o.SizeM = jsonw.Round(math.Max(0.1, a.sizeM*(1+0.1*rng.NormFloat64())), sizeDecimals)
	}
	o.Velocity = g.measuredVelocity(a, float64(tMs)/1000, 0.2+acc/50)
	g.emitCamera(c, o, a, tMs)
}

// reportedClass is the class the camera's classifier gives: sometimes
// unknown, more so far away and, for persons, by day; rarely a person for
// an animal or the other way round.
func (g *Generator) reportedClass(truth Class, x, light float64) Class {
	pu := 0.03 + 0.25*x*x
	if truth == ClassPerson {
		pu += 0.1 * light
	}
	if chance(g.rng, pu) {
		return ClassUnknown
	}
	if chance(g.rng, 0.04*x) {
		switch truth {
		case ClassPerson:
			return ClassAnimal
		case ClassAnimal:
			return ClassPerson
		}
	}
	return truth
}

// reportedCount is the size of a group as counted: small groups are
// sometimes undercounted far away, flocks are estimated.
func (g *Generator) reportedCount(size int, x float64) int {
	switch {
	case size >= 10:
		return max(1, int(math.Round(float64(size)*(0.8+0.4*g.rng.Float64()))))
	case size > 1 && chance(g.rng, 0.1+0.3*x):
		return between(g.rng, max(1, size-1-size/3), size-1)
	}
	return max(1, size)
}

// measuredVelocity is the actor's velocity with noise of sigma m/s per
// axis, or nil if it is not moving.
func (g *Generator) measuredVelocity(a *actor, t, sigma float64) *Velocity {
	e, n := a.velAt(t)
	if math.Hypot(e, n) < minSpeed {
		return nil
	}
	return &Velocity{
		EastMPS:  jsonw.Round(e+sigma*g.rng.NormFloat64(), velDecimals),
		NorthMPS: jsonw.Round(n+sigma*g.rng.NormFloat64(), velDecimals),
	}
}

// emitCamera numbers a camera observation, queues it for delivery (twice
// for a duplicate) and, for a true target, ties it to its actor in the
// truth.
func (g *Generator) emitCamera(c *camState, o Observation, a *actor, tMs int64) {
	c.seq++
	o.Seq = g.opts.SeqBase + c.seq
	g.deliver(o, tMs, c.frameDelayMs+holdUp(g.rng))
	g.stats.Camera++
	if a == nil {
		g.stats.Clutter++
		return
	}
	g.link(a, o, tMs)
}

// deliver queues o, detected at tMs, to be sent delay ms later, and
// sometimes again.
func (g *Generator) deliver(o Observation, tMs, delay int64) {
	send := tMs + delay
	g.queue.push(send, o)
	if chance(g.rng, duplicateShare) {
		g.queue.push(send+500+g.rng.Int64N(2500), o)
		g.stats.Duplicates++
	}
}

// link records in the truth that o came from actor a.
func (g *Generator) link(a *actor, o Observation, tMs int64) {
	g.stats.FromActors++
	g.addTruth(tMs, TruthRecord{Type: TruthDetection, Actor: a.id(), Time: o.Time, Sensor: o.Sensor, Seq: o.Seq})
}

func roundPosition(p geo.LatLon) Position {
	return Position{Lat: jsonw.Round(p.Lat, latLonDecimals), Lon: jsonw.Round(p.Lon, latLonDecimals)}
}
