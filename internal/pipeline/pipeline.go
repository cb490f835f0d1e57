// Package pipeline runs observations through fusion, the border rules and
// the alert service: the same code behind the live server and the offline
// `raqib track`. It keeps the live picture (the latest state and a short
// trail of every confirmed track) for the API.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"raqib/internal/alert"
	"raqib/internal/fusion"
	"raqib/internal/rules"
	"raqib/internal/sensor"
	"raqib/internal/theater"
)

// Alerts is the alert service as the pipeline uses it.
type Alerts interface {
	Handle(ctx context.Context, events []rules.Event, cursor uint64) ([]alert.Change, error)
	Escalate(ctx context.Context, now time.Time) ([]alert.Change, error)
}

// Config assembles a pipeline.
type Config struct {
	Theater *theater.Theater
	// Fusion configures the tracker; FusionConfig fills in the theater's
	// shards.
	Fusion fusion.Config
	Rules  *rules.Config
	// Live gives the rules the editable theater state; nil uses the
	// theater's YAML state.
	Live rules.LiveState
	// Alerts receives the rules' events; nil keeps tracks and events only.
	Alerts Alerts
	// TrailLength is how many past positions the picture keeps per track.
	TrailLength int
	Logger      *slog.Logger
	Metrics     *Metrics
}

// Result is what one step produced.
type Result struct {
	Updates []fusion.Update
	Events  []rules.Event
	Changes []alert.Change
	// Skipped counts observations that could not be placed (a polar
	// report from a sensor the theater does not know).
	Skipped int
}

// Pipeline is observations → tracks → events → alerts. Process and Advance
// must be called from one goroutine; the picture methods are safe from
// any.
type Pipeline struct {
	th      *theater.Theater
	tracker *fusion.Tracker
	rules   *rules.Engine
	alerts  Alerts
	logger  *slog.Logger
	metrics *Metrics
	raising bool
	scratch []fusion.Measurement
	names   map[string]string // sensor ids, see sensorName

	pic *picture
}

// New builds a pipeline.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Theater == nil {
		return nil, errors.New("pipeline: no theater")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Rules == nil {
		cfg.Rules = rules.DefaultConfig()
	}
	if err := cfg.Rules.Validate(cfg.Theater); err != nil {
		return nil, fmt.Errorf("pipeline: rules: %w", err)
	}
	if cfg.TrailLength <= 0 {
		cfg.TrailLength = 60
	}
	tr, err := fusion.New(cfg.Fusion)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return &Pipeline{
		th:      cfg.Theater,
		tracker: tr,
		rules:   rules.New(cfg.Theater, cfg.Rules, cfg.Live),
		alerts:  cfg.Alerts,
		logger:  cfg.Logger.With("component", "pipeline"),
		metrics: cfg.Metrics,
		raising: true,
		pic:     newPicture(cfg.TrailLength),
		names:   map[string]string{},
	}, nil
}

// FusionConfig returns the tracker's default configuration split into
// shards along the border: shards pieces of equal length by chainage, each
// with its local frame at its middle.
func FusionConfig(th *theater.Theater, shards int) fusion.Config {
	cfg := fusion.DefaultConfig()
	if shards < 1 {
		shards = 1
	}
	length := th.Border.Length()
	cfg.Key = th.Chainage
	cfg.Cuts = nil
	cfg.Origins = nil
	for i := range shards {
		if i > 0 {
			cfg.Cuts = append(cfg.Cuts, length*float64(i)/float64(shards))
		}
		mid, _ := th.Border.Index.At(length * (float64(i) + 0.5) / float64(shards))
		cfg.Origins = append(cfg.Origins, mid)
	}
	cfg.Workers = shards
	return cfg
}

// SetRaising turns alerting on or off. While it is off (a rebuild from the
// log of what was already judged) tracks and rule memories are rebuilt but
// no event reaches the alert service.
func (p *Pipeline) SetRaising(on bool) { p.raising = on }

// Close stops the tracker's workers.
func (p *Pipeline) Close() { p.tracker.Close() }

// maxSensorNames bounds the sensor ids the pipeline keeps its own copy
// of: far more than a theater's sensors.
const maxSensorNames = 1 << 16

// sensorName returns the pipeline's own copy of a sensor id. A decoded
// observation's strings share one copy of its whole log record, and a
// track keeps its sensors' ids for minutes: without a copy of its own, an
// id of a few bytes would hold a record of a hundred kilobytes in memory.
func (p *Pipeline) sensorName(id string) string {
	if s, ok := p.names[id]; ok {
		return s
	}
	if len(p.names) >= maxSensorNames {
		clear(p.names)
	}
	s := strings.Clone(id)
	p.names[s] = s
	return s
}

