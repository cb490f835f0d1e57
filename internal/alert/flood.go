package alert

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/rules"
)

// Three things keep a flood of events from burying the operators: alerts
// close in space and time share a group, suppressions hold back the alerts
// the operators expect, and each console's rate cap folds the raised alerts
// beyond its limit into one summary a minute.

// groupOf returns the group a new alert joins: that of the nearest open
// alert (in the cache or raised earlier in the batch) within the group
// radius whose latest event is within the group window, drill and real
// alerts apart. 0 starts a new group; a negative value names the batch's
// raised change whose group it joins, as Store.ApplyAlerts expects.
// Callers hold mu.
func (s *Service) groupOf(a *Alert, batch map[string]*pending, order []*pending) int64 {
	r, window := s.cfg.GroupRadiusM, s.cfg.GroupWindow
	// A cheap box test before the geodesic: metres per degree of latitude
	// is at least 110,574, of longitude at least that times cos(lat).
	const mPerDeg = 110574.0
	dLatMax := r / mPerDeg * 1.01
	cosLat := math.Cos(a.Position.Lat * math.Pi / 180)
	dLonMax := math.Inf(1)
	if cosLat > 1e-6 {
		dLonMax = dLatMax / cosLat
	}
	best, group := math.Inf(1), int64(0)
	consider := func(c *Alert, ref int64) {
		if c.Exercise != a.Exercise {
			return
		}
		if dt := a.Raised.Sub(c.Updated); dt > window || dt < -window {
			return
		}
		if math.Abs(c.Position.Lat-a.Position.Lat) > dLatMax || math.Abs(c.Position.Lon-a.Position.Lon) > dLonMax {
			return
		}
		d := geo.Distance(a.Position, c.Position)
		if d > r {
			return
		}
		if d < best || (d == best && groupRank(ref) < groupRank(group)) {
			best, group = d, ref
		}
	}
	for key, c := range s.open {
		if _, ok := batch[key]; !ok {
			consider(c, c.GroupID)
		}
	}
	for _, p := range order {
		ref := p.alert.GroupID
		if p.kind == KindRaised && ref == 0 {
			ref = -int64(p.index + 1)
		}
		consider(&p.alert, ref)
	}
	return group
}

// groupRank orders candidate groups at equal distance: the oldest stored
// group first, then groups raised in the batch.
func groupRank(ref int64) int64 {
	if ref > 0 {
		return ref
	}
	return math.MaxInt64 + ref
}

// Suppression limits.
const (
	MaxSuppressionDays    = 30
	MaxSuppressionRadiusM = 50000
)

// validate checks a suppression about to be added at now; the error names
// the bad field.
func (sp *Suppression) validate(now time.Time) error {
	if sp.Center != nil {
		if err := sp.Center.Validate(); err != nil {
			return errs.E(errs.Invalid, "center: %v", err)
		}
		if !(sp.RadiusM > 0 && sp.RadiusM <= MaxSuppressionRadiusM) {
			return errs.E(errs.Invalid, "radius_m: %v is out of range (0, %d]", sp.RadiusM, MaxSuppressionRadiusM)
		}
	} else if sp.RadiusM != 0 {
		return errs.E(errs.Invalid, "center: required with radius_m")
	}
	if sp.Center == nil && sp.Sector == "" {
		return errs.E(errs.Invalid, "center: a circle (center, radius_m) or a sector is required")
	}
	for _, r := range sp.Rules {
		if !r.Valid() {
			return errs.E(errs.Invalid, "rules: %q is not one of %v", r, rules.Rules)
		}
	}
	for _, c := range sp.Classes {
		if _, err := fusion.ParseClass(c); err != nil {
			return errs.E(errs.Invalid, "classes: %v", err)
		}
	}
	switch {
	case sp.Until.IsZero():
		return errs.E(errs.Invalid, "until: required")
	case !sp.Until.After(now):
		return errs.E(errs.Invalid, "until: %s is not in the future", sp.Until.UTC().Format(time.RFC3339))
	case sp.Until.After(now.AddDate(0, 0, MaxSuppressionDays)):
		return errs.E(errs.Invalid, "until: at most %d days ahead", MaxSuppressionDays)
	case strings.TrimSpace(sp.Reason) == "":
		return errs.E(errs.Invalid, "reason: required")
	case strings.TrimSpace(sp.By) == "":
		return errs.E(errs.Invalid, "by: required")
	}
	return nil
}

