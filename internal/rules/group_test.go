package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"raqib/internal/fusion"
)

// walkers builds n movers walking side by side, offset sideways by gap
// metres, each fix list covering d.
func walkers(tb testing.TB, n int, class fusion.Class, start time.Time, from fix, gap float64, d time.Duration) ([]*mover, [][]fix) {
	th := testTheater(tb)
	var ms []*mover
	var fs [][]fix
	for i := range n {
		m := newMover(th, fmt.Sprintf("G%d", n-i), class, start)
		// G1, the last built, is born first: the group takes its id.
		m.born = start.Add(-time.Duration(i+1) * time.Minute)
		f := from
		f.chainage += float64(i) * gap
		ms = append(ms, m)
		fs = append(fs, line(f, d, 2*time.Second))
	}
	return ms, fs
}

func TestGroupTransitions(t *testing.T) {
	across := fix{chainage: open05, dist: -3000, along: 1}
	tests := []struct {
		name  string
		n     int
		class fusion.Class
		gap   float64
		// split makes the last walker leave after this long.
		split time.Duration
		want  []string
	}{
		{name: "three together", n: 3, class: fusion.ClassPerson, gap: 60, want: []string{"group/begin"}},
		{name: "spread along a chain", n: 4, class: fusion.ClassUnknown, gap: 150, want: []string{"group/begin"}},
		{name: "two are not a group", n: 2, class: fusion.ClassPerson, gap: 60, want: nil},
		{name: "too far apart", n: 3, class: fusion.ClassPerson, gap: 400, want: nil},
		{name: "animals are not a group", n: 5, class: fusion.ClassAnimal, gap: 30, want: nil},
		{name: "vehicles are not a group", n: 3, class: fusion.ClassVehicle, gap: 60, want: nil},
		{name: "one leaves", n: 3, class: fusion.ClassPerson, gap: 60, split: time.Minute, want: []string{"group/begin", "group/end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(testTheater(t), nil, nil)
			ms, fs := walkers(t, tt.n, tt.class, night, across, tt.gap, 3*time.Minute)
			if tt.split > 0 {
				last := fs[len(fs)-1]
				for k := range last {
					if last[k].at > tt.split {
						dt := (last[k].at - tt.split).Seconds()
						last[k].dist -= 2 * dt
						last[k].across = -2
					}
				}
			}
			got := only(runSteps(e, ms, fs), RuleGroup)
			if g := transitions(got); strings.Join(g, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("events %v, want %v", g, tt.want)
			}
			if len(got) == 0 {
				return
			}
			b := got[0]
			var ids []string
			for _, m := range ms {
				ids = append(ids, m.id)
			}
			slices.Sort(ids)
			if b.Track != "G1" || !slices.Equal(b.Members, ids) || b.Count != tt.n {
				t.Errorf("group track %s members %v count %d", b.Track, b.Members, b.Count)
			}
			// S05 is high threat: 30 s shortened to 24 s.
			if at := b.Time.Sub(night); at < 24*time.Second || at > 30*time.Second {
				t.Errorf("group began after %v", at)
			}
			if len(b.Evidence) == 0 || len(b.Sensors) == 0 || b.Sector != "S05" || !strings.Contains(b.Summary, "group of") {
				t.Errorf("group event %+v", b)
			}
			if len(got) > 1 {
				end := got[1]
				if end.Track != b.Track || end.Key() != b.Key() {
					t.Errorf("end key %s, begin %s", end.Key(), b.Key())
				}
				if at := end.Time.Sub(night); at < tt.split+30*time.Second {
					t.Errorf("group ended after %v, before the clearing time", at)
				}
			}
		})
	}
}

func TestGroupOneTrackWithCount(t *testing.T) {
	th := testTheater(t)
	e := New(th, nil, nil)
	m := newMover(th, "T1", fusion.ClassPerson, night)
	m.count = 6
	got := only(runSteps(e, []*mover{m}, [][]fix{line(fix{chainage: open05, dist: -3000, along: 1}, 2*time.Minute, 2*time.Second)}), RuleGroup)
	if len(got) != 0 {
		t.Fatalf("one track of six raised %v", transitions(got))
	}
}

func TestGroupEndsWhenTracksDeleted(t *testing.T) {
	e := New(testTheater(t), nil, nil)
	ms, fs := walkers(t, 3, fusion.ClassPerson, night, fix{chainage: open05, dist: -3000, along: 1}, 60, time.Minute)
	if got := only(runSteps(e, ms, fs), RuleGroup); len(got) != 1 {
		t.Fatalf("begin: %v", transitions(got))
	}
	var us []fusion.Update
	for i, m := range ms {
		tr := m.track(fs[i][len(fs[i])-1])
		tr.Status = fusion.StatusDeleted
		us = append(us, fusion.Update{Kind: fusion.UpdateDeleted, Track: tr})
	}
	got := only(e.Step(us), RuleGroup)
	if g := strings.Join(transitions(got), " "); g != "group/end" {
		t.Fatalf("on deletion: %s, want group/end", g)
	}
	if got[0].Track != "G1" || len(got[0].Members) != 3 {
		t.Errorf("end %+v", got[0])
	}
	if s := e.Stats(); s.Groups != 0 || s.Tracks != 0 {
		t.Errorf("stats %+v", s)
	}
}

// A shepherd walking out to his pasture with his flock beside him raises
// no approach; the same walk alone does.
func TestHerdersExempt(t *testing.T) {
	th := testTheater(t)
	for _, tc := range []struct {
		name  string
		flock bool
		start time.Time
		want  int
	}{
		{"alone by day", false, day, 1},
		{"with flock by day", true, day, 0},
		{"with flock at night", true, night, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := New(th, nil, nil)
			shepherd := newMover(th, "P", fusion.ClassPerson, tc.start)
			movers := []*mover{shepherd}
			fixes := [][]fix{line(fix{chainage: open05, dist: 900, across: -1.3}, 2*time.Minute, 2*time.Second)}
			if tc.flock {
				movers = append(movers, newMover(th, "F", fusion.ClassAnimal, tc.start))
				fixes = append(fixes, line(fix{chainage: open05 + 45, dist: 900, across: -1.3}, 2*time.Minute, 2*time.Second))
			}
			got := only(runSteps(e, movers, fixes), RuleApproach)
			if len(got) != tc.want {
				t.Fatalf("%v, want %d approach", transitions(got), tc.want)
			}
		})
	}
}

func TestGridRefiles(t *testing.T) {
	var g groups
	tab := compile(DefaultConfig(), testTheater(t))
	g.init(tab, 34.5)
	th := testTheater(t)
	m := newMover(th, "T1", fusion.ClassPerson, night)
	st := &trackState{slot: -1}
	for k := range 200 {
		tr := m.track(fix{at: time.Duration(k) * time.Second, chainage: open05 + float64(k)*20, dist: -1000})
		st.mem.p, st.mem.dist = tab.of(th.Sector("S05")), -1000
		g.place(st, &tr)
	}
	cells := 0
	for _, list := range g.grid.cells {
		cells += len(list)
	}
	if cells != 1 || st.slot < 0 {
		t.Fatalf("one track filed %d times", cells)
	}
	g.remove(st)
	if len(g.grid.cells) != 0 || st.slot != -1 || len(g.grid.free) != 1 {
		t.Fatalf("after remove: %d cells, slot %d, %d free", len(g.grid.cells), st.slot, len(g.grid.free))
	}
}
