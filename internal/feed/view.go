package feed

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/jsonw"
	"raqib/internal/pipeline"
	"raqib/internal/theater"
)

// TrackView is a track as the feed shows it: the same object as the items
// of GET /api/v1/tracks, with the predicted border crossing. The trail is
// added to a snapshot's tracks only.
type TrackView struct {
	ID        string             `json:"id"`
	Status    string             `json:"status"`
	Time      time.Time          `json:"time"`
	Position  geo.LatLon         `json:"position"`
	MGRS      string             `json:"mgrs"`
	Velocity  fusion.Velocity    `json:"velocity"`
	SpeedMps  float64            `json:"speed_mps"`
	CourseDeg float64            `json:"course_deg"`
	SigmaM    float64            `json:"sigma_m"`
	Class     string             `json:"class"`
	ClassProb map[string]float64 `json:"class_prob"`
	Count     int                `json:"count"`
	Friendly  bool               `json:"friendly"`
	Unit      string             `json:"unit,omitempty"`
	Exercise  bool               `json:"exercise"`
	Sector    string             `json:"sector"`
	Side      theater.Side       `json:"side"`
	DistanceM float64            `json:"distance_m"`
	// ChainageKm places the track along the border.
	ChainageKm float64   `json:"chainage_km"`
	Born       time.Time `json:"born"`
	LastSeen   time.Time `json:"last_seen"`
	Hits       int       `json:"hits"`
	Sensors    []string  `json:"sensors"`
	// Predicted is where and when the track reaches the border line at its
	// current velocity, nil when it is not heading there within the
	// prediction horizon.
	Predicted *Prediction `json:"predicted"`
}

// Prediction is a predicted crossing of the border line.
type Prediction struct {
	Time time.Time `json:"time"`
	// SigmaS is the 1-sigma uncertainty of Time in seconds.
	SigmaS float64 `json:"sigma_s"`
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
}

// minPredictSpeed is the ground speed below which a track is taken to be
// standing and no crossing is predicted (m/s).
const minPredictSpeed = 0.2

// viewer computes track views against the theater.
type viewer struct {
	th      *theater.Theater
	horizon time.Duration
}

// ViewOf computes the view of a track against the theater, predicting a
// crossing up to DefaultHorizon ahead: what the REST API shows.
func ViewOf(th *theater.Theater, t *fusion.Track) TrackView {
	v := viewer{th: th, horizon: DefaultHorizon}
	return v.View(t)
}

// View computes the view of a track.
func (v *viewer) View(t *fusion.Track) TrackView {
	loc := v.th.Locate(t.Pos)
	mgrs, _ := geo.FormatMGRS(t.Pos, 5)
	speed := math.Hypot(t.Vel.East, t.Vel.North)
	course := math.Atan2(t.Vel.East, t.Vel.North) * 180 / math.Pi
	if course < 0 {
		course += 360
	}
	tv := TrackView{
		ID: t.ID, Status: t.Status.String(), Time: t.Time, Position: t.Pos, MGRS: mgrs,
		Velocity: t.Vel, SpeedMps: round(speed, 2), CourseDeg: round(course, 1),
		SigmaM: round(math.Sqrt(max(0, (t.PosCov[0]+t.PosCov[2])/2)), 1),
		Class:  t.Class.String(),
		ClassProb: map[string]float64{
			"person": round(t.ClassProb[0], 3), "vehicle": round(t.ClassProb[1], 3), "animal": round(t.ClassProb[2], 3),
		},
		Count: t.Count, Friendly: t.Friendly, Unit: t.Unit, Exercise: len(t.ID) > 2 && t.ID[:2] == "X-",
		Side: loc.Side, DistanceM: round(loc.Distance, 0), ChainageKm: round(loc.Chainage/1000, 3),
		Born: t.Born, LastSeen: t.LastSeen, Hits: t.Hits, Sensors: t.Sensors,
	}
	if tv.Sensors == nil {
		tv.Sensors = []string{}
	}
	if loc.Sector != nil {
		tv.Sector = loc.Sector.ID
	}
	tv.Predicted = v.predict(t, speed, course, math.Abs(loc.Distance))
	return tv
}

// predict finds where the track's straight course at its current velocity
// first crosses the border line within the horizon, with the same line
// index the rules judge crossings with. The time's uncertainty combines
// the position and velocity uncertainty along the course, as the rules'
// approach prediction does across the line.
func (v *viewer) predict(t *fusion.Track, speed, course, dist float64) *Prediction {
	h := v.horizon.Seconds()
	if speed < minPredictSpeed || dist > speed*h {
		return nil
	}
	end, _ := geo.Direct(t.Pos, course, speed*h)
	c, ok := v.th.Border.Index.Crossing(t.Pos, end)
	if !ok {
		return nil
	}
	dt := c.Fraction * h
	ue, un := t.Vel.East/speed, t.Vel.North/speed
	sigmaPos := math.Sqrt(max(0, quad(t.PosCov, ue, un)))
	sigmaVel := math.Sqrt(max(0, quad(t.VelCov, ue, un)))
	sigma := math.Hypot(sigmaPos/speed, dt*speed*sigmaVel/(speed*speed))
	return &Prediction{
		Time:   t.Time.Add(time.Duration(dt * 1e9)).Round(time.Millisecond),
		SigmaS: round(min(sigma, 24*3600), 1),
		Lat:    round(c.Point.Lat, 6),
		Lon:    round(c.Point.Lon, 6),
	}
}

