package alert

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

// move is one life-cycle action: the state it leads to and the states it
// may start from.
type move struct {
	to   State
	from []State
}

// moves is the life cycle: new → acknowledged → assigned → resolved; new
// may be assigned directly (which acknowledges it); an assigned alert may
// be reassigned; any open alert may be dismissed. Resolved and dismissed
// are final.
var moves = map[string]move{
	KindAcknowledged: {to: StateAcknowledged, from: []State{StateNew}},
	KindAssigned:     {to: StateAssigned, from: []State{StateNew, StateAcknowledged, StateAssigned}},
	KindResolved:     {to: StateResolved, from: []State{StateAssigned}},
	KindDismissed:    {to: StateDismissed, from: []State{StateNew, StateAcknowledged, StateAssigned}},
}

// Next lists the states an alert in state from may move to.
func Next(from State) []State {
	var out []State
	for _, to := range States {
		for _, m := range moves {
			if m.to == to && slices.Contains(m.from, from) {
				out = append(out, to)
				break
			}
		}
	}
	return out
}

// Acknowledge records that an operator has seen a new alert.
func (s *Service) Acknowledge(ctx context.Context, id int64, actor string) (Alert, error) {
	return s.transition(ctx, id, KindAcknowledged, actor, func(a *Alert, now time.Time) error {
		a.AckBy, a.AckAt = actor, &now
		return nil
	})
}

// Assign hands an alert to someone to deal with. Assigning a new alert
// acknowledges it; assigning an assigned alert hands it over.
func (s *Service) Assign(ctx context.Context, id int64, to, actor string) (Alert, error) {
	to = strings.TrimSpace(to)
	if to == "" {
		return Alert{}, errs.E(errs.Invalid, "to: required")
	}
	return s.transition(ctx, id, KindAssigned, actor, func(a *Alert, now time.Time) error {
		if a.State == StateAssigned && a.AssignedTo == to {
			return errs.E(errs.Conflict, "alert %d is already assigned to %s", a.ID, to)
		}
		if a.AckAt == nil {
			a.AckBy, a.AckAt = actor, &now
		}
		a.AssignedTo, a.AssignedAt = to, &now
		return nil
	})
}

// Resolve closes an assigned alert that was dealt with.
func (s *Service) Resolve(ctx context.Context, id int64, note, actor string) (Alert, error) {
	return s.transition(ctx, id, KindResolved, actor, func(a *Alert, now time.Time) error {
		a.ResolvedBy, a.ResolvedAt, a.Note = actor, &now, strings.TrimSpace(note)
		return nil
	})
}

// Dismiss closes an open alert that needs no action; the reason is
// required.
func (s *Service) Dismiss(ctx context.Context, id int64, reason, actor string) (Alert, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Alert{}, errs.E(errs.Invalid, "reason: required")
	}
	return s.transition(ctx, id, KindDismissed, actor, func(a *Alert, now time.Time) error {
		a.ResolvedBy, a.ResolvedAt, a.DismissReason = actor, &now, reason
		return nil
	})
}

// transition moves alert id by one life-cycle action, stores it with an
// optimistic check of the state it left and publishes the change.
func (s *Service) transition(ctx context.Context, id int64, kind, actor string, apply func(*Alert, time.Time) error) (Alert, error) {
	actor = strings.TrimSpace(actor)
	if actor == "" {
		return Alert{}, errs.E(errs.Invalid, "actor: required")
	}
	m := moves[kind]

	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.current(ctx, id)
	if err != nil {
		return Alert{}, fmt.Errorf("%s alert %d: %w", kind, id, err)
	}
	if err := auth.Authorize(ctx, auth.ActionAlertAct, a.Sector); err != nil {
		return Alert{}, fmt.Errorf("%s alert %d: %w", kind, id, err)
	}
	if !slices.Contains(m.from, a.State) {
		return Alert{}, errs.E(errs.Conflict, "alert %d: cannot go from %s to %s", id, a.State, m.to)
	}
	now := s.cfg.Now().UTC()
	next := a.clone()
	next.State = m.to
	next.EscalateAt = nil
	if err := apply(&next, now); err != nil {
		return Alert{}, err
	}
	ch := Change{Kind: kind, Alert: next, At: now, By: actor, From: a.State}
	if err := s.store.UpdateAlert(ctx, next, ch); err != nil {
		if errs.Is(err, errs.Conflict) {
			s.reload(ctx, id)
		}
		return Alert{}, fmt.Errorf("%s alert %d: %w", kind, id, err)
	}
	s.cache(next)
	s.logger.Info("alert "+kind, "id", id, "key", next.Key, "by", actor, "from", string(a.State))
	s.publish([]Change{ch})
	if err := auth.Record(ctx, s.cfg.Audit, "alert."+kind, fmt.Sprintf("alert/%d", id), next.Sector, auditDetail(a, next)); err != nil {
		s.logger.Error("alert action not audited", "id", id, "kind", kind, "err", err)
		return Alert{}, err
	}
	return next.clone(), nil
}

// auditDetail is what the audit trail keeps of a life-cycle action: the
// states, and the assignee, note or dismissal reason.
func auditDetail(from, to Alert) map[string]string {
	d := map[string]string{"from": string(from.State), "to": string(to.State), "rule": string(to.Rule),
		"track": to.Track, "severity": string(to.Severity)}
	if to.AssignedTo != from.AssignedTo {
		d["assigned_to"] = to.AssignedTo
	}
	if to.Note != "" && to.Note != from.Note {
		d["note"] = to.Note
	}
	if to.DismissReason != "" {
		d["reason"] = to.DismissReason
	}
	return d
}

// current returns the alert from the cache if it is open, else from the
// store. Callers hold mu.
func (s *Service) current(ctx context.Context, id int64) (Alert, error) {
	if key, ok := s.byID[id]; ok {
		return s.open[key].clone(), nil
	}
	return s.store.Alert(ctx, id)
}

// reload replaces the cached alert with the store's after the store
// refused a change because the alert had changed underneath. Callers hold
// mu.
func (s *Service) reload(ctx context.Context, id int64) {
	a, err := s.store.Alert(ctx, id)
	if err != nil {
		s.logger.Warn("alert not reloaded", "id", id, "err", err)
		return
	}
	s.cache(a)
}
