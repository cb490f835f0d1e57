package rules

import (
	"slices"
	"strings"
	"testing"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/theater"
)

// runSteps feeds the engine one step per fix index: step k holds the k-th
// fix of every mover.
func runSteps(e *Engine, movers []*mover, fixes [][]fix) []Event {
	var out []Event
	n := 0
	for _, f := range fixes {
		n = max(n, len(f))
	}
	for k := range n {
		var us []fusion.Update
		for i, m := range movers {
			if k < len(fixes[i]) {
				us = append(us, m.update(fixes[i][k]))
			}
		}
		out = append(out, e.Step(us)...)
	}
	return out
}

func TestEngineDeletionEndsConditions(t *testing.T) {
	th := testTheater(t)
	for _, kind := range []fusion.UpdateKind{fusion.UpdateDeleted, fusion.UpdateMerged} {
		t.Run(kind.String(), func(t *testing.T) {
			e := New(th, nil, nil)
			m := newMover(th, "T1", fusion.ClassPerson, night)
			// Inside Z-AKASHAT, walking at the line: zone and approach.
			// First judged far outside the zone, so being in it is an entry.
			fixes := concat(outsideZone(0, -1), line(fix{chainage: zone05, dist: -600, across: 1.2}, time.Minute, 2*time.Second))
			got := runSteps(e, []*mover{m}, [][]fix{fixes})
			if g := strings.Join(transitions(got), " "); g != "approach/begin zone_entry/begin" {
				t.Fatalf("before %s: %s", kind, g)
			}
			last := m.track(fixes[len(fixes)-1])
			last.Status = fusion.StatusDeleted
			got = e.Step([]fusion.Update{{Kind: kind, Track: last, MergedInto: "T0"}})
			if g := strings.Join(transitions(got), " "); g != "approach/end zone_entry/end" {
				t.Fatalf("on %s: %s, want approach/end zone_entry/end", kind, g)
			}
			for _, ev := range got {
				if ev.Zone == "" && ev.Rule == RuleZone || !strings.Contains(ev.Summary, "track lost") {
					t.Errorf("end event %+v", ev)
				}
			}
			if s := e.Stats(); s.Tracks != 0 || s.Forgotten != 1 {
				t.Errorf("stats after %s: %+v", kind, s)
			}
			// A later update of the same id starts afresh.
			got = runSteps(e, []*mover{m}, [][]fix{concat(outsideZone(2*time.Minute, -1), line(fix{at: 2 * time.Minute, chainage: zone05, dist: -500}, 30*time.Second, 2*time.Second))})
			if g := strings.Join(transitions(got), " "); g != "zone_entry/begin" {
				t.Errorf("after %s: %s", kind, g)
			}
		})
	}
}

func TestEngineOrderAndStats(t *testing.T) {
	th := testTheater(t)
	e := New(th, DefaultConfig(), nil)
	a := newMover(th, "B", fusion.ClassPerson, night)
	b := newMover(th, "A", fusion.ClassVehicle, night)
	// Both cross within the batch; B's update comes first but A's crossing
	// is at the same time and sorts first by track.
	us := []fusion.Update{
		a.update(fix{chainage: open05, dist: -50}),
		b.update(fix{chainage: open05 + 5000, dist: 60}),
		a.update(fix{at: 2 * time.Second, chainage: open05, dist: 50}),
		b.update(fix{at: 2 * time.Second, chainage: open05 + 5000, dist: -60}),
		// A tentative snapshot is never judged.
		{Kind: fusion.UpdateMeasured, Track: fusion.Track{ID: "X", Status: fusion.StatusTentative, Time: night}},
	}
	got := e.Step(us)
	var keys []string
	for _, ev := range got {
		keys = append(keys, ev.Track+"/"+string(ev.Rule))
	}
	want := []string{"A/outbound_crossing", "B/inbound_crossing"}
	if !slices.Equal(keys, want) {
		t.Fatalf("events %v, want %v", keys, want)
	}
	s := e.Stats()
	if s.Updates != 4 || s.Tracks != 2 || s.Events[RuleInbound] != 1 || s.Events[RuleOutbound] != 1 {
		t.Errorf("stats %+v", s)
	}
	if got := e.Step(nil); got != nil {
		t.Errorf("empty step: %v", got)
	}
}

