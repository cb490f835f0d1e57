package alert_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/errs"
	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/rules"
)

// east returns the point d metres east of qaim.
func east(d float64) geo.LatLon {
	p, _ := geo.Direct(qaim, 90, d)
	return p
}

func TestGrouping(t *testing.T) {
	cases := []struct {
		name  string
		track string
		dist  float64
		after time.Duration
		same  bool
	}{
		{"close", "T2", 500, time.Minute, true},
		{"inside the radius", "T2", 1900, 0, true},
		{"too far", "T2", 2500, 0, false},
		{"too late", "T2", 500, 11 * time.Minute, false},
		{"same track, other rule", "T1", 0, time.Minute, true},
		{"drill beside a real alert", "X-2", 500, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := newService(t, alert.Config{})
			first := raiseOne(t, s, "T1")
			if first.GroupID != first.ID {
				t.Fatalf("the first alert's group is %d, want its id %d", first.GroupID, first.ID)
			}
			e := ev(tc.track, rules.RuleZone, rules.PhaseBegin, rules.SeverityMedium, t0.Add(tc.after), east(tc.dist))
			a := handle(t, s, e)[0].Alert
			if same := a.GroupID == first.ID; same != tc.same {
				t.Fatalf("group %d (first %d): same %v, want %v", a.GroupID, first.ID, same, tc.same)
			}
			if !tc.same && a.GroupID != a.ID {
				t.Fatalf("a new group's id is %d, want the alert's id %d", a.GroupID, a.ID)
			}
		})
	}
}

func TestGroupingInOneBatch(t *testing.T) {
	s, _, _ := newService(t, alert.Config{})
	far := raiseOne(t, s, "T9") // at qaim: the new ones are far from it
	for i := range 3 {
		handle(t, s, ev("T9", rules.RuleApproach, rules.PhaseInstant, rules.SeverityHigh, t0.Add(time.Duration(i)*time.Second), qaim))
	}
	ch := handle(t, s,
		ev("T1", rules.RuleZone, rules.PhaseBegin, rules.SeverityMedium, t0, east(10000)),
		ev("T2", rules.RuleZone, rules.PhaseBegin, rules.SeverityMedium, t0, east(10300)),
		ev("T3", rules.RuleZone, rules.PhaseBegin, rules.SeverityMedium, t0, east(12000)), // near T2 only
		ev("T4", rules.RuleZone, rules.PhaseBegin, rules.SeverityMedium, t0, east(20000)),
	)
	g := func(i int) int64 { return ch[i].Alert.GroupID }
	if g(0) != ch[0].Alert.ID || g(1) != g(0) || g(2) != g(0) || g(3) != ch[3].Alert.ID || g(0) == far.GroupID {
		t.Fatalf("groups %d %d %d %d, ids %d %d %d %d", g(0), g(1), g(2), g(3),
			ch[0].Alert.ID, ch[1].Alert.ID, ch[2].Alert.ID, ch[3].Alert.ID)
	}
}

func TestGroupingNearest(t *testing.T) {
	s, _, _ := newService(t, alert.Config{})
	a := handle(t, s, ev("T1", rules.RuleZone, rules.PhaseBegin, rules.SeverityMedium, t0, east(0)))[0].Alert
	b := handle(t, s, ev("T2", rules.RuleZone, rules.PhaseBegin, rules.SeverityMedium, t0, east(3000)))[0].Alert
	if a.GroupID == b.GroupID {
		t.Fatal("3 km apart yet grouped")
	}
	c := handle(t, s, ev("T3", rules.RuleZone, rules.PhaseBegin, rules.SeverityMedium, t0, east(1800)))[0].Alert
	if c.GroupID != b.GroupID {
		t.Fatalf("group %d, want the nearer alert's %d", c.GroupID, b.GroupID)
	}
}

