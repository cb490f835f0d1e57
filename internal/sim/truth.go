package sim

import (
	"strconv"
	"time"

	"raqib/internal/jsonw"
)

// TruthType names a kind of ground-truth record.
type TruthType string

// The ground-truth records.
const (
	// TruthScenario opens the truth: the scenario, seed and window.
	TruthScenario TruthType = "scenario"
	// TruthActor describes an actor, when it first appears in the window.
	TruthActor TruthType = "actor"
	// TruthPosition is an actor's true position. An actor's positions
	// include every corner of its path, so interpolating linearly in
	// latitude and longitude between two consecutive positions of one actor
	// gives its true position at any time between them.
	TruthPosition TruthType = "position"
	// TruthCrossing is a true crossing of the border line.
	TruthCrossing TruthType = "crossing"
	// TruthDetection ties an observation (sensor, seq) to the actor it was
	// generated from. Observations without one are clutter.
	TruthDetection TruthType = "detection"
	// TruthOutage is a camera outage: no detections and no heartbeats from
	// Time until Until.
	TruthOutage TruthType = "outage"
)

// ActorType is what an actor is.
type ActorType string

// The actor types.
const (
	ActorInfiltrator ActorType = "infiltrator" // a group on foot
	ActorSmuggler    ActorType = "smuggler"    // a smuggling vehicle
	ActorPatrol      ActorType = "patrol"      // an own patrol vehicle, friendly
	ActorShepherd    ActorType = "shepherd"    // a shepherd, never crosses
	ActorFlock       ActorType = "flock"       // a shepherd's flock, following its shepherd
	ActorWildlife    ActorType = "wildlife"    // wild or feral animals
)

// ActorTypes lists the actor types in a stable order.
var ActorTypes = []ActorType{ActorInfiltrator, ActorSmuggler, ActorPatrol, ActorShepherd, ActorFlock, ActorWildlife}

// Direction is the direction of a border crossing.
type Direction string

// The directions.
const (
	Inbound  Direction = "inbound"  // Syria to Iraq
	Outbound Direction = "outbound" // Iraq to Syria
)

// TruthRecord is one ground-truth record. It is a flat union: Type says
// which fields are set, and AppendJSON writes only those (docs/simulator.md
// lists them per type). Decoding a truth line with encoding/json into a
// TruthRecord gives the record back.
type TruthRecord struct {
	Type  TruthType `json:"type"`
	Actor string    `json:"actor,omitempty"`
	Time  time.Time `json:"time"`

	// position, crossing
	Lat float64 `json:"lat,omitempty"`
	Lon float64 `json:"lon,omitempty"`
	// crossing
	ChainageKm float64   `json:"chainage_km,omitempty"`
	Direction  Direction `json:"direction,omitempty"`
	// crossing, actor
	Sector string `json:"sector,omitempty"`
	// detection, outage
	Sensor string `json:"sensor,omitempty"`
	Seq    uint64 `json:"seq,omitempty"`
	// outage, scenario
	Until time.Time `json:"until,omitzero"`
	Cause string    `json:"cause,omitempty"`

	// actor
	ActorType ActorType `json:"actor_type,omitempty"`
	Class     Class     `json:"class,omitempty"`
	GroupSize int       `json:"group_size,omitempty"`
	Friendly  bool      `json:"friendly,omitempty"`
	Role      string    `json:"role,omitempty"`
	Zone      string    `json:"zone,omitempty"`
	Species   string    `json:"species,omitempty"`
	Leader    string    `json:"leader,omitempty"`

	// scenario
	Scenario   string  `json:"scenario,omitempty"`
	Seed       uint64  `json:"seed,omitempty"`
	Intensity  string  `json:"intensity,omitempty"`
	Background float64 `json:"background,omitempty"`
	Weather    float64 `json:"weather,omitempty"`
	Theater    string  `json:"theater,omitempty"`
}

