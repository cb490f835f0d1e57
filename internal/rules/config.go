package rules

import (
	_ "embed"
	"fmt"
	"math"
	"slices"
	"time"

	"raqib/internal/errs"
	"raqib/internal/fusion"
	"raqib/internal/theater"
)

// defaultYAML is the rules configuration the product ships with.
//
//go:embed default.yaml
var defaultYAML []byte

// DefaultFile names the embedded default configuration in problems.
const DefaultFile = "default.yaml"

// maxConfigSize bounds a rules file: it is read whole into memory.
const maxConfigSize = 1 << 20

// Limits on thresholds, so that a slip of the keyboard (a radius in
// millimetres) is refused rather than slowing every update.
const (
	maxDistanceM = 100_000.0
	maxDuration  = 24 * time.Hour
	maxScale     = 10.0
	maxSpeedMps  = 100.0
	maxTracks    = 1000
)

// Config holds the thresholds of every rule: defaults for the whole border
// and overrides per sector, scaled by each sector's threat level.
type Config struct {
	// ThreatScale maps each threat level to a factor that widens every
	// reach (approach time, distances and radii), and shortens every wait
	// (loiter and group durations) and the off-road road radius, in the
	// sectors at that level. Crossing margins, speeds and hysteresis
	// times are not scaled.
	ThreatScale map[theater.ThreatLevel]float64 `yaml:"threat_scale"`
	// RaiseCritical raises every rule's severity one step, up to critical,
	// in critical-threat sectors.
	RaiseCritical bool `yaml:"raise_critical"`
	// ClearAfter is how long a condition that has begun (zone, barrier
	// gap, closed crossing, loiter, group, off-road) must stop holding
	// before it ends, so that noise at its edge does not make it flap.
	ClearAfter time.Duration `yaml:"clear_after"`
	// BeginAfter is how long such a condition must hold before it
	// begins, so that a track's first seconds (before the tracker has
	// tied an own patrol's camera track to its GPS, say) raise nothing.
	BeginAfter time.Duration `yaml:"begin_after"`
	// Defaults apply to every sector without an override.
	Defaults RuleSet `yaml:"defaults"`
	// Sectors holds the rule sets of the sectors that override the
	// defaults, by sector id. Each is complete: ParseConfig fills in what
	// the file leaves out from Defaults.
	Sectors map[string]RuleSet `yaml:"sectors"`

	// err is a problem with the embedded defaults, reported by Validate.
	err error
}

// RuleSet holds the settings of every rule.
type RuleSet struct {
	Approach       ApproachRule       `yaml:"approach"`
	Inbound        CrossingRule       `yaml:"inbound_crossing"`
	Outbound       CrossingRule       `yaml:"outbound_crossing"`
	Zone           ZoneRule           `yaml:"zone_entry"`
	BarrierGap     BarrierGapRule     `yaml:"barrier_gap"`
	ClosedCrossing ClosedCrossingRule `yaml:"closed_crossing"`
	Loiter         LoiterRule         `yaml:"loiter"`
	Group          GroupRule          `yaml:"group"`
	OffroadNight   OffroadRule        `yaml:"vehicle_offroad_night"`
}

// RuleBase holds what every rule has.
type RuleBase struct {
	Enabled  bool     `yaml:"enabled"`
	Severity Severity `yaml:"severity"`
	// Classes lists the fused track classes the rule applies to.
	Classes []fusion.Class `yaml:"classes"`
}

