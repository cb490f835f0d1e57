package fusion

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"raqib/internal/geo"
)

// sweepEvery is how much the clock must move between two sweeps for
// coasting and deletion during Process (Advance always sweeps).
const sweepEvery = int64(100 * time.Millisecond)

// Stats are the tracker's counters since it started, and its track
// counts now.
type Stats struct {
	// Measurements received, and of them: Rejected (no usable position),
	// Duplicates (the same sensor and seq twice in a batch), TooLate
	// (older than the out-of-sequence window), Associated (applied to an
	// existing track), OutOfSequence (of those, applied by re-filtering a
	// track's history) and Suppressed (left over within the gate of a
	// confirmed track, so starting no track).
	Measurements  uint64
	Rejected      uint64
	Duplicates    uint64
	TooLate       uint64
	Associated    uint64
	OutOfSequence uint64
	Suppressed    uint64
	// Tracks born (tentative or friendly), confirmed, deleted after
	// coasting, dropped while tentative, absorbed (tentative, into the
	// confirmed track they duplicated), merged into another, and handed to
	// a neighbouring shard.
	Born      uint64
	Confirmed uint64
	Deleted   uint64
	Dropped   uint64
	Absorbed  uint64
	Merged    uint64
	Handoffs  uint64
	// Tentative and Live (confirmed or coasting) tracks now.
	Tentative int
	Live      int
}

// Tracker fuses measurements into tracks. Process and Advance must be
// called from one goroutine at a time; Snapshot and Stats are safe to
// call from any. Within a call, each shard runs on one of the workers.
type Tracker struct {
	mu        sync.Mutex
	cfg       Config
	shards    []*shard
	b         batch
	started   bool
	now       int64 // the clock, Unix nanoseconds
	lastSweep int64
	unitShard map[string]int
	st        Stats // the tracker's own counters

	jobs    chan job
	pending sync.WaitGroup // shards of the current call
	workers sync.WaitGroup
	closed  bool
}

// job is one shard's part of a batch.
type job struct {
	s *shard
	b *batch
}

// sortKey orders a batch: time, then sensor, then seq.
type sortKey struct {
	t      int64
	sensor string
	seq    uint64
	idx    int32 // in the caller's slice
}

// batch is one call's measurements in time order, read by the shards.
type batch struct {
	ms     []Measurement
	keys   []sortKey
	now    int64
	cutoff int64 // measurements older than this are refused
	sweep  bool
	cuts   []float64 // nil with one shard
}

func (b *batch) measurement(k int32) *Measurement { return &b.ms[b.keys[k].idx] }

func (b *batch) time(k int32) int64 { return b.keys[k].t }

func (b *batch) sameScan(i, j int32) bool {
	x, y := &b.keys[i], &b.keys[j]
	return x.t == y.t && x.sensor == y.sensor
}

// New returns a tracker. Fields left zero that have a default take it;
// the error names the first bad field. Config.Key must be safe for
// concurrent use.
func New(cfg Config) (*Tracker, error) {
	c := cfg.withDefaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("new tracker: %w", err)
	}
	c.Cuts = slices.Clone(c.Cuts)
	t := &Tracker{cfg: c, unitShard: map[string]int{}}
	n := len(c.Cuts) + 1
	for i := range n {
		var origin *geo.LatLon
		if len(c.Origins) > 0 {
			origin = &c.Origins[i]
		}
		t.shards = append(t.shards, newShard(i, &t.cfg, origin))
	}
	if n > 1 {
		t.b.cuts = t.cfg.Cuts
	}
	workers := c.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	if workers > 1 {
		t.jobs = make(chan job)
		t.workers.Add(workers)
		for range workers {
			go t.work()
		}
	}
	return t, nil
}

func (t *Tracker) work() {
	defer t.workers.Done()
	for j := range t.jobs {
		j.s.run(j.b)
		t.pending.Done()
	}
}

// Close stops the workers. It is idempotent; a closed tracker still
// works, on the calling goroutine.
func (t *Tracker) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.closed = true
	if t.jobs != nil {
		close(t.jobs)
		t.workers.Wait()
		t.jobs = nil
	}
}

