package alert_test

import (
	"fmt"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/errs"
	"raqib/internal/fusion"
	"raqib/internal/rules"
)

func TestHandleOneAlertPerKey(t *testing.T) {
	t.Run("separate batches", func(t *testing.T) {
		s, st, _ := newService(t, alert.Config{})
		var last alert.Change
		for i := range 100 {
			phase := rules.PhaseInstant
			if i == 0 {
				phase = rules.PhaseBegin
			}
			ch := handle(t, s, ev("T1", rules.RuleApproach, phase, rules.SeverityHigh, t0.Add(time.Duration(i)*time.Second), qaim))
			want := alert.KindUpdated
			if i == 0 {
				want = alert.KindRaised
			}
			if len(ch) != 1 || ch[0].Kind != want {
				t.Fatalf("event %d: %+v, want one %s", i, ch, want)
			}
			last = ch[0]
		}
		if n := st.count(); n != 1 {
			t.Fatalf("%d alerts stored, want 1", n)
		}
		a := last.Alert
		if a.Updates != 100 || !a.Raised.Equal(t0) || !a.Updated.Equal(t0.Add(99*time.Second)) || a.Key != "T1/approach" {
			t.Fatalf("alert = %+v", a)
		}
		if len(a.Evidence) != alert.DefaultMaxEvidence {
			t.Fatalf("evidence %d, want the newest %d", len(a.Evidence), alert.DefaultMaxEvidence)
		}
		if got := a.Evidence[len(a.Evidence)-1].Time; !got.Equal(t0.Add(99 * time.Second)) {
			t.Fatalf("newest evidence at %v", got)
		}
	})
	t.Run("one batch", func(t *testing.T) {
		s, st, _ := newService(t, alert.Config{})
		events := make([]rules.Event, 100)
		for i := range events {
			events[i] = begin("T1", time.Duration(i)*time.Second)
		}
		ch := handle(t, s, events...)
		if len(ch) != 1 || ch[0].Kind != alert.KindRaised || ch[0].Alert.Updates != 100 || st.count() != 1 {
			t.Fatalf("changes %+v, %d stored", ch, st.count())
		}
	})
}

func TestHandlePhases(t *testing.T) {
	s, _, _ := newService(t, alert.Config{})
	if ch := handle(t, s, ev("T1", rules.RuleZone, rules.PhaseEnd, rules.SeverityMedium, t0, qaim)); len(ch) != 0 {
		t.Fatalf("an end without an alert raised %+v", ch)
	}
	a := handle(t, s, ev("T1", rules.RuleZone, rules.PhaseBegin, rules.SeverityMedium, t0, qaim))[0].Alert
	if !a.Active || a.State != alert.StateNew {
		t.Fatalf("begin: %+v", a)
	}
	a = handle(t, s, ev("T1", rules.RuleZone, rules.PhaseEnd, rules.SeverityMedium, t0.Add(time.Minute), qaim))[0].Alert
	if a.Active || a.State != alert.StateNew || a.Updates != 2 {
		t.Fatalf("end: active %v state %s updates %d; want inactive, still new", a.Active, a.State, a.Updates)
	}
	ch := handle(t, s, ev("T1", rules.RuleZone, rules.PhaseBegin, rules.SeverityMedium, t0.Add(2*time.Minute), qaim))
	if len(ch) != 1 || ch[0].Kind != alert.KindUpdated || !ch[0].Alert.Active || ch[0].Alert.ID != a.ID {
		t.Fatalf("begin again: %+v", ch)
	}
	inst := handle(t, s, ev("T2", rules.RuleInbound, rules.PhaseInstant, rules.SeverityCritical, t0, qaim))[0].Alert
	if inst.Active {
		t.Fatalf("a crossing (instant) is not an ongoing condition: %+v", inst)
	}
}

func TestHandleAfterResolve(t *testing.T) {
	ctx := opCtx
	s, _, _ := newService(t, alert.Config{})
	a := raiseOne(t, s, "T1")
	if _, err := s.Assign(ctx, a.ID, "patrol 7", "op1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(ctx, a.ID, "turned back", "op1"); err != nil {
		t.Fatal(err)
	}
	// The end of the old condition arrives after the operator closed it.
	if ch := handle(t, s, ev("T1", rules.RuleApproach, rules.PhaseEnd, rules.SeverityHigh, t0.Add(time.Minute), qaim)); len(ch) != 0 {
		t.Fatalf("end after resolve: %+v", ch)
	}
	ch := handle(t, s, begin("T1", 5*time.Minute))
	if len(ch) != 1 || ch[0].Kind != alert.KindRaised || ch[0].Alert.ID == a.ID || ch[0].Alert.Updates != 1 {
		t.Fatalf("after resolve: %+v", ch)
	}
}

