package rules

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/theater"
)

// LiveState gives the editable theater state the rules depend on.
type LiveState interface {
	// CrossingStatus is the current status of an official crossing.
	CrossingStatus(id string) theater.CrossingStatus
	// BarrierStatus is the current status of a barrier segment.
	BarrierStatus(id string) theater.BarrierStatus
}

// Stats counts what the engine has done since it was built.
type Stats struct {
	// Updates counts the track updates judged; Forgotten the tracks
	// forgotten on deletion or merger.
	Updates   uint64
	Forgotten uint64
	// Tracks is the number of tracks remembered, Groups the number of
	// groups open, after the last step.
	Tracks int
	Groups int
	// Events counts the events raised, by rule, all phases.
	Events map[Rule]uint64
}

// Engine judges track updates against the border rules. It remembers, per
// track, its previous judgement, so that it reports transitions only. Step
// and Reset must be called from one goroutine; Stats is safe from any.
type Engine struct {
	env env
	// source, when the live state supplies thresholds, is read before each
	// step; cfg is the configuration env.tab was compiled from.
	source LiveConfig
	cfg    *Config
	tracks map[string]*trackState
	groups groups
	// friends holds own units' latest positions.
	friends friends
	// scratch collects a step's events before they are sorted and copied.
	scratch []Event

	mu    sync.Mutex
	stats Stats
	byIdx [numRules]uint64
}

// trackState is what the engine keeps per track.
type trackState struct {
	mem memory
	ev  evidence
	// slot is the track's place in the grid of latest positions, -1 when
	// it is not in it.
	slot int32
}

// New builds an engine over a theater. cfg should have been validated; nil
// means DefaultConfig. live may be nil: the theater's YAML statuses of the
// crossings and barriers are used.
func New(th *theater.Theater, cfg *Config, live LiveState) *Engine {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	e := &Engine{
		env: env{
			th:   th,
			tab:  compile(cfg, th),
			live: live,
		},
		tracks: map[string]*trackState{},
		cfg:    cfg,
	}
	if lc, ok := live.(LiveConfig); ok {
		e.source = lc
	}
	e.friends.init()
	e.groups.init(e.env.tab, midLatitude(th))
	e.env.herds = &e.groups.grid
	return e
}

// Step applies a batch of tracker updates, in the order given, and returns
// the events they raise, sorted by time, then track, then rule. A track
// deleted or merged into another is forgotten after its open conditions
// end. The returned slice is the caller's.
func (e *Engine) Step(us []fusion.Update) []Event {
	e.reload()
	dst := e.scratch[:0]
	var judged, forgotten uint64
	var now int64
	for i := range us {
		u := &us[i]
		tr := &u.Track
		if !tr.Time.IsZero() {
			now = max(now, tr.Time.UnixNano())
		}
		switch u.Kind {
		case fusion.UpdateDeleted, fusion.UpdateMerged:
			e.friends.forget(tr.ID)
			if st := e.tracks[tr.ID]; st != nil {
				dst = e.forget(dst, st, tr)
				forgotten++
			}
			continue
		case fusion.UpdateConfirmed, fusion.UpdateMeasured, fusion.UpdateCoasting:
		default:
			continue
		}
		if tr.Status != fusion.StatusConfirmed && tr.Status != fusion.StatusCoasting {
			continue
		}
		if tr.Friendly {
			e.friends.see(tr)
		}
		st := e.tracks[tr.ID]
		if st == nil {
			st = &trackState{slot: -1}
			e.tracks[tr.ID] = st
		}
		st.ev.add(u.Obs)
		st.mem, dst = judge(dst, st.mem, tr, &st.ev, &e.env)
		e.groups.place(st, tr)
		judged++
	}
	dst = e.groups.judge(dst, &e.env, now)
	dst = e.friends.filter(dst, now)

	var out []Event
	if len(dst) > 0 {
		slices.SortStableFunc(dst, compareEvents)
		out = slices.Clone(dst)
	}
	clear(dst)
	e.scratch = dst[:0]

	e.mu.Lock()
	e.stats.Updates += judged
	e.stats.Forgotten += forgotten
	e.stats.Tracks = len(e.tracks)
	e.stats.Groups = len(e.groups.open)
	for i := range out {
		e.byIdx[ruleIndex(out[i].Rule)]++
	}
	e.mu.Unlock()
	return out
}

