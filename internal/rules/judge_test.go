package rules

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/theater"
)

// loadTheater loads the embedded theater once for all tests.
var loadTheater = sync.OnceValues(func() (*theater.Theater, error) {
	return theater.Load(theater.Embedded())
})

func testTheater(tb testing.TB) *theater.Theater {
	tb.Helper()
	th, err := loadTheater()
	if err != nil {
		tb.Fatalf("load embedded theater: %v", err)
	}
	return th
}

// Times at the border: 22:00 and 12:00 in Baghdad.
var (
	night = time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC)
	day   = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
)

// fix is one synthetic track state: where the track is (chainage and signed
// distance from the line, metres) and how it moves (across the line toward
// Iraq and along it, m/s).
type fix struct {
	at             time.Duration
	chainage, dist float64
	across, along  float64
}

// mover builds tracks on the real theater.
type mover struct {
	th    *theater.Theater
	id    string
	class fusion.Class
	count int
	start time.Time
	// friendly marks an own unit; coasting the track's status.
	friendly bool
	coasting bool
	// sigmaV is the velocity's standard deviation in the covariance.
	sigmaV float64
	// born, if set, is the track's birth; a minute before start otherwise.
	born time.Time
	seq  uint64
	// weak marks a track carried by weak detections (a low quality);
	// stale one whose quality is still fair but whose latest strong
	// detection was at start.
	weak, stale bool
}

func newMover(th *theater.Theater, id string, class fusion.Class, start time.Time) *mover {
	return &mover{th: th, id: id, class: class, count: 1, start: start, sigmaV: 0.15}
}

// track places the track at a fix.
func (m *mover) track(f fix) fusion.Track {
	b := m.th.Border
	pos := b.OffsetPoint(f.chainage, f.dist, 2000)
	toIraq := b.TowardIraq(f.chainage, 2000) * math.Pi / 180
	p0, _ := b.Index.At(f.chainage - 500)
	p1, _ := b.Index.At(f.chainage + 500)
	_, alongAz, _ := geo.Inverse(p0, p1)
	along := alongAz * math.Pi / 180
	t := m.start.Add(f.at)
	status := fusion.StatusConfirmed
	if m.coasting {
		status = fusion.StatusCoasting
	}
	v2 := m.sigmaV * m.sigmaV
	born := m.born
	if born.IsZero() {
		// A track with a minute of history: mature for every rule.
		born = m.start.Add(-time.Minute)
	}
	quality := 0.9
	if m.weak {
		quality = 0.2
	}
	return fusion.Track{
		ID:   m.id,
		Time: t,
		Pos:  pos,
		Vel: fusion.Velocity{
			East:  f.across*math.Sin(toIraq) + f.along*math.Sin(along),
			North: f.across*math.Cos(toIraq) + f.along*math.Cos(along),
		},
		PosCov:   [3]float64{25, 0, 25},
		VelCov:   [3]float64{v2, 0, v2},
		Status:   status,
		Class:    m.class,
		Friendly: m.friendly,
		Count:    m.count,
		Born:     born,
		LastSeen: t,
		Hits:     int(t.Sub(born) / time.Second),
		Quality:  quality,
		LastStrong: func() time.Time {
			if m.weak || m.stale {
				return m.start
			}
			return t
		}(),
		Sensors: []string{"S05-C001"},
	}
}

// update wraps a fix as a measured update with one observation.
func (m *mover) update(f fix) fusion.Update {
	m.seq++
	tr := m.track(f)
	kind := fusion.UpdateMeasured
	if m.coasting {
		kind = fusion.UpdateCoasting
	}
	return fusion.Update{Kind: kind, Track: tr, Obs: []fusion.ObsRef{{Sensor: "S05-C001", Seq: m.seq, Time: tr.Time}}}
}

