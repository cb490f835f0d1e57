package rules

import (
	"strings"
	"testing"
	"time"

	"raqib/internal/fusion"
)

func TestTrackBesideOwnUnitRaisesNoOffroad(t *testing.T) {
	th := testTheater(t)
	drive := line(fix{chainage: open05, dist: 5000, along: 10}, 2*time.Minute, 2*time.Second)
	for _, tt := range []struct {
		name   string
		offset float64 // metres along the border between the patrol and the track
		want   string
	}{
		{"beside the patrol", 60, ""},
		{"far from the patrol", 5000, "vehicle_offroad_night/begin vehicle_offroad_night/end"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := New(th, nil, nil)
			patrol := newMover(th, "P1", fusion.ClassVehicle, night)
			patrol.friendly = true
			other := newMover(th, "T1", fusion.ClassVehicle, night)
			shifted := make([]fix, len(drive))
			for i, f := range drive {
				f.chainage += tt.offset
				shifted[i] = f
			}
			got := runSteps(e, []*mover{patrol, other}, [][]fix{drive, shifted})
			// The track is lost: a condition held back beside the patrol
			// ends without an event, like its beginning.
			last := other.track(shifted[len(shifted)-1])
			last.Status = fusion.StatusDeleted
			got = append(got, e.Step([]fusion.Update{{Kind: fusion.UpdateDeleted, Track: last}})...)
			if g := strings.Join(transitions(got), " "); g != tt.want {
				t.Errorf("events %q, want %q", g, tt.want)
			}
		})
	}
}

func TestYoungTrackCrossingRaisedWhenMature(t *testing.T) {
	th := testTheater(t)
	e := New(th, nil, nil)
	m := newMover(th, "T1", fusion.ClassVehicle, night)
	m.born = night // no history before the first fix
	fixes := line(fix{chainage: open05, dist: -100, across: 20}, 30*time.Second, time.Second)
	var at []time.Duration
	for _, f := range fixes {
		for _, ev := range e.Step([]fusion.Update{m.update(f)}) {
			if ev.Rule == RuleInbound {
				at = append(at, ev.Time.Sub(night))
			}
		}
	}
	if len(at) != 1 || at[0] < matureAge {
		t.Fatalf("inbound crossings at %v, want one once the track is %v old", at, matureAge)
	}
}

func TestRunningPersonIsHeldBack(t *testing.T) {
	th := testTheater(t)
	for _, tt := range []struct {
		speed float64
		want  int
	}{{1.4, 1}, {6, 0}} {
		e := New(th, nil, nil)
		m := newMover(th, "T1", fusion.ClassPerson, night)
		n := 0
		for _, f := range line(fix{chainage: open05, dist: -200, across: tt.speed}, 4*time.Minute, 2*time.Second) {
			for _, ev := range e.Step([]fusion.Update{m.update(f)}) {
				if ev.Rule == RuleInbound {
					n++
				}
			}
		}
		if n != tt.want {
			t.Errorf("a person at %.1f m/s: %d inbound crossings, want %d", tt.speed, n, tt.want)
		}
	}
}
