// Package ingest accepts sensor reports: it validates a batch, drops what
// the log already holds, appends the rest to the event log durably and only
// then acknowledges, and keeps the sensor registry's view of who is
// reporting. The dedupe state survives restarts through periodic
// checkpoints plus a replay of the log's tail.
package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/sensor"
)

// Record kinds this package writes to the event log.
const (
	RecordObservations uint8 = 1 // a batch in sensor's compact encoding
	RecordHeartbeats   uint8 = 2 // heartbeats in sensor's compact encoding
	RecordHealth       uint8 = 3 // a health change, JSON
)

// Position is a place in the event log: the stream sequence of a message
// and a record's index in it.
type Position struct {
	StreamSeq uint64 `json:"stream_seq"`
	Index     int    `json:"index"`
}

// Less orders positions.
func (p Position) Less(q Position) bool {
	if p.StreamSeq != q.StreamSeq {
		return p.StreamSeq < q.StreamSeq
	}
	return p.Index < q.Index
}

// Log is the event log as ingest uses it. Append returns once the record is
// durable; a log that cannot accept returns an errs.Unavailable error.
type Log interface {
	Append(ctx context.Context, kind uint8, payload []byte) (Position, error)
	ReplayFrom(ctx context.Context, after Position, fn func(kind uint8, payload []byte, pos Position, stored time.Time) error) error
}

// Result is what a sender is told about an accepted batch.
type Result struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

// Service is the ingest service.
type Service struct {
	log      Log
	registry *sensor.Registry
	dedupe   *Dedupe
	logger   *slog.Logger
	metrics  *Metrics
	limits   sensor.Limits

	// ckptMu: appends hold it shared from before their reservation until
	// their commit; a checkpoint takes it exclusively, so that when it
	// reads lastPos no append is half done.
	ckptMu  sync.RWMutex
	lastPos atomic.Pointer[Position]

	// Now is the clock; tests replace it.
	Now func() time.Time
}

// Config configures a Service.
type Config struct {
	Log      Log
	Registry *sensor.Registry
	Logger   *slog.Logger
	Metrics  *Metrics
	Limits   sensor.Limits
}

// New returns a service with empty dedupe state; call Restore before
// accepting reports.
func New(cfg Config) *Service {
	s := &Service{
		log: cfg.Log, registry: cfg.Registry, dedupe: NewDedupe(), logger: cfg.Logger,
		metrics: cfg.Metrics, limits: cfg.Limits, Now: time.Now,
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.logger = s.logger.With("component", "ingest")
	if s.metrics == nil {
		s.metrics = NewMetrics(nil)
	}
	s.lastPos.Store(&Position{})
	return s
}

// Limits returns the decoding limits.
func (s *Service) Limits() sensor.Limits { return s.limits }

// Registry returns the sensor registry.
func (s *Service) Registry() *sensor.Registry { return s.registry }

// Observations stores a decoded, validated batch: whole or not at all.
// Reports the log already holds are counted as duplicates and not stored
// again. It returns once the log holds the batch durably.
func (s *Service) Observations(ctx context.Context, obs []sensor.Observation) (Result, error) {
	// The sender must be allowed to submit each sensor's data, and every
	// sensor must be one the registry admits for its kind: refuse the whole
	// batch otherwise, naming the entry.
	if err := authorizeSensors(ctx, len(obs), func(i int) string { return obs[i].Sensor }); err != nil {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}
	for i := range obs {
		if err := s.registry.Check(obs[i].Sensor, obs[i].Kind); err != nil {
			return Result{}, fmt.Errorf("ingest: %w", errs.E(errs.CodeOf(err), "observations[%d].sensor: %s", i, errs.MessageOf(err)))
		}
	}
	keys := make([]Key, len(obs))
	for i := range obs {
		keys[i] = Key{obs[i].Sensor, obs[i].Seq}
	}

	s.ckptMu.RLock()
	defer s.ckptMu.RUnlock()
	res, fresh, dups, err := s.dedupe.Reserve(keys, ctx.Done())
	if err != nil {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}
	if len(fresh) == 0 {
		s.dedupe.Commit(res)
		s.metrics.duplicates.Add(float64(len(dups)))
		return Result{Duplicates: len(dups)}, nil
	}
	batch := obs
	if len(dups) > 0 {
		batch = make([]sensor.Observation, len(fresh))
		for j, i := range fresh {
			batch[j] = obs[i]
		}
	}
	payload := sensor.AppendEncoded(nil, batch)
	start := time.Now()
	pos, err := s.log.Append(ctx, RecordObservations, payload)
	s.metrics.appendSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		s.dedupe.Release(res)
		s.metrics.refused.WithLabelValues(string(errs.CodeOf(err))).Add(float64(len(obs)))
		return Result{}, fmt.Errorf("ingest: append %d observations: %w", len(batch), err)
	}
	s.dedupe.Commit(res)
	s.notePosition(pos)

	now := s.Now()
	for i := range batch {
		// The registry was checked above; a failure here is a race with
		// the auto-registration cap and changes nothing stored.
		_ = s.registry.Observe(batch[i].Sensor, batch[i].Kind, now)
	}
	s.metrics.accepted.Add(float64(len(batch)))
	s.metrics.duplicates.Add(float64(len(dups)))
	s.metrics.batchBytes.Observe(float64(len(payload)))
	return Result{Accepted: len(batch), Duplicates: len(dups)}, nil
}

// Heartbeats stores a batch of heartbeats and updates the registry.
func (s *Service) Heartbeats(ctx context.Context, hbs []sensor.Heartbeat) (Result, error) {
	if err := authorizeSensors(ctx, len(hbs), func(i int) string { return hbs[i].Sensor }); err != nil {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}
	if len(hbs) == 0 {
		return Result{}, nil
	}
	payload := sensor.AppendEncodedHeartbeats(nil, hbs)
	s.ckptMu.RLock()
	pos, err := s.log.Append(ctx, RecordHeartbeats, payload)
	if err == nil {
		s.notePosition(pos)
	}
	s.ckptMu.RUnlock()
	if err != nil {
		return Result{}, fmt.Errorf("ingest: append %d heartbeats: %w", len(hbs), err)
	}
	now := s.Now()
	for _, hb := range hbs {
		hb.Time = now // the receipt time: a sensor's clock may be wrong
		if err := s.registry.Heartbeat(hb); err != nil {
			s.logger.Warn("heartbeat not recorded", "sensor", hb.Sensor, "err", err)
		}
	}
	s.metrics.heartbeats.Add(float64(len(hbs)))
	return Result{Accepted: len(hbs)}, nil
}

// authorizeSensors checks that the context's principal may submit the
// data of each of the n sensors sensor(i) names; a batch is most often of
// one sensor, checked once.
func authorizeSensors(ctx context.Context, n int, sensor func(int) string) error {
	if err := auth.MayEver(ctx, auth.ActionIngest); err != nil {
		return err
	}
	last := ""
	for i := range n {
		id := sensor(i)
		if i > 0 && id == last {
			continue
		}
		if err := auth.AuthorizeIngest(ctx, id); err != nil {
			return errs.E(errs.CodeOf(err), "entry %d: %s", i, errs.MessageOf(err))
		}
		last = id
	}
	return nil
}

// notePosition raises lastPos to pos.
func (s *Service) notePosition(pos Position) {
	for {
		cur := s.lastPos.Load()
		if !cur.Less(pos) {
			return
		}
		if s.lastPos.CompareAndSwap(cur, &pos) {
			return
		}
	}
}
