package rules

import (
	"math"
	"slices"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/theater"
)

// memory is what the engine remembers of a track between updates: the
// state of each rule after its previous judgement.
type memory struct {
	judged bool
	// seenOutsideZone: the track was once judged outside every zone, so
	// being inside one later is an entry.
	seenOutsideZone bool
	// t is the time of the last judged update, Unix nanoseconds.
	t int64
	// side is the side the track is held to be on (+1 Iraq, -1 Syria):
	// it changes only once the track is past the crossing margin. lastOn
	// is the track's last position on that side.
	side   int8
	lastOn geo.LatLon
	// open has a bit per rule whose condition has begun and not ended;
	// clear holds, per rule, since when an open condition has failed (0
	// while it holds), or since when a closed one has held.
	open  uint16
	clear [numRules]int64
	// p and dist place the track after its last update: its sector's
	// thresholds and its signed distance to the line.
	p    *params
	dist float64

	// Approach: candN consecutive updates have predicted a crossing since
	// candSince; awaySince and stillSince time how long an open approach
	// has been moving away or standing still. refA and refB are past
	// samples of the track, refA the reference of its net approach.
	candN                            int
	candSince, awaySince, stillSince int64
	refA, refB                       sample

	// The zone, barrier segment and crossing of the open conditions.
	zone     *theater.Zone
	barrier  *theater.Barrier
	crossing *theater.Crossing

	// Loiter: the track has stayed within the loiter radius of anchor
	// since anchorT.
	anchor  geo.LatLon
	anchorT int64

	// night caches whether it was night at the track, as of nightT.
	nightT int64
	night  bool
}

// sample is a track's place at a time: its signed distance to the line
// and its position.
type sample struct {
	t   int64
	d   float64
	pos geo.LatLon
}

// nightEvery is how long a track's night-or-day judgement is reused.
const nightEvery = int64(time.Minute)

// env is what judging needs beside the track: the theater, the thresholds,
// the live state and the neighbourhood of latest positions. It is not
// changed by judging.
type env struct {
	th    *theater.Theater
	tab   *table
	live  LiveState
	herds herdQuery
}

// herdQuery answers whether a position moving at a velocity has animals
// moving beside it.
type herdQuery interface {
	herded(id string, pos geo.LatLon, vel fusion.Velocity, t int64) bool
}

func (x *env) crossingStatus(c *theater.Crossing) theater.CrossingStatus {
	if x.live != nil {
		if s := x.live.CrossingStatus(c.ID); s != "" {
			return s
		}
	}
	return c.Status
}

func (x *env) barrierStatus(b *theater.Barrier) theater.BarrierStatus {
	if x.live != nil {
		if s := x.live.BarrierStatus(b.ID); s != "" {
			return s
		}
	}
	return b.Status
}

// judgement is one update being judged.
type judgement struct {
	m   memory
	cur *fusion.Track
	ev  *evidence
	x   *env
	p   *params
	loc theater.Location
	mo  motion
	now int64
	// measured is false for a coasting track, whose position is a
	// prediction: it may end conditions but begins none.
	measured bool
	hostile  bool
	// rate and rateSigma are the approach speed toward the line and its
	// uncertainty, moved the speed over ground, all over the last window.
	rate, rateSigma, moved float64
	dst                    []Event
}

// judge applies every per-track rule to one update of a track, given the
// track's previous memory, and returns the next memory with the events
// appended to dst. It reads the theater, thresholds, live state and
// neighbourhood in x and the track's evidence in ev, and changes none of
// them. It costs one Locate; crossings cost a crossing query of the line.
func judge(dst []Event, prev memory, cur *fusion.Track, ev *evidence, x *env) (memory, []Event) {
	j := judgement{
		m: prev, cur: cur, ev: ev, x: x,
		loc:      x.th.Locate(cur.Pos),
		now:      cur.Time.UnixNano(),
		measured: cur.Status == fusion.StatusConfirmed,
		hostile:  !cur.Friendly,
		dst:      dst,
	}
	j.p = x.tab.of(j.loc.Sector)
	j.mo = motionOf(cur, &j.loc, x.th.Border)

	j.crossing()
	j.approach()
	j.zone()
	j.barrierGap()
	j.closedCrossing()
	j.loiter()
	j.offroad()

	m := &j.m
	m.judged, m.t = true, j.now
	m.p, m.dist = j.p, j.loc.Distance
	return j.m, j.dst
}

