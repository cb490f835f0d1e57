package sim

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func TestRunPacesAndStops(t *testing.T) {
	opts := Options{Scenario: "quiet-night", Seed: 1, Start: testStart, Duration: 3 * time.Second, Background: 0.01}
	g, err := New(testTheater(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	var obs bytes.Buffer
	sum, err := Run(context.Background(), g, Sinks{Observations: NewFileSink[Observation](&obs)}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Wall < 250*time.Millisecond || sum.Interrupted || !sum.Reached.Equal(testStart.Add(3*time.Second)) {
		t.Errorf("3 s at speed 10 took %v, interrupted %v, reached %v", sum.Wall, sum.Interrupted, sum.Reached)
	}

	opts.Duration = time.Hour
	g, err = New(testTheater(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	sum, err = Run(ctx, g, Sinks{Observations: NewFileSink[Observation](&obs)}, 1)
	if err != nil || !sum.Interrupted || sum.Wall > 5*time.Second {
		t.Errorf("interrupted run: err %v, interrupted %v after %v", err, sum.Interrupted, sum.Wall)
	}
	if _, err := Run(context.Background(), g, Sinks{}, -1); err == nil {
		t.Error("Run accepted a negative speed")
	}
}