// Matches reports whether the suppression holds back alert a raised at t.
func (sp *Suppression) Matches(a *Alert, t time.Time) bool {
	if !t.Before(sp.Until) {
		return false
	}
	if sp.Sector != "" && a.Sector != sp.Sector {
		return false
	}
	if len(sp.Rules) > 0 && !slices.Contains(sp.Rules, a.Rule) {
		return false
	}
	if len(sp.Classes) > 0 && !slices.Contains(sp.Classes, a.Class) {
		return false
	}
	if sp.Center != nil && geo.Distance(*sp.Center, a.Position) > sp.RadiusM {
		return false
	}
	if sp.DaylightOnly && geo.SunElevation(t, a.Position) <= 0 {
		return false
	}
	return true
}

// suppressedBy returns the oldest suppression that holds back a new alert
// at t. Callers hold mu.
func (s *Service) suppressedBy(a *Alert, t time.Time) (int64, bool) {
	for i := range s.supps {
		if s.supps[i].Matches(a, t) {
			return s.supps[i].ID, true
		}
	}
	return 0, false
}

// countHit adds a hit to the cached suppression. Callers hold mu.
func (s *Service) countHit(id int64) {
	for i := range s.supps {
		if s.supps[i].ID == id {
			s.supps[i].Hits++
			return
		}
	}
}

// pruneSuppressions forgets the cached suppressions expired at now.
// Callers hold mu.
func (s *Service) pruneSuppressions(now time.Time) {
	s.supps = slices.DeleteFunc(s.supps, func(sp Suppression) bool { return !now.Before(sp.Until) })
}

