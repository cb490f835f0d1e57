package fusion

import (
	"math"
	"slices"

	"raqib/internal/geo"
)

// gridCellM is the side of the spatial grid's cells.
const gridCellM = 400.0

// Prior velocity variance of a new track without a measured velocity
// (m²/s²): a target standing still or walking, or a vehicle.
const (
	velVarSlow    = 2.0 * 2.0
	velVarVehicle = 15.0 * 15.0
)

// farFixGate: a unit's GPS fix this far (squared Mahalanobis distance)
// from its track restarts the track there.
const farFixGate = 100.0

// shard holds the tracks of one piece of the ground in one local frame.
// A shard is used by one goroutine at a time.
type shard struct {
	idx   int
	cfg   *Config
	frame *geo.Frame
	grid  *Grid

	tracks []*track // by slot; nil when free
	free   []int32  // free slots
	pool   []*track // released tracks, for reuse
	byUnit map[string]*track

	// The batch being processed.
	in      []int32  // positions in the batch's sorted order
	loc     []obsVec // the measurements of in, in the frame
	now     int64
	cutoff  int64
	touched []*track
	updates []Update
	arena   []ObsRef
	leaving []leaving
	units   []unitEvent

	// Scratch for one scan.
	stamp uint32
	near  []int32 // slots of the tracks found near the scan
	cands []cand
	cost  []float64
	pos   []candPos // per candidate: where it is predicted
	query []int32
	aw    AssignWork
	cw    clusterWork

	stats shardStats
}

// cand is a track considered for a scan: its state predicted to the
// scan's time and where the scan's measurement goes in its history.
type cand struct {
	tr   *track
	pred State
	at   int
}

// leaving is a track that left its shard's ground, with its destination.
type leaving struct {
	tr   *track
	dest int
}

// unitEvent records that a unit's track appeared in (add) or left a shard.
type unitEvent struct {
	unit string
	add  bool
}

// shardStats are a shard's counters.
type shardStats struct {
	associated, born, confirmed, deleted, dropped, merged, oos, tooLate, suppressed, absorbed uint64
}

func newShard(idx int, cfg *Config, origin *geo.LatLon) *shard {
	s := &shard{idx: idx, cfg: cfg, grid: NewGrid(gridCellM), byUnit: map[string]*track{}}
	if origin != nil {
		s.frame = geo.NewFrame(*origin)
	}
	return s
}

// run processes the shard's part of batch b: its scans in time order,
// then duplicate merging, the updates of the tracks measured, the sweep
// for coasting and deletion, and the search for tracks that left.
func (s *shard) run(b *batch) {
	s.now, s.cutoff = b.now, b.cutoff
	s.updates, s.arena = s.updates[:0], nil
	s.leaving, s.units = s.leaving[:0], s.units[:0]
	s.localise(b)
	for lo := 0; lo < len(s.in); {
		hi := lo + 1
		for hi < len(s.in) && b.sameScan(s.in[lo], s.in[hi]) {
			hi++
		}
		s.scan(b, lo, hi)
		lo = hi
	}
	s.mergeDuplicates()
	s.emitMeasured()
	if b.sweep {
		s.sweep()
	}
	if b.cuts != nil {
		s.findLeaving(b)
	}
	s.touched = s.touched[:0]
}

// localise puts the batch's measurements into the shard's frame, which
// starts at the first one when the shard has no origin.
func (s *shard) localise(b *batch) {
	s.loc = slices.Grow(s.loc[:0], len(s.in))[:len(s.in)]
	for i, k := range s.in {
		m := b.measurement(k)
		if s.frame == nil {
			s.frame = geo.NewFrame(m.Pos)
		}
		x, y := s.frame.Forward(m.Pos)
		z := &s.loc[i]
		*z = obsVec{x: x, y: y, r: m.SigmaM * m.SigmaM}
		if v := m.Vel; v != nil {
			z.vx, z.vy = s.toGrid(m.Pos, v.East, v.North)
			sp := math.Hypot(v.East, v.North)
			sd := 0.5 + 0.1*sp + m.SigmaM/40
			z.rv = sd * sd
		}
	}
}

