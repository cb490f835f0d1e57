package fusion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"raqib/internal/geo"
)

// Small synthetic worlds for the tests: cameras that see a box of ground
// in a local frame, targets moving in straight lines, clutter, and
// delivery with network delay.

var (
	testOrigin = geo.LatLon{Lat: 34.2, Lon: 41.0}
	testStart  = time.Date(2026, time.November, 23, 20, 0, 0, 0, time.UTC)
	testFrame  = geo.NewFrame(testOrigin)
)

// box is a piece of ground in the test frame: xmin, xmax, ymin, ymax.
type box [4]float64

func (b box) has(x, y float64) bool { return x >= b[0] && x <= b[1] && y >= b[2] && y <= b[3] }

// camera reports every target in its view once per period.
type camera struct {
	id     string
	period time.Duration
	phase  time.Duration
	view   box
	sigma  float64 // position error, 1 sigma, metres
}

// target moves in a straight line at constant velocity from (x, y) at
// the start, while from ≤ t < until (until 0: for ever).
type target struct {
	x, y, vx, vy float64
	class        Class
	count        int
	conf         float64
	from, until  time.Duration
	noVel        bool
}

func (g target) at(d time.Duration) (x, y float64) {
	s := d.Seconds()
	return g.x + g.vx*s, g.y + g.vy*s
}

func (g target) live(d time.Duration) bool {
	return d >= g.from && (g.until == 0 || d < g.until)
}

// world generates the measurements of its cameras.
type world struct {
	rng     *rand.Rand
	cams    []camera
	targets []target
	seq     map[string]uint64
	// clutter: new spots per camera-second, each lasting 1 to 3 frames.
	clutterRate float64
	spots       map[string][]spot
	truth       map[ObsRef]int // measurement → target index, -1 clutter
}

type spot struct {
	x, y   float64
	frames int
	class  Class
	conf   float64
}

func newWorld(seed uint64, cams []camera, targets []target) *world {
	return &world{
		rng: rand.New(rand.NewPCG(seed, 7)), cams: cams, targets: targets,
		seq: map[string]uint64{}, spots: map[string][]spot{}, truth: map[ObsRef]int{},
	}
}

// measurement makes a measurement at frame position (x, y).
func (w *world) measurement(sensor string, d time.Duration, x, y, sigma float64) Measurement {
	w.seq[sensor]++
	return Measurement{
		Sensor: sensor, Seq: w.seq[sensor], Time: testStart.Add(d),
		Pos: testFrame.Reverse(x, y), SigmaM: sigma, Count: 1,
	}
}

// run returns every measurement of the first dur, in time order.
func (w *world) run(dur time.Duration) []Measurement {
	var out []Measurement
	for ci := range w.cams {
		c := &w.cams[ci]
		for d := c.phase; d < dur; d += c.period {
			out = w.frame(c, d, out)
		}
	}
	slices.SortStableFunc(out, func(a, b Measurement) int { return a.Time.Compare(b.Time) })
	return out
}

// frame appends camera c's reports at time d.
func (w *world) frame(c *camera, d time.Duration, out []Measurement) []Measurement {
	for i := range w.targets {
		g := &w.targets[i]
		if !g.live(d) {
			continue
		}
		x, y := g.at(d)
		if !c.view.has(x, y) {
			continue
		}
		m := w.measurement(c.id, d, x+w.rng.NormFloat64()*c.sigma, y+w.rng.NormFloat64()*c.sigma, c.sigma)
		m.Class, m.Count, m.Confidence = g.class, max(g.count, 1), g.conf
		if !g.noVel && math.Hypot(g.vx, g.vy) > 0.2 {
			sv := 0.2 + c.sigma/50
			m.Vel = &Velocity{East: g.vx + w.rng.NormFloat64()*sv, North: g.vy + w.rng.NormFloat64()*sv}
		}
		w.truth[m.Ref()] = i
		out = append(out, m)
	}
	if w.clutterRate == 0 {
		return out
	}
	v := c.view
	for n := poisson(w.rng, w.clutterRate*c.period.Seconds()); n > 0; n-- {
		s := spot{
			x: v[0] + w.rng.Float64()*(v[1]-v[0]), y: v[2] + w.rng.Float64()*(v[3]-v[2]),
			frames: 1 + w.rng.IntN(3), conf: 0.1 + 0.35*w.rng.Float64(),
			class: []Class{ClassUnknown, ClassAnimal, ClassPerson}[w.rng.IntN(3)],
		}
		w.spots[c.id] = append(w.spots[c.id], s)
	}
	live := w.spots[c.id][:0]
	for _, s := range w.spots[c.id] {
		m := w.measurement(c.id, d, s.x+w.rng.NormFloat64()*c.sigma/2, s.y+w.rng.NormFloat64()*c.sigma/2, c.sigma)
		m.Class, m.Confidence = s.class, s.conf
		w.truth[m.Ref()] = -1
		out = append(out, m)
		if s.frames--; s.frames > 0 {
			live = append(live, s)
		}
	}
	w.spots[c.id] = live
	return out
}

