// Package score judges the tracker's and the rules' output against the
// simulator's ground truth: recall of hostile crossings and the warning
// they got, false alerts per 100 km·h, GOSPA of the tracks, and track
// fragmentations and id switches. docs/tracking-files.md gives the
// definitions.
package score

import (
	"math"
	"time"

	"raqib/internal/errs"
)

// Options are the scorer's parameters. A zero field takes its default.
type Options struct {
	// GraceAfterCrossing is how long after a crossing an alert still
	// catches it (default 120 s).
	GraceAfterCrossing time.Duration
	// GOSPAC is GOSPA's cut-off distance c in metres (default 50).
	GOSPAC float64
	// GOSPAP is GOSPA's order p (default 2).
	GOSPAP float64
	// GOSPAAlpha is GOSPA's alpha: 2, the only value supported (missed and
	// false targets cost c^p/2 each).
	GOSPAAlpha float64
	// SampleEvery is the interval between GOSPA samples (default 5 s).
	SampleEvery time.Duration
	// FootStartKm is how far from the line (km) an infiltrator on foot
	// must start for the product's warning target (default 3).
	FootStartKm float64
}

// The defaults.
const (
	DefaultGrace       = 120 * time.Second
	DefaultGOSPAC      = 50.0
	DefaultGOSPAP      = 2.0
	DefaultGOSPAAlpha  = 2.0
	DefaultSampleEvery = 5 * time.Second
	DefaultFootStartKm = 3.0
)

// Fixed windows of the definitions.
const (
	// attributionWindow: a track's actor is the majority of its
	// observations in this window up to the time asked: as long as a
	// condition holds before its alert begins.
	attributionWindow = 20 * time.Second
	// detectedWindow: an actor is in GOSPA's truth set if detected within
	// this window, and a track in the estimate set if updated within it.
	detectedWindow = 10 * time.Second
	// detectableWindow: a crossing is detectable if its actor was detected
	// within this window before it.
	detectableWindow = 2 * time.Minute
	// WarningTargetS is the product's target for the median warning of
	// infiltrators on foot starting FootStartKm or more from the line.
	WarningTargetS = 60.0
)

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.GraceAfterCrossing == 0 {
		o.GraceAfterCrossing = DefaultGrace
	}
	if o.GOSPAC == 0 {
		o.GOSPAC = DefaultGOSPAC
	}
	if o.GOSPAP == 0 {
		o.GOSPAP = DefaultGOSPAP
	}
	if o.GOSPAAlpha == 0 {
		o.GOSPAAlpha = DefaultGOSPAAlpha
	}
	if o.SampleEvery == 0 {
		o.SampleEvery = DefaultSampleEvery
	}
	if o.FootStartKm == 0 {
		o.FootStartKm = DefaultFootStartKm
	}
	return o
}

// Validate checks the options after defaults; the error names the field.
func (o Options) Validate() error {
	o = o.withDefaults()
	switch {
	case o.GraceAfterCrossing < 0 || o.GraceAfterCrossing > time.Hour:
		return errs.E(errs.Invalid, "GraceAfterCrossing %v: must be 0 to 1h", o.GraceAfterCrossing)
	case !(o.GOSPAC > 0 && o.GOSPAC <= 10_000):
		return errs.E(errs.Invalid, "GOSPAC %v: must be more than 0 and at most 10000 m", o.GOSPAC)
	case !(o.GOSPAP >= 1 && o.GOSPAP <= 10):
		return errs.E(errs.Invalid, "GOSPAP %v: must be 1 to 10", o.GOSPAP)
	case o.GOSPAAlpha != 2:
		// With alpha = 2 no pair farther apart than c is ever matched, so
		// the assignment splits into components and GOSPA into its
		// localisation, missed and false parts.
		return errs.E(errs.Invalid, "GOSPAAlpha %v: only 2 is supported", o.GOSPAAlpha)
	case o.SampleEvery < 100*time.Millisecond || o.SampleEvery > time.Hour:
		return errs.E(errs.Invalid, "SampleEvery %v: must be 100ms to 1h", o.SampleEvery)
	case !(o.FootStartKm > 0 && o.FootStartKm <= 1000) || math.IsNaN(o.FootStartKm):
		return errs.E(errs.Invalid, "FootStartKm %v: must be more than 0 and at most 1000", o.FootStartKm)
	}
	return nil
}
