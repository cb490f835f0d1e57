package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/rules"
	"raqib/internal/store/sqlite"
	"raqib/internal/store/storetest"
)

func TestAlertsConformance(t *testing.T) {
	storetest.Alerts(t, func(t *testing.T) alert.Store { return open(t) })
}

func event(track string, rule rules.Rule, phase rules.Phase, at time.Time) rules.Event {
	return rules.Event{
		Rule: rule, Phase: phase, Severity: rules.SeverityHigh, Track: track, Time: at,
		Pos: geo.LatLon{Lat: 34.38, Lon: 40.95}, Sector: "S06", Class: fusion.ClassPerson, Count: 1,
		Evidence: []fusion.ObsRef{{Sensor: "R1", Seq: uint64(at.Unix()), Time: at}},
		Summary:  "person heading for the line",
	}
}

// TestAlertServiceRestart runs the service on SQLite across a restart: the
// open alert of a key is updated, not raised again, and the cursor and the
// operators' work survive.
func TestAlertServiceRestart(t *testing.T) {
	// An operator of the alerts' sector acts on them.
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{User: "op1", Force: auth.ForceArmy,
		Roles: []auth.Role{auth.RoleOperator}, Sectors: auth.AllSectors(), Via: auth.ViaSession})
	path := filepath.Join(t.TempDir(), "raqib.db")
	t0 := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	clock := func() time.Time { return t0.Add(time.Minute) }

	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := alert.NewService(db, alert.Config{Now: clock}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := svc.Handle(ctx, []rules.Event{
		event("T1", rules.RuleApproach, rules.PhaseBegin, t0),
		event("T2", rules.RuleApproach, rules.PhaseBegin, t0),
	}, 100)
	if err != nil || len(ch) != 2 {
		t.Fatalf("handle: %d %v", len(ch), err)
	}
	if _, err := svc.Acknowledge(ctx, ch[1].Alert.ID, "op1"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if c, err := db.Cursor(ctx); err != nil || c != 100 {
		t.Fatalf("cursor after restart = %d %v", c, err)
	}
	svc, err = alert.NewService(db, alert.Config{Now: clock}, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.Handle(ctx, []rules.Event{
		event("T1", rules.RuleApproach, rules.PhaseBegin, t0.Add(time.Minute)),
		event("T2", rules.RuleApproach, rules.PhaseEnd, t0.Add(time.Minute)),
	}, 101)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 2 || again[0].Kind != alert.KindUpdated || again[0].Alert.ID != ch[0].Alert.ID || again[0].Alert.Updates != 2 {
		t.Fatalf("after restart: %+v", again)
	}
	if a := again[1].Alert; a.State != alert.StateAcknowledged || a.Active || a.AckBy != "op1" {
		t.Fatalf("acknowledged alert after restart = %+v", a)
	}
	all, err := svc.List(ctx, alert.Filter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("list = %d %v, want 2", len(all), err)
	}
	_, err = svc.Acknowledge(ctx, ch[1].Alert.ID, "op2")
	if errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("second acknowledgement: %v", err)
	}
}

func BenchmarkApplyAlerts(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("updates=%d", n), func(b *testing.B) {
			ctx := context.Background()
			db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "raqib.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			svc, err := alert.NewService(db, alert.Config{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
			events := make([]rules.Event, n)
			for i := range events {
				events[i] = event(fmt.Sprintf("T%d", i), rules.RuleApproach, rules.PhaseBegin, t0)
			}
			cursor := uint64(0)
			b.ReportAllocs()
			for b.Loop() {
				cursor++
				for i := range events {
					events[i].Time = events[i].Time.Add(time.Second)
				}
				if _, err := svc.Handle(ctx, events, cursor); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
