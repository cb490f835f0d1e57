package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"raqib/internal/alert"
	"raqib/internal/eventlog"
	"raqib/internal/feed"
	"raqib/internal/ingest"
	"raqib/internal/pipeline"
	"raqib/internal/rules"
	"raqib/internal/sensor"
	"raqib/internal/theater"
)

// cursorOf packs an event-log position into the pipeline cursor the alert
// store keeps: the message's stream sequence and the record's index in it
// (fewer than 65,536 records a message).
func cursorOf(p eventlog.Position) uint64 { return p.StreamSeq<<16 | uint64(p.Index&0xffff) }

// liveTheater gives the rules the current crossing statuses and barrier
// progress from the theater service, refreshed every few seconds and after
// each edit through the API.
type liveTheater struct {
	svc   *theater.Service
	state atomic.Pointer[liveState]
	// thresholds are the rules' thresholds as changed under dual control.
	thresholds *rules.Thresholds
}

type liveState struct {
	crossings map[string]theater.CrossingStatus
	barriers  map[string]theater.BarrierStatus
}

var (
	_ rules.LiveState  = (*liveTheater)(nil)
	_ rules.LiveConfig = (*liveTheater)(nil)
)

// RulesConfig is the rules' current thresholds.
func (l *liveTheater) RulesConfig() *rules.Config { return l.thresholds.Config() }

func (l *liveTheater) refresh(ctx context.Context) error {
	cs, err := l.svc.Crossings(ctx, "")
	if err != nil {
		return fmt.Errorf("read crossing statuses: %w", err)
	}
	bs, err := l.svc.Barriers(ctx, "")
	if err != nil {
		return fmt.Errorf("read barrier progress: %w", err)
	}
	st := &liveState{crossings: map[string]theater.CrossingStatus{}, barriers: map[string]theater.BarrierStatus{}}
	for _, c := range cs {
		st.crossings[c.ID] = c.Status
	}
	for _, b := range bs {
		st.barriers[b.ID] = b.Status
	}
	l.state.Store(st)
	return nil
}

func (l *liveTheater) CrossingStatus(id string) theater.CrossingStatus {
	if st := l.state.Load(); st != nil {
		if s, ok := st.crossings[id]; ok {
			return s
		}
	}
	if c := l.svc.Theater().Crossing(id); c != nil {
		return c.Status
	}
	return ""
}

func (l *liveTheater) BarrierStatus(id string) theater.BarrierStatus {
	if st := l.state.Load(); st != nil {
		if s, ok := st.barriers[id]; ok {
			return s
		}
	}
	if b := l.svc.Theater().Barrier(id); b != nil {
		return b.Status
	}
	return ""
}

// livePipeline runs the pipeline on the event log: a rebuild of the recent
// past, then every record as it is stored.
type livePipeline struct {
	m       *Main
	p       *pipeline.Pipeline
	alerts  *alert.Service
	live    *liveTheater
	metrics *pipeline.Metrics
	// hub fans the picture out to the consoles' live feeds.
	hub *feed.Hub

	mu     sync.Mutex // serialises Process and Advance
	cursor uint64
	// lastData is the latest observation time processed, lastWall the
	// wall clock then.
	lastData, lastWall time.Time
	ready              atomic.Bool
}

// rebuildWindow is how much of the log a start replays to rebuild the
// live picture.
const rebuildWindow = 10 * time.Minute

// advanceLag is how long after the latest observation the pipeline's
// clock starts moving the tracker on by itself.
const advanceLag = 3 * time.Second

func (m *Main) openPipeline(ctx context.Context, th *theater.Theater, reg prometheus.Registerer) error {
	alerts, err := alert.NewService(m.db, alert.Config{Audit: auditRecorder{m.audit}}, m.Logger)
	if err != nil {
		return fmt.Errorf("open alerts: %w", err)
	}
	live := &liveTheater{svc: m.theater, thresholds: m.thresholds.live}
	if err := live.refresh(ctx); err != nil {
		return err
	}
	metrics := pipeline.NewMetrics(reg)
	p, err := pipeline.New(pipeline.Config{
		Theater: th,
		Fusion:  pipeline.FusionConfig(th, 2),
		Rules:   m.thresholds.live.Config(),
		Live:    live,
		Alerts:  alerts,
		Logger:  m.Logger,
		Metrics: metrics,
	})
	if err != nil {
		return err
	}
	hub, err := feed.New(feed.Config{Theater: th, Picture: p, Alerts: alerts, Logger: m.Logger, Metrics: feed.NewMetrics(reg)})
	if err != nil {
		return fmt.Errorf("open live feed: %w", err)
	}
	m.pipe = &livePipeline{m: m, p: p, alerts: alerts, live: live, metrics: metrics, hub: hub}
	return nil
}

