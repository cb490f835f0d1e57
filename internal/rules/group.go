package rules

import (
	"cmp"
	"math"
	"slices"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/geo"
)

// The group rule and the herder test look at tracks' neighbours through a
// grid of latest positions: every non-friendly track near the line has a
// slot, filed under its cell. Moving a track costs a cell computation and,
// when it changes cell, a swap-remove and an append.

const (
	// fresh is how old a neighbour's latest position may be to count.
	fresh = int64(10 * time.Second)
	// herdRadius and herdSpeedDiff define animals moving beside a person:
	// a flock walks 30 to 60 m off its shepherd.
	herdRadius    = 150.0
	herdSpeedDiff = 0.7
)

type cellKey struct{ x, y int32 }

// slot is one track's latest state in the grid.
type slot struct {
	st    *trackState
	id    string
	born  int64
	t     int64
	pos   geo.LatLon
	x, y  float64 // metres in the grid's frame
	vel   fusion.Velocity
	class fusion.Class
	count int
	p     *params
	// member says whether the track may belong to a group: its class,
	// sector and distance to the line qualify.
	member bool
	key    cellKey
	at     int32 // index in its cell's list
	// linkedSince is since when the track has had a neighbour moving
	// alike, 0 if it has none.
	linkedSince int64
	group       *group
	// dirty and visit stamp the step that updated the slot and the search
	// that reached it.
	dirty, visit uint32
}

// grid files slots by cell. Slots are reused through a free list, so
// indexes stay valid while a track lives.
type grid struct {
	cell       float64
	mLat, mLon float64
	cells      map[cellKey][]int32
	slots      []slot
	free       []int32
}

// group is an open group condition.
type group struct {
	// id is the track id of its oldest member when it began: the events'
	// Track, so that its events share a key.
	id      string
	members []int32
	begun   int64
	// clearSince is since when the group has not held, 0 while it does.
	clearSince int64
	// held: found again in this step; touched: one of its members was
	// updated or removed in this step.
	held, touched bool
	p             *params
	// last is the group's last event, for its end when every member is
	// gone.
	last Event
}

// groups holds the grid and the open groups.
type groups struct {
	grid  grid
	tab   *table
	lat0  float64
	open  []*group
	dirty []int32
	step  uint32
	visit uint32
	// scratch
	queue, comp, qual []int32
}

// init empties the groups and sizes the grid; lat0 is a latitude typical
// of the theater, where the grid's frame is true to scale.
func (g *groups) init(tab *table, lat0 float64) {
	cell := max(tab.maxGroupRadius, herdRadius, 100)
	mLat, mLon := metresPerDegree(lat0)
	*g = groups{
		tab:  tab,
		lat0: lat0,
		step: 1,
		grid: grid{cell: cell, mLat: mLat, mLon: mLon, cells: map[cellKey][]int32{}},
	}
}

// retable takes up new thresholds, refiling the grid when the largest
// group radius changed its cell size. Open groups are kept.
func (g *groups) retable(tab *table) {
	g.tab = tab
	if cell := max(tab.maxGroupRadius, herdRadius, 100); cell != g.grid.cell {
		g.grid.resize(cell)
	}
}

// place files a judged track's latest state.
func (g *groups) place(st *trackState, tr *fusion.Track) {
	m := &st.mem
	if tr.Friendly || m.p == nil || math.Abs(m.dist) > g.tab.maxReach {
		g.remove(st)
		return
	}
	gr := &g.grid
	if st.slot < 0 {
		st.slot = gr.alloc(st)
	}
	i := st.slot
	s := &gr.slots[i]
	s.id, s.born, s.t = tr.ID, tr.Born.UnixNano(), tr.Time.UnixNano()
	s.pos, s.vel, s.class, s.count, s.p = tr.Pos, tr.Vel, tr.Class, max(tr.Count, 1), m.p
	p := m.p
	s.member = p.on[iGroup] && p.classes[iGroup].has(tr.Class) && math.Abs(m.dist) <= p.groupDist
	gr.move(i)
	if s.group != nil {
		s.group.touched = true
	}
	if s.member && s.dirty != g.step {
		s.dirty = g.step
		g.dirty = append(g.dirty, i)
	}
}

