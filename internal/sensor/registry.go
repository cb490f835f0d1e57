package sensor

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"raqib/internal/errs"
	"raqib/internal/geo"
)

// Sensor is what the registry holds of a sensor apart from its health.
type Sensor struct {
	ID   string
	Kind Kind // "" for a sensor registered by a heartbeat that has not yet reported an observation
	// Position is where a fixed sensor stands; HasPosition is false for a
	// mobile one (patrol and unit GPS, auto-registered sensors).
	Position    geo.LatLon
	HasPosition bool
	// Interval is how often the sensor is expected to report (a heartbeat
	// or an observation); 0 takes the registry's default.
	Interval time.Duration
	// Auto is set for a sensor registered on its first report rather than
	// configured.
	Auto bool
}

// Status is a snapshot of one sensor.
type Status struct {
	Sensor
	Health Health
	// Since is when the sensor entered Health.
	Since time.Time
	// LastSeen is the time of its latest report; zero if it has not
	// reported.
	LastSeen time.Time
	// Note is the note of its latest heartbeat.
	Note string
}

// HealthChange is a sensor's move from one health to another, as Sweep
// finds it.
type HealthChange struct {
	Sensor   string
	From, To Health
	// At is when the change happened: the report that caused it, or the
	// moment the sensor became overdue.
	At     time.Time
	Reason string
}

// RegistryOptions tune a Registry. Zero fields take the defaults.
type RegistryOptions struct {
	// Start is when the registry starts watching: a configured sensor
	// that has not reported counts as seen then. Zero means the first
	// Sweep's now.
	Start time.Time
	// Interval is the default reporting interval (30 s).
	Interval time.Duration
	// Missed is how many intervals without a report make a sensor
	// offline (3).
	Missed int
	// MaxAuto bounds the sensors registered on their first report
	// (10,000), so that a stream of made-up ids cannot exhaust memory.
	MaxAuto int
}

// Registry holds every sensor and its health. It is safe for concurrent
// use. Observe and Heartbeat, on the hot path, touch only the reporting
// sensor's atomics (Heartbeat also its mutex); Sweep, run periodically by
// one goroutine, turns silences and heartbeats into health changes.
//
// Lock order: sweepMu, then mu, then an entry's mu; none is held while
// taking one earlier in that order.
type Registry struct {
	opt RegistryOptions

	known map[string]*entry // configured sensors; never changes
	order []*entry          // configured sensors in the order given
	auto  sync.Map          // id -> *entry, sensors registered on their first report

	mu    sync.Mutex // guards autos and registration
	autos []*entry

	sweepMu sync.Mutex // serializes Sweep
	start   atomic.Int64
}

// never is the last-seen time of a sensor that has not reported.
const never = math.MinInt64

// entry is one sensor's state.
type entry struct {
	sensor   Sensor       // Kind is not used: see kind
	kind     atomic.Int32 // index in Kinds + 1; 0 while not known
	lastSeen atomic.Int64 // Unix nanoseconds of the latest report, or never

	mu       sync.Mutex
	hbHealth Health // of the latest heartbeat; "" if none
	hbAt     int64  // its time
	note     string
	health   Health
	since    time.Time
}

// NewRegistry returns a registry of the configured sensors, each starting
// ok. Ids must be valid and distinct, kinds valid.
func NewRegistry(sensors []Sensor, opt RegistryOptions) (*Registry, error) {
	if opt.Interval <= 0 {
		opt.Interval = 30 * time.Second
	}
	if opt.Missed <= 0 {
		opt.Missed = 3
	}
	if opt.MaxAuto <= 0 {
		opt.MaxAuto = 10_000
	}
	r := &Registry{opt: opt, known: make(map[string]*entry, len(sensors))}
	for i, s := range sensors {
		if msg := checkSensorID(s.ID); msg != "" {
			return nil, errs.E(errs.Invalid, "sensors[%d].id: %s", i, msg)
		}
		if !s.Kind.Valid() {
			return nil, errs.E(errs.Invalid, "sensors[%d].kind: %s is not one of %s", i, quote(string(s.Kind)), joinKinds())
		}
		if _, dup := r.known[s.ID]; dup {
			return nil, errs.E(errs.Invalid, "sensors[%d].id: %s is listed twice", i, s.ID)
		}
		s.Auto = false
		e := r.newEntry(s)
		r.known[s.ID] = e
		r.order = append(r.order, e)
	}
	if !opt.Start.IsZero() {
		r.start.Store(opt.Start.UnixNano())
	} else {
		r.start.Store(never)
	}
	return r, nil
}

func (r *Registry) newEntry(s Sensor) *entry {
	if s.Interval <= 0 {
		s.Interval = r.opt.Interval
	}
	e := &entry{sensor: s, health: HealthOK}
	if !r.opt.Start.IsZero() {
		e.since = r.opt.Start.UTC()
	}
	e.kind.Store(int32(kindCode(s.Kind)))
	e.lastSeen.Store(never)
	return e
}