// line moves straight from one fix for a duration, a fix every step.
func line(from fix, d, step time.Duration) []fix {
	var out []fix
	for t := time.Duration(0); t <= d; t += step {
		s := t.Seconds()
		out = append(out, fix{
			at:       from.at + t,
			chainage: from.chainage + from.along*s,
			dist:     from.dist + from.across*s,
			across:   from.across,
			along:    from.along,
		})
	}
	return out
}

// still stays at a place.
func still(at time.Duration, chainage, dist float64, d, step time.Duration) []fix {
	return line(fix{at: at, chainage: chainage, dist: dist}, d, step)
}

func concat(parts ...[]fix) []fix {
	var out []fix
	for _, p := range parts {
		if len(out) > 0 && len(p) > 0 {
			// Continue the timeline after the previous part.
			shift := out[len(out)-1].at + 2*time.Second - p[0].at
			for i := range p {
				p[i].at += shift
			}
		}
		out = append(out, p...)
	}
	return out
}

// judgeRun feeds fixes through judge alone, as the engine would, and
// returns every event.
type judgeRun struct {
	x   env
	mem memory
	ev  evidence
}

func newJudgeRun(tb testing.TB, cfg *Config, live LiveState) *judgeRun {
	tb.Helper()
	th := testTheater(tb)
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := cfg.Validate(th); err != nil {
		tb.Fatal(err)
	}
	return &judgeRun{x: env{th: th, tab: compile(cfg, th), live: live}}
}

func (r *judgeRun) feed(m *mover, fixes []fix) []Event {
	var out []Event
	for _, f := range fixes {
		u := m.update(f)
		r.ev.add(u.Obs)
		r.mem, out = judge(out, r.mem, &u.Track, &r.ev, &r.x)
	}
	return out
}

// transitions lists events as "rule/phase", the form the tables use.
func transitions(es []Event) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, string(e.Rule)+"/"+string(e.Phase))
	}
	return out
}

// only keeps the events of some rules.
func only(es []Event, rules ...Rule) []Event {
	var out []Event
	for _, e := range es {
		for _, r := range rules {
			if e.Rule == r {
				out = append(out, e)
			}
		}
	}
	return out
}

// fakeLive is a LiveState with settable statuses.
type fakeLive struct {
	crossings map[string]theater.CrossingStatus
	barriers  map[string]theater.BarrierStatus
}

func (f *fakeLive) CrossingStatus(id string) theater.CrossingStatus { return f.crossings[id] }
func (f *fakeLive) BarrierStatus(id string) theater.BarrierStatus   { return f.barriers[id] }

var _ LiveState = (*fakeLive)(nil)

// Places on the embedded theater, chainages in metres.
const (
	// S05, high threat: no zone, barrier complete, 33 km from X-QAIM.
	open05 = 200_000.0
	// S03, elevated threat: no zone, barrier complete.
	open03 = 100_000.0
	// S15, low threat: a planned barrier segment (BAR-13) only, no zone.
	gap15 = 575_000.0
	// Z-AKASHAT (150-195 km, 12 km deep), in S05.
	zone05 = 190_000.0
)