// AddSuppression validates and stores a suppression; it holds back new
// alerts from then on.
func (s *Service) AddSuppression(ctx context.Context, sp Suppression) (Suppression, error) {
	now := s.cfg.Now().UTC()
	sp.Reason, sp.By = strings.TrimSpace(sp.Reason), strings.TrimSpace(sp.By)
	if err := sp.validate(now); err != nil {
		return Suppression{}, err
	}
	sp.ID, sp.Hits, sp.Created, sp.Until = 0, 0, now, sp.Until.UTC()
	// A suppression in no sector (a circle anywhere) needs authority in
	// every sector.
	if err := auth.Authorize(ctx, auth.ActionSuppressionManage, sp.Sector); err != nil {
		return Suppression{}, fmt.Errorf("add suppression: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, err := s.store.AddSuppression(ctx, sp)
	if err != nil {
		return Suppression{}, fmt.Errorf("add suppression: %w", err)
	}
	s.supps = append(s.supps, stored)
	s.logger.Info("suppression added", "id", stored.ID, "by", stored.By, "sector", stored.Sector,
		"until", stored.Until, "reason", stored.Reason)
	detail := map[string]string{"reason": stored.Reason, "until": stored.Until.Format(time.RFC3339)}
	if stored.Center != nil {
		detail["center"] = fmt.Sprintf("%.6f,%.6f", stored.Center.Lat, stored.Center.Lon)
		detail["radius_m"] = fmt.Sprintf("%.0f", stored.RadiusM)
	}
	if err := auth.Record(ctx, s.cfg.Audit, "alert.suppression.add", fmt.Sprintf("suppression/%d", stored.ID), stored.Sector, detail); err != nil {
		s.logger.Error("suppression not audited", "id", stored.ID, "err", err)
		return Suppression{}, err
	}
	return stored, nil
}

// Suppressions returns the suppressions not expired at now, with their hit
// counts.
func (s *Service) Suppressions(ctx context.Context, now time.Time) ([]Suppression, error) {
	out, err := s.store.Suppressions(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("list suppressions: %w", err)
	}
	return out, nil
}

// RemoveSuppression deletes a suppression; new alerts it held back are
// raised again from then on.
func (s *Service) RemoveSuppression(ctx context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.supps, func(sp Suppression) bool { return sp.ID == id })
	if i < 0 {
		return errs.E(errs.NotFound, "suppression %d: no such suppression in force", id)
	}
	sp := s.supps[i]
	if err := auth.Authorize(ctx, auth.ActionSuppressionManage, sp.Sector); err != nil {
		return fmt.Errorf("remove suppression %d: %w", id, err)
	}
	if err := s.store.RemoveSuppression(ctx, id); err != nil {
		return fmt.Errorf("remove suppression %d: %w", id, err)
	}
	s.supps = slices.DeleteFunc(s.supps, func(sp Suppression) bool { return sp.ID == id })
	s.logger.Info("suppression removed", "id", id)
	if err := auth.Record(ctx, s.cfg.Audit, "alert.suppression.remove", fmt.Sprintf("suppression/%d", id), sp.Sector,
		map[string]string{"reason": sp.Reason}); err != nil {
		s.logger.Error("suppression removal not audited", "id", id, "err", err)
		return err
	}
	return nil
}

// rateCap lets at most rate raised alerts a minute through one by one and
// folds the rest into one summary for the minute.
type rateCap struct {
	rate  int
	start time.Time // of the current minute, zero before the first
	sent  int
	over  []folded // during the current minute
}

// folded is what a summary keeps of an alert it folds.
type folded struct {
	id       int64
	rule     rules.Rule
	sector   string
	exercise bool
}

// rateWindow is the rate cap's period.
const rateWindow = time.Minute

// admit decides on a raised alert at now: deliver it, or fold it. A
// summary of the minute that ended before now comes first.
func (r *rateCap) admit(a *Alert, now time.Time) (deliver bool, summary *Change) {
	if r.start.IsZero() || !now.Before(r.start.Add(rateWindow)) {
		summary = r.summary()
		r.start, r.sent = now, 0
	}
	if r.sent < r.rate {
		r.sent++
		return true, summary
	}
	r.over = append(r.over, folded{id: a.ID, rule: a.Rule, sector: a.Sector, exercise: a.Exercise})
	return false, summary
}

// due returns the summary of a minute that ended by now, if alerts were
// folded in it.
func (r *rateCap) due(now time.Time) *Change {
	if len(r.over) == 0 || now.Before(r.start.Add(rateWindow)) {
		return nil
	}
	return r.summary()
}

// summary folds the alerts held over into one change and forgets them.
func (r *rateCap) summary() *Change {
	if len(r.over) == 0 {
		return nil
	}
	end := r.start.Add(rateWindow)
	o := &Overflow{Count: len(r.over), Since: r.start, Until: end, IDs: make([]int64, 0, len(r.over))}
	counts := map[OverflowGroup]int{}
	for _, a := range r.over {
		o.IDs = append(o.IDs, a.id)
		counts[OverflowGroup{Rule: a.rule, Sector: a.sector, Exercise: a.exercise}]++
	}
	for g, n := range counts {
		g.Count = n
		o.Groups = append(o.Groups, g)
	}
	slices.Sort(o.IDs)
	slices.SortFunc(o.Groups, func(a, b OverflowGroup) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Sector, b.Sector), boolCompare(a.Exercise, b.Exercise))
	})
	o.Text = overflowText(o)
	r.over = nil
	return &Change{Kind: KindSummary, At: end, Summary: o}
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// overflowText is the summary's line, such as "37 more alerts: 30
// approach in S06, 7 zone_entry in S05".
func overflowText(o *Overflow) string {
	var b strings.Builder
	if o.Count == 1 {
		b.WriteString("1 more alert: ")
	} else {
		fmt.Fprintf(&b, "%d more alerts: ", o.Count)
	}
	for i, g := range o.Groups {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d ", g.Count)
		if g.Exercise {
			b.WriteString("exercise ")
		}
		b.WriteString(string(g.Rule))
		if g.Sector != "" {
			b.WriteString(" in ")
			b.WriteString(g.Sector)
		}
	}
	return b.String()
}
