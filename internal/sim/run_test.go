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

// wallSink records when each write happened and what it held.
type wallSink struct {
	writes []time.Time
	obs    [][]Observation
}

func (w *wallSink) Write(_ context.Context, recs []Observation) error {
	w.writes = append(w.writes, time.Now())
	w.obs = append(w.obs, append([]Observation(nil), recs...))
	return nil
}

func (w *wallSink) Flush(context.Context) error { return nil }

// A paced run sends a step's observations as they fall due, over the
// step, never before they were made, and the same ones as an unpaced run.
func TestRunSendsEachPartWhenDue(t *testing.T) {
	const speed = 5
	opts := Options{Scenario: "quiet-night", Seed: 2, Start: testStart, Duration: 3 * time.Second}
	g, err := New(testTheater(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	var paced wallSink
	began := time.Now()
	if _, err := Run(context.Background(), g, Sinks{Observations: &paced}, speed); err != nil {
		t.Fatal(err)
	}
	g, err = New(testTheater(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	var fast wallSink
	if _, err := Run(context.Background(), g, Sinks{Observations: &fast}, 0); err != nil {
		t.Fatal(err)
	}
	var got, want []Observation
	for i, part := range paced.obs {
		for _, o := range part {
			made := began.Add(o.Time.Sub(testStart) / speed)
			if paced.writes[i].Before(made) {
				t.Fatalf("%s #%d made at %v was sent at %v", o.Sensor, o.Seq, made.Sub(began), paced.writes[i].Sub(began))
			}
		}
		got = append(got, part...)
	}
	for _, part := range fast.obs {
		want = append(want, part...)
	}
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("paced run sent %d observations, unpaced %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Sensor != want[i].Sensor || got[i].Seq != want[i].Seq {
			t.Fatalf("observation %d: paced %s #%d, unpaced %s #%d", i, got[i].Sensor, got[i].Seq, want[i].Sensor, want[i].Seq)
		}
	}
	// Three steps of a second, sent as they fall due.
	if len(paced.writes) < 30 {
		t.Errorf("paced run sent %d parts in 3 steps: want them spread over each step", len(paced.writes))
	}
}