func TestJudgeTransitions(t *testing.T) {
	th := testTheater(t)
	walkIn := func(start float64, speed float64, d time.Duration) []fix {
		return line(fix{chainage: open05, dist: start, across: speed}, d, 2*time.Second)
	}
	crossX, rabia := th.Crossing("X-WALID"), th.Crossing("X-RABIA")
	tests := []struct {
		name  string
		class fusion.Class
		start time.Time
		// mutate changes the default configuration; live, if set, gives
		// the live statuses.
		mutate   func(*Config)
		live     *fakeLive
		friendly bool
		fixes    []fix
		rules    []Rule
		want     []string
	}{
		{
			name:  "approach begins, crossing ends it",
			class: fusion.ClassPerson, start: night,
			fixes: walkIn(-1200, 1.2, 20*time.Minute),
			rules: []Rule{RuleApproach, RuleInbound, RuleOutbound},
			want:  []string{"approach/begin", "approach/end", "inbound_crossing/instant"},
		},
		{
			name:  "approach ends when the track turns back",
			class: fusion.ClassPerson, start: night,
			fixes: concat(
				walkIn(-1000, 1.2, 10*time.Minute),
				line(fix{chainage: open05, dist: -280, across: -1.2}, 5*time.Minute, 2*time.Second),
			),
			rules: []Rule{RuleApproach, RuleInbound, RuleOutbound},
			want:  []string{"approach/begin", "approach/end"},
		},
		{
			name:  "a rest by the line does not end the approach",
			class: fusion.ClassPerson, start: night,
			fixes: concat(
				walkIn(-1000, 1.2, 6*time.Minute),
				still(0, open05, -568, 12*time.Minute, 2*time.Second),
				line(fix{chainage: open05, dist: -568, across: 1.2}, 10*time.Minute, 2*time.Second),
			),
			rules: []Rule{RuleApproach, RuleInbound},
			want:  []string{"approach/begin", "approach/end", "inbound_crossing/instant"},
		},
		{
			name:  "slow far walker raises no approach",
			class: fusion.ClassPerson, start: night,
			fixes: walkIn(-900, 0.4, 10*time.Minute),
			rules: []Rule{RuleApproach},
			want:  []string{},
		},
		{
			name:  "walking along the line raises no approach",
			class: fusion.ClassPerson, start: night,
			fixes: line(fix{chainage: open05, dist: -300, along: 1.4}, 15*time.Minute, 2*time.Second),
			rules: []Rule{RuleApproach},
			want:  []string{},
		},
		{
			name:  "outbound crossing",
			class: fusion.ClassVehicle, start: day,
			fixes: line(fix{chainage: open05, dist: 600, across: -8}, 2*time.Minute, 2*time.Second),
			rules: []Rule{RuleInbound, RuleOutbound},
			want:  []string{"outbound_crossing/instant"},
		},
		{
			name:  "grazing the line raises nothing",
			class: fusion.ClassPerson, start: night,
			fixes: concat(
				line(fix{chainage: open05, dist: -100, across: 1}, 110*time.Second, 2*time.Second),
				line(fix{chainage: open05, dist: 10, across: -1}, 110*time.Second, 2*time.Second),
			),
			rules: []Rule{RuleInbound, RuleOutbound},
			want:  []string{},
		},
		{
			name:  "crossing in and out",
			class: fusion.ClassPerson, start: night,
			fixes: concat(
				line(fix{chainage: open05, dist: -100, across: 1}, 200*time.Second, 2*time.Second),
				line(fix{chainage: open05, dist: 100, across: -1}, 200*time.Second, 2*time.Second),
			),
			rules: []Rule{RuleInbound, RuleOutbound},
			want:  []string{"inbound_crossing/instant", "outbound_crossing/instant"},
		},
		{
			name:  "friendly track raises nothing",
			class: fusion.ClassVehicle, start: night, friendly: true,
			fixes: line(fix{chainage: open05, dist: -3000, across: 5}, 20*time.Minute, 2*time.Second),
			want:  []string{},
		},
		{
			name:  "animal raises nothing",
			class: fusion.ClassAnimal, start: night,
			fixes: concat(
				line(fix{chainage: zone05, dist: -1500, across: 1.2}, 25*time.Minute, 2*time.Second),
				still(0, zone05, 300, 20*time.Minute, 2*time.Second),
			),
			want: []string{},
		},
		{
			name:  "zone entry and exit",
			class: fusion.ClassPerson, start: day,
			fixes: concat(
				line(fix{chainage: 196_000, dist: -2000, along: -5}, 6*time.Minute, 2*time.Second),
				line(fix{chainage: 194_200, dist: -2000, along: 5}, 6*time.Minute, 2*time.Second),
			),
			rules: []Rule{RuleZone},
			want:  []string{"zone_entry/begin", "zone_entry/end"},
		},
		{
			name:  "wavering at a zone's edge does not flap",
			class: fusion.ClassPerson, start: day,
			fixes: concat(
				line(fix{chainage: 195_040, dist: -2000, along: -1}, 80*time.Second, 2*time.Second),
				line(fix{chainage: 194_960, dist: -2000, along: 1}, 50*time.Second, 2*time.Second),
				line(fix{chainage: 195_010, dist: -2000, along: -1}, 60*time.Second, 2*time.Second),
			),
			rules: []Rule{RuleZone},
			want:  []string{"zone_entry/begin"},
		},
		{
			name:  "barrier gap entered and left",
			class: fusion.ClassPerson, start: day,
			fixes: concat(
				line(fix{chainage: gap15, dist: 1500, across: -2}, 7*time.Minute, 2*time.Second),
				line(fix{chainage: gap15, dist: 660, across: 2}, 3*time.Minute, 2*time.Second),
			),
			rules: []Rule{RuleBarrierGap},
			want:  []string{"barrier_gap/begin", "barrier_gap/end"},
		},
		{
			name:  "barrier gap closed by a live status",
			class: fusion.ClassPerson, start: day,
			live:  &fakeLive{barriers: map[string]theater.BarrierStatus{"BAR-13": theater.BarrierComplete}},
			fixes: line(fix{chainage: gap15, dist: 1500, across: -2}, 7*time.Minute, 2*time.Second),
			rules: []Rule{RuleBarrierGap},
			want:  []string{},
		},
		{
			name:  "closed crossing approached and left",
			class: fusion.ClassVehicle, start: day,
			fixes: concat(
				line(fix{chainage: crossX.Chainage, dist: 4000, across: -10}, 5*time.Minute, 2*time.Second),
				line(fix{chainage: crossX.Chainage, dist: 1000, across: 10}, 5*time.Minute, 2*time.Second),
			),
			rules: []Rule{RuleClosedCrossing},
			want:  []string{"closed_crossing/begin", "closed_crossing/end"},
		},
		{
			name:  "open crossing raises nothing",
			class: fusion.ClassVehicle, start: day,
			live:  &fakeLive{crossings: map[string]theater.CrossingStatus{"X-WALID": theater.CrossingOpen}},
			fixes: line(fix{chainage: crossX.Chainage, dist: 4000, across: -10}, 5*time.Minute, 2*time.Second),
			rules: []Rule{RuleClosedCrossing},
			want:  []string{},
		},
		{
			name:  "restricted crossing raises nothing by default",
			class: fusion.ClassVehicle, start: day,
			fixes: line(fix{chainage: rabia.Chainage, dist: 3000, across: -10}, 4*time.Minute, 2*time.Second),
			rules: []Rule{RuleClosedCrossing},
			want:  []string{},
		},
		{
			name:  "restricted crossing counts when configured",
			class: fusion.ClassVehicle, start: day,
			mutate: func(c *Config) { c.Defaults.ClosedCrossing.Restricted = true },
			fixes:  line(fix{chainage: rabia.Chainage, dist: 3000, across: -10}, 4*time.Minute, 2*time.Second),
			rules:  []Rule{RuleClosedCrossing},
			want:   []string{"closed_crossing/begin"},
		},
		{
			name:  "loiter at night begins and ends",
			class: fusion.ClassPerson, start: night,
			fixes: concat(
				still(0, open05, -500, 12*time.Minute, 2*time.Second),
				line(fix{chainage: open05, dist: -500, across: -1.5}, 3*time.Minute, 2*time.Second),
			),
			rules: []Rule{RuleLoiter},
			want:  []string{"loiter/begin", "loiter/end"},
		},
		{
			name:  "loiter by day raises nothing",
			class: fusion.ClassPerson, start: day,
			fixes: still(0, open05, -500, 30*time.Minute, 2*time.Second),
			rules: []Rule{RuleLoiter},
			want:  []string{},
		},
		{
			name:  "loiter by day when night_only is off",
			class: fusion.ClassPerson, start: day,
			mutate: func(c *Config) { c.Defaults.Loiter.NightOnly = false },
			fixes:  still(0, open05, -500, 12*time.Minute, 2*time.Second),
			rules:  []Rule{RuleLoiter},
			want:   []string{"loiter/begin"},
		},
		{
			name:  "vehicle off-road at night",
			class: fusion.ClassVehicle, start: night,
			fixes: concat(
				line(fix{chainage: open05, dist: 5000, along: 10}, 2*time.Minute, 2*time.Second),
				still(0, open05+1200, 5000, 2*time.Minute, 2*time.Second),
			),
			rules: []Rule{RuleOffroadNight},
			want:  []string{"vehicle_offroad_night/begin", "vehicle_offroad_night/end"},
		},
		{
			name:  "vehicle off-road by day raises nothing",
			class: fusion.ClassVehicle, start: day,
			fixes: line(fix{chainage: open05, dist: 5000, along: 10}, 2*time.Minute, 2*time.Second),
			rules: []Rule{RuleOffroadNight},
			want:  []string{},
		},
		{
			name:  "person is not a vehicle off-road",
			class: fusion.ClassPerson, start: night,
			fixes: line(fix{chainage: open05, dist: 5000, along: 3}, 2*time.Minute, 2*time.Second),
			rules: []Rule{RuleOffroadNight},
			want:  []string{},
		},
		{
			name:  "disabled rule raises nothing",
			class: fusion.ClassPerson, start: night,
			mutate: func(c *Config) { c.Defaults.Inbound.Enabled = false },
			fixes:  walkIn(-300, 1.2, 10*time.Minute),
			rules:  []Rule{RuleInbound},
			want:   []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tt.mutate != nil {
				tt.mutate(cfg)
			}
			var live LiveState
			if tt.live != nil {
				live = tt.live
			}
			r := newJudgeRun(t, cfg, live)
			m := newMover(th, "T1", tt.class, tt.start)
			m.friendly = tt.friendly
			got := r.feed(m, tt.fixes)
			if tt.rules != nil {
				got = only(got, tt.rules...)
			}
			if g := transitions(got); strings.Join(g, " ") != strings.Join(tt.want, " ") {
				t.Errorf("events %v, want %v", g, tt.want)
				for _, e := range got {
					t.Logf("%s %s %s", e.Time.Format(time.TimeOnly), e.Rule, e.Summary)
				}
			}
			for _, e := range got {
				checkEvent(t, &e)
			}
		})
	}
}

