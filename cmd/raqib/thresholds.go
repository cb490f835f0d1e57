package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"raqib/internal/api"
	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/rules"
	"raqib/internal/theater"
)

// KindThresholds is the dual-controlled change of a sector's rule
// thresholds.
const KindThresholds auth.Kind = "sector.thresholds"

// thresholdsPayload is a sector.thresholds request's payload: the whole
// rule set the sector is to judge by, so that the approver sees, and a
// restart re-applies, exactly what was proposed.
type thresholdsPayload struct {
	Sector string          `json:"sector"`
	Rules  json.RawMessage `json:"rules"`
}

// sectorThresholds joins the live rule thresholds and dual control: a
// change proposed by one person is applied to the running engine only
// when a second person allowed sector.thresholds in the sector approves
// it.
type sectorThresholds struct {
	th       *theater.Theater
	live     *rules.Thresholds
	requests *auth.Requests
	store    auth.RequestStore
	logger   *slog.Logger
}

var _ api.Thresholds = (*sectorThresholds)(nil)

// maxSummaryChanges bounds the changed fields a request's summary names.
const maxSummaryChanges = 8

// newSectorThresholds registers the sector.thresholds kind.
func newSectorThresholds(th *theater.Theater, live *rules.Thresholds, svc *auth.Service, store auth.RequestStore, logger *slog.Logger) (*sectorThresholds, error) {
	s := &sectorThresholds{th: th, live: live, requests: svc.Requests, store: store,
		logger: logger.With("component", "thresholds")}
	if err := svc.Requests.Register(KindThresholds, auth.Handler{Action: auth.ActionSectorThresholds,
		Check: s.check, Apply: s.apply}); err != nil {
		return nil, fmt.Errorf("register %s requests: %w", KindThresholds, err)
	}
	return s, nil
}

// openThresholds puts the rules file's thresholds under dual control and
// re-applies the changes approved before this start.
func (m *Main) openThresholds(ctx context.Context, th *theater.Theater) (*sectorThresholds, error) {
	s, err := newSectorThresholds(th, rules.NewThresholds(m.rules, th), m.auth, m.db, m.Logger)
	if err != nil {
		return nil, err
	}
	if err := s.reapply(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// SectorThresholds returns a sector's effective rule set as JSON.
func (s *sectorThresholds) SectorThresholds(ctx context.Context, sector string) (json.RawMessage, error) {
	if err := auth.Authorize(ctx, auth.ActionView, sector); err != nil {
		return nil, err
	}
	if s.th.Sector(sector) == nil {
		return nil, errs.E(errs.NotFound, "sector %q not found", sector)
	}
	data, err := json.Marshal(s.live.Sector(sector))
	if err != nil {
		return nil, fmt.Errorf("thresholds of %s: %w", sector, err)
	}
	return data, nil
}

// ProposeThresholds records a change of a sector's thresholds: body is a
// rule set, whole or in part, merged over the sector's current one.
func (s *sectorThresholds) ProposeThresholds(ctx context.Context, sector string, body []byte) (auth.Request, error) {
	if err := auth.Authorize(ctx, auth.ActionSectorThresholds, sector); err != nil {
		return auth.Request{}, err
	}
	if s.th.Sector(sector) == nil {
		return auth.Request{}, errs.E(errs.NotFound, "sector %q not found", sector)
	}
	rs, err := rules.ParseRuleSet("body", body, s.live.Sector(sector))
	if err != nil {
		return auth.Request{}, ruleProblems(err)
	}
	raw, err := json.Marshal(rs)
	if err != nil {
		return auth.Request{}, fmt.Errorf("thresholds of %s: %w", sector, err)
	}
	return s.requests.Propose(ctx, KindThresholds, thresholdsPayload{Sector: sector, Rules: raw})
}

// ThresholdRequests returns the sector's threshold changes waiting for a
// second person, newest first.
func (s *sectorThresholds) ThresholdRequests(ctx context.Context, sector string) ([]auth.Request, error) {
	if s.th.Sector(sector) == nil {
		return nil, errs.E(errs.NotFound, "sector %q not found", sector)
	}
	all, err := s.requests.Pending(ctx, maxDecidedRequests)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r auth.Request) bool { return r.Kind != KindThresholds || r.Sector != sector }), nil
}

// DecideThresholds approves (and so applies) or rejects a threshold change
// of the sector. A request of another kind or sector is not found here.
func (s *sectorThresholds) DecideThresholds(ctx context.Context, sector string, id int64, approve bool, reason string) (auth.Request, error) {
	r, err := s.requests.Get(ctx, id)
	if err != nil {
		return auth.Request{}, err
	}
	if r.Kind != KindThresholds || r.Sector != sector {
		return auth.Request{}, errs.E(errs.NotFound, "request %d is not a threshold change of sector %s", id, sector)
	}
	if approve {
		return s.requests.Approve(ctx, id)
	}
	return s.requests.Reject(ctx, id, reason)
}