func TestSuppression(t *testing.T) {
	night := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC) // 00:45 solar time at the border
	circle := func(r float64) alert.Suppression {
		c := qaim
		return alert.Suppression{Center: &c, RadiusM: r}
	}
	with := func(sp alert.Suppression, f func(*alert.Suppression)) alert.Suppression { f(&sp); return sp }
	cases := []struct {
		name string
		sp   alert.Suppression
		e    rules.Event
		held bool
	}{
		{"inside the circle", circle(1000), begin("T1", 0), true},
		{"outside the circle", circle(1000), ev("T1", rules.RuleApproach, rules.PhaseBegin, rules.SeverityHigh, t0, east(1500)), false},
		{"sector", alert.Suppression{Sector: "S06"}, begin("T1", 0), true},
		{"other sector", alert.Suppression{Sector: "S05"}, begin("T1", 0), false},
		{"circle in another sector", with(circle(1000), func(sp *alert.Suppression) { sp.Sector = "S05" }), begin("T1", 0), false},
		{"rule listed", with(circle(1000), func(sp *alert.Suppression) { sp.Rules = []rules.Rule{rules.RuleLoiter, rules.RuleApproach} }), begin("T1", 0), true},
		{"rule not listed", with(circle(1000), func(sp *alert.Suppression) { sp.Rules = []rules.Rule{rules.RuleLoiter} }), begin("T1", 0), false},
		{"class listed", with(circle(1000), func(sp *alert.Suppression) { sp.Classes = []string{"person"} }), begin("T1", 0), true},
		{"class not listed", with(circle(1000), func(sp *alert.Suppression) { sp.Classes = []string{"animal"} }), begin("T1", 0), false},
		{"daylight only, by day", with(circle(1000), func(sp *alert.Suppression) { sp.DaylightOnly = true }), begin("T1", 0), true},
		{"daylight only, at night", with(circle(1000), func(sp *alert.Suppression) { sp.DaylightOnly = true }),
			ev("T1", rules.RuleApproach, rules.PhaseBegin, rules.SeverityHigh, night, qaim), false},
		{"expired", circle(1000), begin("T1", 2*time.Hour), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := opCtx
			s, st, _ := newService(t, alert.Config{})
			tc.sp.Until, tc.sp.Reason, tc.sp.By = t0.Add(time.Hour), "shepherds at the well", "op1"
			sp, err := s.AddSuppression(ctx, tc.sp)
			if err != nil {
				t.Fatal(err)
			}
			sub := s.Subscribe("console", 0)
			defer sub.Close()
			ch := handle(t, s, tc.e)
			if held := len(ch) == 0; held != tc.held {
				t.Fatalf("held back %v, want %v (%+v)", held, tc.held, ch)
			}
			wantHits := 0
			if tc.held {
				wantHits = 1
				if st.count() != 0 || len(drain(sub)) != 0 {
					t.Fatal("a held-back alert was stored or published")
				}
			}
			list, _ := s.Suppressions(ctx, t0)
			if len(list) != 1 || list[0].ID != sp.ID || list[0].Hits != wantHits {
				t.Fatalf("suppressions = %+v, want %d hits", list, wantHits)
			}
			if got := s.Stats().Suppressed; got != int64(wantHits) {
				t.Fatalf("suppressed count %d, want %d", got, wantHits)
			}
		})
	}
}