// eligible reports whether rule r may hold for this track: enabled in its
// sector, not friendly, and of a class the rule applies to.
func (j *judgement) eligible(r int) bool {
	if (r == iApproach || r == iInbound || r == iOutbound) && (!j.mature() || j.implausible()) {
		return false
	}
	return j.p.on[r] && j.hostile && j.p.classes[r].has(j.cur.Class) && j.credible()
}

// Maturity: thermal clutter (warm rocks, noise) occasionally chains into a
// short confirmed track that wanders over the line. Approaches and
// crossings are judged only for tracks with a history; a crossing made
// while a track is still young is raised when it matures.
const (
	matureHits = 12
	matureAge  = 15 * time.Second
)

// personMaxSpeed is the fastest a track held to be a person on foot is
// believed: a "person" running at 4–9 m/s across the desert is, in this
// terrain, a gazelle or a feral dog not yet told apart (its fused class
// follows a few seconds later).
const personMaxSpeed = 3.0

// implausible reports a track whose class and motion disagree.
func (j *judgement) implausible() bool {
	v := j.cur.Vel
	return j.cur.Class == fusion.ClassPerson && v.East*v.East+v.North*v.North > personMaxSpeed*personMaxSpeed
}

// minQuality is the track quality (fusion.Track.Quality) below which no
// rule is judged: a track that has for its last several measurements been
// carried by weak, motionless detections is following thermal clutter, not
// the animal or person it was started on. A crossing it makes is held, and
// raised if strong detections take it up again.
const minQuality = 0.35

// credible reports whether the track is carried by strong detections.
func (j *judgement) credible() bool { return j.cur.Quality >= minQuality }

// strongRecent is how recent a strong measurement must be for a crossing:
// a track that crosses the line on a few weak detections alone (a fast
// vehicle's track hopping onto clutter after the vehicle stopped) is held
// until a strong detection confirms it on the far side.
const strongRecent = 10 * time.Second

// strongNow reports whether the track had a strong measurement lately.
func (j *judgement) strongNow() bool {
	return !j.cur.LastStrong.IsZero() && j.cur.Time.Sub(j.cur.LastStrong) <= strongRecent
}

func (j *judgement) mature() bool {
	return j.cur.Hits >= matureHits && j.cur.LastSeen.Sub(j.cur.Born) >= matureAge
}

func bit(r int) uint16 { return 1 << r }

// condition applies a begin/end condition's transitions: it begins once
// it has held on measured updates for beginAfter and ends once it has
// failed for clearAfter. While the condition is closed, clear[r] holds
// since when it has held.
func (j *judgement) condition(r int, holds bool) (Phase, bool) {
	m := &j.m
	if m.open&bit(r) == 0 {
		if !holds || !j.measured {
			m.clear[r] = 0
			return "", false
		}
		if m.clear[r] == 0 {
			m.clear[r] = j.now
		}
		if j.now-m.clear[r] < j.p.beginAfter {
			return "", false
		}
		m.open |= bit(r)
		m.clear[r] = 0
		return PhaseBegin, true
	}
	if holds {
		m.clear[r] = 0
		return "", false
	}
	if m.clear[r] == 0 {
		m.clear[r] = j.now
	}
	if j.now-m.clear[r] >= j.p.clearAfter {
		m.open &^= bit(r)
		m.clear[r] = 0
		return PhaseEnd, true
	}
	return "", false
}