// AppendJSON appends the record's JSON form to dst, without a newline.
func (r TruthRecord) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"type":`...)
	dst = jsonw.AppendString(dst, string(r.Type))
	switch r.Type {
	case TruthOutage:
		dst = appendKey(dst, "sensor")
		dst = jsonw.AppendString(dst, r.Sensor)
	case TruthScenario:
	default:
		dst = appendKey(dst, "actor")
		dst = jsonw.AppendString(dst, r.Actor)
	}
	dst = appendKey(dst, "time")
	dst = jsonw.AppendTime(dst, r.Time)
	switch r.Type {
	case TruthScenario:
		dst = r.appendScenario(dst)
	case TruthActor:
		dst = r.appendActor(dst)
	case TruthPosition:
		dst = r.appendLatLon(dst)
	case TruthCrossing:
		dst = r.appendLatLon(dst)
		dst = appendKey(dst, "chainage_km")
		dst = jsonw.AppendFixed(dst, r.ChainageKm, chainageDecimals)
		dst = appendKey(dst, "direction")
		dst = jsonw.AppendString(dst, string(r.Direction))
		dst = appendKey(dst, "sector")
		dst = jsonw.AppendString(dst, r.Sector)
	case TruthDetection:
		dst = appendKey(dst, "sensor")
		dst = jsonw.AppendString(dst, r.Sensor)
		dst = appendKey(dst, "seq")
		dst = strconv.AppendUint(dst, r.Seq, 10)
	case TruthOutage:
		dst = appendKey(dst, "until")
		dst = jsonw.AppendTime(dst, r.Until)
		dst = appendKey(dst, "cause")
		dst = jsonw.AppendString(dst, r.Cause)
	}
	return append(dst, '}')
}

// MarshalJSON returns the record's JSON form.
func (r TruthRecord) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil), nil }

func (r *TruthRecord) appendLatLon(dst []byte) []byte {
	dst = appendKey(dst, "lat")
	dst = jsonw.AppendFixed(dst, r.Lat, truthDecimals)
	dst = appendKey(dst, "lon")
	return jsonw.AppendFixed(dst, r.Lon, truthDecimals)
}

func (r *TruthRecord) appendActor(dst []byte) []byte {
	dst = appendKey(dst, "actor_type")
	dst = jsonw.AppendString(dst, string(r.ActorType))
	dst = appendKey(dst, "class")
	dst = jsonw.AppendString(dst, string(r.Class))
	dst = appendKey(dst, "group_size")
	dst = strconv.AppendInt(dst, int64(r.GroupSize), 10)
	dst = appendKey(dst, "friendly")
	dst = strconv.AppendBool(dst, r.Friendly)
	dst = appendKey(dst, "role")
	dst = jsonw.AppendString(dst, r.Role)
	for _, f := range [...]struct{ key, val string }{
		{"sector", r.Sector}, {"zone", r.Zone}, {"sensor", r.Sensor}, {"species", r.Species}, {"leader", r.Leader},
	} {
		if f.val != "" {
			dst = appendKey(dst, f.key)
			dst = jsonw.AppendString(dst, f.val)
		}
	}
	return dst
}

func (r *TruthRecord) appendScenario(dst []byte) []byte {
	dst = appendKey(dst, "until")
	dst = jsonw.AppendTime(dst, r.Until)
	dst = appendKey(dst, "scenario")
	dst = jsonw.AppendString(dst, r.Scenario)
	dst = appendKey(dst, "seed")
	dst = strconv.AppendUint(dst, r.Seed, 10)
	dst = appendKey(dst, "intensity")
	dst = jsonw.AppendString(dst, r.Intensity)
	dst = appendKey(dst, "background")
	dst = jsonw.AppendFixed(dst, r.Background, 4)
	dst = appendKey(dst, "weather")
	dst = jsonw.AppendFixed(dst, r.Weather, 4)
	dst = appendKey(dst, "theater")
	return jsonw.AppendString(dst, r.Theater)
}

// appendKey appends `,"key":`.
func appendKey(dst []byte, key string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	return append(dst, '"', ':')
}
