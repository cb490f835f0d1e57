package sim

import (
	"testing"
	"time"
)

// observationRate runs the intensity at night and returns observations
// and heartbeats per simulated second over secs seconds, after two seconds
// for the clutter to build up.
func observationRate(t *testing.T, in Intensity, secs int) (obs, hb float64) {
	t.Helper()
	const warmUp = 2
	g, err := New(testTheater(t), Options{Scenario: "quiet-night", Seed: 5, Start: testStart, Duration: time.Duration(warmUp+secs) * time.Second, Intensity: in})
	if err != nil {
		t.Fatal(err)
	}
	g.SetTruth(false)
	for range warmUp {
		g.Step()
	}
	before := g.Stats()
	for {
		if _, ok := g.Step(); !ok {
			break
		}
	}
	s := g.Stats()
	return float64(s.Observations()-before.Observations()) / float64(secs), float64(s.Heartbeats-before.Heartbeats) / float64(secs)
}

func TestRatesMatchIntensity(t *testing.T) {
	quiet, _ := observationRate(t, IntensityQuiet, 3)
	realistic, hb := observationRate(t, IntensityRealistic, 3)
	t.Logf("quiet %.0f/s, realistic %.0f/s, heartbeats %.1f/s", quiet, realistic, hb)
	if realistic < 4500 || realistic > 5700 {
		t.Errorf("realistic: %.0f observations/s, want about 5,000", realistic)
	}
	if r := realistic / quiet; r < 6 || r > 14 {
		t.Errorf("realistic/quiet = %.1f, want about 10", r)
	}
	if want := float64(len(testTheater(t).Cameras)) / 30; hb < 0.9*want || hb > 1.05*want {
		t.Errorf("%.1f heartbeats/s, want about %.0f (one per camera every 30 s)", hb, want)
	}
	if testing.Short() {
		return
	}
	surge, _ := observationRate(t, IntensitySurge, 1)
	t.Logf("surge %.0f/s", surge)
	if r := surge / realistic; r < 7 || r > 13 {
		t.Errorf("surge/realistic = %.1f, want about 10", r)
	}
}