// Process applies a batch of measurements, in any order: a copy is sorted
// by time, then sensor, then seq, and within it the measurements of one
// sensor with one time form a scan. The clock moves to the batch's latest
// measurement. It returns the updates of confirmed tracks sorted by
// (Track.Time, Track.ID, Kind): at most one UpdateMeasured per track and
// batch, holding every measurement applied to it. The same sequence of
// batches always gives the same updates. ms is not kept.
func (t *Tracker) Process(ms []Measurement) []Update {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(ms) == 0 {
		return nil
	}
	b := &t.b
	b.ms = ms
	defer func() { b.ms = nil }()
	latest := t.sortBatch(b)
	if len(b.keys) == 0 {
		return nil
	}
	if !t.started {
		t.started = true
		t.now, t.lastSweep = latest, latest
		b.cutoff = math.MinInt64
	} else {
		b.cutoff = t.now - int64(t.cfg.OOSWindow)
		t.now = max(t.now, latest)
	}
	b.now = t.now
	b.sweep = t.now-t.lastSweep >= sweepEvery
	if b.sweep {
		t.lastSweep = t.now
	}
	t.route(b)
	t.runShards(b)
	t.applyUnitEvents()
	t.handOff()
	return t.collect()
}

// sortBatch fills b.keys with the usable measurements in order and
// returns the latest time.
func (t *Tracker) sortBatch(b *batch) int64 {
	b.keys = b.keys[:0]
	latest := int64(math.MinInt64)
	for i := range b.ms {
		m := &b.ms[i]
		t.st.Measurements++
		if !usable(m) {
			t.st.Rejected++
			continue
		}
		ns := m.Time.UnixNano()
		b.keys = append(b.keys, sortKey{t: ns, sensor: m.Sensor, seq: m.Seq, idx: int32(i)})
		latest = max(latest, ns)
	}
	slices.SortFunc(b.keys, func(x, y sortKey) int {
		if c := cmp.Compare(x.t, y.t); c != 0 {
			return c
		}
		if c := strings.Compare(x.sensor, y.sensor); c != 0 {
			return c
		}
		return cmp.Compare(x.seq, y.seq)
	})
	return latest
}

// usable reports whether m has a position and an error the filter can
// use.
func usable(m *Measurement) bool {
	ok := m.Pos.Validate() == nil && m.SigmaM > 0 && !math.IsInf(m.SigmaM, 0)
	return ok && !m.Time.IsZero()
}

// route hands each measurement to its shard: by its key, except that
// near a cut it goes to the shard whose track fits it best, and a unit's
// GPS fix goes to the shard holding the unit's track.
func (t *Tracker) route(b *batch) {
	for _, s := range t.shards {
		s.in = s.in[:0]
	}
	for i := range b.keys {
		k := &b.keys[i]
		if i > 0 && b.keys[i-1].seq == k.seq && b.keys[i-1].sensor == k.sensor {
			t.st.Duplicates++
			continue
		}
		if k.t < b.cutoff {
			t.st.TooLate++
			continue
		}
		sh := 0
		if len(t.shards) > 1 {
			sh = t.shardFor(b.measurement(int32(i)), k.t)
		}
		t.shards[sh].in = append(t.shards[sh].in, int32(i))
	}
}

// shardFor picks the shard of a measurement made at t.
func (t *Tracker) shardFor(m *Measurement, ns int64) int {
	if m.Friendly {
		if s, ok := t.unitShard[m.Sensor]; ok {
			return s
		}
	}
	cuts := t.cfg.Cuts
	key := t.cfg.Key(m.Pos)
	s := shardOf(cuts, key)
	h := t.cfg.HandoffM
	other := -1
	switch {
	case s < len(cuts) && cuts[s]-key < h:
		other = s + 1
	case s > 0 && key-cuts[s-1] < h:
		other = s - 1
	}
	if other < 0 {
		return s
	}
	ot, oc := t.shards[other].routeScore(m, ns)
	st, sc := t.shards[s].routeScore(m, ns)
	if ot < st || (ot == st && oc < sc) {
		return other
	}
	return s
}

// shardOf is the shard of a key: the number of cuts at or below it.
func shardOf(cuts []float64, key float64) int {
	if math.IsNaN(key) {
		return 0
	}
	return sort.Search(len(cuts), func(i int) bool { return cuts[i] > key })
}

