package sim

import (
	"math"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

// Camera timing and the fast coverage test.
const (
	// Each camera reports what it sees once per frame-report period, one of
	// 1.0, 1.25, 1.5, 1.75 and 2 s (by its index), with its own phase.
	minPeriodMs  = 1000
	periodStepMs = 250
	// Heartbeats every 30 s per camera.
	heartbeatMs = 30_000
	// The fast coverage test is exact outside these tolerances; inside
	// them Camera.Covers decides.
	coverSlackM   = 5.0
	coverSlackDeg = 0.1
	// Cameras are bucketed by the chainage their footprint spans.
	binWidth  = 1000.0 // metres
	binMargin = 1500.0 // metres added to each footprint's span
)

// camState is a camera and what the run knows of it.
type camState struct {
	cam    *theater.Camera
	sector int // index in Theater.Sectors

	// The fast coverage test: a flat frame at the camera.
	lat, lon         float64
	mLat, mLon       float64 // metres per degree at the camera
	tanLat           float64
	sinB, cosB       float64 // unit vector of the bearing (east, north)
	cosIn, cosOut    float64 // cosines of the half field of view less and plus the slack
	ranges           [2]float64
	classes          [2]theater.TargetClass
	periodMs, tickMs int64 // tickMs: this step's frame, -1 if none
	nextTickMs       int64
	frameDelayMs     int64 // delivery delay of this step's frame
	nextHBMs         int64

	seq     uint64 // last sequence number used
	outages []outage
	spots   []clutterSpot
}

func newCamState(th *theater.Theater, c *theater.Camera, i int) camState {
	mLat, mLon := metresPerDegree(c.Position.Lat)
	sinB, cosB := math.Sincos(c.BearingDeg * deg)
	half := c.HFOVDeg / 2
	period := int64(minPeriodMs + periodStepMs*(i%5))
	s := camState{
		cam: c, lat: c.Position.Lat, lon: c.Position.Lon,
		mLat: mLat, mLon: mLon, tanLat: math.Tan(c.Position.Lat * deg),
		sinB: sinB, cosB: cosB,
		cosIn:    math.Cos((half - coverSlackDeg) * deg),
		cosOut:   math.Cos(math.Min(180, half+coverSlackDeg) * deg),
		ranges:   [2]float64{c.Range(theater.TargetPerson), c.Range(theater.TargetVehicle)},
		classes:  [2]theater.TargetClass{theater.TargetPerson, theater.TargetVehicle},
		periodMs: period,
		// Phases spread by multiplicative hashing of the index.
		nextTickMs: int64(uint64(i)*7919) % period,
		nextHBMs:   int64(uint64(i)*104729) % heartbeatMs,
		tickMs:     -1,
	}
	for k, sec := range th.Sectors {
		if sec.ID == c.Sector {
			s.sector = k
		}
	}
	return s
}

// sees reports whether p is inside the camera's field of view and range for
// the class, as Camera.Covers does, and the distance to it in metres.
func (c *camState) sees(p geo.LatLon, rc rangeClass) (float64, bool) {
	dLat := p.Lat - c.lat
	dy := dLat * c.mLat
	dx := (p.Lon - c.lon) * c.mLon * (1 - c.tanLat*dLat*deg/2)
	r := c.ranges[rc]
	d2 := dx*dx + dy*dy
	if d2 > (r+coverSlackM)*(r+coverSlackM) {
		return 0, false
	}
	d := math.Sqrt(d2)
	if d < 1 {
		return d, true
	}
	cosA := (dx*c.sinB + dy*c.cosB) / d
	switch {
	case cosA < c.cosOut:
		return 0, false
	case cosA >= c.cosIn && d <= r-coverSlackM:
		return d, true
	}
	return d, c.cam.Covers(p, c.classes[rc])
}

// cameraBins lists, for each kilometre of chainage, the cameras whose
// footprint for one range class may hold a point whose nearest point of
// the border lies in that kilometre.
type cameraBins struct {
	bins [][]int32
}

func buildBins(th *theater.Theater, cams []camState, rc rangeClass) cameraBins {
	n := int(th.Border.Length()/binWidth) + 1
	b := cameraBins{bins: make([][]int32, n)}
	for i := range cams {
		lo, hi := footprintSpan(th, &cams[i], rc)
		first := max(0, int((lo-binMargin)/binWidth))
		last := min(n-1, int((hi+binMargin)/binWidth))
		for k := first; k <= last; k++ {
			b.bins[k] = append(b.bins[k], int32(i))
		}
	}
	return b
}

// footprintSpan is the range of chainages of points sampled over the
// camera's footprint: its apex and a grid of bearings and ranges.
func footprintSpan(th *theater.Theater, c *camState, rc rangeClass) (lo, hi float64) {
	lo, hi = c.cam.Chainage, c.cam.Chainage
	half := c.cam.HFOVDeg / 2
	for _, f := range [...]float64{-1, -0.5, 0, 0.5, 1} {
		for _, rf := range [...]float64{0.25, 0.5, 0.75, 1} {
			p, _ := geo.Direct(c.cam.Position, c.cam.BearingDeg+f*half, rf*c.ranges[rc])
			s := th.Border.Index.Query(p).Chainage
			lo, hi = math.Min(lo, s), math.Max(hi, s)
		}
	}
	return lo, hi
}

// at returns the cameras to test for a target whose nearest point of the
// border is at the chainage (metres).
func (b *cameraBins) at(chainage float64) []int32 {
	k := int(chainage / binWidth)
	if k < 0 || math.IsNaN(chainage) {
		k = 0
	}
	return b.bins[min(k, len(b.bins)-1)]
}