// forget ends a track's open conditions and drops it.
func (e *Engine) forget(dst []Event, st *trackState, tr *fusion.Track) []Event {
	dst = endAll(dst, &st.mem, tr, &st.ev, &e.env)
	e.groups.remove(st)
	delete(e.tracks, tr.ID)
	return dst
}

// reload takes up the live state's thresholds when they have changed.
func (e *Engine) reload() {
	if e.source == nil {
		return
	}
	cfg := e.source.RulesConfig()
	if cfg == nil || cfg == e.cfg {
		return
	}
	e.cfg = cfg
	e.env.tab = compile(cfg, e.env.th)
	e.groups.retable(e.env.tab)
}

// Reset drops every track memory and open group without raising events,
// before the tracks are rebuilt.
func (e *Engine) Reset() {
	clear(e.tracks)
	e.friends.init()
	e.groups.init(e.env.tab, e.groups.lat0)
	e.mu.Lock()
	e.stats.Tracks, e.stats.Groups = 0, 0
	e.mu.Unlock()
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Events = make(map[Rule]uint64, numRules)
	for i, n := range e.byIdx {
		if n > 0 {
			s.Events[Rules[i]] = n
		}
	}
	return s
}

// midLatitude is the latitude halfway between the border's extremes.
func midLatitude(th *theater.Theater) float64 {
	if th == nil || th.Border == nil || len(th.Border.Points) == 0 {
		return 0
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range th.Border.Points {
		lo, hi = min(lo, p.Lat), max(hi, p.Lat)
	}
	return (lo + hi) / 2
}

// compareEvents orders events by time, track and rule.
func compareEvents(a, b Event) int {
	return cmp.Or(
		a.Time.Compare(b.Time),
		cmp.Compare(a.Track, b.Track),
		cmp.Compare(ruleIndex(a.Rule), ruleIndex(b.Rule)),
	)
}

// The rules' indexes in Rules, for per-rule arrays.
const (
	iApproach = iota
	iInbound
	iOutbound
	iZone
	iBarrierGap
	iClosedCrossing
	iLoiter
	iGroup
	iOffroad
	numRules
)

func ruleIndex(r Rule) int {
	for i, x := range Rules {
		if x == r {
			return i
		}
	}
	return numRules
}

// evidence keeps a track's latest observations, at most MaxEvidence, in a
// ring.
type evidence struct {
	buf  []fusion.ObsRef
	next int // where the next one goes once buf is full: the oldest
}

func (ev *evidence) add(obs []fusion.ObsRef) {
	if len(obs) > MaxEvidence {
		obs = obs[len(obs)-MaxEvidence:]
	}
	for _, o := range obs {
		if len(ev.buf) < MaxEvidence {
			ev.buf = append(ev.buf, o)
			continue
		}
		ev.buf[ev.next] = o
		ev.next = (ev.next + 1) % MaxEvidence
	}
}

// list returns the observations, oldest first, in a new slice.
func (ev *evidence) list() []fusion.ObsRef {
	if len(ev.buf) == 0 {
		return nil
	}
	out := make([]fusion.ObsRef, 0, len(ev.buf))
	out = append(out, ev.buf[ev.next:]...)
	return append(out, ev.buf[:ev.next]...)
}

// classSet is a set of track classes.
type classSet uint8

func classSetOf(cs []fusion.Class) classSet {
	var s classSet
	for _, c := range cs {
		if c < 8 {
			s |= 1 << c
		}
	}
	return s
}

func (s classSet) has(c fusion.Class) bool { return c < 8 && s&(1<<c) != 0 }

// params are one sector's thresholds, scaled by its threat level, in the
// units the judging works in: metres, metres per second, seconds for
// predictions and nanoseconds for waits.
type params struct {
	sector *theater.Sector
	threat theater.ThreatLevel

	on      [numRules]bool
	sev     [numRules]Severity
	classes [numRules]classSet
	// clearAfter is how long a condition must fail before it ends,
	// beginAfter how long it must hold before it begins.
	clearAfter, beginAfter int64

	// approach
	within, maxDist, minSpeed, sigmaK, endFactor, stillMps float64
	hold, awayFor, stillFor, window                        int64
	holdN                                                  int
	herdersExempt                                          bool
	// crossings
	inMargin, outMargin float64
	// barrier gap, closed crossing
	gapDepth, closedRadius float64
	restricted             bool
	// loiter
	loiterRadius, loiterDist float64
	loiterFor                int64
	nightOnly                bool
	// group
	groupMin                          int
	groupRadius, groupDiff, groupDist float64
	groupFor                          int64
	// off-road
	offDist, offRoad, offSpeed float64
}

// table holds the params of every sector.
type table struct {
	bySector map[*theater.Sector]*params
	// fallback serves a theater without sectors.
	fallback *params
	// maxGroupRadius and maxReach size the grid of latest positions.
	maxGroupRadius float64
	maxReach       float64
}

func (t *table) of(s *theater.Sector) *params {
	if p, ok := t.bySector[s]; ok {
		return p
	}
	return t.fallback
}

// compile turns the configuration into per-sector params.
func compile(cfg *Config, th *theater.Theater) *table {
	t := &table{bySector: map[*theater.Sector]*params{}}
	t.fallback = compileSet(cfg, cfg.Defaults, nil, theater.ThreatElevated)
	t.note(t.fallback)
	if th == nil {
		return t
	}
	for _, s := range th.Sectors {
		p := compileSet(cfg, cfg.Sector(s.ID), s, s.Threat)
		t.bySector[s] = p
		t.note(p)
	}
	return t
}

func (t *table) note(p *params) {
	if p.on[iGroup] {
		t.maxGroupRadius = max(t.maxGroupRadius, p.groupRadius)
	}
	t.maxReach = max(t.maxReach, p.groupDist, p.maxDist)
}

func compileSet(cfg *Config, rs RuleSet, s *theater.Sector, threat theater.ThreatLevel) *params {
	k, ok := cfg.ThreatScale[threat]
	if !ok || !finite(k) || k <= 0 {
		k = 1
	}
	sec := func(d time.Duration) float64 { return d.Seconds() }
	wait := func(d time.Duration) int64 { return int64(float64(d) / k) }
	p := &params{sector: s, threat: threat, clearAfter: int64(cfg.ClearAfter), beginAfter: int64(cfg.BeginAfter)}
	for i, b := range rs.bases() {
		p.on[i] = b.Enabled
		p.classes[i] = classSetOf(b.Classes)
		p.sev[i] = b.Severity
		if cfg.RaiseCritical && threat == theater.ThreatCritical {
			p.sev[i] = raise(b.Severity)
		}
	}
	a := rs.Approach
	p.within, p.maxDist = sec(a.Within)*k, a.MaxDistanceM*k
	p.minSpeed, p.sigmaK, p.endFactor = a.MinSpeedMps, a.SigmaK, max(a.EndFactor, 1)
	p.stillMps, p.window = a.StillMps, max(int64(a.Window), int64(2*time.Second))
	p.hold, p.awayFor, p.stillFor = int64(a.Hold), int64(a.AwayFor), int64(a.StillFor)
	p.holdN = max(a.HoldUpdates, 1)
	p.herdersExempt = a.HerdersExempt
	p.inMargin, p.outMargin = rs.Inbound.MarginM, rs.Outbound.MarginM
	p.gapDepth = rs.BarrierGap.GapDepthM * k
	p.closedRadius, p.restricted = rs.ClosedCrossing.RadiusM*k, rs.ClosedCrossing.Restricted
	l := rs.Loiter
	p.loiterRadius, p.loiterDist, p.loiterFor, p.nightOnly = l.RadiusM*k, l.DistanceM*k, wait(l.Duration), l.NightOnly
	g := rs.Group
	p.groupMin, p.groupRadius, p.groupDiff = max(g.MinTracks, 2), g.RadiusM*k, g.MaxSpeedDiffMps
	p.groupDist, p.groupFor = g.DistanceM*k, wait(g.Duration)
	o := rs.OffroadNight
	// The road radius exempts vehicles: a higher threat shrinks it.
	p.offDist, p.offRoad, p.offSpeed = o.DistanceM*k, o.RoadRadiusM/k, o.MinSpeedMps
	return p
}

// raise is the severity one step up, critical at most.
func raise(s Severity) Severity {
	i := s.Rank()
	if i < 0 || i+1 >= len(Severities) {
		return s
	}
	return Severities[i+1]
}