// decode reads a payload and its rule set.
func (s *sectorThresholds) decode(raw json.RawMessage) (string, rules.RuleSet, error) {
	var p thresholdsPayload
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return "", rules.RuleSet{}, errs.E(errs.Invalid, "payload: %v", err)
	}
	if p.Sector == "" {
		return "", rules.RuleSet{}, errs.E(errs.Invalid, "sector: required")
	}
	if s.th.Sector(p.Sector) == nil {
		return "", rules.RuleSet{}, errs.E(errs.Invalid, "sector: unknown sector %q", p.Sector)
	}
	if len(p.Rules) == 0 {
		return "", rules.RuleSet{}, errs.E(errs.Invalid, "rules: required")
	}
	rs, err := rules.ParseRuleSet("rules", p.Rules, s.live.Sector(p.Sector))
	if err != nil {
		return "", rules.RuleSet{}, ruleProblems(err)
	}
	return p.Sector, rs, nil
}

// check validates a proposed change and names what it changes.
func (s *sectorThresholds) check(_ context.Context, raw json.RawMessage) (string, string, error) {
	sector, rs, err := s.decode(raw)
	if err != nil {
		return "", "", err
	}
	if err := s.live.CheckSector(sector, rs); err != nil {
		return "", "", ruleProblems(err)
	}
	changes, err := ruleSetChanges(s.live.Sector(sector), rs)
	if err != nil {
		return "", "", err
	}
	summary := "thresholds of " + sector + ": "
	switch {
	case len(changes) == 0:
		summary += "no change"
	case len(changes) > maxSummaryChanges:
		summary += strings.Join(changes[:maxSummaryChanges], ", ") + fmt.Sprintf(" and %d more", len(changes)-maxSummaryChanges)
	default:
		summary += strings.Join(changes, ", ")
	}
	return sector, summary, nil
}

// apply puts an approved change into the running engine.
func (s *sectorThresholds) apply(_ context.Context, r auth.Request) error {
	sector, rs, err := s.decode(r.Payload)
	if err != nil {
		return err
	}
	if err := s.live.SetSector(sector, rs); err != nil {
		return ruleProblems(err)
	}
	s.logger.Info("sector thresholds changed", "sector", sector, "request", r.ID, "proposed_by", r.ProposedBy,
		"approved_by", r.DecidedBy)
	return nil
}

// reapply puts the approved threshold changes back after a start, in the
// order they were approved, over the rules file just loaded. A change
// that no longer fits (its sector left the theater) is logged and
// skipped.
func (s *sectorThresholds) reapply(ctx context.Context) error {
	var done []auth.Request
	for _, state := range []auth.RequestState{auth.RequestApplied, auth.RequestApproved} {
		rs, err := s.store.Requests(ctx, state, maxDecidedRequests)
		if err != nil {
			return fmt.Errorf("read approved threshold changes: %w", err)
		}
		if len(rs) >= maxDecidedRequests {
			s.logger.Warn("more decided requests than are read back; older threshold changes may be missing",
				"state", state, "read", len(rs))
		}
		for _, r := range rs {
			if r.Kind == KindThresholds {
				done = append(done, r)
			}
		}
	}
	slices.SortFunc(done, func(a, b auth.Request) int {
		return cmp.Or(a.Decided.Compare(b.Decided), cmp.Compare(a.ID, b.ID))
	})
	for _, r := range done {
		if err := s.apply(ctx, r); err != nil {
			s.logger.Warn("approved threshold change not re-applied", "request", r.ID, "sector", r.Sector, "err", err)
		}
	}
	return nil
}

// maxDecidedRequests is how many requests of one state reapply reads: the
// most a store returns at once.
const maxDecidedRequests = 1000

// ruleProblems turns a rules *ConfigError into an invalid-input error that
// names every bad field.
func ruleProblems(err error) error {
	var ce *rules.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	msgs := make([]string, 0, len(ce.Problems))
	for _, p := range ce.Problems {
		if p.Field == "" {
			msgs = append(msgs, p.Message)
			continue
		}
		msgs = append(msgs, p.Field+": "+p.Message)
	}
	return errs.E(errs.Invalid, "%s", strings.Join(msgs, "; "))
}

// ruleSetChanges lists the fields that differ between two rule sets, as
// "approach.within 10m0s → 15m0s", in field order.
func ruleSetChanges(from, to rules.RuleSet) ([]string, error) {
	a, err := flatRuleSet(from)
	if err != nil {
		return nil, err
	}
	b, err := flatRuleSet(to)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if a[k] != b[k] {
			out = append(out, k+" "+a[k]+" → "+b[k])
		}
	}
	return out, nil
}

// flatRuleSet maps each field's path to its value in JSON.
func flatRuleSet(rs rules.RuleSet) (map[string]string, error) {
	data, err := json.Marshal(rs)
	if err != nil {
		return nil, fmt.Errorf("encode rule set: %w", err)
	}
	var rulesByName map[string]map[string]json.RawMessage
	if err := json.Unmarshal(data, &rulesByName); err != nil {
		return nil, fmt.Errorf("decode rule set: %w", err)
	}
	out := map[string]string{}
	for rule, fields := range rulesByName {
		for f, v := range fields {
			out[rule+"."+f] = strings.Trim(string(v), `"`)
		}
	}
	return out, nil
}