// crossing raises inbound and outbound crossings: the track is past the
// margin on the other side of the line from the side it was held to be on.
func (j *judgement) crossing() {
	m, p, cur := &j.m, j.p, j.cur
	side := int8(1)
	if j.loc.Distance < 0 {
		side = -1
	}
	switch {
	case m.side == 0:
		m.side, m.lastOn = side, cur.Pos
		return
	case side == m.side:
		m.lastOn = cur.Pos
		return
	}
	r, margin := iInbound, p.inMargin
	if side < 0 {
		r, margin = iOutbound, p.outMargin
	}
	if j.mo.dist < margin || !j.measured {
		return
	}
	if j.hostile && p.on[r] && (!p.classes[r].has(cur.Class) || !j.mature() || j.implausible() || !j.credible() || !j.strongNow()) {
		// Held on its old side: should the track turn out to be of a
		// class the rule applies to (an "animal" that is a person), the
		// crossing is raised then.
		return
	}
	from := m.lastOn
	m.side, m.lastOn = side, cur.Pos
	if !j.hostile || !p.on[r] {
		return
	}
	chainage := j.loc.Chainage
	if c, ok := j.x.th.Border.Index.Crossing(from, cur.Pos); ok {
		chainage = c.Chainage
	}
	if m.open&bit(iApproach) != 0 {
		m.open &^= bit(iApproach)
		e := j.event(iApproach, PhaseEnd)
		j.fillApproach(e)
		e.Summary = summary(e, &detail{reason: "crossed the line"})
		m.resetApproach()
	}
	e := j.event(r, PhaseInstant)
	e.Chainage = chainage
	e.Zone = zoneAt(j.x.th, chainage, 0)
	e.Summary = summary(e, &detail{})
}

// approach raises the condition of a track predicted to reach the line
// within the sector's approach time. The prediction rests on the track's
// net approach over the last window (see approachRate), which a tracker's
// noisy velocity and a meandering course do not swing, with the current
// velocity standing in while the track is younger than half a window.
func (j *judgement) approach() {
	m, p, mo := &j.m, j.p, &j.mo
	j.approachRate()
	eligible := j.eligible(iApproach)
	if m.open&bit(iApproach) == 0 {
		if !j.approachCandidate(eligible) {
			m.candN, m.candSince = 0, 0
			return
		}
		if m.candN == 0 {
			m.candSince = j.now
		}
		m.candN++
		if m.candN < p.holdN || j.now-m.candSince < p.hold {
			return
		}
		m.open |= bit(iApproach)
		m.clear[iApproach], m.awaySince, m.stillSince = 0, 0, 0
		e := j.event(iApproach, PhaseBegin)
		j.fillApproach(e)
		e.Summary = summary(e, &detail{vPerp: j.rate})
		return
	}
	if ph, ok := j.condition(iApproach, eligible); ok {
		// The track turned friendly or out of the rule's classes.
		e := j.event(iApproach, ph)
		e.Summary = summary(e, &detail{reason: "no longer a track the rule applies to"})
		m.resetApproach()
		return
	}
	if !eligible {
		return
	}
	reason := ""
	if j.moved < p.stillMps {
		// A rest neither ends the approach nor counts toward ending it,
		// unless it lasts.
		m.awaySince = 0
		if m.stillSince == 0 {
			m.stillSince = j.now
		}
		if j.now-m.stillSince >= p.stillFor {
			reason = "standing still"
		}
	} else {
		m.stillSince = 0
		away := j.rate+p.sigmaK*j.rateSigma < 0
		// Far judged on the better of the net and the current approach
		// speed, so that neither a bend of the course nor the first
		// steps after a rest end it.
		far := mo.dist > p.endFactor*p.maxDist || mo.eta(max(j.rate, mo.vPerp)) > p.endFactor*p.within
		switch {
		case !away && !far:
			m.awaySince = 0
		case m.awaySince == 0:
			m.awaySince = j.now
		}
		if m.awaySince != 0 && j.now-m.awaySince >= p.awayFor {
			reason = "no longer expected at the line soon"
			if away {
				reason = "moving away from the line"
			}
		}
	}
	if reason != "" {
		m.open &^= bit(iApproach)
		e := j.event(iApproach, PhaseEnd)
		j.fillApproach(e)
		e.Summary = summary(e, &detail{reason: reason})
		m.resetApproach()
	}
}

