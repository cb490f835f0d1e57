package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/errs"
	"raqib/internal/geo"
	"raqib/internal/rules"
)

// Alerts checks an alert.Store. open returns a new, empty store for each
// subtest.
func Alerts(t *testing.T, open func(t *testing.T) alert.Store) {
	t.Run("RaiseAndRead", func(t *testing.T) { alertsRaiseAndRead(t, open(t)) })
	t.Run("ApplyIsAtomic", func(t *testing.T) { alertsApplyIsAtomic(t, open(t)) })
	t.Run("UpdateKeepsLifeCycle", func(t *testing.T) { alertsUpdateKeepsLifeCycle(t, open(t)) })
	t.Run("LifeCycleOptimistic", func(t *testing.T) { alertsLifeCycleOptimistic(t, open(t)) })
	t.Run("Filters", func(t *testing.T) { alertsFilters(t, open(t)) })
	t.Run("Limits", func(t *testing.T) { alertsLimits(t, open(t)) })
	t.Run("Suppressions", func(t *testing.T) { alertsSuppressions(t, open(t)) })
}

var alertT0 = time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)

// newAlert returns an open alert with every field the pipeline fills in.
func newAlert(track string, rule rules.Rule, sev rules.Severity, sector string, raised time.Time) alert.Alert {
	predicted := raised.Add(9 * time.Minute)
	escalate := raised.Add(2 * time.Minute)
	return alert.Alert{
		Key: track + "/" + string(rule), Rule: rule, Severity: sev, State: alert.StateNew,
		Track: track, Sector: sector, Position: geo.LatLon{Lat: 34.38, Lon: 40.95},
		Chainage: 123456.5, Distance: -1200, Class: "person", Count: 3,
		PredictedCrossing: &predicted, Summary: "person ×3 1.2 km inside Syria",
		Active: true, Raised: raised, Updated: raised, Updates: 1, EscalateAt: &escalate,
		Evidence: []alert.Evidence{{Sensor: "R1", Seq: 7, Time: raised}, {Sensor: "C4", Seq: 9, Time: raised.Add(time.Second)}},
		Exercise: strings.HasPrefix(track, alert.ExercisePrefix),
	}
}

func raise(a alert.Alert) alert.Change {
	return alert.Change{Kind: alert.KindRaised, Alert: a, At: a.Raised}
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantCode(t *testing.T, what string, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("%s: code %q (%v), want %q", what, errs.CodeOf(err), err, code)
	}
}

