package alert

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/rules"
)

// Config tunes the alert service. Zero fields take the defaults.
type Config struct {
	// EscalateAfter is how long an alert of each severity may stay
	// unacknowledged before its escalation level rises; the level rises
	// again each further period, up to EscalateMax. Nil gives critical 2m
	// and high 5m; an empty map turns escalation off.
	EscalateAfter map[rules.Severity]time.Duration
	EscalateMax   int // 3
	// GroupRadiusM and GroupWindow say how close in space and time two
	// alerts must be to share a group.
	GroupRadiusM float64       // 2000
	GroupWindow  time.Duration // 10m
	// MaxEvidence bounds an alert's evidence; the oldest is dropped.
	MaxEvidence int // 64
	// QueueLength bounds each subscription's queue of undelivered changes.
	QueueLength int // 256
	// Now is the clock of the life-cycle timestamps and the rate caps.
	Now func() time.Time
	// Audit receives every operator action (acknowledgement, assignment,
	// resolution, dismissal with its reason, suppressions); an action is
	// reported done only once it is recorded. Nil records nothing.
	Audit auth.Auditor
}

// The defaults.
const (
	DefaultEscalateMax  = 3
	DefaultGroupRadiusM = 2000
	DefaultGroupWindow  = 10 * time.Minute
	DefaultMaxEvidence  = 64
	DefaultQueueLength  = 256
)

// DefaultEscalateAfter is the escalation period by severity.
func DefaultEscalateAfter() map[rules.Severity]time.Duration {
	return map[rules.Severity]time.Duration{
		rules.SeverityCritical: 2 * time.Minute,
		rules.SeverityHigh:     5 * time.Minute,
	}
}