// approachRate measures the track's approach speed toward the line and
// its uncertainty, and how fast it has moved, over the last window: from
// the reference sample, between half a window and a window old, to now.
// While no sample is old enough it takes the current velocity.
func (j *judgement) approachRate() {
	m, p, mo := &j.m, j.p, &j.mo
	here := sample{t: j.now, d: j.loc.Distance, pos: j.cur.Pos}
	j.rate, j.rateSigma, j.moved = mo.vPerp, mo.sigmaV, mo.speed
	switch {
	case m.refA.t == 0 || j.now < m.refB.t:
		m.refA, m.refB = here, here
		return
	case j.now-m.refB.t >= p.window/2:
		m.refA, m.refB = m.refB, here
	}
	dt := float64(j.now-m.refA.t) / 1e9
	if dt < float64(p.window)/2e9 {
		return
	}
	// Distances on the track's side now: positive on it, negative across.
	side := 1.0
	if j.loc.Distance < 0 {
		side = -1
	}
	j.rate = (side*m.refA.d - mo.dist) / dt
	j.rateSigma = math.Sqrt2 * mo.sigmaD / dt
	j.moved = metres(m.refA.pos, j.cur.Pos) / dt
}

// approachCandidate reports whether this update predicts a crossing soon
// enough, firmly enough, to count toward beginning an approach.
func (j *judgement) approachCandidate(eligible bool) bool {
	p, mo := j.p, &j.mo
	if !eligible || !j.measured || mo.dist > p.maxDist {
		return false
	}
	if j.rate-p.sigmaK*j.rateSigma <= p.minSpeed || mo.eta(j.rate) > p.within {
		return false
	}
	if p.herdersExempt && j.cur.Class == fusion.ClassPerson && !j.isNight() && j.x.herds != nil &&
		j.x.herds.herded(j.cur.ID, j.cur.Pos, j.cur.Vel, j.now) {
		return false
	}
	return true
}

func (m *memory) resetApproach() {
	m.candN, m.candSince, m.awaySince, m.stillSince = 0, 0, 0, 0
	m.clear[iApproach] = 0
}

// fillApproach sets an approach event's predicted crossing, if the track
// is heading for the line.
func (j *judgement) fillApproach(e *Event) {
	v := j.rate
	if v <= 0 {
		return
	}
	eta := j.mo.eta(v)
	sigma := min(hypot(j.mo.sigmaD/v, j.mo.dist*j.rateSigma/(v*v)), 24*3600)
	if eta < 7*24*3600 {
		e.PredictedCrossing = j.cur.Time.Add(time.Duration(eta * 1e9))
		e.CrossingSigma = time.Duration(sigma * 1e9)
	}
}

// zone raises the condition of a track inside an unofficial crossing zone.
func (j *judgement) zone() {
	m := &j.m
	var z *theater.Zone
	if j.eligible(iZone) {
		if m.zone != nil && m.zone.Contains(j.loc.Chainage, j.loc.Distance) {
			z = m.zone
		} else if m.open&bit(iZone) == 0 {
			z = findZone(j.x.th, j.loc.Chainage, j.loc.Distance)
		}
	}
	if m.open&bit(iZone) == 0 {
		// An entry is a transition: a track first seen inside a zone (or
		// only judged once already inside) has not entered it.
		if z == nil && findZone(j.x.th, j.loc.Chainage, j.loc.Distance) == nil {
			m.seenOutsideZone = true
		}
		if !m.seenOutsideZone {
			z = nil
		}
	}
	ph, ok := j.condition(iZone, z != nil)
	if !ok {
		return
	}
	if ph == PhaseBegin {
		m.zone = z
	}
	e := j.event(iZone, ph)
	e.Zone = m.zone.ID
	e.Summary = summary(e, &detail{name: m.zone.Name})
	if ph == PhaseEnd {
		m.zone = nil
	}
}

func findZone(th *theater.Theater, chainage, offset float64) *theater.Zone {
	for _, z := range th.Zones {
		if z.Contains(chainage, offset) {
			return z
		}
	}
	return nil
}

func zoneAt(th *theater.Theater, chainage, offset float64) string {
	if z := findZone(th, chainage, offset); z != nil {
		return z.ID
	}
	return ""
}

