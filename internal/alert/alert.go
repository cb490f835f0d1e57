// Package alert turns the border rules' events into alerts an operator
// works: one alert per track and rule, updated while the condition lasts,
// grouped when alerts fall close in space and time, held back by the
// operators' suppressions, escalated when nobody acknowledges them in time,
// and fed live to the consoles with a rate cap that summarises a flood
// instead of dropping it. The store behind it is declared here and
// implemented by the SQLite package.
package alert

import (
	"context"
	"slices"
	"strings"
	"time"

	"raqib/internal/errs"
	"raqib/internal/geo"
	"raqib/internal/rules"
)

// State is where an alert is in its life.
type State string

// The states. Resolved and dismissed are final; the others are open.
const (
	StateNew          State = "new"
	StateAcknowledged State = "acknowledged"
	StateAssigned     State = "assigned"
	StateResolved     State = "resolved"
	StateDismissed    State = "dismissed"
)

// States lists every state in life-cycle order.
var States = []State{StateNew, StateAcknowledged, StateAssigned, StateResolved, StateDismissed}

// OpenStates lists the states of an alert an operator still has to close.
var OpenStates = []State{StateNew, StateAcknowledged, StateAssigned}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Open reports whether an alert in state s is still open.
func (s State) Open() bool { return slices.Contains(OpenStates, s) }

// Evidence names one observation behind an alert.
type Evidence struct {
	Sensor string    `json:"sensor"`
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
}

// ExercisePrefix starts the id of every drill track. Alerts of drill
// tracks are marked Exercise and never grouped with real ones.
const ExercisePrefix = "X-"

// Alert is one alert: everything the rules reported about one track and
// rule while it was open, and what the operators did with it.
type Alert struct {
	ID int64 `json:"id"`
	// Key is the rules event's key, "track/rule": one open alert per key.
	Key      string         `json:"key"`
	Rule     rules.Rule     `json:"rule"`
	Severity rules.Severity `json:"severity"`
	State    State          `json:"state"`
	Track    string         `json:"track"`
	Members  []string       `json:"members,omitempty"`
	Sector   string         `json:"sector"`
	Position geo.LatLon     `json:"position"`
	Chainage float64        `json:"chainage_m"`
	Distance float64        `json:"distance_m"`
	Class    string         `json:"class"`
	Count    int            `json:"count"`
	Zone     string         `json:"zone,omitempty"`
	Barrier  string         `json:"barrier,omitempty"`
	Crossing string         `json:"crossing,omitempty"`
	// PredictedCrossing is when the track is predicted to reach the line.
	PredictedCrossing *time.Time `json:"predicted_crossing,omitempty"`
	Summary           string     `json:"summary"`
	// Active says the rule's condition still holds: true after a begin
	// event, false after its end and for an instant (a crossing).
	Active bool `json:"active"`
	// Raised is the event time of the first event, Updated of the latest;
	// Updates counts the events folded in.
	Raised  time.Time `json:"raised"`
	Updated time.Time `json:"updated"`
	Updates int       `json:"updates"`
	// GroupID is shared by alerts close in space and time: the id of the
	// group's first alert.
	GroupID int64 `json:"group_id"`
	// Escalated is the escalation level, 0 for none; EscalateAt is when
	// the next level is due if the alert is still not acknowledged.
	Escalated  int        `json:"escalated"`
	EscalateAt *time.Time `json:"escalate_at,omitempty"`

	AckBy      string     `json:"ack_by,omitempty"`
	AckAt      *time.Time `json:"ack_at,omitempty"`
	AssignedTo string     `json:"assigned_to,omitempty"`
	AssignedAt *time.Time `json:"assigned_at,omitempty"`
	// ResolvedBy and ResolvedAt record who closed the alert and when,
	// whether resolved or dismissed.
	ResolvedBy    string     `json:"resolved_by,omitempty"`
	ResolvedAt    *time.Time `json:"resolved_at,omitempty"`
	Note          string     `json:"note,omitempty"`
	DismissReason string     `json:"dismiss_reason,omitempty"`

	// Evidence holds the newest observations behind the alert, oldest
	// first, at most Config.MaxEvidence.
	Evidence []Evidence `json:"evidence"`
	// Exercise marks the alert of a drill track.
	Exercise bool `json:"exercise"`
}

