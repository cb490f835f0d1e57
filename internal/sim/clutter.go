package sim

import (
	"math"

	"raqib/internal/geo"
	"raqib/internal/jsonw"
)

// Thermal clutter: warm rocks, vegetation, reflections and noise that a
// camera's analytics report as targets. At background 1 a camera makes
// clutterObsPerCameraHour false detections an hour at night, 30 % more by
// day; each clutter spot lasts one to three frames.
const (
	clutterObsPerCameraHour = 9200.0
	clutterMeanFrames       = 2.0
	clutterDayFactor        = 0.3
)

// What clutter is reported as, and how often.
var (
	clutterClasses = []Class{ClassUnknown, ClassAnimal, ClassPerson}
	clutterWeights = []float64{0.55, 0.25, 0.2}
)

// clutterSpot is a false target persisting over a few frames.
type clutterSpot struct {
	p      geo.LatLon
	r      float64 // range from the camera, metres
	frames int     // frames left
	class  Class
	conf   float64
	sizeM  float64
}

// clutterFrame adds new clutter spots to camera c's frame at tMs and
// reports every live one.
func (g *Generator) clutterFrame(c *camState, tMs int64) {
	perFrame := g.clutterRate * float64(c.periodMs) / 1000 * (1 + clutterDayFactor*g.light[c.sector])
	for n := poisson(g.rng, perFrame); n > 0; n-- {
		c.spots = append(c.spots, g.newSpot(c))
	}
	live := c.spots[:0]
	for _, s := range c.spots {
		acc := accBase + accPerM*s.r
		p := displace(s.p, g.rng.NormFloat64()*acc/2, g.rng.NormFloat64()*acc/2)
		g.emitCamera(c, Observation{
			Sensor:     c.cam.ID,
			Time:       g.timeAt(tMs),
			Kind:       KindThermalCamera,
			Position:   roundPosition(p),
			AccuracyM:  jsonw.Round(acc, accuracyDecimals),
			Class:      s.class,
			Confidence: s.conf,
			SizeM:      s.sizeM,
		}, nil, tMs)
		if s.frames--; s.frames > 0 {
			live = append(live, s)
		}
	}
	c.spots = live
}

// newSpot places a clutter spot at random in the camera's view.
func (g *Generator) newSpot(c *camState) clutterSpot {
	r := g.rng
	rng := c.ranges[rangePerson] * math.Sqrt(0.01+0.99*r.Float64())
	half := c.cam.HFOVDeg / 2 * 0.99
	p, _ := geo.Direct(c.cam.Position, c.cam.BearingDeg+(2*r.Float64()-1)*half, rng)
	s := clutterSpot{
		p:      p,
		r:      rng,
		frames: 1 + r.IntN(3),
		class:  clutterClasses[weighted(r, clutterWeights)],
		conf:   jsonw.Round(0.1+0.35*r.Float64(), confDecimals),
	}
	if chance(r, 0.5) {
		s.sizeM = jsonw.Round(0.3+2.2*r.Float64(), sizeDecimals)
	}
	return s
}