// run rebuilds the picture from the log and then follows it until ctx
// ends.
func (lp *livePipeline) run(ctx context.Context) error {
	logger := lp.m.Logger.With("component", "pipeline")
	cursor, err := lp.m.db.Cursor(ctx)
	if err != nil {
		return fmt.Errorf("read pipeline cursor: %w", err)
	}
	lp.cursor = cursor
	start := time.Now()
	lp.p.SetRaising(false)
	var last eventlog.Position
	records, raised := 0, false
	// The rebuild runs the records in steps of up to maxStepObservations,
	// as the live path does; a step never spans the stored cursor, past
	// which alerting is back on.
	var step queuedRecord
	flush := func() error {
		if len(step.obs) == 0 {
			return nil
		}
		err := lp.process(ctx, step.obs, step.cursor)
		clear(step.obs)
		step.obs = step.obs[:0]
		return err
	}
	err = lp.m.evlog.Replay(ctx, start.Add(-rebuildWindow), start.Add(time.Hour), func(r eventlog.Record) error {
		last = r.Position
		records++
		q, ok := lp.decode(r)
		if !ok {
			return nil
		}
		if !raised && q.cursor > cursor {
			if err := flush(); err != nil {
				return err
			}
			lp.p.SetRaising(true)
			raised = true
		}
		step.obs, step.cursor = append(step.obs, q.obs...), q.cursor
		if len(step.obs) >= maxStepObservations {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("rebuild from the event log: %w", err)
	}
	lp.p.SetRaising(true)
	lp.ready.Store(true)
	logger.Info("picture rebuilt", "records", records, "tracks", len(lp.p.Tracks()),
		"seconds", fmt.Sprintf("%.2f", time.Since(start).Seconds()))

	// The log's consumer decodes each record and queues it; one goroutine
	// runs whatever has queued through the pipeline as one step, so records
	// that arrive together do not wait for each other's steps.
	queue := make(chan queuedRecord, queuedRecords)
	sub, err := lp.m.evlog.Subscribe(ctx, last, func(r eventlog.Record) error {
		q, ok := lp.decode(r)
		if !ok {
			return nil
		}
		if lp.metrics != nil {
			lp.metrics.Delivery.Observe(time.Since(q.stored).Seconds())
		}
		lp.queued(len(q.obs))
		select {
		case queue <- q:
		case <-ctx.Done():
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("follow the event log: %w", err)
	}
	defer sub.Stop()
	stepped := make(chan struct{})
	defer func() { <-stepped }()
	go func() {
		defer close(stepped)
		lp.follow(ctx, queue, logger)
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	refresh := time.NewTicker(5 * time.Second)
	defer refresh.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			lp.mu.Lock()
			// The tracker's clock is sensor time. When reports stop, it
			// moves on from the latest one at the wall clock's pace (less
			// the usual delivery delay), so tracks coast and are deleted;
			// a replay of old data is never pushed out of its window.
			var err error
			if !lp.lastData.IsZero() {
				if target := lp.lastData.Add(now.Sub(lp.lastWall) - advanceLag); target.After(lp.lastData) {
					var res pipeline.Result
					res, err = lp.p.Advance(ctx, target, lp.cursor)
					lp.hub.PublishTracks(res.Updates)
				}
			}
			lp.mu.Unlock()
			if err != nil && ctx.Err() == nil {
				logger.Error("pipeline clock step failed", "err", err)
			}
		case <-refresh.C:
			if err := lp.live.refresh(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("live theater state not refreshed", "err", err)
			}
		}
	}
}

// queuedRecords bounds the decoded records waiting for the pipeline; when
// it is full the log's consumer waits, and the log holds the rest.
const queuedRecords = 256

// maxStepObservations bounds the observations one live step takes
// together (it takes at least one record whatever its size).
const maxStepObservations = 20_000

// queuedRecord is a decoded observation record waiting for the pipeline.
type queuedRecord struct {
	obs    []sensor.Observation
	cursor uint64
	stored time.Time
}

// decode reads an observation record; false for other kinds and for a
// record that cannot be read, which is reported and skipped: the rest of
// the log is still good.
func (lp *livePipeline) decode(r eventlog.Record) (queuedRecord, bool) {
	if uint8(r.Kind) != ingest.RecordObservations {
		return queuedRecord{}, false
	}
	obs, err := sensor.DecodeEncoded(r.Payload, sensor.Limits{MaxBytes: 64 << 20, MaxObservations: 1 << 20})
	if err != nil {
		lp.m.Logger.Error("unreadable observation record", "position", r.Position.String(), "err", err)
		return queuedRecord{}, false
	}
	return queuedRecord{obs: obs, cursor: cursorOf(r.Position), stored: r.Stored}, true
}

func (lp *livePipeline) queued(n int) {
	if lp.metrics != nil {
		lp.metrics.Queued.Add(float64(n))
	}
}

// follow runs the queued records through the pipeline until ctx ends:
// each step takes every record waiting, up to maxStepObservations.
func (lp *livePipeline) follow(ctx context.Context, queue <-chan queuedRecord, logger *slog.Logger) {
	var step []queuedRecord
	var obs []sensor.Observation
	for {
		step, obs = step[:0], obs[:0]
		select {
		case <-ctx.Done():
			return
		case q := <-queue:
			step, obs = append(step, q), append(obs, q.obs...)
		}
	more:
		for len(obs) < maxStepObservations {
			select {
			case q := <-queue:
				step, obs = append(step, q), append(obs, q.obs...)
			default:
				break more
			}
		}
		last := step[len(step)-1]
		if err := lp.process(ctx, obs, last.cursor); err != nil {
			logger.Error("pipeline step failed", "records", len(step), "observations", len(obs), "err", err)
		}
		lp.queued(-len(obs))
		if lp.metrics != nil {
			lp.metrics.StepRecords.Observe(float64(len(step)))
			for _, q := range step {
				lp.metrics.Latency.Observe(time.Since(q.stored).Seconds())
			}
		}
		clear(step)
		clear(obs)
	}
}

// process runs observations through the pipeline as one step; cursor is
// the log position of the last of them.
func (lp *livePipeline) process(ctx context.Context, obs []sensor.Observation, cursor uint64) error {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	lp.cursor = cursor
	for i := range obs {
		if obs[i].Time.After(lp.lastData) {
			lp.lastData = obs[i].Time
		}
	}
	lp.lastWall = time.Now()
	res, err := lp.p.Process(ctx, obs, lp.cursor)
	// The hub only copies the updates here; it encodes them on its own
	// goroutine.
	lp.hub.PublishTracks(res.Updates)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
