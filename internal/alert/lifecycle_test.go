package alert_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/errs"
)

type action struct {
	name string
	do   func(s *alert.Service, id int64) (alert.Alert, error)
}

var actions = []action{
	{"acknowledge", func(s *alert.Service, id int64) (alert.Alert, error) {
		return s.Acknowledge(opCtx, id, "op1")
	}},
	{"assign", func(s *alert.Service, id int64) (alert.Alert, error) {
		return s.Assign(opCtx, id, "patrol 7", "op1")
	}},
	{"resolve", func(s *alert.Service, id int64) (alert.Alert, error) {
		return s.Resolve(opCtx, id, "patrol found nobody", "op1")
	}},
	{"dismiss", func(s *alert.Service, id int64) (alert.Alert, error) {
		return s.Dismiss(opCtx, id, "known shepherd", "op1")
	}},
}

// reach brings a new alert to a state by legal moves.
func reach(t *testing.T, s *alert.Service, id int64, state alert.State) {
	t.Helper()
	ctx := opCtx
	var err error
	switch state {
	case alert.StateNew:
	case alert.StateAcknowledged:
		_, err = s.Acknowledge(ctx, id, "op0")
	case alert.StateAssigned:
		_, err = s.Assign(ctx, id, "patrol 3", "op0")
	case alert.StateResolved:
		if _, err = s.Assign(ctx, id, "patrol 3", "op0"); err == nil {
			_, err = s.Resolve(ctx, id, "", "op0")
		}
	case alert.StateDismissed:
		_, err = s.Dismiss(ctx, id, "drill", "op0")
	}
	if err != nil {
		t.Fatalf("reach %s: %v", state, err)
	}
}

func TestLifeCycle(t *testing.T) {
	const conflict = alert.State("conflict")
	want := map[alert.State][4]alert.State{ // acknowledge, assign, resolve, dismiss
		alert.StateNew:          {alert.StateAcknowledged, alert.StateAssigned, conflict, alert.StateDismissed},
		alert.StateAcknowledged: {conflict, alert.StateAssigned, conflict, alert.StateDismissed},
		alert.StateAssigned:     {conflict, alert.StateAssigned, alert.StateResolved, alert.StateDismissed},
		alert.StateResolved:     {conflict, conflict, conflict, conflict},
		alert.StateDismissed:    {conflict, conflict, conflict, conflict},
	}
	for _, from := range alert.States {
		for i, act := range actions {
			t.Run(fmt.Sprintf("%s/%s", from, act.name), func(t *testing.T) {
				s, st, clk := newService(t, alert.Config{})
				a := raiseOne(t, s, "T1")
				reach(t, s, a.ID, from)
				sub := s.Subscribe("console", 0)
				defer sub.Close()
				before := len(mustHistory(t, s, a.ID))
				clk.Set(t0.Add(3 * time.Minute))
				got, err := act.do(s, a.ID)
				if to := want[from][i]; to == conflict {
					wantCode(t, "illegal move", err, errs.Conflict)
					msg := errs.MessageOf(err)
					if !strings.Contains(msg, string(from)) {
						t.Fatalf("conflict %q does not name the state %s", msg, from)
					}
					if n := len(mustHistory(t, s, a.ID)); n != before {
						t.Fatalf("a refused move added to the history")
					}
					if pub := drain(sub); len(pub) != 0 {
						t.Fatalf("a refused move was published: %+v", pub)
					}
					return
				} else if err != nil || got.State != to {
					t.Fatalf("%s from %s: %s %v, want %s", act.name, from, got.State, err, to)
				}
				stored, _ := st.Alert(opCtx, a.ID)
				if stored.State != got.State {
					t.Fatalf("stored state %s, returned %s", stored.State, got.State)
				}
				h := mustHistory(t, s, a.ID)
				last := h[len(h)-1]
				if len(h) != before+1 || last.By != "op1" || last.From != from || !last.At.Equal(clk.Now()) {
					t.Fatalf("history entry = %+v", last)
				}
				pub := drain(sub)
				if len(pub) != 1 || pub[0].Alert.State != got.State || pub[0].By != "op1" {
					t.Fatalf("published %+v", pub)
				}
				checkFields(t, from, got, clk.Now())
			})
		}
	}
}

