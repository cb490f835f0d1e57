package alert_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/geo"
)

// auditLog is an Auditor keeping what it is given; fail makes it refuse.
type auditLog struct {
	mu     sync.Mutex
	events []auth.Event
	fail   bool
}

func (a *auditLog) Record(_ context.Context, e auth.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail {
		return errors.New("disk full")
	}
	a.events = append(a.events, e)
	return nil
}

func principal(user string, role auth.Role, sectors ...string) context.Context {
	s := auth.AllSectors()
	if len(sectors) > 0 {
		var err error
		if s, err = auth.SectorList(sectors...); err != nil {
			panic(err)
		}
	}
	return auth.WithPrincipal(context.Background(), auth.Principal{User: user, Force: auth.ForceArmy,
		Roles: []auth.Role{role}, Sectors: s, Via: auth.ViaSession})
}

// TestActionsAuthorizedBySector: only principals allowed to act on alerts
// in the alert's sector may; nobody unsigned may; each action done is in
// the audit trail with who, what, where and why.
func TestActionsAuthorizedBySector(t *testing.T) {
	audit := &auditLog{}
	s, _, _ := newService(t, alert.Config{Audit: audit})
	id := handle(t, s, begin("T1", 0))[0].Alert.ID // in S06

	for _, c := range []struct {
		name string
		ctx  context.Context
		code errs.Code
		msg  string
	}{
		{"no principal", context.Background(), errs.Unauthorized, "sign in required"},
		{"operator of other sectors", principal("ali", auth.RoleOperator, "S01", "S02"), errs.Forbidden, "ali"},
		{"analyst of the sector", principal("huda", auth.RoleAnalyst, "S06"), errs.Forbidden, "huda"},
	} {
		_, err := s.Acknowledge(c.ctx, id, "x")
		if !errs.Is(err, c.code) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %s naming %q", c.name, err, c.code, c.msg)
		}
	}
	if len(audit.events) != 0 {
		t.Fatalf("refused actions audited as done: %+v", audit.events)
	}
	if _, err := s.Acknowledge(principal("omar", auth.RoleOperator, "S06"), id, "omar"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Dismiss(principal("omar", auth.RoleOperator, "S06"), id, "known shepherd", "omar"); err != nil {
		t.Fatal(err)
	}
	if len(audit.events) != 2 {
		t.Fatalf("%d audit events, want 2", len(audit.events))
	}
	e := audit.events[1]
	if e.Actor != "omar" || e.Action != "alert.dismissed" || e.Sector != "S06" || e.Detail["reason"] != "known shepherd" ||
		!strings.HasPrefix(e.Object, "alert/") || e.Outcome != auth.OutcomeSuccess {
		t.Errorf("audit event %+v", e)
	}

	// An action the trail cannot take is not reported done.
	id2 := handle(t, s, begin("T2", time.Minute))[0].Alert.ID
	audit.fail = true
	if _, err := s.Acknowledge(principal("omar", auth.RoleOperator, "S06"), id2, "omar"); !errs.Is(err, errs.Unavailable) ||
		!strings.Contains(err.Error(), "audit trail") {
		t.Errorf("unaudited acknowledgement: %v", err)
	}
}

func TestSuppressionsAuthorizedBySector(t *testing.T) {
	audit := &auditLog{}
	s, _, clk := newService(t, alert.Config{Audit: audit})
	sp := alert.Suppression{Sector: "S06", Until: clk.Now().Add(time.Hour), Reason: "grazing by day", By: "x"}
	if _, err := s.AddSuppression(principal("ali", auth.RoleSupervisor, "S01"), sp); !errs.Is(err, errs.Forbidden) {
		t.Errorf("supervisor of S01 adding in S06: %v", err)
	}
	if _, err := s.AddSuppression(principal("omar", auth.RoleOperator, "S06"), sp); !errs.Is(err, errs.Forbidden) {
		t.Errorf("operator adding a suppression: %v", err)
	}
	anywhere := alert.Suppression{Center: &geo.LatLon{Lat: 34.4, Lon: 40.9}, RadiusM: 500, Until: clk.Now().Add(time.Hour), Reason: "flock", By: "x"}
	if _, err := s.AddSuppression(principal("sara", auth.RoleSupervisor, "S06"), anywhere); !errs.Is(err, errs.Forbidden) {
		t.Errorf("a sector supervisor adding a suppression in no sector: %v", err)
	}
	got, err := s.AddSuppression(principal("sara", auth.RoleSupervisor, "S06"), sp)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveSuppression(principal("ali", auth.RoleSupervisor, "S01"), got.ID); !errs.Is(err, errs.Forbidden) {
		t.Errorf("supervisor of S01 removing in S06: %v", err)
	}
	if err := s.RemoveSuppression(principal("sara", auth.RoleSupervisor, "S06"), got.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveSuppression(principal("sara", auth.RoleSupervisor, "S06"), got.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("removing twice: %v", err)
	}
	if len(audit.events) != 2 || audit.events[0].Action != "alert.suppression.add" || audit.events[1].Action != "alert.suppression.remove" ||
		audit.events[0].Detail["reason"] != "grazing by day" || audit.events[1].Actor != "sara" {
		t.Errorf("audit events %+v", audit.events)
	}
}