func TestSeverityOnlyRises(t *testing.T) {
	s, _, _ := newService(t, alert.Config{})
	steps := []struct {
		sev, want rules.Severity
	}{
		{rules.SeverityMedium, rules.SeverityMedium},
		{rules.SeverityHigh, rules.SeverityHigh},
		{rules.SeverityLow, rules.SeverityHigh},
		{rules.SeverityCritical, rules.SeverityCritical},
		{rules.SeverityInfo, rules.SeverityCritical},
	}
	for i, st := range steps {
		ch := handle(t, s, ev("T1", rules.RuleApproach, rules.PhaseInstant, st.sev, t0.Add(time.Duration(i)*time.Second), qaim))
		if got := ch[0].Alert.Severity; got != st.want {
			t.Fatalf("step %d (%s): severity %s, want %s", i, st.sev, got, st.want)
		}
	}
}

func TestHandleFields(t *testing.T) {
	s, _, _ := newService(t, alert.Config{MaxEvidence: 4})
	e := ev("X-17", rules.RuleGroup, rules.PhaseBegin, rules.SeverityHigh, t0, qaim)
	e.Members, e.Count, e.Class, e.Zone = []string{"X-17", "X-18"}, 5, fusion.ClassVehicle, "Z2"
	e.PredictedCrossing = t0.Add(9 * time.Minute)
	e.Evidence = []fusion.ObsRef{{Sensor: "R1", Seq: 1, Time: t0}, {Sensor: "R1", Seq: 2, Time: t0}, {Sensor: "C1", Seq: 1, Time: t0}}
	a := handle(t, s, e)[0].Alert
	if !a.Exercise || a.Class != "vehicle" || a.Count != 5 || len(a.Members) != 2 || a.Zone != "Z2" ||
		a.PredictedCrossing == nil || !a.PredictedCrossing.Equal(e.PredictedCrossing) || a.Sector != "S06" {
		t.Fatalf("alert = %+v", a)
	}
	// Overlapping evidence is kept once; the oldest goes past the bound.
	e2 := ev("X-17", rules.RuleGroup, rules.PhaseBegin, rules.SeverityHigh, t0.Add(time.Second), qaim)
	e2.Evidence = []fusion.ObsRef{{Sensor: "C1", Seq: 1, Time: t0}, {Sensor: "R1", Seq: 3, Time: t0}, {Sensor: "R1", Seq: 4, Time: t0}}
	a = handle(t, s, e2)[0].Alert
	if got := fmt.Sprint(evidenceNames(a.Evidence)); got != "[R1/2 C1/1 R1/3 R1/4]" {
		t.Fatalf("evidence = %s", got)
	}
	if a.PredictedCrossing != nil || a.Zone != "Z2" {
		t.Fatalf("a later event with no prediction clears it and keeps the zone: %+v", a)
	}
	if real := raiseOne(t, s, "T17"); real.Exercise {
		t.Fatal("a real track's alert is marked exercise")
	}
}

func evidenceNames(ev []alert.Evidence) []string {
	var out []string
	for _, e := range ev {
		out = append(out, fmt.Sprintf("%s/%d", e.Sensor, e.Seq))
	}
	return out
}

func TestHandleIgnoresBadEvents(t *testing.T) {
	s, st, _ := newService(t, alert.Config{})
	bad := []rules.Event{
		ev("", rules.RuleApproach, rules.PhaseBegin, rules.SeverityHigh, t0, qaim),
		ev("T1", "speeding", rules.PhaseBegin, rules.SeverityHigh, t0, qaim),
		ev("T1", rules.RuleApproach, "middle", rules.SeverityHigh, t0, qaim),
		ev("T1", rules.RuleApproach, rules.PhaseBegin, "severe", t0, qaim),
		ev("T1", rules.RuleApproach, rules.PhaseBegin, rules.SeverityHigh, time.Time{}, qaim),
	}
	ch := handle(t, s, append(bad, begin("T2", 0))...)
	if len(ch) != 1 || ch[0].Alert.Track != "T2" || st.count() != 1 {
		t.Fatalf("changes %+v", ch)
	}
}