// kindCode is k's index in Kinds plus one, 0 for "".
func kindCode(k Kind) int {
	if i := slices.Index(Kinds, k); i >= 0 {
		return i + 1
	}
	return 0
}

func (r *Registry) lookup(id string) *entry {
	if e, ok := r.known[id]; ok {
		return e
	}
	if e, ok := r.auto.Load(id); ok {
		return e.(*entry)
	}
	return nil
}

// Check reports whether an observation of the kind from sensor id would be
// accepted by Observe: the sensor is configured with that kind, or was
// registered with it, or is unknown, not a camera and there is room to
// register it. The error is errs.Invalid, or errs.Unavailable when the
// registry is full.
func (r *Registry) Check(id string, kind Kind) error {
	if !kind.Valid() {
		return errs.E(errs.Invalid, "sensor %s: kind %s is not one of %s", id, quote(string(kind)), joinKinds())
	}
	if e := r.lookup(id); e != nil {
		return e.admits(kind)
	}
	return r.canRegister(id, kind)
}

// Observe records an observation of the kind from sensor id at the given
// time, registering an unknown sensor that is not a camera. Cameras come
// from the theater only. at should be the time the ingest received the
// observation (the sensor's clock may be wrong), or the observation's own
// time when replaying the log.
func (r *Registry) Observe(id string, kind Kind, at time.Time) error {
	e := r.lookup(id)
	if e == nil {
		var err error
		if e, err = r.register(id, kind, at); err != nil {
			return err
		}
	}
	if err := e.admits(kind); err != nil {
		return err
	}
	e.saw(at.UnixNano())
	return nil
}

// Heartbeat records a heartbeat, registering its sensor if it is unknown
// (with no kind until it reports an observation). hb.Time is taken as the
// time of the report; a caller that distrusts sensor clocks sets it to
// the time of receipt.
func (r *Registry) Heartbeat(hb Heartbeat) error {
	if !hb.Health.Valid() {
		return errs.E(errs.Invalid, "health %s is not one of %s", quote(string(hb.Health)), joinHealths())
	}
	e := r.lookup(hb.Sensor)
	if e == nil {
		var err error
		if e, err = r.register(hb.Sensor, "", hb.Time); err != nil {
			return err
		}
	}
	at := hb.Time.UnixNano()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.hbHealth == "" || at >= e.hbAt {
		e.hbHealth, e.hbAt, e.note = hb.Health, at, hb.Note
	}
	// Under the lock, so that a sweep never sees the heartbeat without
	// its time.
	e.saw(at)
	return nil
}

// admits reports whether the sensor may report observations of kind k,
// recording the kind of a sensor registered by a heartbeat.
func (e *entry) admits(k Kind) error {
	want := int32(kindCode(k))
	have := e.kind.Load()
	if have == want && want != 0 {
		return nil
	}
	if want == 0 {
		return errs.E(errs.Invalid, "sensor %s: kind %s is not one of %s", e.sensor.ID, quote(string(k)), joinKinds())
	}
	if have == 0 {
		if k == KindThermalCamera {
			return errs.E(errs.Invalid, "sensor %s is not a known camera: cameras come from the theater", e.sensor.ID)
		}
		if e.kind.CompareAndSwap(0, want) {
			return nil
		}
		have = e.kind.Load()
		if have == want {
			return nil
		}
	}
	return errs.E(errs.Invalid, "sensor %s is a %s, not a %s", e.sensor.ID, Kinds[have-1], k)
}

// saw moves the sensor's last-seen time forward to ns. Reports that are
// not newer cost one atomic load.
func (e *entry) saw(ns int64) {
	for {
		old := e.lastSeen.Load()
		if ns <= old || e.lastSeen.CompareAndSwap(old, ns) {
			return
		}
	}
}

// canRegister reports whether an unknown sensor may be registered by an
// observation of kind k.
func (r *Registry) canRegister(id string, k Kind) error {
	if msg := checkSensorID(id); msg != "" {
		return errs.E(errs.Invalid, "sensor: %s", msg)
	}
	if k == KindThermalCamera {
		return errs.E(errs.Invalid, "sensor %s is not a known camera: cameras come from the theater", id)
	}
	if k != "" && !k.Valid() {
		return errs.E(errs.Invalid, "sensor %s: kind %s is not one of %s", id, quote(string(k)), joinKinds())
	}
	r.mu.Lock()
	full := len(r.autos) >= r.opt.MaxAuto
	r.mu.Unlock()
	if full {
		return errs.E(errs.Unavailable, "sensor %s is unknown and the registry already holds %d sensors registered on their first report", id, r.opt.MaxAuto)
	}
	return nil
}

