package sim

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	good := Options{Scenario: "quiet-night", Start: testStart, Duration: time.Minute}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		change func(*Options)
		field  string
	}{
		{func(o *Options) { o.Scenario = "nope" }, "scenario"},
		{func(o *Options) { o.Start = time.Time{} }, "start"},
		{func(o *Options) { o.Duration = 0 }, "duration"},
		{func(o *Options) { o.Duration = MaxDuration + 1 }, "duration"},
		{func(o *Options) { o.Intensity = "loud" }, "intensity"},
		{func(o *Options) { o.Background = -1 }, "background"},
		{func(o *Options) { o.Weather = 1.5 }, "weather"},
		{func(o *Options) { o.Weather = math.NaN() }, "weather"},
		{func(o *Options) { o.TruthEvery = 1500 * time.Microsecond }, "truth_every"},
	} {
		o := good
		tc.change(&o)
		err := o.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tc.field+":") {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
	// Every problem is reported, not only the first.
	bad := Options{Scenario: "nope", Duration: -1}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "scenario") || !strings.Contains(err.Error(), "duration") || !strings.Contains(err.Error(), "start") {
		t.Errorf("got %v", err)
	}
	if _, err := New(testTheater(t), bad); err == nil {
		t.Error("New accepted bad options")
	}
	// New starts at the scenario's default start when none is given.
	g, err := New(testTheater(t), Options{Scenario: "alhol-escape", Duration: time.Second, Background: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if sc, _ := LookupScenario("alhol-escape"); !g.Options().Start.Equal(sc.DefaultStart) {
		t.Errorf("start %v, want the default %v", g.Options().Start, sc.DefaultStart)
	}
}

func TestScenarios(t *testing.T) {
	names := ScenarioNames()
	want := []string{"quiet-night", "infiltration-anbar", "smuggling-sinjar", "alhol-escape", "camera-outage"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("scenarios %v, want %v", names, want)
	}
	for _, s := range Scenarios() {
		if s.Description == "" || s.DefaultStart.IsZero() {
			t.Errorf("%s: no description or default start", s.Name)
		}
	}
}