// Open reports whether the alert is still open.
func (a *Alert) Open() bool { return a.State.Open() }

// clone returns a copy of a that shares no slice or pointer with it.
func (a Alert) clone() Alert {
	a.Members = slices.Clone(a.Members)
	a.Evidence = slices.Clone(a.Evidence)
	for _, p := range []**time.Time{&a.PredictedCrossing, &a.EscalateAt, &a.AckAt, &a.AssignedAt, &a.ResolvedAt} {
		if *p != nil {
			t := **p
			*p = &t
		}
	}
	return a
}

// The kinds of change.
const (
	KindRaised       = "raised"
	KindUpdated      = "updated"
	KindAcknowledged = "acknowledged"
	KindAssigned     = "assigned"
	KindResolved     = "resolved"
	KindDismissed    = "dismissed"
	KindEscalated    = "escalated"
	// KindSummary folds the raised alerts over a console's rate cap into
	// one change; only subscriptions deliver it and no store keeps it.
	KindSummary = "summary"
	// KindSuppressed is an alert a suppression held back: the store counts
	// it against the suppression (Change.Suppression) and keeps no alert.
	// It is never published.
	KindSuppressed = "suppressed"
)

// Change is one thing that happened to an alert.
type Change struct {
	Kind string `json:"kind"`
	// Alert is the alert after the change; zero for a summary.
	Alert Alert     `json:"alert"`
	At    time.Time `json:"at"`
	// By is the operator behind a life-cycle change.
	By string `json:"by,omitempty"`
	// From is the state before a life-cycle change; the store applies the
	// change only if the alert is still in it.
	From State `json:"from,omitempty"`
	// Summary describes the alerts a console's rate cap folded.
	Summary *Overflow `json:"summary,omitempty"`
	// Suppression is the suppression that held back a suppressed alert.
	Suppression int64 `json:"suppression,omitempty"`
}

// Overflow is the content of a summary change: the raised alerts a
// console's rate cap did not deliver one by one during a minute.
type Overflow struct {
	Count  int             `json:"count"`
	Since  time.Time       `json:"since"`
	Until  time.Time       `json:"until"`
	Groups []OverflowGroup `json:"groups"`
	IDs    []int64         `json:"ids"`
	// Text is one line for the operator, such as "37 more alerts: 30
	// approach in S06, 7 zone_entry in S05".
	Text string `json:"text"`
}

// OverflowGroup counts the folded alerts of one rule in one sector.
type OverflowGroup struct {
	Rule     rules.Rule `json:"rule"`
	Sector   string     `json:"sector"`
	Exercise bool       `json:"exercise,omitempty"`
	Count    int        `json:"count"`
}

// Filter selects alerts. Zero fields select everything.
type Filter struct {
	States      []State
	MinSeverity rules.Severity
	Sectors     []string
	Rule        rules.Rule
	Track       string
	// Since and Until bound the time an alert was raised: Since <= raised
	// < Until.
	Since time.Time
	Until time.Time
	Group int64
	// Limit caps the answer: DefaultLimit when 0, at most MaxLimit.
	Limit int
	// Before pages backwards: only alerts with an id below it.
	Before int64
}

// The bounds of Filter.Limit.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Validate checks the filter; the error names the bad field.
func (f *Filter) Validate() error {
	for _, s := range f.States {
		if !s.Valid() {
			return errs.E(errs.Invalid, "state: %q is not one of %v", s, States)
		}
	}
	if f.MinSeverity != "" && !f.MinSeverity.Valid() {
		return errs.E(errs.Invalid, "min_severity: %q is not one of %v", f.MinSeverity, rules.Severities)
	}
	if f.Rule != "" && !f.Rule.Valid() {
		return errs.E(errs.Invalid, "rule: %q is not one of %v", f.Rule, rules.Rules)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return errs.E(errs.Invalid, "until: must be after since")
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		return errs.E(errs.Invalid, "limit: %d is out of range [0, %d]", f.Limit, MaxLimit)
	}
	if f.Group < 0 {
		return errs.E(errs.Invalid, "group: %d is negative", f.Group)
	}
	if f.Before < 0 {
		return errs.E(errs.Invalid, "before: %d is negative", f.Before)
	}
	return nil
}