// TestHandleStoreFailure: nothing is published or remembered unless the
// store took it.
func TestHandleStoreFailure(t *testing.T) {
	s, st, _ := newService(t, alert.Config{})
	sub := s.Subscribe("console", 0)
	defer sub.Close()
	st.failNext = errs.E(errs.Unavailable, "database is busy")
	_, err := s.Handle(opCtx, []rules.Event{begin("T1", 0)}, 7)
	wantCode(t, "handle with the store down", err, errs.Unavailable)
	if pub := drain(sub); len(pub) != 0 {
		t.Fatalf("published before the store accepted: %+v", pub)
	}
	if c, _ := st.Cursor(opCtx); c != 0 {
		t.Fatalf("cursor moved to %d", c)
	}
	ch := handle(t, s, begin("T1", time.Second))
	if len(ch) != 1 || ch[0].Kind != alert.KindRaised || ch[0].Alert.Updates != 1 {
		t.Fatalf("after the failure: %+v", ch)
	}
	if pub := drain(sub); len(pub) != 1 || pub[0].Alert.ID != ch[0].Alert.ID {
		t.Fatalf("published %+v", pub)
	}
}

func TestHandleStoresCursor(t *testing.T) {
	s, st, _ := newService(t, alert.Config{})
	if _, err := s.Handle(opCtx, []rules.Event{begin("T1", 0)}, 42); err != nil {
		t.Fatal(err)
	}
	if c, _ := st.Cursor(opCtx); c != 42 {
		t.Fatalf("cursor = %d, want 42", c)
	}
	applies := st.applies
	if ch, err := s.Handle(opCtx, nil, 43); err != nil || ch != nil || st.applies != applies {
		t.Fatalf("an empty batch wrote to the store: %v %v", ch, err)
	}
}

// TestRestartWarmCache: a new service on the same store updates the open
// alert of a key instead of raising it again.
func TestRestartWarmCache(t *testing.T) {
	s, st, clk := newService(t, alert.Config{})
	a := raiseOne(t, s, "T1")
	b := raiseOne(t, s, "T2")
	if _, err := s.Dismiss(opCtx, b.ID, "friendly patrol", "op1"); err != nil {
		t.Fatal(err)
	}
	s2, err := alert.NewService(st, alert.Config{Now: clk.Now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s2.Stats().Open; got != 1 {
		t.Fatalf("warm cache holds %d open alerts, want 1", got)
	}
	ch := handle(t, s2, begin("T1", time.Minute), begin("T2", time.Minute))
	if len(ch) != 2 || ch[0].Kind != alert.KindUpdated || ch[0].Alert.ID != a.ID || ch[0].Alert.Updates != 2 {
		t.Fatalf("T1 after restart: %+v", ch)
	}
	if ch[1].Kind != alert.KindRaised || ch[1].Alert.ID == b.ID {
		t.Fatalf("T2 after restart (its alert was dismissed): %+v", ch[1])
	}
	if n := st.count(); n != 3 {
		t.Fatalf("%d alerts stored, want 3", n)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []alert.Config{
		{EscalateAfter: map[rules.Severity]time.Duration{"severe": time.Minute}},
		{EscalateAfter: map[rules.Severity]time.Duration{rules.SeverityHigh: 0}},
		{GroupRadiusM: -1},
		{GroupWindow: -time.Second},
		{MaxEvidence: -1},
		{QueueLength: -1},
		{EscalateMax: -1},
	}
	for _, cfg := range cases {
		if _, err := alert.NewService(newMemStore(), cfg, nil); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("config %+v: %v, want invalid", cfg, err)
		}
	}
	s, _, _ := newService(t, alert.Config{})
	cfg := s.Config()
	if cfg.GroupRadiusM != 2000 || cfg.GroupWindow != 10*time.Minute || cfg.MaxEvidence != 64 ||
		cfg.EscalateAfter[rules.SeverityCritical] != 2*time.Minute || cfg.EscalateAfter[rules.SeverityHigh] != 5*time.Minute {
		t.Fatalf("defaults = %+v", cfg)
	}
}

func TestListValidates(t *testing.T) {
	s, _, _ := newService(t, alert.Config{})
	raiseOne(t, s, "T1")
	_, err := s.List(opCtx, alert.Filter{Limit: 5000})
	wantCode(t, "limit too large", err, errs.Invalid)
	list, err := s.List(opCtx, alert.Filter{States: alert.OpenStates})
	if err != nil || len(list) != 1 {
		t.Fatalf("list = %+v %v", list, err)
	}
	_, err = s.Get(opCtx, 99)
	wantCode(t, "get unknown", err, errs.NotFound)
}