// toGrid turns a true east/north vector at p into the frame.
func (s *shard) toGrid(p geo.LatLon, e, n float64) (float64, float64) {
	sn, c := convergence(s.frame, p)
	return c*e - sn*n, c*n + sn*e
}

// touch lists tr among the tracks measured in this batch.
func (s *shard) touch(tr *track) {
	if !tr.dirty {
		tr.dirty = true
		s.touched = append(s.touched, tr)
	}
}

func (s *shard) confirm(tr *track) {
	tr.status = StatusConfirmed
	tr.id = formatID(tr.hash)
	tr.fresh = true
	s.stats.confirmed++
}

func (s *shard) moveInGrid(tr *track) {
	x, y := tr.st.X[0], tr.st.X[1]
	s.grid.Move(tr.slot, tr.gx, tr.gy, x, y)
	tr.gx, tr.gy = x, y
}

// birth starts a tentative track from m.
func (s *shard) birth(m *Measurement, z *obsVec, t int64) *track {
	tr := s.alloc()
	velVar := velVarSlow
	if m.Class == ClassVehicle {
		velVar = velVarVehicle
	}
	tr.reset(tr.slot, m, z, t, velVar, s.cfg.Q[ClassUnknown])
	tr.q = tr.processNoise(s.cfg)
	tr.gx, tr.gy = tr.st.X[0], tr.st.X[1]
	s.grid.Insert(tr.slot, tr.gx, tr.gy)
	s.touch(tr)
	s.stats.born++
	return tr
}

// alloc takes a free slot and a track for it.
func (s *shard) alloc() *track {
	var tr *track
	if n := len(s.pool); n > 0 {
		tr = s.pool[n-1]
		s.pool = s.pool[:n-1]
	} else {
		tr = new(track)
	}
	s.attachSlot(tr)
	return tr
}

// attachSlot gives tr a slot in the table.
func (s *shard) attachSlot(tr *track) {
	if n := len(s.free); n > 0 {
		tr.slot = s.free[n-1]
		s.free = s.free[:n-1]
		s.tracks[tr.slot] = tr
		return
	}
	tr.slot = int32(len(s.tracks))
	s.tracks = append(s.tracks, tr)
}

// detach takes tr out of the table, the grid and the unit index.
func (s *shard) detach(tr *track) {
	s.grid.Remove(tr.slot, tr.gx, tr.gy)
	s.tracks[tr.slot] = nil
	s.free = append(s.free, tr.slot)
	tr.slot = -1
	tr.dirty = false
	if tr.friendly && s.byUnit[tr.unit] == tr {
		delete(s.byUnit, tr.unit)
		s.units = append(s.units, unitEvent{unit: tr.unit})
	}
}

// release detaches tr and keeps it for reuse.
func (s *shard) release(tr *track) {
	s.detach(tr)
	tr.mergeWith = nil
	tr.id, tr.unit = "", ""
	tr.sensors = sensorSet{}
	clear(tr.obs)
	tr.obs = tr.obs[:0]
	s.pool = append(s.pool, tr)
}

// attach adds a track carried over from another shard.
func (s *shard) attach(tr *track) {
	s.attachSlot(tr)
	tr.gx, tr.gy = tr.st.X[0], tr.st.X[1]
	s.grid.Insert(tr.slot, tr.gx, tr.gy)
	if tr.friendly {
		s.byUnit[tr.unit] = tr
	}
}

// emit appends an update of tr, with its pending measurements, at time
// at.
func (s *shard) emit(kind UpdateKind, tr *track, at int64, into string) {
	u := Update{Kind: kind, Track: tr.snapshot(s.frame, at, s.cfg), MergedInto: into}
	if len(tr.obs) > 0 {
		u.Obs = s.takeObs(tr.obs)
		clear(tr.obs)
		tr.obs = tr.obs[:0]
	}
	if kind == UpdateDeleted {
		u.Track.Status = StatusDeleted
	}
	s.updates = append(s.updates, u)
}