// ApproachRule: a track predicted to reach the line within Within.
type ApproachRule struct {
	RuleBase `yaml:",inline"`
	// Within is how far ahead a predicted crossing raises the condition.
	Within time.Duration `yaml:"within"`
	// MaxDistanceM ignores tracks farther from the line.
	MaxDistanceM float64 `yaml:"max_distance_m"`
	// MinSpeedMps is the approach speed, less SigmaK of its standard
	// deviations, that the track must exceed. The approach speed is the
	// track's net approach over Window, or its current velocity toward
	// the line while it is younger than half a window.
	MinSpeedMps float64 `yaml:"min_speed_mps"`
	SigmaK      float64 `yaml:"sigma_k"`
	// The prediction must hold for HoldUpdates consecutive updates
	// spanning at least Hold before the condition begins.
	Hold        time.Duration `yaml:"hold"`
	HoldUpdates int           `yaml:"hold_updates"`
	// The condition ends when the prediction exceeds EndFactor × Within
	// (on the better of the net and the current approach speed) or the
	// track moves away, continuously for AwayFor; or when the track has
	// stood still (below StillMps) for StillFor; or when it crosses.
	EndFactor float64       `yaml:"end_factor"`
	AwayFor   time.Duration `yaml:"away_for"`
	StillMps  float64       `yaml:"still_mps"`
	StillFor  time.Duration `yaml:"still_for"`
	// Window is how far back the track's net approach speed is measured:
	// from a place between half a window and a window ago.
	Window time.Duration `yaml:"window"`
	// HerdersExempt keeps persons by day who move with animals beside
	// them (shepherds with their flocks) from raising the condition.
	HerdersExempt bool `yaml:"herders_exempt"`
}

// CrossingRule: a track crossed the line.
type CrossingRule struct {
	RuleBase `yaml:",inline"`
	// MarginM is how far past the line the track must be before the
	// crossing counts, so that a track grazing the line raises nothing.
	MarginM float64 `yaml:"margin_m"`
}

// ZoneRule: a track entered an unofficial crossing zone.
type ZoneRule struct {
	RuleBase `yaml:",inline"`
}

// BarrierGapRule: a track near the line where no complete barrier stands.
type BarrierGapRule struct {
	RuleBase  `yaml:",inline"`
	GapDepthM float64 `yaml:"gap_depth_m"`
}

// ClosedCrossingRule: a track near an official crossing that is closed.
type ClosedCrossingRule struct {
	RuleBase `yaml:",inline"`
	RadiusM  float64 `yaml:"radius_m"`
	// Restricted counts restricted crossings as closed.
	Restricted bool `yaml:"restricted"`
}

// LoiterRule: a track staying within RadiusM of one spot for Duration
// within DistanceM of the line.
type LoiterRule struct {
	RuleBase  `yaml:",inline"`
	RadiusM   float64       `yaml:"radius_m"`
	Duration  time.Duration `yaml:"duration"`
	DistanceM float64       `yaml:"distance_m"`
	// NightOnly limits the rule to the night, when nobody has reason to
	// linger by the line; shepherds graze near it by day.
	NightOnly bool `yaml:"night_only"`
}

// GroupRule: at least MinTracks tracks within RadiusM of each other moving
// alike for Duration, within DistanceM of the line.
type GroupRule struct {
	RuleBase        `yaml:",inline"`
	MinTracks       int           `yaml:"min_tracks"`
	RadiusM         float64       `yaml:"radius_m"`
	MaxSpeedDiffMps float64       `yaml:"max_speed_diff_mps"`
	Duration        time.Duration `yaml:"duration"`
	DistanceM       float64       `yaml:"distance_m"`
}

// OffroadRule: a vehicle moving at night near the line, away from the
// roads of the official crossings.
type OffroadRule struct {
	RuleBase    `yaml:",inline"`
	DistanceM   float64 `yaml:"distance_m"`
	RoadRadiusM float64 `yaml:"road_radius_m"`
	MinSpeedMps float64 `yaml:"min_speed_mps"`
}

// DefaultConfig returns the configuration parsed from the embedded
// default.yaml. Each call returns a fresh copy the caller may change.
func DefaultConfig() *Config {
	c, err := parseConfig(DefaultFile, defaultYAML, nil, &Config{})
	if err != nil {
		return &Config{err: fmt.Errorf("rules: embedded defaults: %w", err)}
	}
	return c
}

// ParseConfig reads a rules file. The file changes the embedded defaults:
// what it leaves out keeps its default value, and each sector under
// sectors starts from the file's defaults. It returns a *ConfigError listing
// every problem, each as "name:line:col: field.path: message"; th, when not
// nil, is used to check the sector ids.
func ParseConfig(name string, data []byte, th *theater.Theater) (*Config, error) {
	base := DefaultConfig()
	if base.err != nil {
		return nil, base.err
	}
	base.Sectors = nil
	return parseConfig(name, data, th, base)
}

