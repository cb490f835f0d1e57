package fusion

import (
	"fmt"
	"math"
	"strings"
	"time"

	"raqib/internal/errs"
	"raqib/internal/geo"
)

// Config tunes the tracker. DefaultConfig gives values tuned on the
// simulator's border at realistic intensity; fields documented with a
// default take it when left zero.
type Config struct {
	// Key maps a position to a scalar used to split the ground into
	// shards (the border chainage in metres); nil means one shard. Cuts
	// are the ascending key values between shards: len(Cuts)+1 shards.
	// Origins holds each shard's local-frame origin (len(Cuts)+1 entries;
	// empty: each shard uses its first measurement's position). Key is
	// called from several goroutines at once.
	Key     func(geo.LatLon) float64
	Cuts    []float64
	Origins []geo.LatLon
	// HandoffM is the hysteresis band around a cut (default 500 m): a
	// measurement within it of a cut may go to the shard across it, and a
	// track moves across only when it is HandoffM/2 past the cut.
	HandoffM float64
	// Q is the process noise (m²/s³) per fused class; a class left out
	// takes its default.
	Q map[Class]float64
	// Gate is the chi-square gate on the squared Mahalanobis distance
	// (default Gate999).
	Gate float64
	// A tentative track is confirmed when ConfirmM of the last ConfirmN
	// one-second bins hold a measurement, its measurements span at least
	// ConfirmMinSpan and their mean confidence is at least
	// ConfirmMinConfidence.
	ConfirmM, ConfirmN   int
	ConfirmMinSpan       time.Duration
	ConfirmMinConfidence float64
	// CoastAfter: a confirmed track unseen this long coasts. DeleteAfter:
	// a track coasting this long is deleted; VehicleDeleteAfter replaces it
	// for tracks fused as vehicles (default 3 min).
	CoastAfter         time.Duration
	DeleteAfter        time.Duration
	VehicleDeleteAfter time.Duration
	// FriendlyCoastAfter replaces CoastAfter for friendly tracks, whose
	// GPS reports only every few seconds (default 25 s);
	// FriendlyDeleteAfter deletes a friendly track whose GPS has been
	// silent this long, whatever else sees it (default 2 min).
	FriendlyCoastAfter  time.Duration
	FriendlyDeleteAfter time.Duration
	// TentativeDeleteAfter: a tentative track unseen this long is dropped
	// without an update.
	TentativeDeleteAfter time.Duration
	// OOSWindow: a measurement older than a track's latest but not older
	// than the clock minus OOSWindow is applied by re-filtering (default
	// 5 s); older ones are counted (Stats.TooLate) and dropped.
	OOSWindow time.Duration
	// ClassThreshold: the fused class is reported when its probability is
	// at least this; otherwise the track's class is unknown.
	ClassThreshold float64
	// Two confirmed tracks closer than MergeD2 (squared Mahalanobis
	// distance, each way) for MergeAfter are merged into the older.
	MergeD2    float64
	MergeAfter time.Duration
	// Workers is how many goroutines process shards (default the smaller
	// of the number of shards and GOMAXPROCS).
	Workers int
}

// Default process noise per fused class, m²/s³.
var defaultQ = [...]float64{
	ClassUnknown: 0.5,
	ClassPerson:  0.05,
	ClassVehicle: 2,
	ClassAnimal:  0.05,
}

// Defaults of the fields that take one when zero.
const (
	defaultHandoffM            = 500.0
	defaultOOSWindow           = 5 * time.Second
	defaultVehicleDeleteAfter  = 3 * time.Minute
	defaultFriendlyCoastAfter  = 25 * time.Second
	defaultFriendlyDeleteAfter = 2 * time.Minute
	maxConfirmN                = 64
)

// DefaultConfig returns the tuned configuration for one shard.
func DefaultConfig() Config {
	q := make(map[Class]float64, len(defaultQ))
	for c, v := range defaultQ {
		q[Class(c)] = v
	}
	return Config{
		HandoffM:             defaultHandoffM,
		Q:                    q,
		Gate:                 Gate999,
		ConfirmM:             4,
		ConfirmN:             8,
		ConfirmMinSpan:       3 * time.Second,
		ConfirmMinConfidence: 0.5,
		CoastAfter:           6 * time.Second,
		DeleteAfter:          60 * time.Second,
		VehicleDeleteAfter:   defaultVehicleDeleteAfter,
		FriendlyCoastAfter:   defaultFriendlyCoastAfter,
		FriendlyDeleteAfter:  defaultFriendlyDeleteAfter,
		TentativeDeleteAfter: 4 * time.Second,
		OOSWindow:            defaultOOSWindow,
		ClassThreshold:       0.6,
		MergeD2:              6,
		MergeAfter:           5 * time.Second,
	}
}

