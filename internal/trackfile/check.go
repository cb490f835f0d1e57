package trackfile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"raqib/internal/fusion"
	"raqib/internal/rules"
)

// Limits of the format.
const (
	// MaxLine is the longest line the readers take, in bytes.
	MaxLine = 1 << 20
	// MaxRefs bounds the obs, evidence and members lists.
	MaxRefs = 10_000
	// maxID bounds ids, sensor names and other short strings.
	maxID = 256
	// maxSpeed bounds a velocity component, m/s.
	maxSpeed = 1000
	// maxCount bounds a track's object count.
	maxCount = 1_000_000
)

// problem is one thing wrong with a record: the field and what is wrong.
type problem struct {
	field, msg string
}

func (p *problem) String() string { return p.field + ": " + p.msg }

func bad(field, format string, args ...any) *problem {
	return &problem{field: field, msg: fmt.Sprintf(format, args...)}
}

// ParseRef splits an observation reference "SENSOR/SEQ" at its last
// slash.
func ParseRef(s string) (sensor string, seq uint64, ok bool) {
	i := strings.LastIndexByte(s, '/')
	if i <= 0 || i == len(s)-1 || i > maxID {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(s[i+1:], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return s[:i], seq, true
}

// checkTrack checks a track record's values.
func checkTrack(r *TrackRecord) *problem {
	if r.Type != TypeTrack {
		return bad("type", "%q is not a track record", r.Type)
	}
	if !slices.Contains(TrackEvents, r.Event) {
		return badEnum("event", r.Event, TrackEvents)
	}
	if p := checkID("id", r.ID); p != nil {
		return p
	}
	if r.Time.IsZero() {
		return bad("time", "missing")
	}
	if p := checkLatLon(r.Lat, r.Lon); p != nil {
		return p
	}
	for _, f := range [...]struct {
		name   string
		v, max float64
	}{{"east_mps", r.EastMps, maxSpeed}, {"north_mps", r.NorthMps, maxSpeed}} {
		if !(f.v >= -f.max && f.v <= f.max) {
			return bad(f.name, "must be -%g..%g", f.max, f.max)
		}
	}
	if !(r.SigmaM >= 0 && r.SigmaM <= 1e6) {
		return bad("sigma_m", "must be 0..1000000")
	}
	if p := checkClass(r.Class); p != nil {
		return p
	}
	for _, f := range [...]struct {
		name string
		v    float64
	}{{"p_person", r.PPerson}, {"p_vehicle", r.PVehicle}, {"p_animal", r.PAnimal}} {
		if !(f.v >= 0 && f.v <= 1) {
			return bad(f.name, "must be 0..1")
		}
	}
	if r.Count < 0 || r.Count > maxCount {
		return bad("count", "must be 0..%d", maxCount)
	}
	if len(r.Unit) > maxID {
		return bad("unit", "longer than %d bytes", maxID)
	}
	if r.Event == fusion.UpdateMerged.String() {
		if p := checkID("merged_into", r.MergedInto); p != nil {
			return p
		}
	} else if len(r.MergedInto) > maxID {
		return bad("merged_into", "longer than %d bytes", maxID)
	}
	return checkRefs("obs", r.Obs)
}

// checkAlert checks an alert record's values.
func checkAlert(r *AlertRecord) *problem {
	if r.Type != TypeAlert {
		return bad("type", "%q is not an alert record", r.Type)
	}
	if !slices.Contains(AlertEvents, r.Event) {
		return badEnum("event", r.Event, AlertEvents)
	}
	if r.ID < 1 {
		return bad("id", "must be at least 1")
	}
	if r.Time.IsZero() {
		return bad("time", "missing")
	}
	if !rules.Rule(r.Rule).Valid() {
		names := make([]string, len(rules.Rules))
		for i, x := range rules.Rules {
			names[i] = string(x)
		}
		return badEnum("rule", r.Rule, names)
	}
	if phases := []string{string(rules.PhaseBegin), string(rules.PhaseEnd), string(rules.PhaseInstant)}; !slices.Contains(phases, r.Phase) {
		return badEnum("phase", r.Phase, phases)
	}
	if !rules.Severity(r.Severity).Valid() {
		names := make([]string, len(rules.Severities))
		for i, x := range rules.Severities {
			names[i] = string(x)
		}
		return badEnum("severity", r.Severity, names)
	}
	if p := checkID("track", r.Track); p != nil {
		return p
	}
	if len(r.Members) > MaxRefs {
		return bad("members", "more than %d entries", MaxRefs)
	}
	for i, m := range r.Members {
		if p := checkID(fmt.Sprintf("members[%d]", i), m); p != nil {
			return p
		}
	}
	if p := checkLatLon(r.Lat, r.Lon); p != nil {
		return p
	}
	for _, f := range [...]struct {
		name string
		v    string
	}{{"sector", r.Sector}, {"zone", r.Zone}, {"barrier", r.Barrier}, {"crossing", r.Crossing}} {
		if len(f.v) > maxID {
			return bad(f.name, "longer than %d bytes", maxID)
		}
	}
	if !(r.ChainageKm >= 0 && r.ChainageKm <= 1e5) {
		return bad("chainage_km", "must be 0..100000")
	}
	if !(r.DistanceM >= -1e7 && r.DistanceM <= 1e7) {
		return bad("distance_m", "must be -10000000..10000000")
	}
	if r.PredictedCrossing != nil && r.PredictedCrossing.IsZero() {
		return bad("predicted_crossing", "zero time")
	}
	if !(r.CrossingSigmaS >= 0 && r.CrossingSigmaS <= 1e7) {
		return bad("crossing_sigma_s", "must be 0..10000000")
	}
	if p := checkClass(r.Class); p != nil {
		return p
	}
	if r.Count < 0 || r.Count > maxCount {
		return bad("count", "must be 0..%d", maxCount)
	}
	return checkRefs("evidence", r.Evidence)
}

func checkID(field, id string) *problem {
	switch {
	case id == "":
		return bad(field, "missing")
	case len(id) > maxID:
		return bad(field, "longer than %d bytes", maxID)
	}
	return nil
}

func checkLatLon(lat, lon float64) *problem {
	if !(lat >= -90 && lat <= 90) {
		return bad("lat", "must be -90..90")
	}
	if !(lon >= -180 && lon <= 180) {
		return bad("lon", "must be -180..180")
	}
	return nil
}

func checkClass(c string) *problem {
	if _, err := fusion.ParseClass(c); err != nil {
		return badEnum("class", c, classNames)
	}
	return nil
}

func checkRefs(field string, refs []string) *problem {
	if len(refs) > MaxRefs {
		return bad(field, "more than %d entries", MaxRefs)
	}
	for i, s := range refs {
		if _, _, ok := ParseRef(s); !ok {
			return bad(fmt.Sprintf("%s[%d]", field, i), "%q is not SENSOR/SEQ", clip(s))
		}
	}
	return nil
}

func badEnum(field, v string, want []string) *problem {
	if v == "" {
		return bad(field, "missing")
	}
	return bad(field, "unknown %q (want %s)", clip(v), strings.Join(want, ", "))
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
