package sim

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func TestDeterministic(t *testing.T) {
	opts := Options{Scenario: "infiltration-anbar", Seed: 11, Start: testStart, Duration: 45 * time.Second, Background: 0.02}
	a := runToBuffers(t, opts)
	b := runToBuffers(t, opts)
	for _, s := range []struct {
		name string
		x, y *bytes.Buffer
	}{{"observations", &a.obs, &b.obs}, {"heartbeats", &a.hb, &b.hb}, {"truth", &a.truth, &b.truth}} {
		if s.x.Len() == 0 {
			t.Fatalf("no %s", s.name)
		}
		if !bytes.Equal(s.x.Bytes(), s.y.Bytes()) {
			t.Errorf("%s differ between two runs with the same seed", s.name)
		}
	}

	opts.Seed = 12
	c := runToBuffers(t, opts)
	if bytes.Equal(a.obs.Bytes(), c.obs.Bytes()) || bytes.Equal(a.truth.Bytes(), c.truth.Bytes()) {
		t.Error("seeds 11 and 12 give the same records")
	}

	// Not asking for the truth changes nothing else.
	opts.Seed = 11
	g, err := New(testTheater(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	var obs bytes.Buffer
	if _, err := Run(context.Background(), g, Sinks{Observations: NewFileSink[Observation](&obs)}, 0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(obs.Bytes(), a.obs.Bytes()) {
		t.Error("the observations change when the truth is not written")
	}
}
