package score

import (
	"io"
	"math"
	"slices"
	"time"

	"raqib/internal/errs"
	"raqib/internal/rules"
	"raqib/internal/sim"
	"raqib/internal/theater"
)

// Score reads the ground truth of a simulator run, the track updates and
// the alerts made from its observations (NDJSON, plain or gzip), and
// scores them. Readers with a Name method (such as *os.File) name
// themselves in errors, which give the line and field at fault.
func Score(th *theater.Theater, truth io.Reader, tracks io.Reader, alerts io.Reader, opt Options) (*Report, error) {
	if th == nil || th.Border == nil {
		return nil, errs.E(errs.Invalid, "score: no theater")
	}
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	al, err := readAlerts(alerts, nameOf(alerts, "alerts"))
	if err != nil {
		return nil, err
	}
	alerted := make(map[string]bool)
	for _, a := range al {
		alerted[a.track] = true
	}
	need := newNeedIndex()
	td, err := readTracks(tracks, nameOf(tracks, "tracks"), alerted, need)
	if err != nil {
		return nil, err
	}
	tr, err := readTruth(truth, nameOf(truth, "truth"), th, need)
	if err != nil {
		return nil, err
	}
	tr.attribute(td, need)
	s := &scorer{th: th, opt: opt, tr: tr, td: td, alerts: al, matched: make(map[int32][]int64)}
	return s.run(), nil
}

func nameOf(r io.Reader, fallback string) string {
	if n, ok := r.(interface{ Name() string }); ok && n.Name() != "" {
		return n.Name()
	}
	return fallback
}

// scorer holds one scoring's data.
type scorer struct {
	th     *theater.Theater
	opt    Options
	tr     *truth
	td     *tracksData
	alerts []alertRec
	// alertActor is the actor each raised alert's track followed when it
	// was raised (or byClutter, byNoObs, byNoTrack).
	alertActor []int32
	// matched holds, for hostile actors, the GOSPA samples (Unix ms) at
	// which a track was matched to them.
	matched map[int32][]int64
	rep     Report
}

func (s *scorer) run() *Report {
	sc := &s.tr.scenario
	r := &s.rep
	r.Scenario, r.Seed, r.Intensity, r.Theater = sc.Scenario, sc.Seed, sc.Intensity, sc.Theater
	r.Start, r.Until = sc.Time.UTC(), sc.Until.UTC()
	r.Hours = roundTo(sc.Until.Sub(sc.Time).Hours(), 4)
	r.BorderKm = roundTo(s.th.Border.LengthKm(), 1)
	r.GraceS = s.opt.GraceAfterCrossing.Seconds()
	r.Missed = []Miss{}
	for _, t := range s.td.list {
		if t.confirmed && !t.friendly {
			r.Tracks.Confirmed++
		}
	}
	s.attributeAlerts()
	s.countAlerts()
	s.sampleGOSPA()
	s.recall()
	return r
}

func (s *scorer) attributeAlerts() {
	s.alertActor = make([]int32, len(s.alerts))
	for k, a := range s.alerts {
		i, ok := s.td.byID[a.track]
		if !ok {
			s.alertActor[k] = byNoTrack
			continue
		}
		s.alertActor[k] = s.td.list[i].actorAt(a.t)
	}
}

// cause names what an alert's track followed.
func (s *scorer) cause(a int32) string {
	switch a {
	case byClutter:
		return "clutter"
	case byNoObs:
		return "no observations"
	case byNoTrack:
		return "unknown track"
	}
	return string(s.tr.actors[a].typ)
}

func (s *scorer) countAlerts() {
	fa := &s.rep.FalseAlerts
	fa.ByRule, fa.ByCause = map[string]int{}, map[string]int{}
	for k, a := range s.alerts {
		act := s.alertActor[k]
		if act >= 0 && s.tr.actors[act].hostile {
			s.rep.TrueAlerts++
			continue
		}
		fa.Count++
		fa.ByRule[string(a.rule)]++
		fa.ByCause[s.cause(act)]++
		f := FalseAlert{ID: a.id, Time: time.UnixMilli(a.t).UTC(), Rule: string(a.rule), Track: a.track, Cause: s.cause(act)}
		if act >= 0 {
			f.Actor = s.tr.actors[act].id
		}
		fa.Alerts = append(fa.Alerts, f)
	}
	if exposure := s.rep.BorderKm / 100 * s.rep.Hours; exposure > 0 {
		fa.Per100KmH = roundTo(float64(fa.Count)/exposure, 3)
	}
}

