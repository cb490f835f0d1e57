// Package sensor holds what Raqib knows of its sensors and what they
// report: the observation and heartbeat schema, its validation, the
// decoders for the JSON and NDJSON wire formats (plain or gzip), the
// compact binary encoding the event log stores, and the registry that
// tracks each sensor's health.
//
// The wire format is described in docs/observations.md. Every decoder
// checks each length and count it reads against Limits before it
// allocates, and refuses a batch whole: the error lists every problem
// found, each naming the record and the field.
package sensor

import (
	"slices"
	"time"

	"raqib/internal/geo"
)

// Kind is the kind of sensor that made an observation.
type Kind string

// The sensor kinds. Cameras, radars and ground sensors report detections;
// patrol and unit GPS report the position of a friendly patrol or unit.
const (
	KindThermalCamera Kind = "thermal_camera"
	KindRadar         Kind = "radar"
	KindGroundSensor  Kind = "ground_sensor"
	KindPatrolGPS     Kind = "patrol_gps"
	KindUnitGPS       Kind = "unit_gps"
)

// Kinds lists every kind in a stable order (the order of the binary
// encoding's kind numbers).
var Kinds = []Kind{KindThermalCamera, KindRadar, KindGroundSensor, KindPatrolGPS, KindUnitGPS}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// IsGPS reports whether k is a friendly position report rather than a
// detection.
func (k Kind) IsGPS() bool { return k == KindPatrolGPS || k == KindUnitGPS }

// Class is what a detection is believed to be.
type Class string

// The classes. GPS reports are always ClassUnknown.
const (
	ClassPerson  Class = "person"
	ClassVehicle Class = "vehicle"
	ClassAnimal  Class = "animal"
	ClassUnknown Class = "unknown"
)

// Classes lists every class in a stable order (the order of the binary
// encoding's class numbers).
var Classes = []Class{ClassPerson, ClassVehicle, ClassAnimal, ClassUnknown}

// Valid reports whether c is a known class.
func (c Class) Valid() bool { return slices.Contains(Classes, c) }

// Health is a sensor's state as it reports it or as the registry infers
// it from silence.
type Health string

// The health states.
const (
	HealthOK       Health = "ok"
	HealthDegraded Health = "degraded"
	HealthOffline  Health = "offline"
	HealthTampered Health = "tampered"
)

// Healths lists every health state in a stable order (the order of the
// binary encoding's health numbers).
var Healths = []Health{HealthOK, HealthDegraded, HealthOffline, HealthTampered}

// Valid reports whether h is a known health state.
func (h Health) Valid() bool { return slices.Contains(Healths, h) }

// Observation is one report of one sensor: a detection (a camera, radar or
// ground sensor saw something) or a friendly GPS position. Exactly one of
// Position and Polar is set.
type Observation struct {
	// Sensor is the reporting sensor's id, such as "S05-C012".
	Sensor string `json:"sensor"`
	// Seq is the sensor's sequence number for this report, from 1; a
	// repeated (Sensor, Seq) is a retry.
	Seq uint64 `json:"seq"`
	// Time is when the observation was made, in UTC.
	Time time.Time `json:"time"`
	Kind Kind      `json:"kind"`
	// Position is where the observed object is, for a sensor that
	// locates it itself.
	Position *geo.LatLon `json:"position,omitempty"`
	// Polar locates the object from the sensor, for a sensor that
	// reports bearing and range; Resolve turns it into a position.
	Polar *Polar `json:"polar,omitempty"`
	// AccuracyM is the 1-sigma horizontal error of the position in
	// metres.
	AccuracyM float64 `json:"accuracy_m"`
	Class     Class   `json:"class"`
	// Confidence is the sensor's confidence in the detection, 0 to 1.
	Confidence float64 `json:"confidence"`
	// Count is how many objects the detection holds (a group), 1 to 1000.
	Count int `json:"count"`
	// SizeM is the object's estimated size in metres; 0 when not given.
	SizeM float64 `json:"size_m,omitempty"`
	// Velocity is the object's estimated velocity, nil when not given.
	Velocity *Velocity `json:"velocity,omitempty"`
	// Clip refers to a recording of the detection, "" when there is none.
	Clip string `json:"clip,omitempty"`
}

// Polar locates an observed object relative to the sensor that saw it.
type Polar struct {
	// BearingDeg is degrees clockwise from true north, 0 to 360.
	BearingDeg float64 `json:"bearing_deg"`
	// RangeM is the distance from the sensor in metres.
	RangeM float64 `json:"range_m"`
}

// Velocity is a ground velocity in metres per second.
type Velocity struct {
	EastMps  float64 `json:"east_mps"`
	NorthMps float64 `json:"north_mps"`
}

// Resolve returns the observed object's position: Position when it is set,
// otherwise the point at Polar's bearing and range from the sensor, which
// stands at sensorPos (from the registry).
func (o *Observation) Resolve(sensorPos geo.LatLon) geo.LatLon {
	if o.Position != nil {
		return *o.Position
	}
	if o.Polar == nil {
		return sensorPos
	}
	p, _ := geo.Direct(sensorPos, o.Polar.BearingDeg, o.Polar.RangeM)
	return p
}

// Heartbeat is a sensor's periodic statement that it is alive, with its
// own view of its health.
type Heartbeat struct {
	Sensor string `json:"sensor"`
	// Time is when the sensor sent the heartbeat, in UTC.
	Time   time.Time `json:"time"`
	Health Health    `json:"health"`
	// Note is free text from the sensor, such as why it is degraded.
	Note string `json:"note,omitempty"`
}
