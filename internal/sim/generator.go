package sim

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"raqib/internal/geo"
	"raqib/internal/jsonw"
	"raqib/internal/theater"
)

// StepMs is the simulated time one Step covers, in milliseconds.
const StepMs = 1000

// Patrol GPS fixes.
const (
	gpsEveryMs  = 10_000
	gpsAccuracy = 4.0 // metres, 1 sigma
)

// Stats counts what a Generator has made so far.
type Stats struct {
	Camera     int64 // thermal camera observations, not counting duplicates
	GPS        int64 // patrol GPS fixes
	FromActors int64 // observations generated from an actor
	Clutter    int64 // observations of clutter
	Duplicates int64 // observations delivered a second time
	Heartbeats int64
	Outages    int
	// Actors counts the actors that appeared in the window, by type.
	Actors map[ActorType]int
	// Crossings counts the true crossings of the border, by direction and
	// by the class of the actor.
	Inbound, Outbound int
	CrossingsByClass  map[Class]int
}

// Observations is the number of observations generated.
func (s Stats) Observations() int64 { return s.Camera + s.GPS }

// Crossings is the number of true crossings.
func (s Stats) Crossings() int { return s.Inbound + s.Outbound }

// ActorCount is the number of actors that appeared.
func (s Stats) ActorCount() int {
	n := 0
	for _, v := range s.Actors {
		n += v
	}
	return n
}

// Batch is what one Step produced: the observations to send in the step's
// span of time, in the order they are sent (which is not quite the order
// they were made), the heartbeats and the truth records, both in time
// order. It is valid until the next Step.
type Batch struct {
	From, Until  time.Time
	Observations []Observation
	// Due splits Observations by send time: the observations before
	// Due[i].End are due by Due[i].Until. A paced run sends each part at
	// its time, as cameras do, rather than the whole step at its end.
	Due        []Due
	Heartbeats []Heartbeat
	Truth      []TruthRecord
}

// Due is the end of the part of a step's observations due by Until.
type Due struct {
	Until time.Time
	End   int
}

// Generator runs a scenario over a theater, one step of simulated time at
// a time. It is not safe for concurrent use.
type Generator struct {
	th           *theater.Theater
	ix           *geo.LineIndex
	opts         Options
	scenario     Scenario
	inboundRight bool
	startMs      int64 // Unix milliseconds of the start
	endMs        int64 // the duration in ms; times below are ms from the start
	stepMs       int64 // start of the next step
	everyMs      int64 // truth sampling interval
	rng          *rand.Rand

	cams        []camState
	bins        [2]cameraBins // by rangeClass
	light       []float64     // daylight 0..1 per sector, this step
	sectorMid   []geo.LatLon
	clutterRate float64 // new clutter spots per camera-second, at night

	waiting []*actor // not yet out, by departure
	active  []*actor
	queue   delivery
	marks   []slotMark // scratch for Step

	noTruth bool // the truth is not wanted: skip making it
	stats   Stats
	batch   Batch
	truthMs []int64 // time of each truth record in the batch
	scratch []TruthRecord
	order   []int32
	times   []int64
	done    bool
}

// New prepares a run of the scenario named in opts over the theater.
func New(th *theater.Theater, opts Options) (*Generator, error) {
	opts = opts.withDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	sc, _ := LookupScenario(opts.Scenario)
	g := &Generator{
		th: th, ix: th.Border.Index, opts: opts, scenario: sc,
		inboundRight: theaterInboundRight(th),
		startMs:      opts.Start.UnixMilli(),
		endMs:        opts.Duration.Milliseconds(),
		everyMs:      opts.TruthEvery.Milliseconds(),
		rng:          rand.New(rand.NewPCG(opts.Seed, 0x5e750_0001)),
		queue:        newDelivery(),
		clutterRate:  clutterObsPerCameraHour / 3600 / clutterMeanFrames * opts.Background,
		stats:        Stats{Actors: map[ActorType]int{}, CrossingsByClass: map[Class]int{}},
	}
	if len(th.Cameras) == 0 || len(th.Sectors) == 0 {
		return nil, fmt.Errorf("sim: theater %s has no cameras or no sectors", th.ID)
	}
	g.cams = make([]camState, len(th.Cameras))
	for i, c := range th.Cameras {
		g.cams[i] = newCamState(th, c, i)
	}
	g.bins[rangePerson] = buildBins(th, g.cams, rangePerson)
	g.bins[rangeVehicle] = buildBins(th, g.cams, rangeVehicle)
	g.light = make([]float64, len(th.Sectors))
	for _, s := range th.Sectors {
		p, _ := g.ix.At((s.From() + s.To()) / 2)
		g.sectorMid = append(g.sectorMid, p)
	}
	b := newBuilder(g)
	sc.build(b)
	g.waiting = b.actors
	slices.SortStableFunc(g.waiting, func(x, y *actor) int { return cmp.Compare(x.departure(), y.departure()) })
	return g, nil
}

// SetTruth says whether the truth is wanted (it is by default). Without
// it a run is lighter; the observations and heartbeats do not change.
func (g *Generator) SetTruth(want bool) { g.noTruth = !want }

// Options returns the run's options with their defaults filled in.
func (g *Generator) Options() Options { return g.opts }

// Stats returns the counts so far.
func (g *Generator) Stats() Stats { return g.stats }

// Done reports whether the run is over.
func (g *Generator) Done() bool { return g.done }

// timeAt is the time ms after the start.
func (g *Generator) timeAt(ms int64) time.Time { return time.UnixMilli(g.startMs + ms).UTC() }