// barrierGap raises the condition of a track near the line where no
// barrier segment is complete.
func (j *judgement) barrierGap() {
	m := &j.m
	var gap, nearest *theater.Barrier
	holds := false
	if j.eligible(iBarrierGap) && j.mo.dist <= j.p.gapDepth {
		var covered bool
		covered, nearest = j.x.barrierCover(j.loc.Chainage)
		holds = !covered
		gap = nearest
	}
	ph, ok := j.condition(iBarrierGap, holds)
	if !ok {
		return
	}
	if ph == PhaseBegin {
		m.barrier = gap
	}
	e := j.event(iBarrierGap, ph)
	d := &detail{}
	if m.barrier != nil {
		e.Barrier = m.barrier.ID
		d.name = m.barrier.Name
		d.status = string(j.x.barrierStatus(m.barrier))
	}
	e.Summary = summary(e, d)
	if ph == PhaseEnd {
		m.barrier = nil
	}
}

// barrierCover reports whether a complete barrier segment covers the
// chainage, and the segment nearest to it (nil for a theater without
// barriers).
func (x *env) barrierCover(chainage float64) (bool, *theater.Barrier) {
	var nearest *theater.Barrier
	best := math.Inf(1)
	for _, b := range x.th.Barriers {
		from, to := b.FromKm*1000, b.ToKm*1000
		d := max(from-chainage, chainage-to, 0)
		if d == 0 && x.barrierStatus(b) == theater.BarrierComplete {
			return true, b
		}
		if d < best {
			best, nearest = d, b
		}
	}
	return false, nearest
}

// closedCrossing raises the condition of a track near a closed official
// crossing.
func (j *judgement) closedCrossing() {
	m := &j.m
	var x *theater.Crossing
	var dist float64
	if j.eligible(iClosedCrossing) {
		x, dist = j.x.closedNear(j.loc.Chainage, j.loc.Distance, j.p.closedRadius, j.p.restricted, m.crossing)
	}
	holds := x != nil && (m.open&bit(iClosedCrossing) == 0 || x == m.crossing)
	ph, ok := j.condition(iClosedCrossing, holds)
	if !ok {
		return
	}
	if ph == PhaseBegin {
		m.crossing = x
	}
	e := j.event(iClosedCrossing, ph)
	e.Crossing = m.crossing.ID
	if ph == PhaseEnd {
		dist = placeDistance(j.loc.Chainage, j.loc.Distance, m.crossing.Chainage, m.crossing.Offset)
	}
	e.Summary = summary(e, &detail{name: m.crossing.Name, status: string(j.x.crossingStatus(m.crossing)), dist: dist})
	if ph == PhaseEnd {
		m.crossing = nil
	}
}