// Measurements converts observations into the tracker's measurements,
// appending to dst. A polar observation is placed from its camera's
// position in the theater; one from an unknown sensor is skipped. It
// must be called from Process's goroutine.
func (p *Pipeline) Measurements(obs []sensor.Observation, dst []fusion.Measurement) ([]fusion.Measurement, int) {
	skipped := 0
	for i := range obs {
		o := &obs[i]
		m := fusion.Measurement{
			Sensor:     p.sensorName(o.Sensor),
			Seq:        o.Seq,
			Time:       o.Time,
			SigmaM:     o.AccuracyM,
			Class:      classOf(o.Class),
			Confidence: o.Confidence,
			Count:      max(o.Count, 1),
			Friendly:   o.Kind.IsGPS(),
		}
		switch {
		case o.Position != nil:
			m.Pos = *o.Position
		case o.Polar != nil:
			c := p.th.Camera(o.Sensor)
			if c == nil {
				skipped++
				continue
			}
			m.Pos = o.Resolve(c.Position)
		default:
			skipped++
			continue
		}
		if m.SigmaM <= 0 {
			m.SigmaM = 1
		}
		if o.Velocity != nil {
			m.Vel = &fusion.Velocity{East: o.Velocity.EastMps, North: o.Velocity.NorthMps}
		}
		dst = append(dst, m)
	}
	return dst, skipped
}

func classOf(c sensor.Class) fusion.Class {
	switch c {
	case sensor.ClassPerson:
		return fusion.ClassPerson
	case sensor.ClassVehicle:
		return fusion.ClassVehicle
	case sensor.ClassAnimal:
		return fusion.ClassAnimal
	}
	return fusion.ClassUnknown
}

// Process runs a batch of observations through every stage. cursor is the
// batch's place in the event log, stored with the alerts it causes.
func (p *Pipeline) Process(ctx context.Context, obs []sensor.Observation, cursor uint64) (Result, error) {
	var res Result
	t0 := time.Now()
	p.scratch, res.Skipped = p.Measurements(obs, p.scratch[:0])
	res.Updates = p.tracker.Process(p.scratch)
	t1 := time.Now()
	err := p.judge(ctx, &res, cursor, t1)
	if p.metrics != nil {
		p.metrics.observations.Add(float64(len(obs)))
		p.metrics.skipped.Add(float64(res.Skipped))
		p.metrics.stage.WithLabelValues("fusion").Observe(t1.Sub(t0).Seconds())
	}
	return res, err
}

// Advance moves the pipeline's clock to now: tracks not seen coast or are
// deleted, and unacknowledged alerts past their deadline escalate.
func (p *Pipeline) Advance(ctx context.Context, now time.Time, cursor uint64) (Result, error) {
	var res Result
	t0 := time.Now()
	res.Updates = p.tracker.Advance(now)
	t1 := time.Now()
	if p.metrics != nil {
		p.metrics.stage.WithLabelValues("clock").Observe(t1.Sub(t0).Seconds())
	}
	if err := p.judge(ctx, &res, cursor, t1); err != nil {
		return res, err
	}
	if p.alerts != nil && p.raising {
		ch, err := p.alerts.Escalate(ctx, now)
		res.Changes = append(res.Changes, ch...)
		if err != nil {
			return res, fmt.Errorf("escalate alerts: %w", err)
		}
	}
	return res, nil
}

// judge runs the rules over the updates, hands the events to the alert
// service and updates the picture.
func (p *Pipeline) judge(ctx context.Context, res *Result, cursor uint64, t1 time.Time) error {
	// The picture serves the API; it is brought up to date after the
	// alerts, off their path.
	defer p.pic.apply(res.Updates)
	res.Events = p.rules.Step(res.Updates)
	t2 := time.Now()
	if p.metrics != nil {
		p.metrics.stage.WithLabelValues("rules").Observe(t2.Sub(t1).Seconds())
		p.metrics.updates.Add(float64(len(res.Updates)))
		for i := range res.Events {
			p.metrics.events.WithLabelValues(string(res.Events[i].Rule)).Inc()
		}
	}
	if p.alerts == nil || !p.raising {
		return nil
	}
	ch, err := p.alerts.Handle(ctx, res.Events, cursor)
	if err != nil {
		return fmt.Errorf("handle %d rule events: %w", len(res.Events), err)
	}
	res.Changes = ch
	if p.metrics != nil {
		p.metrics.stage.WithLabelValues("alerts").Observe(time.Since(t2).Seconds())
	}
	return nil
}

