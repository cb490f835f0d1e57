package sim

import (
	"strconv"
	"time"

	"raqib/internal/jsonw"
)

// Kind is the kind of sensor an observation comes from.
type Kind string

// The sensor kinds of the wire format. The simulator produces thermal
// camera detections and patrol GPS fixes; the others are listed so the
// record type covers the whole format.
const (
	KindThermalCamera Kind = "thermal_camera"
	KindRadar         Kind = "radar"
	KindGroundSensor  Kind = "ground_sensor"
	KindPatrolGPS     Kind = "patrol_gps"
	KindUnitGPS       Kind = "unit_gps"
)

// Class is what a sensor believes it sees.
type Class string

// The target classes of the wire format.
const (
	ClassPerson  Class = "person"
	ClassVehicle Class = "vehicle"
	ClassAnimal  Class = "animal"
	ClassUnknown Class = "unknown"
)

// Health is a sensor's own report of its state in a heartbeat.
type Health string

// The health states of the wire format.
const (
	HealthOK       Health = "ok"
	HealthDegraded Health = "degraded"
	HealthOffline  Health = "offline"
	HealthTampered Health = "tampered"
)

// Position is a WGS84 position in degrees.
type Position struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Velocity is a ground velocity in metres per second.
type Velocity struct {
	EastMPS  float64 `json:"east_mps"`
	NorthMPS float64 `json:"north_mps"`
}

// Decimals kept on the wire. The generator rounds every value to them when
// it makes a record, so a record in memory equals its decoded wire form.
const (
	latLonDecimals   = 6 // about 0.1 m
	accuracyDecimals = 1
	confDecimals     = 2
	sizeDecimals     = 1
	velDecimals      = 2
	truthDecimals    = 7 // truth positions, about 1 cm
	chainageDecimals = 4 // kilometres: 0.1 m
)

// Observation is one detection by one sensor, in the ingest wire format.
// Seq is per sensor, from 1, in the order the sensor made the detections; a
// duplicate delivery repeats the record unchanged. AccuracyM is the 1-sigma
// position error in metres along each of east and north. Count, SizeM and
// Velocity are omitted when they are not meaningful.
type Observation struct {
	Sensor     string    `json:"sensor"`
	Seq        uint64    `json:"seq"`
	Time       time.Time `json:"time"`
	Kind       Kind      `json:"kind"`
	Position   Position  `json:"position"`
	AccuracyM  float64   `json:"accuracy_m"`
	Class      Class     `json:"class"`
	Confidence float64   `json:"confidence"`
	Count      int       `json:"count,omitempty"`
	SizeM      float64   `json:"size_m,omitempty"`
	Velocity   *Velocity `json:"velocity,omitempty"`
}

// AppendJSON appends the observation's wire form to dst, without a
// newline.
func (o Observation) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"sensor":`...)
	dst = jsonw.AppendString(dst, o.Sensor)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, o.Seq, 10)
	dst = append(dst, `,"time":`...)
	dst = jsonw.AppendTime(dst, o.Time)
	dst = append(dst, `,"kind":`...)
	dst = jsonw.AppendString(dst, string(o.Kind))
	dst = append(dst, `,"position":{"lat":`...)
	dst = jsonw.AppendFixed(dst, o.Position.Lat, latLonDecimals)
	dst = append(dst, `,"lon":`...)
	dst = jsonw.AppendFixed(dst, o.Position.Lon, latLonDecimals)
	dst = append(dst, `},"accuracy_m":`...)
	dst = jsonw.AppendFixed(dst, o.AccuracyM, accuracyDecimals)
	dst = append(dst, `,"class":`...)
	dst = jsonw.AppendString(dst, string(o.Class))
	dst = append(dst, `,"confidence":`...)
	dst = jsonw.AppendFixed(dst, o.Confidence, confDecimals)
	if o.Count != 0 {
		dst = append(dst, `,"count":`...)
		dst = strconv.AppendInt(dst, int64(o.Count), 10)
	}
	if o.SizeM != 0 {
		dst = append(dst, `,"size_m":`...)
		dst = jsonw.AppendFixed(dst, o.SizeM, sizeDecimals)
	}
	if v := o.Velocity; v != nil {
		dst = append(dst, `,"velocity":{"east_mps":`...)
		dst = jsonw.AppendFixed(dst, v.EastMPS, velDecimals)
		dst = append(dst, `,"north_mps":`...)
		dst = jsonw.AppendFixed(dst, v.NorthMPS, velDecimals)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// MarshalJSON returns the observation's wire form.
func (o Observation) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil), nil }

// Heartbeat is a sensor's periodic report of its health.
type Heartbeat struct {
	Sensor string    `json:"sensor"`
	Time   time.Time `json:"time"`
	Health Health    `json:"health"`
}

// AppendJSON appends the heartbeat's wire form to dst, without a newline.
func (h Heartbeat) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"sensor":`...)
	dst = jsonw.AppendString(dst, h.Sensor)
	dst = append(dst, `,"time":`...)
	dst = jsonw.AppendTime(dst, h.Time)
	dst = append(dst, `,"health":`...)
	dst = jsonw.AppendString(dst, string(h.Health))
	return append(dst, '}')
}

// MarshalJSON returns the heartbeat's wire form.
func (h Heartbeat) MarshalJSON() ([]byte, error) { return h.AppendJSON(nil), nil }
