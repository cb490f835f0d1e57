package trackfile

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"raqib/internal/jsonw"
)

// The field types below decode a value without ever failing, so that
// encoding/json goes on through the record, and keep what they found for
// the checks to report by field name.

// fieldState says what a field held.
type fieldState uint8

const (
	absent    fieldState = iota
	present              // a usable value
	wrongKind            // a value of the wrong JSON type
	outRange             // a number too large for its type
	tooMany              // a list over MaxRefs
)

// isNull reports a JSON null, which counts as an absent field.
func isNull(b []byte) bool { return string(b) == "null" }

// number is a JSON number.
type number struct {
	v     float64
	state fieldState
}

func (n *number) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		n.state = wrongKind
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(v, 0) {
		n.state = outRange
		return nil
	}
	n.v, n.state = v, present
	return nil
}

// stamp is an RFC 3339 time.
type stamp struct {
	t     time.Time
	state fieldState
}

func (s *stamp) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	if len(b) < 2 || b[0] != '"' {
		s.state = wrongKind
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(b[1:len(b)-1]))
	if err != nil {
		s.state = outRange
		return nil
	}
	s.t, s.state = fileTime(t), present
	return nil
}

// text is a JSON string.
type text struct {
	s     string
	state fieldState
}

func (t *text) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	if len(b) == 0 || b[0] != '"' {
		t.state = wrongKind
		return nil
	}
	if err := json.Unmarshal(b, &t.s); err != nil {
		t.state = wrongKind
		return nil
	}
	t.state = present
	return nil
}

// flag is a JSON boolean.
type flag struct {
	v     bool
	state fieldState
}

func (f *flag) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		f.v, f.state = true, present
	case "false":
		f.v, f.state = false, present
	case "null":
	default:
		f.state = wrongKind
	}
	return nil
}

// list is a JSON array of strings, counted before anything is allocated.
type list struct {
	v     []string
	state fieldState
}

func (l *list) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	if len(b) == 0 || b[0] != '[' {
		l.state = wrongKind
		return nil
	}
	if countElements(b) > MaxRefs {
		l.state = tooMany
		return nil
	}
	var v []string
	if err := json.Unmarshal(b, &v); err != nil {
		l.state = wrongKind
		return nil
	}
	if len(v) == 0 {
		v = nil
	}
	l.v, l.state = v, present
	return nil
}

// countElements counts the elements of a valid JSON array.
func countElements(b []byte) int {
	n, depth, inStr, esc := 0, 0, false, false
	empty := true
	for _, c := range b {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		case c == '"':
			inStr = true
		case c == '[' || c == '{':
			depth++
			if depth == 1 {
				continue
			}
		case c == ']' || c == '}':
			depth--
			continue
		case c == ',' && depth == 1:
			n++
		}
		if depth >= 1 && c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			empty = false
		}
	}
	if empty {
		return 0
	}
	return n + 1
}

// trackWire is a track record as read, before its checks.
type trackWire struct {
	Type       text   `json:"type"`
	Event      text   `json:"event"`
	ID         text   `json:"id"`
	Time       stamp  `json:"time"`
	Lat        number `json:"lat"`
	Lon        number `json:"lon"`
	EastMps    number `json:"east_mps"`
	NorthMps   number `json:"north_mps"`
	SigmaM     number `json:"sigma_m"`
	Class      text   `json:"class"`
	PPerson    number `json:"p_person"`
	PVehicle   number `json:"p_vehicle"`
	PAnimal    number `json:"p_animal"`
	Count      number `json:"count"`
	Friendly   flag   `json:"friendly"`
	Unit       text   `json:"unit"`
	MergedInto text   `json:"merged_into"`
	Obs        list   `json:"obs"`
}

// alertWire is an alert record as read, before its checks.
type alertWire struct {
	Type              text   `json:"type"`
	Event             text   `json:"event"`
	ID                number `json:"id"`
	Time              stamp  `json:"time"`
	Rule              text   `json:"rule"`
	Phase             text   `json:"phase"`
	Severity          text   `json:"severity"`
	Track             text   `json:"track"`
	Members           list   `json:"members"`
	Lat               number `json:"lat"`
	Lon               number `json:"lon"`
	Sector            text   `json:"sector"`
	ChainageKm        number `json:"chainage_km"`
	DistanceM         number `json:"distance_m"`
	PredictedCrossing stamp  `json:"predicted_crossing"`
	CrossingSigmaS    number `json:"crossing_sigma_s"`
	Zone              text   `json:"zone"`
	Barrier           text   `json:"barrier"`
	Crossing          text   `json:"crossing"`
	Class             text   `json:"class"`
	Count             number `json:"count"`
	Summary           text   `json:"summary"`
	Evidence          list   `json:"evidence"`
}

// fields checks the presence and JSON types of a record's fields and
// copies their values out; required fields must be present.
type fields struct{ p *problem }