func TestEngineReset(t *testing.T) {
	th := testTheater(t)
	e := New(th, nil, nil)
	m := newMover(th, "T1", fusion.ClassPerson, day)
	in := func(at time.Duration) [][]fix {
		return [][]fix{concat(outsideZone(at, -1), line(fix{at: at, chainage: zone05, dist: -3000}, 30*time.Second, 2*time.Second))}
	}
	// The track jumps in from far away: only its zone entries count here.
	if got := only(runSteps(e, []*mover{m}, in(0)), RuleZone); len(got) != 1 {
		t.Fatalf("first pass: %v", transitions(got))
	}
	if got := only(runSteps(e, []*mover{m}, in(time.Minute)), RuleZone); len(got) != 0 {
		t.Fatalf("second pass raised again: %v", transitions(got))
	}
	e.Reset()
	if s := e.Stats(); s.Tracks != 0 {
		t.Errorf("tracks after reset: %d", s.Tracks)
	}
	if got := only(runSteps(e, []*mover{m}, in(2*time.Minute)), RuleZone); len(got) != 1 {
		t.Fatalf("after reset: %v, want the zone entry again", transitions(got))
	}
}

func TestEngineTurningFriendlyEnds(t *testing.T) {
	th := testTheater(t)
	e := New(th, nil, nil)
	m := newMover(th, "T1", fusion.ClassVehicle, day)
	got := runSteps(e, []*mover{m}, [][]fix{concat(outsideZone(0, 1), still(0, zone05, 3000, 30*time.Second, 2*time.Second))})
	if len(got) != 1 {
		t.Fatalf("zone: %v", transitions(got))
	}
	m.friendly = true
	got = runSteps(e, []*mover{m}, [][]fix{still(time.Minute, zone05, 3000, time.Minute, 2*time.Second)})
	if g := strings.Join(transitions(got), " "); g != "zone_entry/end" {
		t.Fatalf("turned friendly: %s, want zone_entry/end", g)
	}
}

func TestEngineLiveStatus(t *testing.T) {
	th := testTheater(t)
	live := &fakeLive{barriers: map[string]theater.BarrierStatus{}}
	e := New(th, nil, live)
	m := newMover(th, "T1", fusion.ClassPerson, day)
	got := runSteps(e, []*mover{m}, [][]fix{still(0, gap15, 300, 30*time.Second, 2*time.Second)})
	got = only(got, RuleBarrierGap)
	if len(got) != 1 || got[0].Barrier != "BAR-13" || !strings.Contains(got[0].Summary, "planned") {
		t.Fatalf("gap: %+v", got)
	}
	// The segment is finished: the gap ends once the clearing time passes.
	live.barriers["BAR-13"] = theater.BarrierComplete
	got = only(runSteps(e, []*mover{m}, [][]fix{still(time.Minute, gap15, 300, time.Minute, 2*time.Second)}), RuleBarrierGap)
	if g := strings.Join(transitions(got), " "); g != "barrier_gap/end" {
		t.Fatalf("after the segment was completed: %s", g)
	}
	if got[0].Barrier != "BAR-13" || got[0].Phase != PhaseEnd {
		t.Errorf("end event %+v", got[0])
	}
}

func TestEngineNilConfig(t *testing.T) {
	e := New(testTheater(t), nil, nil)
	if e.env.tab.fallback == nil || !e.env.tab.fallback.on[iApproach] {
		t.Fatal("nil config did not use the defaults")
	}
}

// outsideZone is one fix 10 s before at, 30 km from the line on the side
// of side's sign at zone05's chainage: beyond every zone's depth.
func outsideZone(at time.Duration, side float64) []fix {
	return []fix{{at: at - 10*time.Second, chainage: zone05, dist: side * 30000}}
}
