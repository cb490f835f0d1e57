package alert_test

import (
	"fmt"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/geo"
	"raqib/internal/rules"
)

// openAlerts starts a service on the in-memory store with n open alerts
// spread 500 m apart along a line.
func openAlerts(b *testing.B, n int) (*alert.Service, []rules.Event) {
	s, st, _ := newService(b, alert.Config{})
	st.noHistory = true
	events := make([]rules.Event, n)
	for i := range events {
		pos, _ := geo.Direct(qaim, 90, float64(i)*500)
		events[i] = ev(fmt.Sprintf("T%d", i), rules.RuleApproach, rules.PhaseBegin, rules.SeverityHigh, t0, pos)
	}
	if _, err := s.Handle(opCtx, events, 1); err != nil {
		b.Fatal(err)
	}
	return s, events
}

// BenchmarkHandleUpdate folds a batch of 10 events into open alerts.
func BenchmarkHandleUpdate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("open=%d", n), func(b *testing.B) {
			s, events := openAlerts(b, n)
			batch := make([]rules.Event, 10)
			ctx := opCtx
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				for j := range batch {
					batch[j] = events[(i+j)%n]
					batch[j].Phase = rules.PhaseInstant
					batch[j].Time = t0.Add(time.Duration(i) * time.Millisecond)
				}
				if _, err := s.Handle(ctx, batch, uint64(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkRaise raises one alert among n open ones (grouping looks at
// all of them) and dismisses it, keeping n constant.
func BenchmarkRaise(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("open=%d", n), func(b *testing.B) {
			s, _ := openAlerts(b, n)
			ctx := opCtx
			pos, _ := geo.Direct(qaim, 0, 1000)
			e := ev("N1", rules.RuleZone, rules.PhaseBegin, rules.SeverityMedium, t0, pos)
			b.ReportAllocs()
			for b.Loop() {
				ch, err := s.Handle(ctx, []rules.Event{e}, 1)
				if err != nil || len(ch) != 1 {
					b.Fatal(err)
				}
				if _, err := s.Dismiss(ctx, ch[0].Alert.ID, "benchmark", "op1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPublish fans 10 changes out to subscribers that keep up.
func BenchmarkPublish(b *testing.B) {
	for _, subs := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subscribers=%d", subs), func(b *testing.B) {
			s, events := openAlerts(b, 10)
			list := make([]*alert.Subscription, subs)
			for i := range list {
				list[i] = s.Subscribe(fmt.Sprintf("c%d", i), 0)
				defer list[i].Close()
			}
			ctx := opCtx
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				for j := range events {
					events[j].Phase = rules.PhaseInstant
					events[j].Time = t0.Add(time.Duration(i) * time.Millisecond)
				}
				if _, err := s.Handle(ctx, events, uint64(i)); err != nil {
					b.Fatal(err)
				}
				for _, sub := range list {
					for range len(sub.C()) {
						<-sub.C()
					}
				}
				i++
			}
		})
	}
}