// runShards runs every shard's part of b, on the workers when there are.
func (t *Tracker) runShards(b *batch) {
	if t.jobs == nil {
		for _, s := range t.shards {
			s.run(b)
		}
		return
	}
	t.pending.Add(len(t.shards))
	for _, s := range t.shards {
		t.jobs <- job{s: s, b: b}
	}
	t.pending.Wait()
}

// applyUnitEvents brings the unit → shard index up to date with the
// shards' changes.
func (t *Tracker) applyUnitEvents() {
	for _, s := range t.shards {
		for _, e := range s.units {
			switch {
			case e.add:
				t.unitShard[e.unit] = s.idx
			case t.unitShard[e.unit] == s.idx:
				delete(t.unitShard, e.unit)
			}
		}
		s.units = s.units[:0]
	}
}

// handOff moves the tracks that left their shard to the neighbour,
// keeping their ids.
func (t *Tracker) handOff() {
	for _, s := range t.shards {
		for _, l := range s.leaving {
			tr := l.tr
			if tr.slot < 0 {
				continue
			}
			d := t.shards[l.dest]
			x, y := tr.st.X[0], tr.st.X[1]
			if d.frame == nil {
				d.frame = geo.NewFrame(s.frame.Reverse(x, y))
			}
			fm := newFrameMap(s.frame, d.frame, x, y)
			s.detach(tr)
			fm.carry(tr)
			tr.stamp, tr.nextKeyCheck, tr.mergeWith = 0, 0, nil
			d.attach(tr)
			if tr.friendly {
				t.unitShard[tr.unit] = d.idx
			}
			t.st.Handoffs++
		}
		s.leaving = s.leaving[:0]
	}
	for _, s := range t.shards {
		s.units = s.units[:0]
	}
}

// collect gathers the shards' updates in order.
func (t *Tracker) collect() []Update {
	n := 0
	for _, s := range t.shards {
		n += len(s.updates)
	}
	if n == 0 {
		return nil
	}
	out := make([]Update, 0, n)
	for _, s := range t.shards {
		out = append(out, s.updates...)
		clear(s.updates)
		s.updates = s.updates[:0]
	}
	slices.SortFunc(out, compareUpdates)
	return out
}

func compareUpdates(a, b Update) int {
	if c := a.Track.Time.Compare(b.Track.Time); c != 0 {
		return c
	}
	if c := strings.Compare(a.Track.ID, b.Track.ID); c != 0 {
		return c
	}
	return cmp.Compare(a.Kind, b.Kind)
}

// Advance moves the clock to now (never backwards) and returns the
// updates of tracks that began coasting or were deleted.
func (t *Tracker) Advance(now time.Time) []Update {
	t.mu.Lock()
	defer t.mu.Unlock()
	ns := now.UnixNano()
	if !t.started {
		t.started = true
		t.now, t.lastSweep = ns, ns
		return nil
	}
	if ns < t.now {
		return nil
	}
	t.now, t.lastSweep = ns, ns
	b := &t.b
	b.keys = b.keys[:0]
	b.now, b.sweep = ns, true
	for _, s := range t.shards {
		s.in = s.in[:0]
	}
	t.runShards(b)
	t.applyUnitEvents()
	return t.collect()
}

// Snapshot returns the confirmed and coasting tracks, sorted by id; a
// coasting track is predicted to the clock.
func (t *Tracker) Snapshot() []Track {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Track
	for _, s := range t.shards {
		for _, tr := range s.tracks {
			if tr == nil || tr.status == StatusTentative {
				continue
			}
			at := tr.t
			if tr.status == StatusCoasting {
				at = max(at, t.now)
			}
			out = append(out, tr.snapshot(s.frame, at, &t.cfg))
		}
	}
	slices.SortFunc(out, func(a, b Track) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Stats returns the counters.
func (t *Tracker) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.st
	for _, s := range t.shards {
		c := &s.stats
		st.Associated += c.associated
		st.OutOfSequence += c.oos
		st.Suppressed += c.suppressed
		st.TooLate += c.tooLate
		st.Born += c.born
		st.Confirmed += c.confirmed
		st.Deleted += c.deleted
		st.Dropped += c.dropped
		st.Merged += c.merged
		st.Absorbed += c.absorbed
		for _, tr := range s.tracks {
			switch {
			case tr == nil:
			case tr.status == StatusTentative:
				st.Tentative++
			default:
				st.Live++
			}
		}
	}
	return st
}