func TestSuppressionRemoved(t *testing.T) {
	ctx := opCtx
	s, _, _ := newService(t, alert.Config{})
	sp, err := s.AddSuppression(ctx, alert.Suppression{Sector: "S06", Until: t0.Add(time.Hour), Reason: "exercise", By: "op1"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if ch := handle(t, s, begin("T1", time.Duration(i)*time.Second)); len(ch) != 0 {
			t.Fatalf("not held back: %+v", ch)
		}
	}
	if list, _ := s.Suppressions(ctx, t0); list[0].Hits != 3 {
		t.Fatalf("hits %d, want 3", list[0].Hits)
	}
	if err := s.RemoveSuppression(ctx, sp.ID); err != nil {
		t.Fatal(err)
	}
	if ch := handle(t, s, begin("T1", time.Minute)); len(ch) != 1 {
		t.Fatalf("after removal: %+v", ch)
	}
	wantCode(t, "remove twice", s.RemoveSuppression(ctx, sp.ID), errs.NotFound)
}

func TestSuppressionValidation(t *testing.T) {
	c := qaim
	bad := geo.LatLon{Lat: 95, Lon: 40}
	ok := alert.Suppression{Center: &c, RadiusM: 1000, Until: t0.Add(time.Hour), Reason: "r", By: "op1"}
	cases := []struct {
		field string
		edit  func(*alert.Suppression)
	}{
		{"center", func(sp *alert.Suppression) { sp.Center = &bad }},
		{"radius_m", func(sp *alert.Suppression) { sp.RadiusM = 0 }},
		{"radius_m", func(sp *alert.Suppression) { sp.RadiusM = 60000 }},
		{"center", func(sp *alert.Suppression) { sp.Center = nil }},
		{"center", func(sp *alert.Suppression) { sp.Center, sp.RadiusM = nil, 0 }},
		{"rules", func(sp *alert.Suppression) { sp.Rules = []rules.Rule{"speeding"} }},
		{"classes", func(sp *alert.Suppression) { sp.Classes = []string{"camel"} }},
		{"until", func(sp *alert.Suppression) { sp.Until = time.Time{} }},
		{"until", func(sp *alert.Suppression) { sp.Until = t0.Add(-time.Minute) }},
		{"until", func(sp *alert.Suppression) { sp.Until = t0.AddDate(0, 0, 31) }},
		{"reason", func(sp *alert.Suppression) { sp.Reason = " " }},
		{"by", func(sp *alert.Suppression) { sp.By = "" }},
	}
	s, _, _ := newService(t, alert.Config{})
	for _, tc := range cases {
		sp := ok
		tc.edit(&sp)
		_, err := s.AddSuppression(opCtx, sp)
		if errs.CodeOf(err) != errs.Invalid || !strings.HasPrefix(errs.MessageOf(err), tc.field+":") {
			t.Errorf("%s: %v, want invalid naming %s", tc.field, err, tc.field)
		}
	}
	sp := ok
	sp.Center, sp.RadiusM, sp.Sector, sp.Until = nil, 0, "S06", t0.AddDate(0, 0, 30)
	if _, err := s.AddSuppression(opCtx, sp); err != nil {
		t.Fatalf("a sector for 30 days: %v", err)
	}
}

// TestRateCap: a console capped at 5 raised alerts a minute gets 5 one by
// one and the rest in summaries that name every one of them; life-cycle
// changes always pass.
func TestRateCap(t *testing.T) {
	ctx := opCtx
	s, _, clk := newService(t, alert.Config{})
	sub := s.Subscribe("console", 5)
	defer sub.Close()
	var raised []int64
	raise := func(track string, rule rules.Rule, sector string, pos geo.LatLon) {
		e := ev(track, rule, rules.PhaseBegin, rules.SeverityMedium, clk.Now(), pos)
		e.Sector = sector
		for _, ch := range handle(t, s, e) {
			raised = append(raised, ch.Alert.ID)
		}
	}
	for i := range 50 {
		clk.Set(t0.Add(time.Duration(i) * time.Second))
		switch {
		case i < 35:
			raise(fmt.Sprintf("T%d", i), rules.RuleApproach, "S06", east(float64(i)*100))
		default:
			raise(fmt.Sprintf("T%d", i), rules.RuleZone, "S05", east(float64(i)*100))
		}
		if i == 20 {
			if _, err := s.Acknowledge(ctx, raised[0], "op1"); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := drain(sub)
	if len(got) != 6 || got[5].Kind != alert.KindAcknowledged {
		t.Fatalf("during the minute: %d changes %v, want 5 raised and the acknowledgement", len(got), kinds(got))
	}
	clk.Set(t0.Add(61 * time.Second))
	if _, err := s.Escalate(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	sum := drain(sub)
	if len(sum) != 1 || sum[0].Kind != alert.KindSummary || sum[0].Summary == nil {
		t.Fatalf("after the minute: %v", kinds(sum))
	}
	o := sum[0].Summary
	if want := "45 more alerts: 30 approach in S06, 15 zone_entry in S05"; o.Text != want || o.Count != 45 {
		t.Fatalf("summary %q (%d), want %q", o.Text, o.Count, want)
	}
	if !slices.Equal(o.IDs, raised[5:]) {
		t.Fatalf("summary names %v, want %v", o.IDs, raised[5:])
	}

	// A second minute: 8 raised, 5 delivered; the next raised alert after
	// the minute brings the summary of the other 3 before it.
	for i := range 8 {
		clk.Set(t0.Add(2*time.Minute + time.Duration(i)*time.Second))
		raise(fmt.Sprintf("U%d", i), rules.RuleLoiter, "S04", east(float64(i)*100))
	}
	clk.Set(t0.Add(4 * time.Minute))
	raise("V1", rules.RuleLoiter, "S04", east(0))
	got = drain(sub)
	if fmt.Sprint(kinds(got)) != "[raised raised raised raised raised summary raised]" {
		t.Fatalf("second minute: %v", kinds(got))
	}
	if !slices.Equal(got[5].Summary.IDs, raised[55:58]) || got[5].Summary.Text != "3 more alerts: 3 loiter in S04" {
		t.Fatalf("second summary %+v, want ids %v", got[5].Summary, raised[55:58])
	}
}

func kinds(chs []alert.Change) []string {
	var out []string
	for _, c := range chs {
		out = append(out, c.Kind)
	}
	return out
}

func TestRateCapExercise(t *testing.T) {
	s, _, clk := newService(t, alert.Config{})
	sub := s.Subscribe("console", 1)
	defer sub.Close()
	for i, track := range []string{"T1", "T2", "X-3", "X-4"} {
		e := ev(track, rules.RuleApproach, rules.PhaseBegin, rules.SeverityHigh, t0, east(float64(i)*5000))
		e.Class = fusion.ClassVehicle
		handle(t, s, e)
	}
	clk.Set(t0.Add(time.Minute))
	flushed := drain(sub)
	if _, err := s.Escalate(opCtx, t0); err != nil {
		t.Fatal(err)
	}
	flushed = append(flushed, drain(sub)...)
	if len(flushed) != 2 || flushed[1].Summary == nil {
		t.Fatalf("changes %v", kinds(flushed))
	}
	if got := flushed[1].Summary.Text; got != "3 more alerts: 2 exercise approach in S06, 1 approach in S06" {
		t.Fatalf("summary %q: drill alerts must be counted apart", got)
	}
}

// TestSlowSubscriberClosed: a console that does not read is cut off once
// its queue is full; Handle never waits for it and the others get
// everything.
func TestSlowSubscriberClosed(t *testing.T) {
	s, _, _ := newService(t, alert.Config{QueueLength: 8})
	slow := s.Subscribe("slow", 0)
	fast := s.Subscribe("fast", 0)
	defer fast.Close()
	// The fast console reads between batches; the slow one never reads.
	done := make(chan []alert.Change)
	go func() {
		var got []alert.Change
		for i := range 100 {
			if _, err := s.Handle(opCtx, []rules.Event{begin(fmt.Sprintf("T%d", i), 0)}, uint64(i)); err != nil {
				t.Error(err)
			}
			got = append(got, drain(fast)...)
		}
		done <- got
	}()
	select {
	case got := <-done:
		if len(got) != 100 || fast.Err() != nil {
			t.Fatalf("the fast console got %d changes (%v)", len(got), fast.Err())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Handle blocked on a slow console")
	}
	queued := drain(slow)
	if len(queued) != 8 {
		t.Fatalf("slow console had %d changes queued, want 8", len(queued))
	}
	if _, ok := <-slow.C(); ok {
		t.Fatal("the slow console's channel is still open")
	}
	if err := slow.Err(); errs.CodeOf(err) != errs.Unavailable || !strings.Contains(errs.MessageOf(err), "fell behind") {
		t.Fatalf("slow console error %v", err)
	}
	slow.Close() // closing after the cut-off is harmless
}

func TestSubscriptionClose(t *testing.T) {
	s, _, _ := newService(t, alert.Config{})
	sub := s.Subscribe("console", 0)
	sub.Close()
	sub.Close()
	if _, ok := <-sub.C(); ok || sub.Err() != nil {
		t.Fatalf("closed subscription: err %v", sub.Err())
	}
	raiseOne(t, s, "T1") // publishing to no one is fine
}

// TestSubscribeConcurrent runs subscriptions opening and closing while
// alerts flow (for the race detector).
func TestSubscribeConcurrent(t *testing.T) {
	s, _, _ := newService(t, alert.Config{QueueLength: 4})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			sub := s.Subscribe("c", 2)
			drain(sub)
			sub.Close()
		}
	}()
	for i := range 200 {
		handle(t, s, begin(fmt.Sprintf("T%d", i%20), time.Duration(i)*time.Second))
	}
	close(stop)
	<-done
}