// remove takes a track out of the grid and its group.
func (g *groups) remove(st *trackState) {
	if st.slot < 0 {
		return
	}
	i := st.slot
	s := &g.grid.slots[i]
	if gr := s.group; gr != nil {
		gr.members = slices.DeleteFunc(gr.members, func(j int32) bool { return j == i })
		gr.touched = true
	}
	g.grid.release(i)
	st.slot = -1
}

func (gr *grid) alloc(st *trackState) int32 {
	var i int32
	if n := len(gr.free); n > 0 {
		i = gr.free[n-1]
		gr.free = gr.free[:n-1]
	} else {
		gr.slots = append(gr.slots, slot{})
		i = int32(len(gr.slots) - 1)
	}
	gr.slots[i] = slot{st: st, at: -1}
	return i
}

func (gr *grid) release(i int32) {
	gr.unfile(i)
	gr.slots[i] = slot{at: -1}
	gr.free = append(gr.free, i)
}

// resize files every slot again under cells of a new size.
func (gr *grid) resize(cell float64) {
	gr.cell = cell
	clear(gr.cells)
	for i := range gr.slots {
		if gr.slots[i].at >= 0 {
			gr.slots[i].at = -1
			gr.move(int32(i))
		}
	}
}

// move refiles a slot after its position changed.
func (gr *grid) move(i int32) {
	s := &gr.slots[i]
	s.x, s.y = s.pos.Lon*gr.mLon, s.pos.Lat*gr.mLat
	k := cellKey{int32(math.Floor(s.x / gr.cell)), int32(math.Floor(s.y / gr.cell))}
	if s.at >= 0 && k == s.key {
		return
	}
	gr.unfile(i)
	s.key = k
	list := gr.cells[k]
	s.at = int32(len(list))
	gr.cells[k] = append(list, i)
}

func (gr *grid) unfile(i int32) {
	s := &gr.slots[i]
	if s.at < 0 {
		return
	}
	list := gr.cells[s.key]
	last := len(list) - 1
	if moved := list[last]; int(s.at) != last {
		list[s.at] = moved
		gr.slots[moved].at = s.at
	}
	list = list[:last]
	if len(list) == 0 {
		delete(gr.cells, s.key)
	} else {
		gr.cells[s.key] = list
	}
	s.at = -1
}

// span gives the cells to search around (x, y) for radius r, with a margin
// for the frame's change of scale away from its latitude.
func (gr *grid) span(x, y, r float64) (x0, x1, y0, y1 int32) {
	r *= 1.1
	return int32(math.Floor((x - r) / gr.cell)), int32(math.Floor((x + r) / gr.cell)),
		int32(math.Floor((y - r) / gr.cell)), int32(math.Floor((y + r) / gr.cell))
}

// neighbours appends to dst the group members within the slot's group
// radius moving alike, with fresh positions.
func (gr *grid) neighbours(i int32, dst []int32) []int32 {
	s := &gr.slots[i]
	p := s.p
	r := p.groupRadius
	x0, x1, y0, y1 := gr.span(s.x, s.y, r)
	for cx := x0; cx <= x1; cx++ {
		for cy := y0; cy <= y1; cy++ {
			for _, j := range gr.cells[cellKey{cx, cy}] {
				o := &gr.slots[j]
				if j == i || !o.member || abs64(o.t-s.t) > fresh {
					continue
				}
				if hypot(o.vel.East-s.vel.East, o.vel.North-s.vel.North) > p.groupDiff {
					continue
				}
				if metres(s.pos, o.pos) <= r {
					dst = append(dst, j)
				}
			}
		}
	}
	return dst
}