// EffectiveLimit is the number of alerts the filter asks for.
func (f *Filter) EffectiveLimit() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

// Suppression holds back new alerts an operator expects and does not want
// raised: inside a circle and/or a sector, optionally only for some rules
// and classes and only in daylight, until it expires.
type Suppression struct {
	ID int64 `json:"id"`
	// Center and RadiusM make the circle.
	Center  *geo.LatLon `json:"center,omitempty"`
	RadiusM float64     `json:"radius_m,omitempty"`
	Sector  string      `json:"sector,omitempty"`
	// Rules and Classes restrict it; empty means every rule or class.
	Rules   []rules.Rule `json:"rules,omitempty"`
	Classes []string     `json:"classes,omitempty"`
	// DaylightOnly restricts it to events while the sun is above the
	// horizon at the alert's position.
	DaylightOnly bool      `json:"daylight_only"`
	Until        time.Time `json:"until"`
	Reason       string    `json:"reason"`
	By           string    `json:"by"`
	Created      time.Time `json:"created"`
	// Hits counts the alerts it held back.
	Hits int `json:"hits"`
}

// Store keeps alerts, their history, the suppressions and the pipeline's
// cursor. *sqlite.DB implements it.
type Store interface {
	// ApplyAlerts writes, in one transaction, the raised, updated,
	// escalated and suppressed changes and the pipeline cursor, and
	// returns each change's alert in order with the ids of new alerts
	// filled in. A raised alert whose GroupID is 0 starts its own group
	// (its id); a GroupID of -n joins the group of the alert raised by
	// the n-th change (1-based) of the same call. Updated and escalated
	// changes leave the life-cycle fields alone. A suppressed change adds
	// a hit to its suppression and stores no alert.
	ApplyAlerts(ctx context.Context, changes []Change, cursor uint64) ([]Alert, error)
	// UpdateAlert applies a life-cycle change to a.ID: state and the
	// operator fields, if the alert is still in state ch.From (errs.Conflict
	// otherwise), and appends ch to its history.
	UpdateAlert(ctx context.Context, a Alert, ch Change) error
	// Alert returns one alert; errs.NotFound names the id.
	Alert(ctx context.Context, id int64) (Alert, error)
	// OpenAlertByKey returns the open alert of a key, if any.
	OpenAlertByKey(ctx context.Context, key string) (Alert, bool, error)
	// Alerts returns the alerts the filter selects, newest first.
	Alerts(ctx context.Context, f Filter) ([]Alert, error)
	// AlertHistory returns every change of an alert, oldest first. The
	// alert in each change is a snapshot without its evidence.
	AlertHistory(ctx context.Context, id int64) ([]Change, error)
	// OpenAlerts returns every open alert, oldest first.
	OpenAlerts(ctx context.Context) ([]Alert, error)
	// Cursor returns the pipeline cursor stored with the latest alerts, 0
	// if none.
	Cursor(ctx context.Context) (uint64, error)
	// AddSuppression stores a suppression and returns it with its id.
	AddSuppression(ctx context.Context, sp Suppression) (Suppression, error)
	// Suppressions returns the suppressions not expired at now, oldest
	// first.
	Suppressions(ctx context.Context, now time.Time) ([]Suppression, error)
	// RemoveSuppression deletes a suppression; errs.NotFound names the id.
	RemoveSuppression(ctx context.Context, id int64) error
}

// isExercise reports whether a track id is a drill track's.
func isExercise(track string) bool { return strings.HasPrefix(track, ExercisePrefix) }
