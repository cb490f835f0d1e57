package sim

import (
	"context"
	"fmt"
	"time"
)

// Run drives the generator to its end, writing each step's records to the
// sinks. speed is simulated seconds per wall-clock second (0: as fast as
// possible); when pacing, each step's records are written and the sinks
// flushed when the wall clock reaches the step's end, so no record leaves
// before its send time and none more than a step after it. Run stops early when ctx is cancelled, with the summary
// so far and Interrupted set, and on the first sink error.
func Run(ctx context.Context, g *Generator, sinks Sinks, speed float64) (Summary, error) {
	if speed < 0 {
		return Summary{}, fmt.Errorf("sim: speed %v: want 0 (as fast as possible) or more", speed)
	}
	g.SetTruth(sinks.Truth != nil)
	sum := Summary{Options: g.Options(), Speed: speed}
	began := time.Now()
	finish := func(err error) (Summary, error) {
		sum.Stats, sum.Wall = g.Stats(), time.Since(began)
		return sum, err
	}
	for {
		if ctx.Err() != nil {
			sum.Interrupted = true
			break
		}
		b, ok := g.Step()
		if !ok {
			break
		}
		sum.Reached = b.Until
		wall := func(t time.Time) time.Time {
			return began.Add(time.Duration(float64(t.Sub(g.opts.Start)) / speed))
		}
		var err error
		paced := true
		if speed > 0 {
			// Each part of the step leaves at its send time, none before;
			// the heartbeats and the truth at the step's end.
			paced, err = sendPaced(ctx, sinks.Observations, b, wall)
			paced = paced && sleepUntil(ctx, wall(b.Until))
			if err == nil && paced {
				err = writeBatch(ctx, Sinks{Heartbeats: sinks.Heartbeats, Truth: sinks.Truth}, b)
			}
			if err == nil && paced {
				err = flushSinks(ctx, sinks)
			}
		} else {
			err = writeBatch(ctx, sinks, b)
		}
		if err != nil && ctx.Err() != nil || !paced {
			sum.Interrupted = true
			break
		}
		if err != nil {
			return finish(err)
		}
	}
	// Flush with a context of its own: what was made is worth writing even
	// after an interrupt.
	return finish(flushSinks(context.WithoutCancel(ctx), sinks))
}

// sendPaced writes each due part of b's observations to s at its wall
// time and flushes it; false if ctx ended while waiting.
func sendPaced(ctx context.Context, s Sink[Observation], b *Batch, wall func(time.Time) time.Time) (bool, error) {
	if s == nil {
		return true, nil
	}
	from := 0
	for _, d := range b.Due {
		if !sleepUntil(ctx, wall(d.Until)) {
			return false, nil
		}
		if d.End == from {
			continue
		}
		if err := s.Write(ctx, b.Observations[from:d.End]); err != nil {
			return true, fmt.Errorf("observations: %w", err)
		}
		if err := s.Flush(ctx); err != nil {
			return true, fmt.Errorf("observations: %w", err)
		}
		from = d.End
	}
	return true, nil
}

func writeBatch(ctx context.Context, s Sinks, b *Batch) error {
	if s.Observations != nil && len(b.Observations) > 0 {
		if err := s.Observations.Write(ctx, b.Observations); err != nil {
			return fmt.Errorf("observations: %w", err)
		}
	}
	if s.Heartbeats != nil && len(b.Heartbeats) > 0 {
		if err := s.Heartbeats.Write(ctx, b.Heartbeats); err != nil {
			return fmt.Errorf("heartbeats: %w", err)
		}
	}
	if s.Truth != nil && len(b.Truth) > 0 {
		if err := s.Truth.Write(ctx, b.Truth); err != nil {
			return fmt.Errorf("truth: %w", err)
		}
	}
	return nil
}

func flushSinks(ctx context.Context, s Sinks) error {
	if s.Observations != nil {
		if err := s.Observations.Flush(ctx); err != nil {
			return fmt.Errorf("observations: %w", err)
		}
	}
	if s.Heartbeats != nil {
		if err := s.Heartbeats.Flush(ctx); err != nil {
			return fmt.Errorf("heartbeats: %w", err)
		}
	}
	if s.Truth != nil {
		if err := s.Truth.Flush(ctx); err != nil {
			return fmt.Errorf("truth: %w", err)
		}
	}
	return nil
}

// sleepUntil waits for the wall clock to reach t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
