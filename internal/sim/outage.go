package sim

// Camera outages. During an outage a camera neither detects nor sends
// heartbeats. What it says first depends on the cause: a camera losing
// power sends a last "offline" heartbeat from its battery, a tampered one
// a "tampered" alarm, a failing one reports "degraded" for a few minutes
// before it goes; a broken link just goes silent.

// Outage causes.
const (
	CausePower  = "power"
	CauseLink   = "link"
	CauseFault  = "fault"
	CauseTamper = "tamper"
)

const (
	// Random outages per camera-hour, in every scenario.
	outagesPerCameraHour = 0.003
	degradedBeforeMs     = 180_000
)

var (
	outageCauses  = []string{CausePower, CauseLink, CauseFault, CauseTamper}
	outageWeights = []float64{0.35, 0.4, 0.2, 0.05}
)

// outage is a period when a camera is down, ms from the start.
type outage struct {
	fromMs, untilMs int64
	cause           string
}

// downAt reports whether the camera is out at ms.
func (c *camState) downAt(ms int64) bool {
	for _, o := range c.outages {
		if ms >= o.fromMs && ms < o.untilMs {
			return true
		}
	}
	return false
}

// healthAt is the health a regular heartbeat at ms reports, and false if
// the camera sends none.
func (c *camState) healthAt(ms int64) (Health, bool) {
	h := HealthOK
	for _, o := range c.outages {
		switch {
		case ms >= o.fromMs && ms < o.untilMs:
			return "", false
		case o.cause == CauseFault && ms >= o.fromMs-degradedBeforeMs && ms < o.fromMs:
			h = HealthDegraded
		}
	}
	return h, true
}

// cameraStep sets up camera c for the step [t0, t1): its frame, the
// outages that begin, its heartbeats.
func (g *Generator) cameraStep(c *camState, t0, t1 int64) {
	c.tickMs = -1
	if c.nextTickMs < t1 {
		tick := c.nextTickMs
		c.nextTickMs += c.periodMs
		if c.downAt(tick) {
			c.spots = c.spots[:0]
		} else {
			c.tickMs = tick
			c.frameDelayMs = latency(g.rng, 120, 250, 3000)
		}
	}
	for _, o := range c.outages {
		if o.fromMs < t0 || o.fromMs >= t1 {
			continue
		}
		g.addTruth(o.fromMs, TruthRecord{
			Type: TruthOutage, Sensor: c.cam.ID, Time: g.timeAt(o.fromMs), Until: g.timeAt(o.untilMs), Cause: o.cause,
		})
		g.stats.Outages++
		switch o.cause {
		case CausePower:
			g.heartbeat(c, o.fromMs, HealthOffline)
		case CauseTamper:
			g.heartbeat(c, o.fromMs, HealthTampered)
		}
	}
	for c.nextHBMs < t1 {
		ms := c.nextHBMs
		c.nextHBMs += heartbeatMs
		if h, ok := c.healthAt(ms); ok {
			g.heartbeat(c, ms, h)
		}
	}
}

func (g *Generator) heartbeat(c *camState, ms int64, h Health) {
	g.batch.Heartbeats = append(g.batch.Heartbeats, Heartbeat{Sensor: c.cam.ID, Time: g.timeAt(ms), Health: h})
	g.stats.Heartbeats++
}