// Step advances the run by one step (StepMs, less at the end) and returns
// what it produced; false once the run is over. The last step also
// delivers every observation still waiting to be sent.
func (g *Generator) Step() (*Batch, bool) {
	if g.done {
		return nil, false
	}
	t0 := g.stepMs
	t1 := min(t0+StepMs, g.endMs)
	final := t1 == g.endMs
	b := &g.batch
	b.From, b.Until = g.timeAt(t0), g.timeAt(t1)
	b.Observations, b.Heartbeats, b.Truth = b.Observations[:0], b.Heartbeats[:0], b.Truth[:0]
	b.Due = b.Due[:0]
	g.truthMs = g.truthMs[:0]
	if t0 == 0 {
		g.addTruth(0, g.scenarioRecord())
	}
	g.updateLight(t0, t1)
	for i := range g.cams {
		g.cameraStep(&g.cams[i], t0, t1)
	}
	g.activate(t1)
	for _, a := range g.active {
		g.stepActor(a, t0, t1, final)
	}
	for i := range g.cams {
		if c := &g.cams[i]; c.tickMs >= 0 {
			g.clutterFrame(c, c.tickMs)
		}
	}
	g.active = slices.DeleteFunc(g.active, func(a *actor) bool { return a.gone })
	g.marks = g.marks[:0]
	b.Observations, g.marks = g.queue.flush(t1, b.Observations, g.marks)
	for _, m := range g.marks {
		b.Due = append(b.Due, Due{Until: g.timeAt(min(m.untilMs, t1)), End: m.end})
	}
	if final {
		b.Observations = g.queue.drain(b.Observations)
		b.Due = append(b.Due, Due{Until: b.Until, End: len(b.Observations)})
		g.done = true
	}
	g.sortTruth()
	slices.SortStableFunc(b.Heartbeats, func(x, y Heartbeat) int { return x.Time.Compare(y.Time) })
	g.stepMs = t1
	return b, true
}

// updateLight sets each sector's daylight for the step.
func (g *Generator) updateLight(t0, t1 int64) {
	mid := g.timeAt((t0 + t1) / 2)
	for i, p := range g.sectorMid {
		g.light[i] = daylight(sunElevation(mid, p))
	}
}

// activate moves the actors departing before t1 into the active set.
func (g *Generator) activate(t1 int64) {
	t := float64(t1) / 1000
	n := 0
	for n < len(g.waiting) && g.waiting[n].departure() < t {
		n++
	}
	g.active = append(g.active, g.waiting[:n]...)
	g.waiting = g.waiting[n:]
}

// stepActor moves an actor through the step [t0, t1) ([t0, t1] for the
// final step): its truth, the crossings, patrol GPS fixes and what the
// cameras see of it.
func (g *Generator) stepActor(a *actor, t0, t1 int64, final bool) {
	t0s, t1s := float64(t0)/1000, float64(t1)/1000
	a.extend(g.ix, g.inboundRight, t1s)
	if a.end() < t0s {
		a.gone = true
		a.crossings = a.crossings[:0]
		return
	}
	g.truthPositions(a, t0, t1, final)
	g.reportCrossings(a, t1s, final)
	if a.info.ActorType == ActorPatrol {
		g.patrolGPS(a, t0, t1)
	}
	g.cameraPass(a, t0s)
	if a.end() < t1s {
		a.gone = true
	}
	a.trim(t1s)
}

// cameraPass lets every camera that may see the actor and has a frame in
// this step look for it.
func (g *Generator) cameraPass(a *actor, t0s float64) {
	p, ok := a.posAt(clamp(t0s, a.departS, a.end()))
	if !ok {
		return
	}
	for _, ci := range g.bins[a.rc].at(g.ix.Query(p).Chainage) {
		c := &g.cams[ci]
		if c.tickMs < 0 {
			continue
		}
		q, ok := a.posAt(float64(c.tickMs) / 1000)
		if !ok {
			continue
		}
		if r, in := c.sees(q, a.rc); in {
			g.detect(c, a, q, c.tickMs, r)
		}
	}
}

// patrolGPS makes the patrol's GPS fixes due in [t0, t1).
func (g *Generator) patrolGPS(a *actor, t0, t1 int64) {
	for ; a.nextGPSMs < t1; a.nextGPSMs += gpsEveryMs {
		ms := a.nextGPSMs
		if ms < t0 {
			continue
		}
		t := float64(ms) / 1000
		p, ok := a.posAt(t)
		if !ok {
			continue
		}
		ve, vn := a.velAt(t)
		a.gpsSeq++
		o := Observation{
			Sensor:     a.info.Sensor,
			Seq:        g.opts.SeqBase + a.gpsSeq,
			Time:       g.timeAt(ms),
			Kind:       KindPatrolGPS,
			Position:   roundPosition(displace(p, g.rng.NormFloat64()*gpsAccuracy, g.rng.NormFloat64()*gpsAccuracy)),
			AccuracyM:  gpsAccuracy,
			Class:      ClassUnknown, // a GPS report states no class
			Confidence: 1,
			Velocity: &Velocity{
				EastMPS:  jsonw.Round(ve+0.1*g.rng.NormFloat64(), velDecimals),
				NorthMPS: jsonw.Round(vn+0.1*g.rng.NormFloat64(), velDecimals),
			},
		}
		g.deliver(o, ms, latency(g.rng, 300, 600, 4000)+holdUp(g.rng))
		g.stats.GPS++
		g.link(a, o, ms)
	}
}

// msOf converts seconds to whole milliseconds.
func msOf(t float64) int64 { return int64(math.Round(t * 1000)) }
