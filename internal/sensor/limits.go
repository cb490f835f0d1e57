package sensor

import "time"

// Bounds of the schema that Limits do not change.
const (
	MaxSensorIDLen = 64     // characters of a sensor id
	MaxAccuracyM   = 10_000 // metres
	MaxRangeM      = 50_000 // metres, of a polar observation
	MaxCount       = 1000   // objects in one detection
	MaxSizeM       = 100    // metres
	MaxSpeedMps    = 100    // metres per second, each velocity component
	MaxClipLen     = 512    // characters of a clip reference
	MaxNoteLen     = 256    // characters of a heartbeat note
)

// Limits bounds what the decoders accept. A zero field takes its default
// from DefaultLimits.
type Limits struct {
	// MaxBytes bounds the body after decompression, and the compressed
	// body too; past it a decoder fails with errs.TooLarge. It also
	// bounds the input of DecodeEncoded and DecodeEncodedHeartbeats.
	MaxBytes int64
	// MaxObservations bounds the observations (or the heartbeats) in one
	// batch; past it a decoder fails with errs.TooLarge.
	MaxObservations int
	// MaxAge is how old an observation's or heartbeat's time may be,
	// relative to the now the decoder is given.
	MaxAge time.Duration
	// MaxFuture is how far ahead of now a time may be (sensor clock
	// skew).
	MaxFuture time.Duration
	// MaxProblems is how many problems a BatchError lists; the rest are
	// only counted.
	MaxProblems int
}

// DefaultLimits are the limits of the HTTP ingest.
var DefaultLimits = Limits{
	MaxBytes:        8 << 20,
	MaxObservations: 10_000,
	MaxAge:          7 * 24 * time.Hour,
	MaxFuture:       5 * time.Minute,
	MaxProblems:     50,
}

// withDefaults returns l with every zero or negative field replaced by its
// default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxBytes > 0 {
		d.MaxBytes = l.MaxBytes
	}
	if l.MaxObservations > 0 {
		d.MaxObservations = l.MaxObservations
	}
	if l.MaxAge > 0 {
		d.MaxAge = l.MaxAge
	}
	if l.MaxFuture > 0 {
		d.MaxFuture = l.MaxFuture
	}
	if l.MaxProblems > 0 {
		d.MaxProblems = l.MaxProblems
	}
	return d
}
