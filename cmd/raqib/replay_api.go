package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"raqib/internal/api"
	"raqib/internal/errs"
	"raqib/internal/eventlog"
	"raqib/internal/ingest"
	"raqib/internal/pipeline"
	"raqib/internal/rules"
	"raqib/internal/sensor"
	"raqib/internal/theater"
)

// maxReplays is how many replays may run at once: each runs the fusion
// over up to an hour of the log on the server's own cores.
const maxReplays = 2

// replayProgressEvery is the most observations between two progress
// reports of a replay.
const replayProgressEvery = 50_000

// logReplayer rebuilds the picture at a past time the way a start does:
// a fresh pipeline without alerting, fed the observations the log holds
// for the window, its clock then moved on to the time asked for as the
// live pipeline's would have been.
type logReplayer struct {
	log     *eventlog.Log
	theater *theater.Theater
	rules   *rules.Config
	live    rules.LiveState
	logger  *slog.Logger
	slots   chan struct{}
}

var _ api.Replayer = (*logReplayer)(nil)

func newLogReplayer(log *eventlog.Log, th *theater.Theater, rc *rules.Config, live rules.LiveState, logger *slog.Logger) *logReplayer {
	return &logReplayer{log: log, theater: th, rules: rc, live: live,
		logger: logger.With("component", "replay"), slots: make(chan struct{}, maxReplays)}
}

// Replay implements api.Replayer.
func (rp *logReplayer) Replay(ctx context.Context, at time.Time, window time.Duration, progress func(done, total int)) ([]api.ReplayTrack, error) {
	select {
	case rp.slots <- struct{}{}:
		defer func() { <-rp.slots }()
	default:
		return nil, errs.E(errs.Unavailable, "%d replays are already running: try again shortly", maxReplays)
	}
	info, err := rp.log.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if info.Messages == 0 {
		return nil, errs.E(errs.Invalid, "at: %s is before the event log's first record (the log is empty)", at.Format(time.RFC3339))
	}
	if at.Before(info.FirstTime) {
		return nil, errs.E(errs.Invalid, "at: %s is before the event log's first record (%s)",
			at.Format(time.RFC3339), info.FirstTime.UTC().Format(time.RFC3339))
	}
	from := at.Add(-window)
	p, err := pipeline.New(pipeline.Config{
		Theater: rp.theater,
		Fusion:  pipeline.FusionConfig(rp.theater, 2),
		Rules:   rp.rules,
		Live:    rp.live,
		Logger:  rp.logger,
	})
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	defer p.Close()

	start := time.Now()
	est := progressEstimate{from: maxTime(from, info.FirstTime), to: at}
	if !at.Before(info.LastTime) {
		// The window reaches the log's end: its messages up to the last
		// are all in it, so their count is the better measure.
		est.lastSeq = info.LastSeq
	}
	var lastData, lastStored time.Time
	records := 0
	err = rp.log.Replay(ctx, from, at, func(r eventlog.Record) error {
		if uint8(r.Kind) != ingest.RecordObservations {
			return nil
		}
		obs, err := sensor.DecodeEncoded(r.Payload, sensor.Limits{MaxBytes: 64 << 20, MaxObservations: 1 << 20})
		if err != nil {
			rp.logger.Error("unreadable observation record", "position", r.Position.String(), "err", err)
			return nil
		}
		records++
		for i := range obs {
			if obs[i].Time.After(lastData) {
				lastData = obs[i].Time
			}
		}
		lastStored = r.Stored
		if _, err := p.Process(ctx, obs, cursorOf(r.Position)); err != nil {
			return err
		}
		if est.add(len(obs), r.Stored, r.Position.StreamSeq) {
			progress(est.done, est.total)
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("replay to %s: %w", at.Format(time.RFC3339), err)
	}
	// The live pipeline's clock runs on from the latest observation at the
	// wall clock's pace less the delivery lag: so does the replay's, up to
	// the time asked for.
	if !lastData.IsZero() {
		if target := lastData.Add(at.Sub(lastStored) - advanceLag); target.After(lastData) {
			if _, err := p.Advance(ctx, target, 0); err != nil {
				return nil, fmt.Errorf("replay to %s: %w", at.Format(time.RFC3339), err)
			}
		}
	}
	progress(est.done, est.done)

	list := p.Tracks()
	out := make([]api.ReplayTrack, 0, len(list))
	for i := range list {
		t, trail, ok := p.Track(list[i].ID)
		if !ok {
			continue
		}
		out = append(out, api.ReplayTrack{Track: t, Trail: trail})
	}
	rp.logger.Info("replay done", "at", at, "window", window, "records", records, "observations", est.done,
		"tracks", len(out), "seconds", fmt.Sprintf("%.2f", time.Since(start).Seconds()))
	return out, nil
}

// progressEstimate counts the observations a replay has read and
// estimates how many the window holds from the share of it read so far:
// of its messages when the window reaches the log's end (lastSeq set),
// else of its time. add reports when a progress line is due: every 2 % of
// the estimate, and at least every replayProgressEvery observations.
type progressEstimate struct {
	from, to          time.Time
	lastSeq, firstSeq uint64
	done, total       int
	next              int
}

func (e *progressEstimate) add(n int, stored time.Time, seq uint64) bool {
	e.done += n
	if e.firstSeq == 0 {
		e.firstSeq = seq
	}
	e.total = e.done
	switch span, read := e.to.Sub(e.from), stored.Sub(e.from); {
	case e.lastSeq >= seq && seq >= e.firstSeq:
		share := float64(seq-e.firstSeq+1) / float64(e.lastSeq-e.firstSeq+1)
		e.total = max(e.done, int(float64(e.done)/share))
	case span > 0 && read > 0 && read < span:
		e.total = max(e.done, int(float64(e.done)*float64(span)/float64(read)))
	}
	if e.done < e.next {
		return false
	}
	e.next = e.done + min(replayProgressEvery, max(e.total/50, 1000))
	return true
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