// herded reports whether animals move beside a position: a track of class
// animal within herdRadius whose velocity differs by at most
// herdSpeedDiff, with a fresh position.
func (gr *grid) herded(id string, pos geo.LatLon, vel fusion.Velocity, t int64) bool {
	x, y := pos.Lon*gr.mLon, pos.Lat*gr.mLat
	x0, x1, y0, y1 := gr.span(x, y, herdRadius)
	for cx := x0; cx <= x1; cx++ {
		for cy := y0; cy <= y1; cy++ {
			for _, j := range gr.cells[cellKey{cx, cy}] {
				o := &gr.slots[j]
				if o.class != fusion.ClassAnimal || o.id == id || abs64(o.t-t) > fresh {
					continue
				}
				if hypot(o.vel.East-vel.East, o.vel.North-vel.North) <= herdSpeedDiff &&
					metres(pos, o.pos) <= herdRadius {
					return true
				}
			}
		}
	}
	return false
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// judge applies the group rule after a step's tracks were placed: it links
// the updated tracks to their neighbours, finds the connected groups among
// them, begins a group once enough of its tracks have moved together long
// enough, and ends one that has not held for the clearing time.
// now is the latest track time of the step.
func (g *groups) judge(dst []Event, x *env, now int64) []Event {
	gr := &g.grid
	for _, i := range g.dirty {
		s := &gr.slots[i]
		if s.st == nil || s.dirty != g.step {
			continue
		}
		g.queue = gr.neighbours(i, g.queue[:0])
		if len(g.queue) == 0 {
			s.linkedSince = 0
		} else if s.linkedSince == 0 {
			s.linkedSince = s.t
		}
	}
	g.visit++
	for _, i := range g.dirty {
		s := &gr.slots[i]
		if s.st == nil || s.dirty != g.step || s.linkedSince == 0 || s.visit == g.visit || !s.member {
			continue
		}
		dst = g.settle(dst, g.component(i), now, x)
	}
	dst = g.close(dst, now, x)
	g.dirty = g.dirty[:0]
	g.step++
	return dst
}

// component gathers the members connected to slot i, by breadth-first
// search over neighbours.
func (g *groups) component(i int32) []int32 {
	gr := &g.grid
	comp := append(g.comp[:0], i)
	gr.slots[i].visit = g.visit
	for k := 0; k < len(comp); k++ {
		g.queue = gr.neighbours(comp[k], g.queue[:0])
		for _, j := range g.queue {
			if gr.slots[j].visit != g.visit {
				gr.slots[j].visit = g.visit
				comp = append(comp, j)
			}
		}
	}
	g.comp = comp
	return comp
}

// settle begins or keeps the group of one connected set of tracks.
func (g *groups) settle(dst []Event, comp []int32, now int64, x *env) []Event {
	gr := &g.grid
	p := gr.slots[comp[0]].p
	qual := g.qual[:0]
	var keep *group
	for _, i := range comp {
		s := &gr.slots[i]
		if s.linkedSince != 0 && now-s.linkedSince >= p.groupFor {
			qual = append(qual, i)
		}
		if o := s.group; o != nil {
			o.touched = true
			if keep == nil || o.begun < keep.begun {
				keep = o
			}
		}
	}
	g.qual = qual
	if len(qual) < p.groupMin {
		return dst
	}
	begin := keep == nil
	if begin {
		keep = &group{begun: now, p: p}
		g.open = append(g.open, keep)
	}
	for _, i := range keep.members {
		gr.slots[i].group = nil
	}
	for _, i := range comp {
		if o := gr.slots[i].group; o != nil && o != keep {
			// Two groups came together: the older one takes the tracks
			// and the other ends once it is empty.
			o.members = slices.DeleteFunc(o.members, func(j int32) bool { return j == i })
		}
	}
	keep.members = append(keep.members[:0], qual...)
	for _, i := range qual {
		gr.slots[i].group = keep
	}
	keep.held = true
	if begin {
		oldest := slices.MinFunc(qual, func(a, b int32) int {
			sa, sb := &gr.slots[a], &gr.slots[b]
			return cmp.Or(cmp.Compare(sa.born, sb.born), cmp.Compare(sa.id, sb.id))
		})
		keep.id = gr.slots[oldest].id
		dst = append(dst, g.event(keep, PhaseBegin, now, x, ""))
	}
	return dst
}

// close ends the open groups that have stopped holding.
func (g *groups) close(dst []Event, now int64, x *env) []Event {
	kept := g.open[:0]
	for _, o := range g.open {
		held, touched := o.held, o.touched
		o.held, o.touched = false, false
		switch {
		case len(o.members) == 0:
			dst = append(dst, g.event(o, PhaseEnd, now, x, "tracks lost"))
			continue
		case held:
			o.clearSince = 0
		case touched:
			if o.clearSince == 0 {
				o.clearSince = now
			}
			if now-o.clearSince >= o.p.clearAfter {
				for _, i := range o.members {
					g.grid.slots[i].group = nil
				}
				dst = append(dst, g.event(o, PhaseEnd, now, x, "no longer moving together"))
				continue
			}
		}
		kept = append(kept, o)
	}
	clear(g.open[len(kept):])
	g.open = kept
	return dst
}

// event builds a group event from its members' latest states: their
// centroid and mean velocity, summed count and merged evidence.
func (g *groups) event(o *group, ph Phase, now int64, x *env, reason string) Event {
	if len(o.members) == 0 {
		e := o.last
		e.Phase, e.Time = ph, time.Unix(0, max(now, o.last.Time.UnixNano())).UTC()
		e.Summary = summary(&e, &detail{reason: reason, members: len(e.Members)})
		return e
	}
	gr := &g.grid
	var lat, lon, ve, vn float64
	var t int64
	count, persons := 0, 0
	ids := make([]string, 0, len(o.members))
	var sensors []string
	var ev []fusion.ObsRef
	for _, i := range o.members {
		s := &gr.slots[i]
		lat += s.pos.Lat
		lon += s.pos.Lon
		ve += s.vel.East
		vn += s.vel.North
		t = max(t, s.t)
		count += s.count
		if s.class == fusion.ClassPerson {
			persons++
		}
		ids = append(ids, s.id)
		ev = append(ev, s.st.ev.list()...)
	}
	n := float64(len(o.members))
	tr := fusion.Track{
		ID:     o.id,
		Time:   time.Unix(0, t).UTC(),
		Pos:    geo.LatLon{Lat: lat / n, Lon: lon / n},
		Vel:    fusion.Velocity{East: ve / n, North: vn / n},
		Class:  fusion.ClassUnknown,
		Count:  count,
		Status: fusion.StatusConfirmed,
	}
	if persons > 0 {
		tr.Class = fusion.ClassPerson
	}
	slices.Sort(ids)
	slices.SortStableFunc(ev, func(a, b fusion.ObsRef) int { return a.Time.Compare(b.Time) })
	if len(ev) > MaxEvidence {
		ev = ev[len(ev)-MaxEvidence:]
	}
	for _, r := range ev {
		if !slices.Contains(sensors, r.Sensor) {
			sensors = append(sensors, r.Sensor)
		}
	}
	slices.Sort(sensors)
	loc := x.th.Locate(tr.Pos)
	mo := motionOf(&tr, &loc, x.th.Border)
	e := newEvent(iGroup, ph, &tr, &loc, &mo, o.p, &evidence{})
	e.Members = ids
	e.Evidence = slices.Clip(ev)
	e.Sensors = sensors
	e.Zone = zoneAt(x.th, loc.Chainage, loc.Distance)
	e.Summary = summary(&e, &detail{reason: reason, members: len(ids)})
	o.last = e
	return e
}

var _ herdQuery = (*grid)(nil)