func (f *fields) state(name string, st fieldState, required bool, want string) bool {
	if f.p != nil {
		return false
	}
	switch st {
	case present:
		return true
	case absent:
		if required {
			f.p = bad(name, "missing")
		}
	case wrongKind:
		f.p = bad(name, "want %s", want)
	case outRange:
		if want == "an RFC 3339 time" {
			f.p = bad(name, "not an RFC 3339 time")
		} else {
			f.p = bad(name, "number out of range")
		}
	case tooMany:
		f.p = bad(name, "more than %d entries", MaxRefs)
	}
	return false
}

func (f *fields) str(name string, v text, required bool) string {
	if f.state(name, v.state, required, "a string") {
		return v.s
	}
	return ""
}

func (f *fields) num(name string, v number, required bool, decimals int) float64 {
	if f.state(name, v.state, required, "a number") {
		return jsonw.Round(v.v, decimals)
	}
	return 0
}

func (f *fields) integer(name string, v number, required bool) int64 {
	if !f.state(name, v.state, required, "a number") {
		return 0
	}
	if v.v != math.Trunc(v.v) || math.Abs(v.v) > 1<<53 {
		f.p = bad(name, "want a whole number")
		return 0
	}
	return int64(v.v)
}

func (f *fields) time(name string, v stamp, required bool) (time.Time, bool) {
	return v.t, f.state(name, v.state, required, "an RFC 3339 time")
}

func (f *fields) list(name string, v list) []string {
	if f.state(name, v.state, false, "an array of strings") {
		return v.v
	}
	return nil
}

func (f *fields) boolean(name string, v flag) bool {
	return f.state(name, v.state, false, "true or false") && v.v
}

// track converts a decoded line to a record.
func (w *trackWire) record() (TrackRecord, *problem) {
	var f fields
	r := TrackRecord{
		Type:  f.str("type", w.Type, true),
		Event: f.str("event", w.Event, true),
		ID:    f.str("id", w.ID, true),
	}
	r.Time, _ = f.time("time", w.Time, true)
	r.Lat = f.num("lat", w.Lat, true, latLonDecimals)
	r.Lon = f.num("lon", w.Lon, true, latLonDecimals)
	r.EastMps = f.num("east_mps", w.EastMps, true, velocityDecimals)
	r.NorthMps = f.num("north_mps", w.NorthMps, true, velocityDecimals)
	r.SigmaM = f.num("sigma_m", w.SigmaM, true, sigmaDecimals)
	r.Class = f.str("class", w.Class, true)
	r.PPerson = f.num("p_person", w.PPerson, true, probDecimals)
	r.PVehicle = f.num("p_vehicle", w.PVehicle, true, probDecimals)
	r.PAnimal = f.num("p_animal", w.PAnimal, true, probDecimals)
	r.Count = int(f.integer("count", w.Count, true))
	r.Friendly = f.boolean("friendly", w.Friendly)
	r.Unit = f.str("unit", w.Unit, false)
	r.MergedInto = f.str("merged_into", w.MergedInto, false)
	r.Obs = f.list("obs", w.Obs)
	if f.p != nil {
		return r, f.p
	}
	return r, checkTrack(&r)
}

// record converts a decoded line to a record.
func (w *alertWire) record() (AlertRecord, *problem) {
	var f fields
	r := AlertRecord{
		Type:  f.str("type", w.Type, true),
		Event: f.str("event", w.Event, true),
		ID:    f.integer("id", w.ID, true),
	}
	r.Time, _ = f.time("time", w.Time, true)
	r.Rule = f.str("rule", w.Rule, true)
	r.Phase = f.str("phase", w.Phase, true)
	r.Severity = f.str("severity", w.Severity, true)
	r.Track = f.str("track", w.Track, true)
	r.Members = f.list("members", w.Members)
	r.Lat = f.num("lat", w.Lat, true, latLonDecimals)
	r.Lon = f.num("lon", w.Lon, true, latLonDecimals)
	r.Sector = f.str("sector", w.Sector, false)
	r.ChainageKm = f.num("chainage_km", w.ChainageKm, true, chainageDecimals)
	r.DistanceM = f.num("distance_m", w.DistanceM, true, distanceDecimals)
	if t, ok := f.time("predicted_crossing", w.PredictedCrossing, false); ok {
		r.PredictedCrossing = &t
	}
	r.CrossingSigmaS = f.num("crossing_sigma_s", w.CrossingSigmaS, false, secondsDecimals)
	r.Zone = f.str("zone", w.Zone, false)
	r.Barrier = f.str("barrier", w.Barrier, false)
	r.Crossing = f.str("crossing", w.Crossing, false)
	r.Class = f.str("class", w.Class, true)
	r.Count = int(f.integer("count", w.Count, true))
	r.Summary = f.str("summary", w.Summary, false)
	r.Evidence = f.list("evidence", w.Evidence)
	if f.p != nil {
		return r, f.p
	}
	return r, checkAlert(&r)
}
