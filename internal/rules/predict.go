package rules

import (
	"math"

	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/theater"
)

// motion is a track's movement relative to the border line, from one
// Locate of its position: the direction to the nearest point of the line is
// the direction straight at it.
type motion struct {
	// dist is the unsigned distance to the line (m); sigmaD its 1-sigma
	// uncertainty along the direction to the line.
	dist, sigmaD float64
	// speed is the ground speed (m/s).
	speed float64
	// vPerp is the speed toward the line (m/s, negative moving away) and
	// sigmaV its 1-sigma uncertainty.
	vPerp, sigmaV float64
	// heading is the angle between the velocity and the direction straight
	// at the line, degrees: 0 straight at it, 180 straight away, 90 for a
	// track standing still.
	heading float64
}

// towardWindow is the stretch of line, either side, over which the
// direction into Iraq is judged for a track on the line itself.
const towardWindow = 250.0

// motionOf computes a track's motion relative to the line.
func motionOf(tr *fusion.Track, loc *theater.Location, b *theater.Border) motion {
	mo := motion{dist: math.Abs(loc.Distance)}
	ve, vn := tr.Vel.East, tr.Vel.North
	mo.speed = hypot(ve, vn)

	// Unit vector from the track to the line, in the local east/north frame.
	mLat, mLon := metresPerDegree(tr.Pos.Lat)
	ne := (loc.Nearest.Lon - tr.Pos.Lon) * mLon
	nn := (loc.Nearest.Lat - tr.Pos.Lat) * mLat
	if n := hypot(ne, nn); n > 0.5 {
		ne, nn = ne/n, nn/n
	} else {
		// On the line: straight at it is across it, from the track's side.
		s, c := math.Sincos(b.TowardIraq(loc.Chainage, towardWindow) * math.Pi / 180)
		ne, nn = s, c
		if loc.Distance >= 0 {
			ne, nn = -ne, -nn
		}
	}
	mo.vPerp = ve*ne + vn*nn
	mo.sigmaV = math.Sqrt(max(0, quad(tr.VelCov, ne, nn)))
	mo.sigmaD = math.Sqrt(max(0, quad(tr.PosCov, ne, nn)))
	mo.heading = 90
	if mo.speed > 1e-6 {
		mo.heading = math.Acos(max(-1, min(1, mo.vPerp/mo.speed))) * 180 / math.Pi
	}
	return mo
}

// quad is uᵀ C u for a covariance C given as xx, xy, yy.
func quad(c [3]float64, ue, un float64) float64 {
	return ue*ue*c[0] + 2*ue*un*c[1] + un*un*c[2]
}

// eta is the time in seconds to reach the line at approach speed v; +Inf
// when v does not bring the track to it.
func (mo *motion) eta(v float64) float64 {
	if v <= 0 {
		return math.Inf(1)
	}
	return mo.dist / v
}

// metresPerDegree gives the length of a degree of latitude and of
// longitude at a latitude, on the WGS84 ellipsoid.
func metresPerDegree(lat float64) (mLat, mLon float64) {
	c := math.Cos(lat * math.Pi / 180)
	c2 := 2*c*c - 1 // cos 2φ
	c3 := (4*c*c - 3) * c
	c4 := 2*c2*c2 - 1
	c5 := ((16*c*c-20)*c*c + 5) * c
	mLat = 111132.954 - 559.822*c2 + 1.175*c4
	mLon = 111412.84*c - 93.5*c3 + 0.118*c5
	return mLat, mLon
}

// metres is the distance between two nearby points on a local flat frame,
// within a fraction of a percent of the geodesic over a few kilometres.
func metres(a, b geo.LatLon) float64 {
	mLat, mLon := metresPerDegree((a.Lat + b.Lat) / 2)
	return hypot((b.Lat-a.Lat)*mLat, (b.Lon-a.Lon)*mLon)
}

// hypot is √(x²+y²) for the small, finite values the rules deal in,
// without math.Hypot's care for overflow.
func hypot(x, y float64) float64 { return math.Sqrt(x*x + y*y) }
