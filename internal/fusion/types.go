// Package fusion turns observations into tracks: a constant-velocity
// Kalman filter in a local metric frame, chi-square gating over a spatial
// grid, global-nearest-neighbour assignment, M-of-N confirmation, coasting
// and deletion, class fusion, friendly tracks from own units' GPS, and
// out-of-sequence measurements by re-filtering. It knows nothing of the
// rest of Raqib: measurements come in, track updates go out.
package fusion

import (
	"fmt"
	"time"

	"raqib/internal/geo"
)

// Class is what a measurement or a track is believed to be.
type Class uint8

// The classes. ClassUnknown carries no class information.
const (
	ClassUnknown Class = iota
	ClassPerson
	ClassVehicle
	ClassAnimal
)

var classNames = [...]string{"unknown", "person", "vehicle", "animal"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// ParseClass returns the class named s.
func ParseClass(s string) (Class, error) {
	for i, n := range classNames {
		if n == s {
			return Class(i), nil
		}
	}
	return ClassUnknown, fmt.Errorf("unknown class %q (want unknown, person, vehicle or animal)", s)
}

// MarshalText writes the class's name.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads a class's name.
func (c *Class) UnmarshalText(b []byte) error {
	v, err := ParseClass(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Velocity is a ground velocity in metres per second.
type Velocity struct {
	East  float64 `json:"east_mps"`
	North float64 `json:"north_mps"`
}

// Measurement is one observation as the tracker sees it.
type Measurement struct {
	// Sensor and Seq identify the observation; for a friendly GPS fix,
	// Sensor is the unit.
	Sensor string
	Seq    uint64
	// Time is when the observation was made.
	Time time.Time
	Pos  geo.LatLon
	// SigmaM is the 1-sigma position error in metres along each of east
	// and north.
	SigmaM     float64
	Class      Class
	Confidence float64 // 0 to 1
	// Count is how many objects the detection holds, at least 1.
	Count int
	// Vel is the sensor's velocity estimate, nil when it gave none.
	Vel *Velocity
	// Friendly marks a GPS fix of an own patrol or unit.
	Friendly bool
}

// Ref returns the measurement's reference.
func (m *Measurement) Ref() ObsRef { return ObsRef{Sensor: m.Sensor, Seq: m.Seq, Time: m.Time} }

// ObsRef names an observation that contributed to a track.
type ObsRef struct {
	Sensor string
	Seq    uint64
	Time   time.Time
}

// String is "SENSOR/SEQ", the form the track files use.
func (r ObsRef) String() string { return fmt.Sprintf("%s/%d", r.Sensor, r.Seq) }

// Status is a track's state in its life.
type Status uint8

// The track states. Only confirmed and coasting tracks leave the tracker.
const (
	StatusTentative Status = iota
	StatusConfirmed
	StatusCoasting
	StatusDeleted
)

var statusNames = [...]string{"tentative", "confirmed", "coasting", "deleted"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// MarshalText writes the status's name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Track is a snapshot of one track.
type Track struct {
	// ID is stable for the track's whole life, across shards.
	ID string
	// Time is the time of the state below: the latest measurement applied,
	// or the time the track was coasted to.
	Time time.Time
	Pos  geo.LatLon
	Vel  Velocity
	// PosCov and VelCov are the covariances of position (m²) and velocity
	// (m²/s²) in the local east/north frame: xx, xy, yy.
	PosCov [3]float64
	VelCov [3]float64
	Status Status
	// Class is the fused class: the most probable one when its
	// probability reaches the tracker's threshold, otherwise unknown.
	Class Class
	// ClassProb holds the fused probabilities of person, vehicle and
	// animal, in that order; they sum to 1.
	ClassProb [3]float64
	// Friendly marks a track of an own patrol or unit (from its GPS);
	// Unit names it.
	Friendly bool
	Unit     string
	// Count is the estimated number of objects (a group).
	Count int
	// Born is the time of the track's first measurement, LastSeen of its
	// latest; Hits counts the measurements applied.
	Born     time.Time
	LastSeen time.Time
	Hits     int
	// Quality is the share, weighted to about the latest ten measurements,
	// of strong ones: confident (≥ 0.5) or carrying the sensor's velocity
	// estimate. A track led on by weak, motionless detections (thermal
	// clutter) has a low quality.
	Quality float64
	// LastStrong is the time of the latest strong measurement (zero when
	// there was none).
	LastStrong time.Time
	// Sensors are the distinct sensors that saw the track in the last
	// minute, sorted.
	Sensors []string
}

// UpdateKind says what happened to a track.
type UpdateKind uint8

// The update kinds.
const (
	// UpdateConfirmed: the track was confirmed; Obs holds every
	// measurement applied since its birth.
	UpdateConfirmed UpdateKind = iota + 1
	// UpdateMeasured: measurements were applied to a confirmed or coasting
	// track (which is confirmed again).
	UpdateMeasured
	// UpdateCoasting: a confirmed track missed its expected measurements
	// and now coasts on its prediction.
	UpdateCoasting
	// UpdateMerged: the track was merged into another (MergedInto) and is
	// gone.
	UpdateMerged
	// UpdateDeleted: the track was deleted after coasting too long.
	UpdateDeleted
)

var updateNames = [...]string{"", "confirmed", "measured", "coasting", "merged", "deleted"}

func (k UpdateKind) String() string {
	if int(k) < len(updateNames) && k != 0 {
		return updateNames[k]
	}
	return fmt.Sprintf("update(%d)", uint8(k))
}

// MarshalText writes the kind's name.
func (k UpdateKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Update is one change of one confirmed (or formerly confirmed) track.
// Tentative tracks produce no updates.
type Update struct {
	Kind  UpdateKind
	Track Track
	// Obs are the measurements applied in this update, oldest first.
	Obs []ObsRef
	// MergedInto is the surviving track's id for UpdateMerged.
	MergedInto string
}
