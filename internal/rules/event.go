// Package rules judges every track update against the theater — side of the
// border, distance, chainage, heading, predicted crossing time, zones,
// barrier gaps, closed crossings, loitering, groups, vehicles off-road at
// night — and reports transitions only, never a condition repeated on every
// update.
package rules

import (
	"fmt"
	"slices"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/theater"
)

// Rule names a border rule.
type Rule string

// The rules.
const (
	// RuleApproach: a track is predicted to cross the line within the
	// sector's approach time.
	RuleApproach Rule = "approach"
	// RuleInbound: a track crossed from Syria into Iraq.
	RuleInbound Rule = "inbound_crossing"
	// RuleOutbound: a track crossed from Iraq into Syria.
	RuleOutbound Rule = "outbound_crossing"
	// RuleZone: a track entered an unofficial crossing zone.
	RuleZone Rule = "zone_entry"
	// RuleBarrierGap: a track entered a stretch near the line without a
	// complete barrier.
	RuleBarrierGap Rule = "barrier_gap"
	// RuleClosedCrossing: a track approaches a closed official crossing.
	RuleClosedCrossing Rule = "closed_crossing"
	// RuleLoiter: a track lingers near the line.
	RuleLoiter Rule = "loiter"
	// RuleGroup: several tracks move together.
	RuleGroup Rule = "group"
	// RuleOffroadNight: a vehicle moves off-road near the line at night.
	RuleOffroadNight Rule = "vehicle_offroad_night"
)

// Rules lists every rule in a stable order.
var Rules = []Rule{RuleApproach, RuleInbound, RuleOutbound, RuleZone, RuleBarrierGap,
	RuleClosedCrossing, RuleLoiter, RuleGroup, RuleOffroadNight}

// Valid reports whether r is a known rule.
func (r Rule) Valid() bool { return slices.Contains(Rules, r) }

// Severity ranks how urgent an event is.
type Severity string

// The severities, lowest first.
const (
	SeverityInfo     Severity = "info"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists every severity, lowest first.
var Severities = []Severity{SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return slices.Contains(Severities, s) }

// Rank orders severities: 0 for info up to 4 for critical, -1 if unknown.
func (s Severity) Rank() int { return slices.Index(Severities, s) }

// Phase says which transition an event reports.
type Phase string

// The phases. A condition that holds over time (approach, zone, loiter,
// group, off-road) begins and ends; a crossing is an instant.
const (
	PhaseBegin   Phase = "begin"
	PhaseEnd     Phase = "end"
	PhaseInstant Phase = "instant"
)

// Event is one transition of one rule for one track (or group of tracks).
type Event struct {
	Rule     Rule
	Phase    Phase
	Severity Severity
	// Track is the track's id; for a group, the id of its oldest member.
	Track string
	// Time is the track update's time.
	Time time.Time
	Pos  geo.LatLon
	// Sector, Chainage (metres along the border), Distance (signed metres,
	// > 0 inside Iraq) and Side place the track against the border.
	Sector   string
	Threat   theater.ThreatLevel
	Chainage float64
	Distance float64
	Side     theater.Side
	// Speed is the track's ground speed (m/s); Heading its angle off the
	// direction straight at the line, degrees (0: straight at it, 180:
	// straight away).
	Speed   float64
	Heading float64
	// PredictedCrossing is when the track is predicted to reach the line,
	// zero when it is not predicted to; CrossingSigma its 1-sigma
	// uncertainty.
	PredictedCrossing time.Time
	CrossingSigma     time.Duration
	// Zone, Barrier and Crossing name the zone, barrier gap's nearest
	// segment and official crossing the event concerns, if any.
	Zone     string
	Barrier  string
	Crossing string
	// Members lists a group's track ids, sorted.
	Members []string
	Class   fusion.Class
	Count   int
	// Evidence are the observations behind the track around the event,
	// oldest first, at most MaxEvidence.
	Evidence []fusion.ObsRef
	// Sensors are the distinct sensors that saw the track recently.
	Sensors []string
	// Summary is one line for an operator, such as "person ×3 1.2 km
	// inside Syria heading for the line, crossing predicted in 9 min".
	Summary string
}

// MaxEvidence bounds Event.Evidence.
const MaxEvidence = 32

// Key identifies the alert an event belongs to: one per track and rule.
func (e *Event) Key() string { return fmt.Sprintf("%s/%s", e.Track, e.Rule) }