// parseConfig decodes data over c and checks the result.
func parseConfig(name string, data []byte, th *theater.Theater, c *Config) (*Config, error) {
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("rules: %s: %w", name, errs.E(errs.TooLarge, "%s is larger than %d bytes", name, maxConfigSize))
	}
	d := newDecoder(name)
	if body := d.parse(data); body != nil {
		d.decodeConfig(body, c)
	}
	for _, p := range c.check(th) {
		d.addField(p.Field, p.Message)
	}
	if len(d.problems) > 0 {
		return nil, &ConfigError{Problems: theater.SortProblems(d.problems)}
	}
	return c, nil
}

// Validate checks the configuration: known severities, classes and threat
// levels, thresholds in range, and, when th is not nil, sector ids that
// exist. It returns a *ConfigError listing every problem, or nil.
func (c *Config) Validate(th *theater.Theater) error {
	if c.err != nil {
		return c.err
	}
	if ps := c.check(th); len(ps) > 0 {
		for i := range ps {
			ps[i].File = "rules"
		}
		return &ConfigError{Problems: theater.SortProblems(ps)}
	}
	return nil
}

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	out := *c
	out.ThreatScale = make(map[theater.ThreatLevel]float64, len(c.ThreatScale))
	for k, v := range c.ThreatScale {
		out.ThreatScale[k] = v
	}
	out.Defaults = c.Defaults.clone()
	if c.Sectors != nil {
		out.Sectors = make(map[string]RuleSet, len(c.Sectors))
		for k, v := range c.Sectors {
			out.Sectors[k] = v.clone()
		}
	}
	return &out
}

// Sector returns the rule set of a sector: its override, else the defaults.
func (c *Config) Sector(id string) RuleSet {
	if rs, ok := c.Sectors[id]; ok {
		return rs
	}
	return c.Defaults
}

// clone copies the rule set, with its own class lists.
func (r RuleSet) clone() RuleSet {
	for _, b := range r.bases() {
		b.Classes = slices.Clone(b.Classes)
	}
	return r
}

// bases returns the common part of every rule, in the order of Rules.
func (r *RuleSet) bases() []*RuleBase {
	return []*RuleBase{&r.Approach.RuleBase, &r.Inbound.RuleBase, &r.Outbound.RuleBase,
		&r.Zone.RuleBase, &r.BarrierGap.RuleBase, &r.ClosedCrossing.RuleBase,
		&r.Loiter.RuleBase, &r.Group.RuleBase, &r.OffroadNight.RuleBase}
}

// check lists the configuration's problems with their field paths.
func (c *Config) check(th *theater.Theater) []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	for _, l := range theater.ThreatLevels {
		if _, ok := c.ThreatScale[l]; !ok {
			add("threat_scale."+string(l), "missing")
		}
	}
	for l, v := range c.ThreatScale {
		field := "threat_scale." + string(l)
		if !l.Valid() {
			add(field, "%q is not a threat level (want one of %v)", l, theater.ThreatLevels)
			continue
		}
		if !finite(v) || v <= 0 || v > maxScale {
			add(field, "%v: want more than 0 and at most %v", v, maxScale)
		}
	}
	checkDuration(add, "clear_after", c.ClearAfter, false)
	checkDuration(add, "begin_after", c.BeginAfter, false)

	var base []Problem
	c.Defaults.check(func(field, format string, args ...any) {
		base = append(base, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	})
	for _, p := range base {
		add("defaults."+p.Field, "%s", p.Message)
	}
	for id, rs := range c.Sectors {
		prefix := "sectors." + id
		if th != nil && th.Sector(id) == nil {
			add(prefix, "unknown sector %q", id)
		}
		// A sector repeats the defaults it does not override: report only
		// its own problems.
		rs.check(func(field, format string, args ...any) {
			p := Problem{Field: field, Message: fmt.Sprintf(format, args...)}
			if !slices.Contains(base, p) {
				add(prefix+"."+field, "%s", p.Message)
			}
		})
	}
	return ps
}

// addFunc records a problem with a field.
type addFunc func(field, format string, args ...any)