// Validate reports every bad field, each named as in "fusion: confirm_n:
// must be ≥ confirm_m (4)". Fields that take a default accept zero.
func (c *Config) Validate() error {
	var bad []string
	add := func(field, format string, args ...any) {
		bad = append(bad, "fusion: "+field+": "+fmt.Sprintf(format, args...))
	}
	c.validateShards(add)
	for cl, q := range c.Q {
		if cl > ClassAnimal {
			add("q", "class %v is not one of unknown, person, vehicle, animal", cl)
		} else if !(q > 0) || math.IsInf(q, 0) {
			add("q", "%v: must be a positive number (got %v)", cl, q)
		}
	}
	if !(c.Gate >= 0) || math.IsInf(c.Gate, 0) {
		add("gate", "must be a positive number (got %v)", c.Gate)
	}
	switch {
	case c.ConfirmM < 1:
		add("confirm_m", "must be ≥ 1 (got %d)", c.ConfirmM)
	case c.ConfirmN < c.ConfirmM:
		add("confirm_n", "must be ≥ confirm_m (%d)", c.ConfirmM)
	case c.ConfirmN > maxConfirmN:
		add("confirm_n", "must be ≤ %d (got %d)", maxConfirmN, c.ConfirmN)
	}
	if c.ConfirmMinSpan < 0 {
		add("confirm_min_span", "must not be negative (got %v)", c.ConfirmMinSpan)
	}
	if !(c.ConfirmMinConfidence >= 0 && c.ConfirmMinConfidence <= 1) {
		add("confirm_min_confidence", "must be within 0 to 1 (got %v)", c.ConfirmMinConfidence)
	}
	positive := []struct {
		name string
		d    time.Duration
		zero bool // zero takes a default
	}{
		{"coast_after", c.CoastAfter, false},
		{"delete_after", c.DeleteAfter, false},
		{"vehicle_delete_after", c.VehicleDeleteAfter, true},
		{"friendly_coast_after", c.FriendlyCoastAfter, true},
		{"friendly_delete_after", c.FriendlyDeleteAfter, true},
		{"tentative_delete_after", c.TentativeDeleteAfter, false},
		{"oos_window", c.OOSWindow, true},
		{"merge_after", c.MergeAfter, true},
	}
	for _, p := range positive {
		if p.d < 0 || (p.d == 0 && !p.zero) {
			add(p.name, "must be positive (got %v)", p.d)
		}
	}
	if !(c.ClassThreshold > 0 && c.ClassThreshold <= 1) {
		add("class_threshold", "must be more than 0 and at most 1 (got %v)", c.ClassThreshold)
	}
	if !(c.MergeD2 >= 0) || math.IsInf(c.MergeD2, 0) {
		add("merge_d2", "must be a number ≥ 0 (got %v)", c.MergeD2)
	}
	if c.Workers < 0 {
		add("workers", "must not be negative (got %d)", c.Workers)
	}
	if len(bad) > 0 {
		return errs.E(errs.Invalid, "%s", strings.Join(bad, "; "))
	}
	return nil
}

// validateShards checks Key, Cuts, Origins and HandoffM.
func (c *Config) validateShards(add func(field, format string, args ...any)) {
	if len(c.Cuts) > 0 && c.Key == nil {
		add("key", "required with cuts")
	}
	minGap := math.Inf(1)
	for i, v := range c.Cuts {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			add("cuts", "cut %d is not a finite number", i)
			continue
		}
		if i > 0 {
			if v <= c.Cuts[i-1] {
				add("cuts", "must be ascending (cut %d: %v after %v)", i, v, c.Cuts[i-1])
			}
			minGap = min(minGap, v-c.Cuts[i-1])
		}
	}
	if n := len(c.Origins); n != 0 && n != len(c.Cuts)+1 {
		add("origins", "want %d (one per shard) or none, got %d", len(c.Cuts)+1, n)
	}
	for i, o := range c.Origins {
		if err := o.Validate(); err != nil {
			add("origins", "origin %d: %v", i, err)
		}
	}
	switch {
	case !(c.HandoffM >= 0) || math.IsInf(c.HandoffM, 0):
		add("handoff_m", "must be a number ≥ 0 (got %v)", c.HandoffM)
	case c.HandoffM > minGap/2:
		add("handoff_m", "must be at most half the smallest gap between cuts (%v m)", minGap)
	}
}

// withDefaults returns a copy of c with the defaults filled in and its
// own Q map.
func (c Config) withDefaults() Config {
	if c.HandoffM == 0 {
		c.HandoffM = defaultHandoffM
		if len(c.Cuts) > 1 {
			gap := math.Inf(1)
			for i := 1; i < len(c.Cuts); i++ {
				gap = min(gap, c.Cuts[i]-c.Cuts[i-1])
			}
			c.HandoffM = min(c.HandoffM, gap/2)
		}
	}
	if c.Gate == 0 {
		c.Gate = Gate999
	}
	q := make(map[Class]float64, len(defaultQ))
	for cl, v := range defaultQ {
		q[Class(cl)] = v
	}
	for cl, v := range c.Q {
		q[cl] = v
	}
	c.Q = q
	setDefault := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	setDefault(&c.VehicleDeleteAfter, defaultVehicleDeleteAfter)
	setDefault(&c.FriendlyCoastAfter, defaultFriendlyCoastAfter)
	setDefault(&c.FriendlyDeleteAfter, defaultFriendlyDeleteAfter)
	setDefault(&c.OOSWindow, defaultOOSWindow)
	return c
}