func poisson(r *rand.Rand, mean float64) int {
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p < l {
			return k
		}
		k++
	}
}

// deliver splits ms into the batches a tracker would receive: each
// measurement arrives 120 ms plus a log-normal delay (median 250 ms)
// after it was made, 1 % of them 1 to 4 s later still, and the batches
// hold what arrived in each period.
func deliver(ms []Measurement, seed uint64, period time.Duration) [][]Measurement {
	rng := rand.New(rand.NewPCG(seed, 11))
	type arrival struct {
		at time.Time
		m  Measurement
	}
	as := make([]arrival, len(ms))
	for i, m := range ms {
		delay := 120*time.Millisecond + time.Duration(250*math.Exp(0.6*rng.NormFloat64())*float64(time.Millisecond))
		if rng.Float64() < 0.01 {
			delay += time.Second + time.Duration(rng.Int64N(int64(3*time.Second)))
		}
		as[i] = arrival{at: m.Time.Add(delay), m: m}
	}
	slices.SortStableFunc(as, func(a, b arrival) int { return a.at.Compare(b.at) })
	var out [][]Measurement
	var cur []Measurement
	var end time.Time
	for _, a := range as {
		if cur != nil && !a.at.Before(end) {
			out = append(out, cur)
			cur = nil
		}
		if cur == nil {
			end = a.at.Truncate(period).Add(period)
		}
		cur = append(cur, a.m)
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// inOrder puts every measurement in a batch of its own.
func inOrder(ms []Measurement) [][]Measurement {
	out := make([][]Measurement, len(ms))
	for i := range ms {
		out[i] = ms[i : i+1 : i+1]
	}
	return out
}

// runBatches feeds the batches to a new tracker and returns every update.
func runBatches(t testing.TB, cfg Config, batches [][]Measurement) (*Tracker, []Update) {
	t.Helper()
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	var all []Update
	for _, b := range batches {
		all = append(all, tr.Process(b)...)
	}
	return tr, all
}

// ids returns the distinct track ids of the updates, in order of first
// appearance.
func ids(us []Update) []string {
	var out []string
	for _, u := range us {
		if !slices.Contains(out, u.Track.ID) {
			out = append(out, u.Track.ID)
		}
	}
	return out
}

// walkerCams are three cameras with different periods and phases all
// seeing the ground around the origin.
func walkerCams() []camera {
	all := box{-3000, 3000, -3000, 3000}
	return []camera{
		{id: "S01-C001", period: time.Second, phase: 130 * time.Millisecond, view: all, sigma: 15},
		{id: "S01-C002", period: 1500 * time.Millisecond, phase: 470 * time.Millisecond, view: all, sigma: 25},
		{id: "S01-C003", period: 2 * time.Second, phase: 910 * time.Millisecond, view: all, sigma: 35},
	}
}

func walker(x, y, vx, vy float64) target {
	return target{x: x, y: y, vx: vx, vy: vy, class: ClassPerson, count: 2, conf: 0.8}
}

// frameDist is the distance in metres between a position and a point of
// the test frame.
func frameDist(p geo.LatLon, x, y float64) float64 {
	px, py := testFrame.Forward(p)
	return math.Hypot(px-x, py-y)
}

func describe(us []Update) string {
	s := ""
	for _, u := range us {
		s += fmt.Sprintf("%v %s %v %s\n", u.Track.Time.Format("04:05.000"), u.Track.ID, u.Kind, u.MergedInto)
	}
	return s
}