// check reports the rule set's problems, with paths relative to it.
func (r *RuleSet) check(add addFunc) {
	for i, b := range r.bases() {
		b.check(add, string(Rules[i]))
	}
	a := &r.Approach
	checkDuration(add, "approach.within", a.Within, true)
	checkDistance(add, "approach.max_distance_m", a.MaxDistanceM, true)
	checkSpeed(add, "approach.min_speed_mps", a.MinSpeedMps)
	checkRange(add, "approach.sigma_k", a.SigmaK, 0, 10)
	checkDuration(add, "approach.hold", a.Hold, false)
	if a.HoldUpdates < 1 || a.HoldUpdates > 1000 {
		add("approach.hold_updates", "%d: want 1 to 1000", a.HoldUpdates)
	}
	checkRange(add, "approach.end_factor", a.EndFactor, 1, 10)
	checkDuration(add, "approach.away_for", a.AwayFor, false)
	checkSpeed(add, "approach.still_mps", a.StillMps)
	checkDuration(add, "approach.still_for", a.StillFor, true)
	checkDuration(add, "approach.window", a.Window, true)

	checkDistance(add, "inbound_crossing.margin_m", r.Inbound.MarginM, false)
	checkDistance(add, "outbound_crossing.margin_m", r.Outbound.MarginM, false)
	checkDistance(add, "barrier_gap.gap_depth_m", r.BarrierGap.GapDepthM, true)
	checkDistance(add, "closed_crossing.radius_m", r.ClosedCrossing.RadiusM, true)

	l := &r.Loiter
	checkDistance(add, "loiter.radius_m", l.RadiusM, true)
	checkDuration(add, "loiter.duration", l.Duration, true)
	checkDistance(add, "loiter.distance_m", l.DistanceM, true)

	g := &r.Group
	if g.MinTracks < 2 || g.MinTracks > maxTracks {
		add("group.min_tracks", "%d: want 2 to %d", g.MinTracks, maxTracks)
	}
	checkDistance(add, "group.radius_m", g.RadiusM, true)
	checkSpeed(add, "group.max_speed_diff_mps", g.MaxSpeedDiffMps)
	checkDuration(add, "group.duration", g.Duration, false)
	checkDistance(add, "group.distance_m", g.DistanceM, true)

	o := &r.OffroadNight
	checkDistance(add, "vehicle_offroad_night.distance_m", o.DistanceM, true)
	checkDistance(add, "vehicle_offroad_night.road_radius_m", o.RoadRadiusM, false)
	checkSpeed(add, "vehicle_offroad_night.min_speed_mps", o.MinSpeedMps)
}

// check reports a bad severity or class list.
func (b *RuleBase) check(add addFunc, rule string) {
	if !b.Severity.Valid() {
		add(rule+".severity", "%q is not a severity (want one of %v)", b.Severity, Severities)
	}
	if b.Enabled && len(b.Classes) == 0 {
		add(rule+".classes", "empty: want at least one of unknown, person, vehicle or animal")
	}
	for i, c := range b.Classes {
		if c > fusion.ClassAnimal {
			add(fmt.Sprintf("%s.classes[%d]", rule, i), "%v is not a class (want unknown, person, vehicle or animal)", c)
		}
	}
}

func checkDuration(add addFunc, field string, d time.Duration, positive bool) {
	switch {
	case d < 0:
		add(field, "%v is negative", d)
	case positive && d == 0:
		add(field, "missing or zero: want a duration such as 30s or 10m")
	case d > maxDuration:
		add(field, "%v: want at most %v", d, maxDuration)
	}
}

func checkDistance(add addFunc, field string, v float64, positive bool) {
	switch {
	case !finite(v):
		add(field, "%v is not a finite number", v)
	case v < 0:
		add(field, "%v is negative", v)
	case positive && v == 0:
		add(field, "missing or zero: want a distance in metres")
	case v > maxDistanceM:
		add(field, "%v: want at most %v m", v, maxDistanceM)
	}
}

func checkSpeed(add addFunc, field string, v float64) { checkRange(add, field, v, 0, maxSpeedMps) }

func checkRange(add addFunc, field string, v, lo, hi float64) {
	if !finite(v) || v < lo || v > hi {
		add(field, "%v: want %v to %v", v, lo, hi)
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