// withDefaults fills in the zero fields.
func (c Config) withDefaults() Config {
	if c.EscalateAfter == nil {
		c.EscalateAfter = DefaultEscalateAfter()
	} else {
		c.EscalateAfter = maps.Clone(c.EscalateAfter)
	}
	if c.EscalateMax == 0 {
		c.EscalateMax = DefaultEscalateMax
	}
	if c.GroupRadiusM == 0 {
		c.GroupRadiusM = DefaultGroupRadiusM
	}
	if c.GroupWindow == 0 {
		c.GroupWindow = DefaultGroupWindow
	}
	if c.MaxEvidence == 0 {
		c.MaxEvidence = DefaultMaxEvidence
	}
	if c.QueueLength == 0 {
		c.QueueLength = DefaultQueueLength
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate checks the configuration; the error names the bad field.
func (c *Config) Validate() error {
	for sev, d := range c.EscalateAfter {
		if !sev.Valid() {
			return errs.E(errs.Invalid, "escalate_after: %q is not one of %v", sev, rules.Severities)
		}
		if d <= 0 {
			return errs.E(errs.Invalid, "escalate_after.%s: %v is not positive", sev, d)
		}
	}
	switch {
	case c.EscalateMax < 0:
		return errs.E(errs.Invalid, "escalate_max: %d is negative", c.EscalateMax)
	case !(c.GroupRadiusM >= 0):
		return errs.E(errs.Invalid, "group_radius_m: %v is negative", c.GroupRadiusM)
	case c.GroupWindow < 0:
		return errs.E(errs.Invalid, "group_window: %v is negative", c.GroupWindow)
	case c.MaxEvidence < 0:
		return errs.E(errs.Invalid, "max_evidence: %d is negative", c.MaxEvidence)
	case c.QueueLength < 0:
		return errs.E(errs.Invalid, "queue_length: %d is negative", c.QueueLength)
	}
	return nil
}

// Service folds rule events into alerts, runs their life cycle and feeds
// the consoles.
//
// Lock order: Service.mu, then Service.subsMu, then Subscription.mu. mu
// is held across the store call of every write so that the cache, the
// store and the order of published changes agree.
type Service struct {
	store  Store
	cfg    Config
	logger *slog.Logger

	mu          sync.Mutex
	open        map[string]*Alert // open alerts by key
	byID        map[int64]string  // key of each open alert
	supps       []Suppression     // cached for matching, oldest first
	cursor      uint64
	raisedN     int64
	suppressedN int64

	subsMu sync.Mutex
	subs   map[*Subscription]struct{}
}

// NewService starts the service on a store, loading the open alerts (so
// that a restart updates them instead of raising them again), the
// suppressions and the cursor.
func NewService(store Store, cfg Config, logger *slog.Logger) (*Service, error) {
	if store == nil {
		return nil, errs.E(errs.Invalid, "alert service: store is missing")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("alert service: %w", err)
	}
	s := &Service{
		store:  store,
		cfg:    cfg,
		logger: logger.With("component", "alert"),
		open:   map[string]*Alert{},
		byID:   map[int64]string{},
		subs:   map[*Subscription]struct{}{},
	}
	ctx := context.Background()
	open, err := store.OpenAlerts(ctx)
	if err != nil {
		return nil, fmt.Errorf("alert service: load open alerts: %w", err)
	}
	for i := range open {
		s.cache(open[i])
	}
	if s.supps, err = store.Suppressions(ctx, cfg.Now()); err != nil {
		return nil, fmt.Errorf("alert service: load suppressions: %w", err)
	}
	if s.cursor, err = store.Cursor(ctx); err != nil {
		return nil, fmt.Errorf("alert service: load cursor: %w", err)
	}
	s.logger.Info("alerts loaded", "open", len(open), "suppressions", len(s.supps), "cursor", s.cursor)
	return s, nil
}

// Config returns the configuration in use, defaults filled in.
func (s *Service) Config() Config {
	c := s.cfg
	c.EscalateAfter = maps.Clone(c.EscalateAfter)
	return c
}

// Stats counts what the service did since it started.
type Stats struct {
	Open       int   `json:"open"`
	Raised     int64 `json:"raised"`
	Suppressed int64 `json:"suppressed"`
}

// Stats returns the service's counters.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Open: len(s.open), Raised: s.raisedN, Suppressed: s.suppressedN}
}

// cache records an open alert, or forgets a closed one. Callers hold mu.
func (s *Service) cache(a Alert) {
	if !a.Open() {
		if key, ok := s.byID[a.ID]; ok {
			delete(s.open, key)
			delete(s.byID, a.ID)
		}
		return
	}
	c := a.clone()
	s.open[a.Key] = &c
	s.byID[a.ID] = a.Key
}

// pending is an alert being built by one Handle call.
type pending struct {
	alert Alert
	kind  string
	index int // its change's place in the batch
	at    time.Time
}

// Handle folds rule events into alerts. An event of a key with an open
// alert updates it (position, summary, evidence, Active; severity only
// ever rises); a begin or instant event of a key without one raises a new
// alert unless a suppression holds it back; an end event clears Active and
// leaves the alert open for the operator. Every alert touched yields one
// change. The changes and the cursor are written in one store call and
// published only once the store accepted them.
func (s *Service) Handle(ctx context.Context, events []rules.Event, cursor uint64) ([]Change, error) {
	if len(events) == 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	batch := map[string]*pending{}
	var order []*pending
	var suppressed []Change
	for i := range events {
		e := &events[i]
		if err := checkEvent(e); err != nil {
			s.logger.Warn("rule event ignored", "track", e.Track, "rule", string(e.Rule), "err", err)
			continue
		}
		key := e.Key()
		if p := batch[key]; p != nil {
			s.fold(&p.alert, e)
			p.at = e.Time
			continue
		}
		var p *pending
		if a, ok := s.open[key]; ok {
			p = &pending{alert: a.clone(), kind: KindUpdated}
			s.fold(&p.alert, e)
		} else {
			if e.Phase == rules.PhaseEnd {
				continue // the condition ended without an open alert
			}
			a := s.newAlert(e)
			s.fold(&a, e)
			if sp, ok := s.suppressedBy(&a, e.Time); ok {
				suppressed = append(suppressed, Change{Kind: KindSuppressed, Alert: a, At: e.Time, Suppression: sp})
				continue
			}
			a.GroupID = s.groupOf(&a, batch, order)
			p = &pending{alert: a, kind: KindRaised}
		}
		p.at = e.Time
		p.index = len(order)
		batch[key] = p
		order = append(order, p)
	}
	if len(order) == 0 && len(suppressed) == 0 {
		return nil, nil
	}

	changes := make([]Change, 0, len(order)+len(suppressed))
	for _, p := range order {
		changes = append(changes, Change{Kind: p.kind, Alert: p.alert, At: p.at})
	}
	changes = append(changes, suppressed...)
	stored, err := s.store.ApplyAlerts(ctx, changes, cursor)
	if err != nil {
		return nil, fmt.Errorf("store %d alert changes: %w", len(changes), err)
	}
	if len(stored) != len(changes) {
		return nil, errs.E(errs.Internal, "store returned %d alerts for %d changes", len(stored), len(changes))
	}
	s.cursor = cursor
	out := changes[:len(order)]
	for i := range out {
		out[i].Alert = stored[i]
		s.cache(stored[i])
		if out[i].Kind == KindRaised {
			s.raisedN++
		}
	}
	for _, ch := range suppressed {
		s.countHit(ch.Suppression)
	}
	s.suppressedN += int64(len(suppressed))
	s.publish(out)
	return out, nil
}

// checkEvent refuses an event the service cannot key or order.
func checkEvent(e *rules.Event) error {
	switch {
	case e.Track == "":
		return errs.E(errs.Invalid, "track: required")
	case !e.Rule.Valid():
		return errs.E(errs.Invalid, "rule: %q is not one of %v", e.Rule, rules.Rules)
	case !e.Severity.Valid():
		return errs.E(errs.Invalid, "severity: %q is not one of %v", e.Severity, rules.Severities)
	case e.Phase != rules.PhaseBegin && e.Phase != rules.PhaseEnd && e.Phase != rules.PhaseInstant:
		return errs.E(errs.Invalid, "phase: %q is not begin, end or instant", e.Phase)
	case e.Time.IsZero():
		return errs.E(errs.Invalid, "time: required")
	}
	return nil
}

// newAlert starts the alert of an event; fold fills in the rest.
func (s *Service) newAlert(e *rules.Event) Alert {
	a := Alert{
		Key:      e.Key(),
		Rule:     e.Rule,
		Severity: e.Severity,
		State:    StateNew,
		Track:    e.Track,
		Raised:   e.Time.UTC(),
		Exercise: isExercise(e.Track),
	}
	if d, ok := s.escalationPeriod(e.Severity); ok {
		at := a.Raised.Add(d)
		a.EscalateAt = &at
	}
	return a
}

// fold applies one event to an alert.
func (s *Service) fold(a *Alert, e *rules.Event) {
	if e.Severity.Rank() > a.Severity.Rank() {
		a.Severity = e.Severity
		if d, ok := s.escalationPeriod(e.Severity); ok && a.State == StateNew && a.Escalated < s.cfg.EscalateMax {
			if at := e.Time.UTC().Add(d); a.EscalateAt == nil || at.Before(*a.EscalateAt) {
				a.EscalateAt = &at
			}
		}
	}
	switch e.Phase {
	case rules.PhaseBegin:
		a.Active = true
	case rules.PhaseEnd:
		a.Active = false
	}
	a.Position = e.Pos
	a.Sector = e.Sector
	a.Chainage = e.Chainage
	a.Distance = e.Distance
	a.Class = e.Class.String()
	a.Count = e.Count
	if len(e.Members) > 0 {
		a.Members = slices.Clone(e.Members)
	}
	if e.Zone != "" {
		a.Zone = e.Zone
	}
	if e.Barrier != "" {
		a.Barrier = e.Barrier
	}
	if e.Crossing != "" {
		a.Crossing = e.Crossing
	}
	if e.PredictedCrossing.IsZero() {
		a.PredictedCrossing = nil
	} else {
		t := e.PredictedCrossing.UTC()
		a.PredictedCrossing = &t
	}
	if e.Summary != "" {
		a.Summary = e.Summary
	}
	a.Evidence = appendEvidence(a.Evidence, e, s.cfg.MaxEvidence)
	if t := e.Time.UTC(); t.After(a.Updated) {
		a.Updated = t
	}
	a.Updates++
}

// appendEvidence returns a new slice with the event's observations not yet
// held appended, keeping the newest max.
func appendEvidence(have []Evidence, e *rules.Event, max int) []Evidence {
	if len(e.Evidence) == 0 || max == 0 {
		return have
	}
	seen := make(map[Evidence]struct{}, len(have))
	for _, ev := range have {
		seen[Evidence{Sensor: ev.Sensor, Seq: ev.Seq}] = struct{}{}
	}
	out := make([]Evidence, len(have), len(have)+len(e.Evidence))
	copy(out, have)
	for _, r := range e.Evidence {
		k := Evidence{Sensor: r.Sensor, Seq: r.Seq}
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, Evidence{Sensor: r.Sensor, Seq: r.Seq, Time: r.Time.UTC()})
	}
	if len(out) > max {
		out = slices.Clone(out[len(out)-max:])
	}
	return out
}

// Get returns one alert.
func (s *Service) Get(ctx context.Context, id int64) (Alert, error) {
	a, err := s.store.Alert(ctx, id)
	if err != nil {
		return Alert{}, fmt.Errorf("get alert %d: %w", id, err)
	}
	return a, nil
}

// List returns the alerts a filter selects, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Alert, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	out, err := s.store.Alerts(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return out, nil
}

// History returns every change of an alert, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]Change, error) {
	out, err := s.store.AlertHistory(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("alert %d history: %w", id, err)
	}
	return out, nil
}