// takeObs copies refs into memory owned by this batch's updates.
func (s *shard) takeObs(refs []ObsRef) []ObsRef {
	if cap(s.arena)-len(s.arena) < len(refs) {
		s.arena = make([]ObsRef, 0, max(len(refs), 16))
	}
	i := len(s.arena)
	s.arena = append(s.arena, refs...)
	return s.arena[i:len(s.arena):len(s.arena)]
}

// emitMeasured emits the updates of the confirmed tracks measured in this
// batch.
func (s *shard) emitMeasured() {
	n := 0
	for _, tr := range s.touched {
		if tr.dirty && tr.status != StatusTentative {
			n += len(tr.obs)
		}
	}
	if cap(s.arena)-len(s.arena) < n {
		s.arena = make([]ObsRef, 0, n)
	}
	for _, tr := range s.touched {
		if !tr.dirty {
			continue
		}
		tr.dirty = false
		if tr.status == StatusTentative {
			continue
		}
		kind := UpdateMeasured
		if tr.fresh {
			kind, tr.fresh = UpdateConfirmed, false
		}
		s.emit(kind, tr, tr.t, "")
	}
}

// sweep coasts, deletes and drops the tracks that went unseen too long.
func (s *shard) sweep() {
	cfg := s.cfg
	for _, tr := range s.tracks {
		if tr == nil {
			continue
		}
		quiet := s.now - tr.lastSeen
		switch tr.status {
		case StatusTentative:
			if quiet > int64(cfg.TentativeDeleteAfter) {
				s.release(tr)
				s.stats.dropped++
			}
			continue
		case StatusConfirmed:
			if tr.friendly && s.now-tr.lastGPS >= int64(cfg.FriendlyDeleteAfter) {
				s.remove(tr)
				continue
			}
			if quiet >= tr.coastAfter(cfg) {
				tr.status = StatusCoasting
				s.emit(UpdateCoasting, tr, s.now, "")
			}
		case StatusCoasting:
			if (tr.friendly && s.now-tr.lastGPS >= int64(cfg.FriendlyDeleteAfter)) ||
				quiet >= tr.coastAfter(cfg)+tr.deleteAfter(cfg) {
				s.remove(tr)
			}
		}
	}
}

// remove deletes a confirmed or coasting track.
func (s *shard) remove(tr *track) {
	s.emit(UpdateDeleted, tr, s.now, "")
	s.stats.deleted++
	s.release(tr)
}

// findLeaving lists the tracks measured in this batch whose position is
// past one of the shard's cuts by more than half the hand-off band. The
// key is looked at again only when the track may have come near a cut.
func (s *shard) findLeaving(b *batch) {
	half := s.cfg.HandoffM / 2
	for _, tr := range s.touched {
		if tr.slot < 0 || s.now < tr.nextKeyCheck {
			continue
		}
		k := s.cfg.Key(s.frame.Reverse(tr.st.X[0], tr.st.X[1]))
		dest := s.idx
		margin := inf
		if s.idx < len(b.cuts) {
			hiEdge := b.cuts[s.idx] + half
			if k > hiEdge {
				dest = shardOf(b.cuts, k)
			}
			margin = hiEdge - k
		}
		if s.idx > 0 {
			loEdge := b.cuts[s.idx-1] - half
			if k < loEdge {
				dest = shardOf(b.cuts, k)
			}
			margin = min(margin, k-loEdge)
		}
		if dest != s.idx {
			s.leaving = append(s.leaving, leaving{tr: tr, dest: dest})
			continue
		}
		// Chainage changes at most about as fast as the track moves.
		speed := math.Hypot(tr.st.X[2], tr.st.X[3]) + 10
		wait := min(margin/speed, 30)
		tr.nextKeyCheck = s.now + int64(wait*1e9)
	}
}