// Tracks returns the confirmed and coasting tracks, sorted by id.
func (p *Pipeline) Tracks() []fusion.Track { return p.pic.list() }

// Track returns one track of the picture and its trail, oldest first.
func (p *Pipeline) Track(id string) (fusion.Track, []TrailPoint, bool) { return p.pic.get(id) }

// FusionStats returns the tracker's counters.
func (p *Pipeline) FusionStats() fusion.Stats { return p.tracker.Stats() }

// RulesStats returns the rules engine's counters.
func (p *Pipeline) RulesStats() rules.Stats { return p.rules.Stats() }

// TrailPoint is one past position of a track.
type TrailPoint struct {
	Time time.Time `json:"time"`
	Lat  float64   `json:"lat"`
	Lon  float64   `json:"lon"`
}

// picture is the live picture: the latest state and trail of each track.
type picture struct {
	mu     sync.RWMutex
	trail  int
	tracks map[string]*pictureTrack
}

type pictureTrack struct {
	track fusion.Track
	// trail is a ring once full: its oldest point is at head.
	trail []trailPoint
	head  int
}

// trailPoint is a TrailPoint as the picture keeps it: 24 bytes, not 40.
type trailPoint struct {
	t        int64 // Unix nanoseconds
	lat, lon float64
}

// lastTime returns the time of the latest trail point; false if there is
// none.
func (pt *pictureTrack) lastTime() (int64, bool) {
	n := len(pt.trail)
	if n == 0 {
		return 0, false
	}
	return pt.trail[(pt.head+n-1)%n].t, true
}

// add appends p to the trail, dropping the oldest point past limit.
func (pt *pictureTrack) add(p trailPoint, limit int) {
	if len(pt.trail) < limit {
		pt.trail = append(pt.trail, p)
		return
	}
	pt.trail[pt.head] = p
	pt.head = (pt.head + 1) % len(pt.trail)
}

// points returns a copy of the trail, oldest first.
func (pt *pictureTrack) points() []TrailPoint {
	out := make([]TrailPoint, 0, len(pt.trail))
	for i := range pt.trail {
		p := &pt.trail[(pt.head+i)%len(pt.trail)]
		out = append(out, TrailPoint{Time: time.Unix(0, p.t).UTC(), Lat: p.lat, Lon: p.lon})
	}
	return out
}

func newPicture(trail int) *picture {
	return &picture{trail: trail, tracks: map[string]*pictureTrack{}}
}

func (pc *picture) apply(us []fusion.Update) {
	if len(us) == 0 {
		return
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for i := range us {
		u := &us[i]
		id := u.Track.ID
		switch u.Kind {
		case fusion.UpdateDeleted, fusion.UpdateMerged:
			delete(pc.tracks, id)
			continue
		}
		pt := pc.tracks[id]
		if pt == nil {
			pt = &pictureTrack{}
			pc.tracks[id] = pt
		}
		sensors := pt.track.Sensors
		pt.track = u.Track
		// The update's sensors are the tracker's; keep a copy, reusing
		// the last one's memory when it is the same.
		if !slices.Equal(sensors, u.Track.Sensors) {
			sensors = append([]string(nil), u.Track.Sensors...)
		}
		pt.track.Sensors = sensors
		if t, ok := pt.lastTime(); !ok || t != u.Track.Time.UnixNano() {
			pt.add(trailPoint{t: u.Track.Time.UnixNano(), lat: u.Track.Pos.Lat, lon: u.Track.Pos.Lon}, pc.trail)
		}
	}
}

func (pc *picture) list() []fusion.Track {
	pc.mu.RLock()
	defer pc.mu.RUnlock()
	out := make([]fusion.Track, 0, len(pc.tracks))
	for _, pt := range pc.tracks {
		out = append(out, pt.track)
	}
	sortTracks(out)
	return out
}

func (pc *picture) get(id string) (fusion.Track, []TrailPoint, bool) {
	pc.mu.RLock()
	defer pc.mu.RUnlock()
	pt, ok := pc.tracks[id]
	if !ok {
		return fusion.Track{}, nil, false
	}
	return pt.track, pt.points(), true
}
