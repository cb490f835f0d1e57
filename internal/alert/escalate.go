package alert

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"raqib/internal/rules"
)

// escalationPeriod returns how long an alert of severity sev may wait for
// acknowledgement: the period configured for it, or else for the nearest
// lower severity that has one.
func (s *Service) escalationPeriod(sev rules.Severity) (time.Duration, bool) {
	if s.cfg.EscalateMax <= 0 {
		return 0, false
	}
	for r := sev.Rank(); r >= 0; r-- {
		if d, ok := s.cfg.EscalateAfter[rules.Severities[r]]; ok {
			return d, true
		}
	}
	return 0, false
}

// Escalate raises the escalation level of every new (unacknowledged)
// alert whose deadline has passed at now, by one level per period
// overdue, up to the configured maximum; the next deadline is one period
// later. The pipeline calls it every few seconds with its clock: event
// time offline, the wall clock live. It also sends the rate caps'
// summaries of minutes that have ended.
func (s *Service) Escalate(ctx context.Context, now time.Time) ([]Change, error) {
	now = now.UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneSuppressions(now)
	s.flushSummaries()

	var changes []Change
	for _, a := range s.open {
		if a.State != StateNew || a.EscalateAt == nil || now.Before(*a.EscalateAt) || a.Escalated >= s.cfg.EscalateMax {
			continue
		}
		d, ok := s.escalationPeriod(a.Severity)
		if !ok {
			continue
		}
		overdue := int(now.Sub(*a.EscalateAt) / d)
		level := min(s.cfg.EscalateMax, a.Escalated+1+overdue)
		next := a.clone()
		at := a.EscalateAt.Add(time.Duration(level-a.Escalated) * d)
		next.Escalated, next.EscalateAt = level, &at
		if level >= s.cfg.EscalateMax {
			next.EscalateAt = nil
		}
		changes = append(changes, Change{Kind: KindEscalated, Alert: next, At: now})
	}
	if len(changes) == 0 {
		return nil, nil
	}
	slices.SortFunc(changes, func(a, b Change) int { return cmp.Compare(a.Alert.ID, b.Alert.ID) })
	stored, err := s.store.ApplyAlerts(ctx, changes, s.cursor)
	if err != nil {
		return nil, fmt.Errorf("store %d escalations: %w", len(changes), err)
	}
	for i := range changes {
		if i < len(stored) {
			changes[i].Alert = stored[i]
		}
		s.cache(changes[i].Alert)
		a := &changes[i].Alert
		s.logger.Warn("alert escalated", "id", a.ID, "key", a.Key, "severity", string(a.Severity), "level", a.Escalated)
	}
	s.publish(changes)
	return changes, nil
}