// checkEvent checks the fields every event must have.
func checkEvent(t *testing.T, e *Event) {
	t.Helper()
	if e.Track == "" || e.Time.IsZero() || e.Sector == "" || !e.Threat.Valid() || !e.Severity.Valid() {
		t.Errorf("%s/%s: incomplete event %+v", e.Rule, e.Phase, e)
	}
	if e.Summary == "" || strings.Contains(e.Summary, "%!") {
		t.Errorf("%s/%s: bad summary %q", e.Rule, e.Phase, e.Summary)
	}
	if len(e.Evidence) == 0 || len(e.Evidence) > MaxEvidence {
		t.Errorf("%s/%s: %d evidence", e.Rule, e.Phase, len(e.Evidence))
	}
	for i := 1; i < len(e.Evidence); i++ {
		if e.Evidence[i].Time.Before(e.Evidence[i-1].Time) {
			t.Errorf("%s/%s: evidence not oldest first", e.Rule, e.Phase)
		}
	}
	if e.Side == theater.SideIraq != (e.Distance >= 0) {
		t.Errorf("%s/%s: side %s at distance %.0f", e.Rule, e.Phase, e.Side, e.Distance)
	}
}

func TestApproachFields(t *testing.T) {
	th := testTheater(t)
	r := newJudgeRun(t, nil, nil)
	m := newMover(th, "T1", fusion.ClassPerson, night)
	m.count = 3
	got := only(r.feed(m, line(fix{chainage: open05, dist: -1200, across: 1.1}, 8*time.Minute, 2*time.Second)), RuleApproach)
	if len(got) != 1 {
		t.Fatalf("events %v, want one approach", transitions(got))
	}
	e := got[0]
	// S05 is a high-threat sector: 10 min × 1.25.
	if e.Sector != "S05" || e.Threat != theater.ThreatHigh || e.Severity != SeverityHigh {
		t.Errorf("sector %s threat %s severity %s", e.Sector, e.Threat, e.Severity)
	}
	eta := e.PredictedCrossing.Sub(e.Time)
	wantEta := time.Duration(-e.Distance / 1.1 * float64(time.Second))
	if eta <= 0 || eta > 12*time.Minute+30*time.Second || (eta-wantEta).Abs() > 5*time.Second {
		t.Errorf("predicted crossing in %v, want about %v", eta, wantEta)
	}
	if e.CrossingSigma <= 0 || e.CrossingSigma > eta/2 {
		t.Errorf("crossing sigma %v", e.CrossingSigma)
	}
	if e.Side != theater.SideSyria || e.Distance < -900 || e.Distance > -700 || e.Heading > 3 || math.Abs(e.Speed-1.1) > 0.01 {
		t.Errorf("side %s distance %.0f heading %.1f speed %.2f", e.Side, e.Distance, e.Heading, e.Speed)
	}
	if e.Count != 3 || e.Class != fusion.ClassPerson || len(e.Sensors) != 1 {
		t.Errorf("count %d class %s sensors %v", e.Count, e.Class, e.Sensors)
	}
	for _, want := range []string{"person ×3", "inside Syria", "heading for the line at 1.1 m/s", "crossing predicted in", "±"} {
		if !strings.Contains(e.Summary, want) {
			t.Errorf("summary %q lacks %q", e.Summary, want)
		}
	}
}