// checkFields checks the operator fields a move fills in.
func checkFields(t *testing.T, from alert.State, a alert.Alert, now time.Time) {
	t.Helper()
	switch a.State {
	case alert.StateAcknowledged:
		if a.AckBy != "op1" || a.AckAt == nil || !a.AckAt.Equal(now) {
			t.Fatalf("acknowledged: %+v", a)
		}
	case alert.StateAssigned:
		if a.AssignedTo != "patrol 7" || a.AssignedAt == nil || !a.AssignedAt.Equal(now) {
			t.Fatalf("assigned: %+v", a)
		}
		// Assigning a new alert acknowledges it; an earlier
		// acknowledgement is kept.
		wantAck := map[alert.State]string{alert.StateNew: "op1", alert.StateAcknowledged: "op0", alert.StateAssigned: "op0"}[from]
		if a.AckBy != wantAck || a.AckAt == nil {
			t.Fatalf("assigned from %s: ack by %q, want %q", from, a.AckBy, wantAck)
		}
	case alert.StateResolved:
		if a.ResolvedBy != "op1" || a.ResolvedAt == nil || a.Note != "patrol found nobody" {
			t.Fatalf("resolved: %+v", a)
		}
	case alert.StateDismissed:
		if a.ResolvedBy != "op1" || a.ResolvedAt == nil || a.DismissReason != "known shepherd" {
			t.Fatalf("dismissed: %+v", a)
		}
	}
	if a.State != alert.StateNew && a.EscalateAt != nil {
		t.Fatalf("%s alert still has an escalation deadline", a.State)
	}
}

func mustHistory(t *testing.T, s *alert.Service, id int64) []alert.Change {
	t.Helper()
	h, err := s.History(opCtx, id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestLifeCycleRefusals(t *testing.T) {
	ctx := opCtx
	s, _, _ := newService(t, alert.Config{})
	a := raiseOne(t, s, "T1")
	cases := []struct {
		name string
		err  error
		code errs.Code
		msg  string
	}{
		{"dismiss without reason", func() error { _, err := s.Dismiss(ctx, a.ID, "  ", "op1"); return err }(), errs.Invalid, "reason: required"},
		{"assign to nobody", func() error { _, err := s.Assign(ctx, a.ID, "", "op1"); return err }(), errs.Invalid, "to: required"},
		{"no actor", func() error { _, err := s.Acknowledge(ctx, a.ID, ""); return err }(), errs.Invalid, "actor: required"},
		{"unknown alert", func() error { _, err := s.Acknowledge(ctx, 404, "op1"); return err }(), errs.NotFound, "404"},
	}
	for _, tc := range cases {
		if errs.CodeOf(tc.err) != tc.code || !strings.Contains(errs.MessageOf(tc.err), tc.msg) {
			t.Errorf("%s: %v, want %s naming %q", tc.name, tc.err, tc.code, tc.msg)
		}
	}
	if _, err := s.Assign(ctx, a.ID, "patrol 7", "op1"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Assign(ctx, a.ID, "patrol 7", "op2")
	wantCode(t, "assign to the same patrol again", err, errs.Conflict)
	if got, err := s.Assign(ctx, a.ID, "patrol 9", "op2"); err != nil || got.AssignedTo != "patrol 9" {
		t.Fatalf("hand over: %+v %v", got, err)
	}
}

// TestLifeCycleChangedUnderneath: another writer changed the alert; the
// store's optimistic check refuses the move and the service catches up.
func TestLifeCycleChangedUnderneath(t *testing.T) {
	ctx := opCtx
	s, st, _ := newService(t, alert.Config{})
	a := raiseOne(t, s, "T1")
	st.setState(a.ID, alert.StateDismissed)
	_, err := s.Acknowledge(ctx, a.ID, "op1")
	wantCode(t, "changed underneath", err, errs.Conflict)
	_, err = s.Acknowledge(ctx, a.ID, "op1")
	wantCode(t, "second try", err, errs.Conflict)
	if !strings.Contains(errs.MessageOf(err), "dismissed") {
		t.Fatalf("after reload the refusal %q should name the state dismissed", errs.MessageOf(err))
	}
	// The key is free again: a new event raises a new alert.
	ch := handle(t, s, begin("T1", time.Minute))
	if len(ch) != 1 || ch[0].Kind != alert.KindRaised || ch[0].Alert.ID == a.ID {
		t.Fatalf("after the alert closed underneath: %+v", ch)
	}
}

func TestNext(t *testing.T) {
	cases := map[alert.State]string{
		alert.StateNew:          "[acknowledged assigned dismissed]",
		alert.StateAcknowledged: "[assigned dismissed]",
		alert.StateAssigned:     "[assigned resolved dismissed]",
		alert.StateResolved:     "[]",
		alert.StateDismissed:    "[]",
	}
	for from, want := range cases {
		if got := fmt.Sprint(alert.Next(from)); got != want {
			t.Errorf("Next(%s) = %s, want %s", from, got, want)
		}
	}
}