// catches reports whether an alert of the rule can catch a crossing.
func catches(r rules.Rule) bool {
	return r == rules.RuleApproach || r == rules.RuleInbound || r == rules.RuleOutbound
}

func (s *scorer) recall() {
	grace := s.opt.GraceAfterCrossing.Milliseconds()
	// The times of the alerts that can catch each hostile actor's
	// crossings, ascending.
	qualifying := make(map[int32][]int64)
	for k, a := range s.alerts {
		if act := s.alertActor[k]; act >= 0 && s.tr.actors[act].hostile && catches(a.rule) {
			qualifying[act] = append(qualifying[act], a.t)
		}
	}
	// Each hostile actor's crossings, in time order.
	byActor := make(map[int32][]int64)
	for _, c := range s.tr.crossings {
		if s.tr.actors[c.actor].hostile {
			byActor[c.actor] = append(byActor[c.actor], c.t)
		}
	}
	rc := &s.rep.Recall
	rc.ByActorType = map[string]Ratio{}
	var warn, foot []float64
	fw := &s.rep.Warning.Foot
	fw.StartKm, fw.TargetS = s.opt.FootStartKm, WarningTargetS
	seen := make(map[int32]int)
	for _, c := range s.tr.crossings {
		a := s.tr.actors[c.actor]
		if !a.hostile {
			continue
		}
		nth := seen[c.actor]
		seen[c.actor]++
		prev, next := int64(math.MinInt64), int64(math.MaxInt64)
		if list := byActor[c.actor]; nth > 0 {
			prev = list[nth-1]
		}
		if list := byActor[c.actor]; nth+1 < len(list) {
			next = list[nth+1]
		}
		q := qualifying[c.actor]
		i, _ := slices.BinarySearch(q, prev+1)
		caught := i < len(q) && q[i] <= c.t+grace
		detectable := s.tr.detectedIn(a, c.t-detectableWindow.Milliseconds(), c.t)
		isFoot := a.typ == sim.ActorInfiltrator && len(a.pos) > 0 && s.startsFar(a)

		rc.add(caught)
		if c.dir == sim.Inbound {
			rc.Inbound.add(caught)
		} else {
			rc.Outbound.add(caught)
		}
		if detectable {
			rc.Detectable.add(caught)
		}
		byType := rc.ByActorType[string(a.typ)]
		byType.add(caught)
		rc.ByActorType[string(a.typ)] = byType
		if isFoot {
			fw.Crossings++
		}
		if caught {
			w := float64(c.t-q[i]) / 1000
			warn = append(warn, w)
			if isFoot {
				foot = append(foot, w)
			}
			continue
		}
		why := "no alert"
		switch {
		case i < len(q) && q[i] <= next:
			why = "late"
		case !detectable:
			why = "no detection"
		case !s.trackedIn(c.actor, prev, c.t+grace):
			why = "no track"
		}
		s.rep.MissedTotal++
		if len(s.rep.Missed) < MaxMissed {
			s.rep.Missed = append(s.rep.Missed, Miss{
				Actor: a.id, ActorType: string(a.typ), Time: time.UnixMilli(c.t).UTC(),
				Direction: string(c.dir), Sector: c.sector, Why: why,
			})
		}
	}
	rc.finish()
	rc.Inbound.finish()
	rc.Outbound.finish()
	rc.Detectable.finish()
	for k, v := range rc.ByActorType {
		v.finish()
		rc.ByActorType[k] = v
	}
	slices.Sort(warn)
	slices.Sort(foot)
	wa := &s.rep.Warning
	wa.N, wa.MedianS, wa.P10S = len(warn), percentile(warn, 0.5), percentile(warn, 0.1)
	fw.N, fw.MedianS, fw.P10S = len(foot), percentile(foot, 0.5), percentile(foot, 0.1)
	fw.Met = fw.MedianS != nil && *fw.MedianS >= WarningTargetS
}

// startsFar reports whether the actor's first true position is at least
// FootStartKm from the line.
func (s *scorer) startsFar(a *actor) bool {
	p := a.pos[0]
	loc := s.th.Locate(latLon(p.lat, p.lon))
	return math.Abs(loc.Distance) >= s.opt.FootStartKm*1000
}

// trackedIn reports whether a track was matched to the actor at a GOSPA
// sample in (from, to].
func (s *scorer) trackedIn(a int32, from, to int64) bool {
	m := s.matched[a]
	i, _ := slices.BinarySearch(m, from+1)
	return i < len(m) && m[i] <= to
}