func alertsRaiseAndRead(t *testing.T, s alert.Store) {
	ctx := context.Background()
	if c, err := s.Cursor(ctx); err != nil || c != 0 {
		t.Fatalf("cursor of an empty store = %d %v, want 0", c, err)
	}
	a1 := newAlert("T1", rules.RuleApproach, rules.SeverityHigh, "S06", alertT0)
	a1.Members, a1.Zone, a1.Barrier, a1.Crossing = []string{"T1", "T2"}, "Z3", "B7", "X-QAIM"
	a2 := newAlert("T2", rules.RuleZone, rules.SeverityMedium, "S06", alertT0.Add(time.Second))
	a2.GroupID = -1 // joins a1's group
	a3 := newAlert("X-T3", rules.RuleInbound, rules.SeverityCritical, "S05", alertT0.Add(2*time.Second))
	a3.PredictedCrossing, a3.EscalateAt, a3.Active = nil, nil, false
	const cursor = 1<<40 | 3
	got, err := s.ApplyAlerts(ctx, []alert.Change{raise(a1), raise(a2), raise(a3)}, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID <= 0 || got[1].ID <= got[0].ID || got[2].ID <= got[1].ID {
		t.Fatalf("ids %+v, want three ascending", got)
	}
	if got[0].GroupID != got[0].ID || got[1].GroupID != got[0].ID || got[2].GroupID != got[2].ID {
		t.Fatalf("groups %d %d %d, want %d %d %d", got[0].GroupID, got[1].GroupID, got[2].GroupID, got[0].ID, got[0].ID, got[2].ID)
	}
	for i, want := range []alert.Alert{a1, a2, a3} {
		want.ID, want.GroupID = got[i].ID, got[i].GroupID
		if asJSON(t, got[i]) != asJSON(t, want) {
			t.Fatalf("returned alert %d:\n got %s\nwant %s", i, asJSON(t, got[i]), asJSON(t, want))
		}
		read, err := s.Alert(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if asJSON(t, read) != asJSON(t, want) {
			t.Fatalf("read alert %d:\n got %s\nwant %s", i, asJSON(t, read), asJSON(t, want))
		}
	}
	if c, err := s.Cursor(ctx); err != nil || c != cursor {
		t.Fatalf("cursor = %d %v, want %d", c, err, uint64(cursor))
	}
	if a, ok, err := s.OpenAlertByKey(ctx, "T2/zone_entry"); err != nil || !ok || a.ID != got[1].ID {
		t.Fatalf("open alert by key = %d %v %v", a.ID, ok, err)
	}
	if _, ok, err := s.OpenAlertByKey(ctx, "T9/zone_entry"); err != nil || ok {
		t.Fatalf("open alert of an unknown key: %v %v", ok, err)
	}
	open, err := s.OpenAlerts(ctx)
	if err != nil || len(open) != 3 || open[0].ID != got[0].ID || open[2].ID != got[2].ID {
		t.Fatalf("open alerts = %d %v", len(open), err)
	}
	h, err := s.AlertHistory(ctx, got[0].ID)
	if err != nil || len(h) != 1 || h[0].Kind != alert.KindRaised || !h[0].At.Equal(alertT0) {
		t.Fatalf("history = %+v %v", h, err)
	}
	if h[0].Alert.ID != got[0].ID || h[0].Alert.Summary != a1.Summary || h[0].Alert.Evidence != nil {
		t.Fatalf("history snapshot = %+v", h[0].Alert)
	}
	_, err = s.Alert(ctx, 9999)
	wantCode(t, "unknown alert", err, errs.NotFound)
	if !strings.Contains(errs.MessageOf(err), "9999") {
		t.Fatalf("not found message %q does not name the id", errs.MessageOf(err))
	}
	_, err = s.AlertHistory(ctx, 9999)
	wantCode(t, "history of an unknown alert", err, errs.NotFound)
}

func alertsApplyIsAtomic(t *testing.T, s alert.Store) {
	ctx := context.Background()
	first, err := s.ApplyAlerts(ctx, []alert.Change{raise(newAlert("T1", rules.RuleApproach, rules.SeverityHigh, "S06", alertT0))}, 5)
	if err != nil {
		t.Fatal(err)
	}
	bad := newAlert("T3", rules.RuleZone, "severe", "S06", alertT0)
	stale := first[0]
	stale.ID = 4242
	cases := []struct {
		name    string
		changes []alert.Change
		code    errs.Code
	}{
		{"bad severity", []alert.Change{raise(newAlert("T2", rules.RuleZone, rules.SeverityLow, "S06", alertT0)), raise(bad)}, errs.Invalid},
		{"second open alert of a key", []alert.Change{raise(newAlert("T2", rules.RuleZone, rules.SeverityLow, "S06", alertT0)),
			raise(newAlert("T1", rules.RuleApproach, rules.SeverityHigh, "S06", alertT0))}, errs.Conflict},
		{"update of an unknown alert", []alert.Change{raise(newAlert("T2", rules.RuleZone, rules.SeverityLow, "S06", alertT0)),
			{Kind: alert.KindUpdated, Alert: stale, At: alertT0}}, errs.NotFound},
		{"life-cycle kind", []alert.Change{{Kind: alert.KindAcknowledged, Alert: first[0], At: alertT0}}, errs.Invalid},
		{"group of nothing", []alert.Change{raise(func() alert.Alert {
			a := newAlert("T2", rules.RuleZone, rules.SeverityLow, "S06", alertT0)
			a.GroupID = -3
			return a
		}())}, errs.Invalid},
	}
	for _, tc := range cases {
		_, err := s.ApplyAlerts(ctx, tc.changes, 9)
		wantCode(t, tc.name, err, tc.code)
		if c, err := s.Cursor(ctx); err != nil || c != 5 {
			t.Fatalf("%s: cursor moved to %d (%v) although the batch was refused", tc.name, c, err)
		}
		if _, ok, _ := s.OpenAlertByKey(ctx, "T2/zone_entry"); ok {
			t.Fatalf("%s: a refused batch stored an alert", tc.name)
		}
		if all, _ := s.Alerts(ctx, alert.Filter{}); len(all) != 1 {
			t.Fatalf("%s: %d alerts after a refused batch, want 1", tc.name, len(all))
		}
	}
}

func alertsUpdateKeepsLifeCycle(t *testing.T, s alert.Store) {
	ctx := context.Background()
	got, err := s.ApplyAlerts(ctx, []alert.Change{raise(newAlert("T1", rules.RuleApproach, rules.SeverityHigh, "S06", alertT0))}, 1)
	if err != nil {
		t.Fatal(err)
	}
	a := got[0]
	acked := a
	ackAt := alertT0.Add(time.Minute)
	acked.State, acked.AckBy, acked.AckAt, acked.EscalateAt = alert.StateAcknowledged, "op1", &ackAt, nil
	if err := s.UpdateAlert(ctx, acked, alert.Change{Kind: alert.KindAcknowledged, Alert: acked, At: ackAt, By: "op1", From: alert.StateNew}); err != nil {
		t.Fatal(err)
	}
	// An update built from an older copy must not undo the acknowledgement.
	upd := a
	upd.Summary, upd.Updates, upd.Updated, upd.Severity, upd.Active = "now 300 m from the line", 2, alertT0.Add(2*time.Minute), rules.SeverityCritical, false
	upd.Evidence = append(upd.Evidence, alert.Evidence{Sensor: "R1", Seq: 8, Time: upd.Updated})
	upd.Escalated = 1
	got, err = s.ApplyAlerts(ctx, []alert.Change{{Kind: alert.KindUpdated, Alert: upd, At: upd.Updated}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []alert.Alert{got[0], mustAlert(t, s, a.ID)} {
		if r.State != alert.StateAcknowledged || r.AckBy != "op1" || r.AckAt == nil || !r.AckAt.Equal(ackAt) {
			t.Fatalf("update undid the acknowledgement: %+v", r)
		}
		if r.Summary != upd.Summary || r.Updates != 2 || r.Severity != rules.SeverityCritical || r.Active || len(r.Evidence) != 3 || r.Escalated != 1 {
			t.Fatalf("update not stored: %+v", r)
		}
	}
	h, err := s.AlertHistory(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range h {
		kinds = append(kinds, c.Kind)
	}
	if fmt.Sprint(kinds) != "[raised acknowledged updated]" || h[1].By != "op1" || h[1].From != alert.StateNew || h[1].Alert.State != alert.StateAcknowledged {
		t.Fatalf("history = %v %+v", kinds, h[1])
	}
}

func mustAlert(t *testing.T, s alert.Store, id int64) alert.Alert {
	t.Helper()
	a, err := s.Alert(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func alertsLifeCycleOptimistic(t *testing.T, s alert.Store) {
	ctx := context.Background()
	got, err := s.ApplyAlerts(ctx, []alert.Change{raise(newAlert("T1", rules.RuleApproach, rules.SeverityHigh, "S06", alertT0))}, 1)
	if err != nil {
		t.Fatal(err)
	}
	a := got[0]
	at := alertT0.Add(time.Minute)
	step := func(from alert.State, kind string, mutate func(*alert.Alert)) error {
		n := a
		mutate(&n)
		err := s.UpdateAlert(ctx, n, alert.Change{Kind: kind, Alert: n, At: at, By: "op1", From: from})
		if err == nil {
			a = n
		}
		return err
	}
	if err := step(alert.StateNew, alert.KindAcknowledged, func(n *alert.Alert) { n.State, n.AckBy, n.AckAt = alert.StateAcknowledged, "op1", &at }); err != nil {
		t.Fatal(err)
	}
	err = step(alert.StateNew, alert.KindAssigned, func(n *alert.Alert) { n.State, n.AssignedTo = alert.StateAssigned, "op2" })
	wantCode(t, "stale previous state", err, errs.Conflict)
	if !strings.Contains(errs.MessageOf(err), "acknowledged") {
		t.Fatalf("conflict %q does not name the current state", errs.MessageOf(err))
	}
	err = step(alert.StateAcknowledged, alert.KindDismissed, func(n *alert.Alert) { n.State = alert.StateDismissed })
	wantCode(t, "dismissed without a reason", err, errs.Invalid)
	if err := step(alert.StateAcknowledged, alert.KindResolved, func(n *alert.Alert) { n.State, n.ResolvedBy, n.ResolvedAt = alert.StateResolved, "op1", &at }); err != nil {
		t.Fatal(err)
	}
	if r := mustAlert(t, s, a.ID); r.State != alert.StateResolved || r.ResolvedBy != "op1" || r.AckBy != "op1" {
		t.Fatalf("resolved alert = %+v", r)
	}
	if _, ok, err := s.OpenAlertByKey(ctx, "T1/approach"); ok || err != nil {
		t.Fatalf("a resolved alert is still open for its key: %v %v", ok, err)
	}
	// The key may raise again once its alert is closed.
	again, err := s.ApplyAlerts(ctx, []alert.Change{raise(newAlert("T1", rules.RuleApproach, rules.SeverityHigh, "S06", at))}, 2)
	if err != nil || again[0].ID == a.ID {
		t.Fatalf("raise after resolve: %+v %v", again, err)
	}
	missing := a
	missing.ID = 777
	err = s.UpdateAlert(ctx, missing, alert.Change{Kind: alert.KindAcknowledged, Alert: missing, At: at, By: "op1", From: alert.StateNew})
	wantCode(t, "unknown alert", err, errs.NotFound)
	err = s.UpdateAlert(ctx, a, alert.Change{Kind: alert.KindRaised, Alert: a, At: at, From: alert.StateNew})
	wantCode(t, "not a life-cycle kind", err, errs.Invalid)
}

func alertsFilters(t *testing.T, s alert.Store) {
	ctx := context.Background()
	mk := func(track string, rule rules.Rule, sev rules.Severity, sector string, minute int, group int64) alert.Alert {
		a := newAlert(track, rule, sev, sector, alertT0.Add(time.Duration(minute)*time.Minute))
		a.GroupID = group
		return a
	}
	batch := []alert.Alert{
		mk("T1", rules.RuleApproach, rules.SeverityHigh, "S06", 0, 0),      // 1
		mk("T2", rules.RuleZone, rules.SeverityMedium, "S06", 1, -1),       // 2, group of 1
		mk("T3", rules.RuleApproach, rules.SeverityCritical, "S05", 2, 0),  // 3
		mk("T4", rules.RuleLoiter, rules.SeverityLow, "S04", 3, 0),         // 4
		mk("T1", rules.RuleInbound, rules.SeverityCritical, "S06", 4, -1),  // 5, group of 1
		mk("T5", rules.RuleApproach, rules.SeverityInfo, "S05", 5, 0),      // 6
		mk("T6", rules.RuleBarrierGap, rules.SeverityMedium, "S07", 6, -4), // 7, group of 4
	}
	var changes []alert.Change
	for _, a := range batch {
		changes = append(changes, raise(a))
	}
	got, err := s.ApplyAlerts(ctx, changes, 1)
	if err != nil {
		t.Fatal(err)
	}
	id := func(n int) int64 { return got[n-1].ID }
	at := alertT0.Add(10 * time.Minute)
	ack := got[2]
	ack.State, ack.AckBy, ack.AckAt = alert.StateAcknowledged, "op1", &at
	if err := s.UpdateAlert(ctx, ack, alert.Change{Kind: alert.KindAcknowledged, Alert: ack, At: at, By: "op1", From: alert.StateNew}); err != nil {
		t.Fatal(err)
	}
	dis := got[5]
	dis.State, dis.DismissReason = alert.StateDismissed, "goats"
	if err := s.UpdateAlert(ctx, dis, alert.Change{Kind: alert.KindDismissed, Alert: dis, At: at, By: "op1", From: alert.StateNew}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    alert.Filter
		want []int
	}{
		{"all, newest first", alert.Filter{}, []int{7, 6, 5, 4, 3, 2, 1}},
		{"states", alert.Filter{States: []alert.State{alert.StateAcknowledged, alert.StateDismissed}}, []int{6, 3}},
		{"min severity", alert.Filter{MinSeverity: rules.SeverityHigh}, []int{5, 3, 1}},
		{"one sector", alert.Filter{Sectors: []string{"S05"}}, []int{6, 3}},
		{"sectors", alert.Filter{Sectors: []string{"S04", "S07"}}, []int{7, 4}},
		{"rule", alert.Filter{Rule: rules.RuleApproach}, []int{6, 3, 1}},
		{"track", alert.Filter{Track: "T1"}, []int{5, 1}},
		{"since", alert.Filter{Since: alertT0.Add(4 * time.Minute)}, []int{7, 6, 5}},
		{"until", alert.Filter{Until: alertT0.Add(2 * time.Minute)}, []int{2, 1}},
		{"since and until", alert.Filter{Since: alertT0.Add(2 * time.Minute), Until: alertT0.Add(4 * time.Minute)}, []int{4, 3}},
		{"group", alert.Filter{Group: id(1)}, []int{5, 2, 1}},
		{"group of a batch reference", alert.Filter{Group: id(4)}, []int{7, 4}},
		{"limit", alert.Filter{Limit: 2}, []int{7, 6}},
		{"before", alert.Filter{Before: id(6), Limit: 2}, []int{5, 4}},
		{"combined", alert.Filter{States: []alert.State{alert.StateNew}, Sectors: []string{"S06"}, MinSeverity: rules.SeverityMedium}, []int{5, 2, 1}},
		{"nothing", alert.Filter{Rule: rules.RuleGroup}, nil},
	}
	for _, tc := range cases {
		list, err := s.Alerts(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var ids, want []int64
		for _, a := range list {
			ids = append(ids, a.ID)
		}
		for _, n := range tc.want {
			want = append(want, id(n))
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("%s: ids %v, want %v", tc.name, ids, want)
		}
	}
	for _, bad := range []alert.Filter{
		{States: []alert.State{"open"}}, {MinSeverity: "severe"}, {Rule: "speeding"},
		{Limit: alert.MaxLimit + 1}, {Limit: -1}, {Since: at, Until: alertT0},
	} {
		_, err := s.Alerts(ctx, bad)
		wantCode(t, fmt.Sprintf("filter %+v", bad), err, errs.Invalid)
	}
}

func alertsLimits(t *testing.T, s alert.Store) {
	ctx := context.Background()
	const n = alert.DefaultLimit + 20
	changes := make([]alert.Change, n)
	for i := range changes {
		changes[i] = raise(newAlert(fmt.Sprintf("T%03d", i), rules.RuleApproach, rules.SeverityHigh, "S06", alertT0.Add(time.Duration(i)*time.Second)))
	}
	got, err := s.ApplyAlerts(ctx, changes, 1)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Alerts(ctx, alert.Filter{})
	if err != nil || len(list) != alert.DefaultLimit || list[0].ID != got[n-1].ID {
		t.Fatalf("default limit: %d alerts %v, want %d newest first", len(list), err, alert.DefaultLimit)
	}
	// Paging with the before cursor visits every alert once.
	seen := map[int64]bool{}
	f := alert.Filter{Limit: 50}
	for {
		page, err := s.Alerts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, a := range page {
			if seen[a.ID] {
				t.Fatalf("alert %d on two pages", a.ID)
			}
			seen[a.ID] = true
		}
		f.Before = page[len(page)-1].ID
	}
	if len(seen) != n {
		t.Fatalf("paging saw %d alerts, want %d", len(seen), n)
	}
	list, err = s.Alerts(ctx, alert.Filter{Limit: alert.MaxLimit})
	if err != nil || len(list) != n {
		t.Fatalf("max limit: %d %v", len(list), err)
	}
}

func alertsSuppressions(t *testing.T, s alert.Store) {
	ctx := context.Background()
	now := alertT0
	center := geo.LatLon{Lat: 34.4, Lon: 40.9}
	circle, err := s.AddSuppression(ctx, alert.Suppression{Center: &center, RadiusM: 1500, Until: now.Add(24 * time.Hour),
		Reason: "shepherds at the well", By: "op1", Created: now})
	if err != nil || circle.ID <= 0 {
		t.Fatalf("add: %+v %v", circle, err)
	}
	sector, err := s.AddSuppression(ctx, alert.Suppression{Sector: "S05", Rules: []rules.Rule{rules.RuleLoiter, rules.RuleApproach},
		Classes: []string{"animal"}, DaylightOnly: true, Until: now.Add(2 * time.Hour), Reason: "grazing", By: "op2", Created: now})
	if err != nil || sector.ID <= circle.ID {
		t.Fatalf("add: %+v %v", sector, err)
	}
	expired, err := s.AddSuppression(ctx, alert.Suppression{Sector: "S04", Until: now.Add(-time.Minute), Reason: "old", By: "op1", Created: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.AddSuppression(ctx, alert.Suppression{Until: now.Add(time.Hour), Reason: "nowhere", By: "op1", Created: now})
	wantCode(t, "neither circle nor sector", err, errs.Invalid)

	list, err := s.Suppressions(ctx, now)
	if err != nil || len(list) != 2 {
		t.Fatalf("suppressions = %+v %v, want 2", list, err)
	}
	if asJSON(t, list[0]) != asJSON(t, circle) || asJSON(t, list[1]) != asJSON(t, sector) {
		t.Fatalf("suppressions read back:\n%s\n%s\nwant\n%s\n%s", asJSON(t, list[0]), asJSON(t, list[1]), asJSON(t, circle), asJSON(t, sector))
	}
	if later, _ := s.Suppressions(ctx, now.Add(3*time.Hour)); len(later) != 1 || later[0].ID != circle.ID {
		t.Fatalf("suppressions three hours later = %+v", later)
	}

	held := newAlert("T1", rules.RuleApproach, rules.SeverityHigh, "S06", now)
	got, err := s.ApplyAlerts(ctx, []alert.Change{
		{Kind: alert.KindSuppressed, Alert: held, At: now, Suppression: circle.ID},
		{Kind: alert.KindSuppressed, Alert: held, At: now, Suppression: circle.ID},
		{Kind: alert.KindSuppressed, Alert: held, At: now, Suppression: expired.ID},
	}, 11)
	if err != nil || len(got) != 3 {
		t.Fatalf("suppressed changes: %d %v", len(got), err)
	}
	if all, _ := s.Alerts(ctx, alert.Filter{}); len(all) != 0 {
		t.Fatalf("suppressed changes stored %d alerts", len(all))
	}
	if c, _ := s.Cursor(ctx); c != 11 {
		t.Fatalf("cursor = %d, want 11", c)
	}
	list, _ = s.Suppressions(ctx, now)
	if list[0].Hits != 2 || list[1].Hits != 0 {
		t.Fatalf("hits = %d %d, want 2 0", list[0].Hits, list[1].Hits)
	}

	if err := s.RemoveSuppression(ctx, circle.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ = s.Suppressions(ctx, now); len(list) != 1 || list[0].ID != sector.ID {
		t.Fatalf("after remove: %+v", list)
	}
	wantCode(t, "remove twice", s.RemoveSuppression(ctx, circle.ID), errs.NotFound)
}