// quad is uᵀ C u for a covariance C given as xx, xy, yy.
func quad(c [3]float64, ue, un float64) float64 {
	return ue*ue*c[0] + 2*ue*un*c[1] + un*un*c[2]
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// encodeView encodes a view as JSON, byte for byte as encoding/json does
// (the test holds it to that), at a fraction of the cost. A value
// encoding/json refuses (a non-finite number, a year beyond 9999) is an
// error here too.
func encodeView(tv *TrackView) ([]byte, error) {
	e := viewEncoder{b: make([]byte, 0, 640)}
	e.raw(`{"id":`)
	e.str(tv.ID)
	e.raw(`,"status":`)
	e.str(tv.Status)
	e.raw(`,"time":`)
	e.time(tv.Time)
	e.raw(`,"position":{"lat":`)
	e.float(tv.Position.Lat)
	e.raw(`,"lon":`)
	e.float(tv.Position.Lon)
	e.raw(`},"mgrs":`)
	e.str(tv.MGRS)
	e.raw(`,"velocity":{"east_mps":`)
	e.float(tv.Velocity.East)
	e.raw(`,"north_mps":`)
	e.float(tv.Velocity.North)
	e.raw(`},"speed_mps":`)
	e.float(tv.SpeedMps)
	e.raw(`,"course_deg":`)
	e.float(tv.CourseDeg)
	e.raw(`,"sigma_m":`)
	e.float(tv.SigmaM)
	e.raw(`,"class":`)
	e.str(tv.Class)
	e.raw(`,"class_prob":`)
	if tv.ClassProb == nil {
		e.raw("null")
	} else {
		// encoding/json writes a map's keys sorted.
		keys := make([]string, 0, len(tv.ClassProb))
		for k := range tv.ClassProb {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		e.raw("{")
		for i, k := range keys {
			if i > 0 {
				e.raw(",")
			}
			e.str(k)
			e.raw(":")
			e.float(tv.ClassProb[k])
		}
		e.raw("}")
	}
	e.raw(`,"count":`)
	e.b = strconv.AppendInt(e.b, int64(tv.Count), 10)
	e.raw(`,"friendly":`)
	e.b = strconv.AppendBool(e.b, tv.Friendly)
	if tv.Unit != "" {
		e.raw(`,"unit":`)
		e.str(tv.Unit)
	}
	e.raw(`,"exercise":`)
	e.b = strconv.AppendBool(e.b, tv.Exercise)
	e.raw(`,"sector":`)
	e.str(tv.Sector)
	e.raw(`,"side":`)
	e.str(string(tv.Side))
	e.raw(`,"distance_m":`)
	e.float(tv.DistanceM)
	e.raw(`,"chainage_km":`)
	e.float(tv.ChainageKm)
	e.raw(`,"born":`)
	e.time(tv.Born)
	e.raw(`,"last_seen":`)
	e.time(tv.LastSeen)
	e.raw(`,"hits":`)
	e.b = strconv.AppendInt(e.b, int64(tv.Hits), 10)
	e.raw(`,"sensors":`)
	if tv.Sensors == nil {
		e.raw("null")
	} else {
		e.raw("[")
		for i, s := range tv.Sensors {
			if i > 0 {
				e.raw(",")
			}
			e.str(s)
		}
		e.raw("]")
	}
	e.raw(`,"predicted":`)
	if p := tv.Predicted; p == nil {
		e.raw("null")
	} else {
		e.raw(`{"time":`)
		e.time(p.Time)
		e.raw(`,"sigma_s":`)
		e.float(p.SigmaS)
		e.raw(`,"lat":`)
		e.float(p.Lat)
		e.raw(`,"lon":`)
		e.float(p.Lon)
		e.raw("}")
	}
	e.raw("}")
	if e.err != nil {
		return nil, fmt.Errorf("encode track %s: %w", tv.ID, e.err)
	}
	return e.b, nil
}

// viewEncoder appends JSON values as encoding/json writes them, keeping
// the first error.
type viewEncoder struct {
	b   []byte
	err error
}

func (e *viewEncoder) raw(s string) { e.b = append(e.b, s...) }

func (e *viewEncoder) str(s string) { e.b = jsonw.AppendString(e.b, s) }

func (e *viewEncoder) time(t time.Time) {
	if y := t.Year(); y < 0 || y > 9999 {
		e.fail(fmt.Errorf("time %v: year outside [0,9999]", y))
		return
	}
	e.b = append(e.b, '"')
	e.b = t.AppendFormat(e.b, time.RFC3339Nano)
	e.b = append(e.b, '"')
}

// float writes a float64 as encoding/json does: the shortest form, 'f'
// between 1e-6 and 1e21, else 'e' without a leading zero in the exponent.
func (e *viewEncoder) float(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.fail(fmt.Errorf("unsupported value %v", f))
		e.b = append(e.b, '0')
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	e.b = strconv.AppendFloat(e.b, f, format, -1, 64)
	if n := len(e.b); format == 'e' && n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
		e.b[n-2] = e.b[n-1]
		e.b = e.b[:n-1]
	}
}

func (e *viewEncoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// appendWithTrail appends an encoded view with the trail added as its last
// member.
func appendWithTrail(dst, view []byte, trail []pipeline.TrailPoint) []byte {
	if len(view) < 2 {
		return append(dst, view...)
	}
	e := viewEncoder{b: append(dst, view[:len(view)-1]...)}
	e.raw(`,"trail":[`)
	for i, p := range trail {
		if i > 0 {
			e.raw(",")
		}
		e.raw(`{"time":`)
		e.time(p.Time)
		e.raw(`,"lat":`)
		e.float(p.Lat)
		e.raw(`,"lon":`)
		e.float(p.Lon)
		e.raw("}")
	}
	e.raw("]}")
	return e.b
}
