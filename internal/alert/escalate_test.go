package alert_test

import (
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/rules"
)

func TestEscalationTiming(t *testing.T) {
	type step struct {
		at    time.Duration // after t0
		level int           // 0: no change expected
	}
	cases := []struct {
		name  string
		sev   rules.Severity
		steps []step
	}{
		{"critical every 2 min up to 3", rules.SeverityCritical, []step{
			{time.Minute, 0}, {2*time.Minute - time.Second, 0}, {2 * time.Minute, 1}, {3 * time.Minute, 0},
			{4 * time.Minute, 2}, {5 * time.Minute, 0}, {6 * time.Minute, 3}, {20 * time.Minute, 0},
		}},
		{"high every 5 min", rules.SeverityHigh, []step{
			{2 * time.Minute, 0}, {5 * time.Minute, 1}, {9 * time.Minute, 0}, {10 * time.Minute, 2},
		}},
		{"overdue jumps levels", rules.SeverityCritical, []step{{7 * time.Minute, 3}, {9 * time.Minute, 0}}},
		{"medium never", rules.SeverityMedium, []step{{time.Hour, 0}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := opCtx
			s, st, _ := newService(t, alert.Config{})
			sub := s.Subscribe("console", 0)
			defer sub.Close()
			a := handle(t, s, ev("T1", rules.RuleInbound, rules.PhaseInstant, tc.sev, t0, qaim))[0].Alert
			drain(sub)
			for _, stp := range tc.steps {
				ch, err := s.Escalate(ctx, t0.Add(stp.at))
				if err != nil {
					t.Fatal(err)
				}
				if stp.level == 0 {
					if len(ch) != 0 {
						t.Fatalf("at +%v: escalated to %d, want nothing", stp.at, ch[0].Alert.Escalated)
					}
					continue
				}
				if len(ch) != 1 || ch[0].Kind != alert.KindEscalated || ch[0].Alert.ID != a.ID || ch[0].Alert.Escalated != stp.level {
					t.Fatalf("at +%v: %+v, want level %d", stp.at, ch, stp.level)
				}
				if stored, _ := st.Alert(ctx, a.ID); stored.Escalated != stp.level {
					t.Fatalf("stored level %d", stored.Escalated)
				}
				if pub := drain(sub); len(pub) != 1 || pub[0].Kind != alert.KindEscalated {
					t.Fatalf("published %v", kinds(pub))
				}
			}
		})
	}
}

func TestEscalationStopsWhenAcknowledged(t *testing.T) {
	ctx := opCtx
	s, _, _ := newService(t, alert.Config{})
	a := handle(t, s, ev("T1", rules.RuleInbound, rules.PhaseInstant, rules.SeverityCritical, t0, qaim))[0].Alert
	if ch, _ := s.Escalate(ctx, t0.Add(2*time.Minute)); len(ch) != 1 {
		t.Fatalf("not escalated: %+v", ch)
	}
	if _, err := s.Acknowledge(ctx, a.ID, "op1"); err != nil {
		t.Fatal(err)
	}
	if ch, _ := s.Escalate(ctx, t0.Add(time.Hour)); len(ch) != 0 {
		t.Fatalf("an acknowledged alert escalated: %+v", ch)
	}
}

func TestEscalationAfterSeverityRise(t *testing.T) {
	ctx := opCtx
	s, _, _ := newService(t, alert.Config{})
	handle(t, s, ev("T1", rules.RuleApproach, rules.PhaseBegin, rules.SeverityMedium, t0, qaim))
	// Critical from +10 min: the deadline counts from then, not from the
	// raise.
	handle(t, s, ev("T1", rules.RuleApproach, rules.PhaseInstant, rules.SeverityCritical, t0.Add(10*time.Minute), qaim))
	if ch, _ := s.Escalate(ctx, t0.Add(11*time.Minute)); len(ch) != 0 {
		t.Fatalf("escalated too early: %+v", ch)
	}
	ch, _ := s.Escalate(ctx, t0.Add(12*time.Minute))
	if len(ch) != 1 || ch[0].Alert.Escalated != 1 {
		t.Fatalf("at +12 min: %+v", ch)
	}
}

func TestEscalationConfig(t *testing.T) {
	ctx := opCtx
	s, _, _ := newService(t, alert.Config{EscalateAfter: map[rules.Severity]time.Duration{}})
	handle(t, s, ev("T1", rules.RuleInbound, rules.PhaseInstant, rules.SeverityCritical, t0, qaim))
	if ch, _ := s.Escalate(ctx, t0.Add(time.Hour)); len(ch) != 0 {
		t.Fatalf("escalation turned off, yet %+v", ch)
	}
	// Only high configured: critical, more urgent, uses high's period.
	s, _, _ = newService(t, alert.Config{EscalateAfter: map[rules.Severity]time.Duration{rules.SeverityHigh: time.Minute}, EscalateMax: 1})
	handle(t, s, ev("T1", rules.RuleInbound, rules.PhaseInstant, rules.SeverityCritical, t0, qaim))
	if ch, _ := s.Escalate(ctx, t0.Add(time.Minute)); len(ch) != 1 || ch[0].Alert.Escalated != 1 || ch[0].Alert.EscalateAt != nil {
		t.Fatalf("critical with high's period: %+v", ch)
	}
	if ch, _ := s.Escalate(ctx, t0.Add(time.Hour)); len(ch) != 0 {
		t.Fatalf("past the maximum level: %+v", ch)
	}
}