func TestApproachNoisyDoesNotFlap(t *testing.T) {
	th := testTheater(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for run := range 20 {
		r := newJudgeRun(t, nil, nil)
		m := newMover(th, fmt.Sprint("T", run), fusion.ClassPerson, night)
		m.sigmaV = 0.3
		// A meandering course: 400 m either side over a 2 km wavelength,
		// at 1 m/s toward the line, with noisy velocity estimates.
		var fixes []fix
		const a, lambda, v = 400.0, 2000.0, 1.0
		for s := 0.0; s < 3600; s += 2 {
			dist := -3000 + v*s
			phase := 2 * math.Pi * (dist + 3000) / lambda
			fixes = append(fixes, fix{
				at:       time.Duration(s * float64(time.Second)),
				chainage: open05 + a*math.Sin(phase) + rng.NormFloat64()*8,
				dist:     dist + rng.NormFloat64()*8,
				across:   v + rng.NormFloat64()*0.3,
				along:    a*2*math.Pi/lambda*v*math.Cos(phase) + rng.NormFloat64()*0.3,
			})
		}
		got := only(r.feed(m, fixes), RuleApproach, RuleInbound)
		want := "approach/begin approach/end inbound_crossing/instant"
		if g := strings.Join(transitions(got), " "); g != want {
			t.Fatalf("run %d: events %s, want %s", run, g, want)
		}
		lead := got[2].Time.Sub(got[0].Time)
		if lead < 3*time.Minute {
			t.Errorf("run %d: approach raised only %v before the crossing", run, lead)
		}
	}
}

func TestThreatScaling(t *testing.T) {
	th := testTheater(t)
	cfg := DefaultConfig()
	tab := compile(cfg, th)
	within := map[string]float64{}
	for _, id := range []string{"S02", "S03", "S05", "S06"} {
		within[id] = tab.of(th.Sector(id)).within
	}
	want := map[string]float64{"S02": 480, "S03": 600, "S05": 750, "S06": 900}
	for id, w := range want {
		if math.Abs(within[id]-w) > 1e-9 {
			t.Errorf("%s: approach within %v s, want %v", id, within[id], w)
		}
	}
	if p := tab.of(th.Sector("S06")); p.sev[iZone] != SeverityHigh || p.sev[iInbound] != SeverityCritical {
		t.Errorf("critical sector severities: zone %s inbound %s", p.sev[iZone], p.sev[iInbound])
	}
	if p := tab.of(th.Sector("S05")); p.loiterFor != int64(8*time.Minute) {
		t.Errorf("S05 loiter duration %v, want 8m", time.Duration(p.loiterFor))
	}

	// The same walk, 11 minutes from the line, raises an approach in a
	// high-threat sector (12.5 min) but not in an elevated one (10 min).
	for _, tc := range []struct {
		chainage float64
		want     int
	}{{open05, 1}, {open03, 0}} {
		r := newJudgeRun(t, cfg, nil)
		m := newMover(th, "T1", fusion.ClassPerson, night)
		got := only(r.feed(m, line(fix{chainage: tc.chainage, dist: -660, across: 1}, 30*time.Second, 2*time.Second)), RuleApproach)
		if len(got) != tc.want {
			t.Errorf("chainage %.0f km: %v, want %d approach", tc.chainage/1000, transitions(got), tc.want)
		}
	}

	// A sector override changes only that sector.
	cfg.Sectors = map[string]RuleSet{"S03": cfg.Defaults.clone()}
	rs := cfg.Sectors["S03"]
	rs.Approach.Within = 20 * time.Minute
	cfg.Sectors["S03"] = rs
	tab = compile(cfg, th)
	if w := tab.of(th.Sector("S03")).within; w != 1200 {
		t.Errorf("S03 with override: within %v s, want 1200", w)
	}
	if w := tab.of(th.Sector("S04")).within; w != 600 {
		t.Errorf("S04: within %v s, want 600", w)
	}
}

func TestAnimalLaterPerson(t *testing.T) {
	th := testTheater(t)
	r := newJudgeRun(t, nil, nil)
	m := newMover(th, "T1", fusion.ClassAnimal, night)
	got := r.feed(m, line(fix{chainage: open05, dist: -200, across: 1}, 4*time.Minute, 2*time.Second))
	if len(got) != 0 {
		t.Fatalf("animal raised %v", transitions(got))
	}
	m.class = fusion.ClassPerson
	got = only(r.feed(m, line(fix{at: 5 * time.Minute, chainage: open05, dist: 100, across: 1}, 10*time.Second, 2*time.Second)), RuleInbound)
	if len(got) != 1 {
		t.Fatalf("person after animal: %v, want one inbound crossing", transitions(got))
	}
	// The crossing point is where the track crossed, not where it is.
	if math.Abs(got[0].Chainage-open05) > 50 || got[0].Distance < 90 {
		t.Errorf("crossing at chainage %.0f, track at %.0f m", got[0].Chainage, got[0].Distance)
	}
}

func TestCoastingRaisesNoCrossing(t *testing.T) {
	th := testTheater(t)
	r := newJudgeRun(t, nil, nil)
	m := newMover(th, "T1", fusion.ClassPerson, night)
	r.feed(m, line(fix{chainage: open05, dist: -100, across: 1}, 60*time.Second, 2*time.Second))
	m.coasting = true
	got := only(r.feed(m, line(fix{at: time.Minute, chainage: open05, dist: -40, across: 1}, 2*time.Minute, 2*time.Second)), RuleInbound)
	if len(got) != 0 {
		t.Fatalf("coasting track raised %v", transitions(got))
	}
	m.coasting = false
	got = only(r.feed(m, line(fix{at: 4 * time.Minute, chainage: open05, dist: 140, across: 1}, 4*time.Second, 2*time.Second)), RuleInbound)
	if len(got) != 1 {
		t.Fatalf("measured again across the line: %v, want one inbound crossing", transitions(got))
	}
}

// TestWeakTrackHeld: a track carried by weak detections (thermal clutter
// around a wandering animal) raises nothing when it crosses; when strong
// detections take it up again on the far side the crossing is raised.
func TestWeakTrackHeld(t *testing.T) {
	th := testTheater(t)
	r := newJudgeRun(t, nil, nil)
	m := newMover(th, "T1", fusion.ClassPerson, night)
	r.feed(m, line(fix{chainage: open05, dist: -300, across: 1}, 60*time.Second, 2*time.Second))
	m.weak = true
	for _, e := range r.feed(m, line(fix{at: time.Minute, chainage: open05, dist: -240, across: 1.5}, 4*time.Minute, 2*time.Second)) {
		if e.Phase != PhaseEnd {
			t.Fatalf("weak track raised %s/%s", e.Rule, e.Phase)
		}
	}
	m.weak = false
	got := only(r.feed(m, line(fix{at: 5 * time.Minute, chainage: open05, dist: 120, across: 1}, 10*time.Second, 2*time.Second)), RuleInbound)
	if len(got) != 1 {
		t.Fatalf("strong again across the line: %v, want one inbound crossing", transitions(got))
	}
}

// TestStaleStrongCrossingHeld: a track that crosses on weak detections
// alone, its latest strong one long past (a vehicle's track hopping onto
// clutter after the vehicle stopped), raises no crossing until a strong
// detection confirms it on the far side.
func TestStaleStrongCrossingHeld(t *testing.T) {
	th := testTheater(t)
	r := newJudgeRun(t, nil, nil)
	m := newMover(th, "T1", fusion.ClassVehicle, night)
	r.feed(m, line(fix{chainage: open05, dist: -200, across: 5}, 30*time.Second, time.Second))
	m.stale, m.start = true, night.Add(30*time.Second)
	got := only(r.feed(m, line(fix{at: 30 * time.Second, chainage: open05, dist: -60, across: 5}, 40*time.Second, time.Second)), RuleInbound)
	if len(got) != 0 {
		t.Fatalf("crossing on weak detections raised %v", transitions(got))
	}
	m.stale = false
	got = only(r.feed(m, line(fix{at: 80 * time.Second, chainage: open05, dist: 150, across: 1}, 4*time.Second, time.Second)), RuleInbound)
	if len(got) != 1 {
		t.Fatalf("confirmed on the far side: %v, want one inbound crossing", transitions(got))
	}
}

func TestSummaries(t *testing.T) {
	tests := []struct {
		e    Event
		d    detail
		want string
	}{
		{Event{Rule: RuleInbound, Phase: PhaseInstant, Class: fusion.ClassPerson, Count: 2, Chainage: 232_976, Distance: 40, Side: theater.SideIraq, Speed: 1.2, Zone: "Z-QAIM"},
			detail{}, "person ×2 crossed into Iraq at km 232.98 in zone Z-QAIM, now 40 m inside Iraq, moving at 1.2 m/s"},
		{Event{Rule: RuleZone, Phase: PhaseEnd, Class: fusion.ClassUnknown, Count: 1, Distance: -2500, Side: theater.SideSyria, Zone: "Z-QAIM"},
			detail{reason: "track lost"}, "unidentified 2.5 km inside Syria: zone entry ended (zone Z-QAIM), track lost"},
		{Event{Rule: RuleLoiter, Phase: PhaseBegin, Class: fusion.ClassVehicle, Count: 1, Distance: 0.5, Side: theater.SideIraq},
			detail{dwell: 12 * time.Minute, dist: 150}, "vehicle has stayed within 150 m for 12 min, on the line"},
	}
	for _, tt := range tests {
		if got := summary(&tt.e, &tt.d); got != tt.want {
			t.Errorf("summary\n got %q\nwant %q", got, tt.want)
		}
	}
	for d, want := range map[time.Duration]string{45 * time.Second: "45 s", 9 * time.Minute: "9 min", 125 * time.Minute: "2 h 5 min"} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}
