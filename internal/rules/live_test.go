package rules

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/fusion"
)

// thresholdsLive is a LiveState whose thresholds come from a Thresholds.
type thresholdsLive struct {
	fakeLive
	t *Thresholds
}

func (l *thresholdsLive) RulesConfig() *Config { return l.t.Config() }

var _ LiveConfig = (*thresholdsLive)(nil)

func TestThresholdsSwapChangesJudgement(t *testing.T) {
	th := testTheater(t)
	thr := NewThresholds(DefaultConfig(), th)
	e := New(th, thr.Config(), &thresholdsLive{t: thr})
	walk := line(fix{chainage: open03, dist: -660, across: 1}, 30*time.Second, 2*time.Second)

	// 11 minutes from the line in S03 (elevated, 10 min): no approach.
	m := newMover(th, "T1", fusion.ClassPerson, night)
	if got := only(runSteps(e, []*mover{m}, [][]fix{walk}), RuleApproach); len(got) != 0 {
		t.Fatalf("before the change: %v, want no approach", transitions(got))
	}

	rs := thr.Sector("S03")
	rs.Approach.Within = 20 * time.Minute
	if err := thr.SetSector("S03", rs); err != nil {
		t.Fatal(err)
	}
	if w := thr.Config().Sector("S03").Approach.Within; w != 20*time.Minute {
		t.Fatalf("S03 within %v after the change, want 20m", w)
	}
	if w := thr.Config().Sector("S04").Approach.Within; w != 10*time.Minute {
		t.Fatalf("S04 within %v, want the default 10m", w)
	}

	// The same walk by a new track, later: now an approach.
	m2 := newMover(th, "T2", fusion.ClassPerson, night.Add(time.Hour))
	if got := only(runSteps(e, []*mover{m2}, [][]fix{walk}), RuleApproach); len(got) != 1 {
		t.Fatalf("after the change: %v, want one approach", transitions(got))
	}
}

func TestThresholdsRefuseBadRuleSet(t *testing.T) {
	th := testTheater(t)
	thr := NewThresholds(DefaultConfig(), th)
	before := thr.Config()

	rs := thr.Sector("S06")
	rs.Approach.Within = 0
	err := thr.SetSector("S06", rs)
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Field != "approach.within" {
		t.Fatalf("zero within: %v, want one problem with approach.within", err)
	}
	if err := thr.SetSector("S99", thr.Sector("S06")); err == nil || !strings.Contains(err.Error(), `unknown sector "S99"`) {
		t.Fatalf("unknown sector: %v", err)
	}
	if thr.Config() != before {
		t.Fatal("a refused change replaced the configuration")
	}
}

func TestParseRuleSet(t *testing.T) {
	base := DefaultConfig().Defaults
	rs, err := ParseRuleSet("body", []byte(`{"approach": {"within": "15m"}, "loiter": {"night_only": false}}`), base)
	if err != nil {
		t.Fatal(err)
	}
	if rs.Approach.Within != 15*time.Minute || rs.Loiter.NightOnly || rs.Approach.MaxDistanceM != base.Approach.MaxDistanceM {
		t.Fatalf("merged rule set: within %v night_only %v max_distance_m %v", rs.Approach.Within, rs.Loiter.NightOnly, rs.Approach.MaxDistanceM)
	}

	for _, tc := range []struct{ body, field string }{
		{`{"approach": {"horizon": "5m"}}`, "approach.horizon"},
		{`{"approach": {"within": "0s"}}`, "approach.within"},
		{`{"group": {"min_tracks": 1}}`, "group.min_tracks"},
		{`{"loiter": {"radius_m": "far"}}`, "loiter.radius_m"},
	} {
		_, err := ParseRuleSet("body", []byte(tc.body), base)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Problems[0].Field != tc.field {
			t.Errorf("%s: %v, want a problem with %s", tc.body, err, tc.field)
		}
	}
}

func TestRuleSetJSONRoundTrip(t *testing.T) {
	base := DefaultConfig().Defaults
	base.Approach.Within = 15 * time.Minute
	data, err := json.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"approach":`, `"within":"15m0s"`, `"vehicle_offroad_night":`, `"classes":["person","vehicle","unknown"]`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("JSON lacks %s: %s", want, data)
		}
	}
	back, err := ParseRuleSet("json", data, RuleSet{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if string(again) != string(data) {
		t.Errorf("round trip changed the rule set:\n%s\n%s", data, again)
	}
}

// TestThresholdsConcurrentSwap changes thresholds while the engine steps:
// run under -race.
func TestThresholdsConcurrentSwap(t *testing.T) {
	th := testTheater(t)
	thr := NewThresholds(DefaultConfig(), th)
	e := New(th, thr.Config(), &thresholdsLive{t: thr})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 20 {
			rs := thr.Sector("S03")
			rs.Group.RadiusM = 200 + float64(i*50)
			if err := thr.SetSector("S03", rs); err != nil {
				t.Error(err)
				return
			}
		}
	})
	m := newMover(th, "T1", fusion.ClassPerson, night)
	runSteps(e, []*mover{m}, [][]fix{line(fix{chainage: open03, dist: -660, across: 1}, 2*time.Minute, 2*time.Second)})
	wg.Wait()
	e.Step(nil)
	if e.cfg != thr.Config() {
		t.Error("the engine did not take up the last configuration")
	}
}