// register adds an unknown sensor (k is "" for one that sent a
// heartbeat), first seen at.
func (r *Registry) register(id string, k Kind, at time.Time) (*entry, error) {
	if err := r.canRegister(id, k); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.auto.Load(id); ok {
		return e.(*entry), nil
	}
	if len(r.autos) >= r.opt.MaxAuto {
		return nil, errs.E(errs.Unavailable, "sensor %s is unknown and the registry already holds %d sensors registered on their first report", id, r.opt.MaxAuto)
	}
	e := r.newEntry(Sensor{ID: id, Kind: k, Auto: true})
	e.since = at.UTC()
	r.autos = append(r.autos, e)
	r.auto.Store(id, e)
	return e, nil
}

// Sweep compares every sensor's reports with now and returns the health
// changes since the previous sweep, configured sensors first in the order
// given, then registered ones in the order they appeared. A sensor that
// has not reported for Missed intervals goes offline; one that reports
// again takes the health of its latest heartbeat (ok if it has sent none,
// or if it reported after a heartbeat that said offline).
func (r *Registry) Sweep(now time.Time) []HealthChange {
	r.sweepMu.Lock()
	defer r.sweepMu.Unlock()
	r.start.CompareAndSwap(never, now.UnixNano())
	start := r.start.Load()
	r.mu.Lock()
	autos := r.autos
	r.mu.Unlock()
	var out []HealthChange
	for _, list := range [][]*entry{r.order, autos} {
		for _, e := range list {
			if c, ok := e.sweep(now.UnixNano(), start, r.opt.Missed); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// sweep works out the sensor's health at now and reports a change.
func (e *entry) sweep(now, start int64, missed int) (HealthChange, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	last := e.lastSeen.Load()
	var (
		to     Health
		at     int64
		reason string
	)
	seen := max(last, start)
	if e.since.IsZero() {
		e.since = time.Unix(0, start).UTC()
	}
	limit := time.Duration(missed) * e.sensor.Interval
	switch {
	case now-seen > int64(limit):
		to, at = HealthOffline, seen+int64(limit)
		if last == never {
			reason = fmt.Sprintf("no report since the start (%d missed intervals of %s)", missed, e.sensor.Interval)
		} else {
			reason = fmt.Sprintf("no report for %s (%d missed intervals of %s)", fmtDuration(time.Duration(now-last)), missed, e.sensor.Interval)
		}
	case e.hbHealth == HealthOffline && last > e.hbAt:
		to, at, reason = HealthOK, last, "reported after a heartbeat that said offline"
	case e.hbHealth != "":
		to, at, reason = e.hbHealth, e.hbAt, "heartbeat: "+string(e.hbHealth)
		if e.note != "" {
			reason += ": " + strings.TrimSpace(e.note)
		}
	default:
		to, at, reason = HealthOK, last, "reported again"
	}
	if to == e.health {
		return HealthChange{}, false
	}
	if to != HealthOffline && e.health == HealthOffline && at < e.since.UnixNano() {
		// The report that brings the sensor back predates its going
		// offline only if reports arrive out of order; date it now.
		at = now
	}
	c := HealthChange{Sensor: e.sensor.ID, From: e.health, To: to, At: time.Unix(0, at).UTC(), Reason: reason}
	e.health, e.since = to, c.At
	return c, true
}

// Known returns what the registry holds of sensor id.
func (r *Registry) Known(id string) (Sensor, bool) {
	e := r.lookup(id)
	if e == nil {
		return Sensor{}, false
	}
	return e.snapshotSensor(), true
}

func (e *entry) snapshotSensor() Sensor {
	s := e.sensor
	s.Kind = ""
	if k := e.kind.Load(); k > 0 {
		s.Kind = Kinds[k-1]
	}
	return s
}

// Get returns a snapshot of sensor id.
func (r *Registry) Get(id string) (Status, bool) {
	e := r.lookup(id)
	if e == nil {
		return Status{}, false
	}
	return e.status(), true
}

func (e *entry) status() Status {
	st := Status{Sensor: e.snapshotSensor()}
	if last := e.lastSeen.Load(); last != never {
		st.LastSeen = time.Unix(0, last).UTC()
	}
	e.mu.Lock()
	st.Health, st.Since, st.Note = e.health, e.since, e.note
	e.mu.Unlock()
	return st
}

// List returns a snapshot of every sensor, sorted by id.
func (r *Registry) List() []Status {
	r.mu.Lock()
	autos := r.autos
	r.mu.Unlock()
	out := make([]Status, 0, len(r.order)+len(autos))
	for _, e := range r.order {
		out = append(out, e.status())
	}
	for _, e := range autos {
		out = append(out, e.status())
	}
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.ID, b.ID) })
	return out
}
