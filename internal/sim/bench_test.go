package sim

import (
	"context"
	"io"
	"testing"
)

// BenchmarkGenerate runs the infiltration-anbar scenario one simulated
// second per iteration, encoding the observations as NDJSON to nowhere,
// and reports observations generated per wall-clock second (obs/s) and
// simulated seconds per wall-clock second (x-realtime). The budget is
// 5,000 obs/s at realistic intensity: the run must keep ahead of the
// clock.
func BenchmarkGenerate(b *testing.B) {
	th := testTheater(b)
	for _, in := range Intensities {
		b.Run(string(in), func(b *testing.B) {
			g, err := New(th, Options{
				Scenario: "infiltration-anbar", Seed: 1, Start: testStart,
				Duration: MaxDuration, Intensity: in,
			})
			if err != nil {
				b.Fatal(err)
			}
			g.SetTruth(false)
			sink := NewFileSink[Observation](io.Discard)
			ctx := context.Background()
			// Let the first clutter and the delivery queue fill.
			for range 10 {
				g.Step()
			}
			before := g.Stats().Observations()
			b.ReportAllocs()
			steps := 0
			for b.Loop() {
				batch, _ := g.Step()
				if err := sink.Write(ctx, batch.Observations); err != nil {
					b.Fatal(err)
				}
				steps++
			}
			n := g.Stats().Observations() - before
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(n)/secs, "obs/s")
			b.ReportMetric(float64(steps)*float64(StepMs)/1000/secs, "x-realtime")
			b.ReportMetric(float64(n)/float64(steps), "obs/sim-s")
		})
	}
}