// closedNear returns the nearest official crossing within radius that is
// closed (or restricted, if that counts), preferring the one already held.
// Distances near the line are measured on chainage and offset.
func (x *env) closedNear(chainage, offset, radius float64, restricted bool, held *theater.Crossing) (*theater.Crossing, float64) {
	var best *theater.Crossing
	bestD := math.Inf(1)
	for _, c := range x.th.Crossings {
		if math.Abs(chainage-c.Chainage) > radius {
			continue
		}
		d := placeDistance(chainage, offset, c.Chainage, c.Offset)
		if d > radius {
			continue
		}
		switch x.crossingStatus(c) {
		case theater.CrossingClosed:
		case theater.CrossingRestricted:
			if !restricted {
				continue
			}
		default:
			continue
		}
		if c == held {
			return c, d
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD
}

// placeDistance is the distance between two places given by chainage and
// signed offset from the line, good near the line.
func placeDistance(ch1, off1, ch2, off2 float64) float64 {
	return hypot(ch1-ch2, off1-off2)
}

// nearestCrossing is the distance from a place to the nearest official
// crossing; +Inf for a theater without crossings.
func (x *env) nearestCrossing(chainage, offset float64) float64 {
	best := math.Inf(1)
	for _, c := range x.th.Crossings {
		best = min(best, placeDistance(chainage, offset, c.Chainage, c.Offset))
	}
	return best
}

// loiter raises the condition of a track staying near one spot close to the
// line.
func (j *judgement) loiter() {
	m, p, cur := &j.m, j.p, j.cur
	if m.anchorT == 0 || metres(m.anchor, cur.Pos) > p.loiterRadius {
		m.anchor, m.anchorT = cur.Pos, j.now
	}
	stay := j.now - m.anchorT
	holds := j.eligible(iLoiter) && j.mo.dist <= p.loiterDist && stay >= p.loiterFor &&
		(!p.nightOnly || j.isNight())
	ph, ok := j.condition(iLoiter, holds)
	if !ok {
		return
	}
	e := j.event(iLoiter, ph)
	e.Zone = zoneAt(j.x.th, j.loc.Chainage, j.loc.Distance)
	e.Summary = summary(e, &detail{dwell: time.Duration(stay), dist: p.loiterRadius})
}

// offroad raises the condition of a vehicle moving at night near the line,
// away from the official crossings.
func (j *judgement) offroad() {
	p, mo := j.p, &j.mo
	var road float64
	holds := false
	if j.eligible(iOffroad) && mo.dist <= p.offDist && mo.speed > p.offSpeed {
		road = j.x.nearestCrossing(j.loc.Chainage, j.loc.Distance)
		holds = road > p.offRoad && j.isNight()
	}
	ph, ok := j.condition(iOffroad, holds)
	if !ok {
		return
	}
	if ph == PhaseEnd {
		road = j.x.nearestCrossing(j.loc.Chainage, j.loc.Distance)
	}
	e := j.event(iOffroad, ph)
	e.Summary = summary(e, &detail{dist: road})
}

// isNight reports whether it is night at the track, reusing a judgement up
// to a minute old.
func (j *judgement) isNight() bool {
	m := &j.m
	if m.nightT == 0 || j.now-m.nightT >= nightEvery || m.nightT-j.now >= nightEvery {
		m.night, m.nightT = geo.IsNight(j.cur.Time, j.cur.Pos), j.now
	}
	return m.night
}

// event appends an event for rule r with the track's state and returns it
// for the caller to complete.
func (j *judgement) event(r int, ph Phase) *Event {
	j.dst = append(j.dst, newEvent(r, ph, j.cur, &j.loc, &j.mo, j.p, j.ev))
	return &j.dst[len(j.dst)-1]
}

// newEvent fills an event's common fields from a track and its placing.
func newEvent(r int, ph Phase, tr *fusion.Track, loc *theater.Location, mo *motion, p *params, ev *evidence) Event {
	e := Event{
		Rule:     Rules[r],
		Phase:    ph,
		Severity: p.sev[r],
		Track:    tr.ID,
		Time:     tr.Time,
		Pos:      tr.Pos,
		Threat:   p.threat,
		Chainage: loc.Chainage,
		Distance: loc.Distance,
		Side:     loc.Side,
		Speed:    mo.speed,
		Heading:  mo.heading,
		Class:    tr.Class,
		Count:    max(tr.Count, 1),
		Evidence: ev.list(),
		Sensors:  slices.Clone(tr.Sensors),
	}
	if loc.Sector != nil {
		e.Sector = loc.Sector.ID
	}
	return e
}

// endAll ends every open condition of a track that is gone, at its last
// known state.
func endAll(dst []Event, m *memory, tr *fusion.Track, ev *evidence, x *env) []Event {
	if m.open == 0 {
		return dst
	}
	loc := x.th.Locate(tr.Pos)
	mo := motionOf(tr, &loc, x.th.Border)
	p := x.tab.of(loc.Sector)
	for r := range numRules {
		if m.open&bit(r) == 0 {
			continue
		}
		e := newEvent(r, PhaseEnd, tr, &loc, &mo, p, ev)
		if m.p != nil {
			e.Severity = m.p.sev[r]
		}
		if r == iZone && m.zone != nil {
			e.Zone = m.zone.ID
		}
		if r == iBarrierGap && m.barrier != nil {
			e.Barrier = m.barrier.ID
		}
		if r == iClosedCrossing && m.crossing != nil {
			e.Crossing = m.crossing.ID
		}
		e.Summary = summary(&e, &detail{reason: "track lost"})
		dst = append(dst, e)
	}
	m.open = 0
	return dst
}
