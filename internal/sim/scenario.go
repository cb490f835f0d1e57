package sim

import (
	"math"
	"strings"
	"time"

	"raqib/internal/theater"
)

// Scenario is a named mix of actors and events. Every scenario has the
// background — patrols, shepherds by day, wildlife, clutter and the odd
// camera outage — and adds its own.
type Scenario struct {
	Name        string
	Description string
	// DefaultStart is the start used when none is given: a night that
	// suits the scenario.
	DefaultStart time.Time
	build        func(b *builder)
}

// baghdad is Asia/Baghdad: UTC+3 all year since Iraq stopped daylight
// saving in 2008. A fixed zone keeps runs independent of the host's tz
// database.
var baghdad = time.FixedZone("+03", 3*3600)

func night(day, hour, minute int) time.Time {
	return time.Date(2026, time.November, day, hour, minute, 0, 0, baghdad)
}

var scenarios = []Scenario{
	{
		Name: "quiet-night",
		Description: "An ordinary night: patrols in every sector, wildlife, thermal clutter and the odd camera " +
			"fault; no hostile movement. The false-alarm baseline.",
		DefaultStart: night(23, 22, 0),
		build:        func(b *builder) { b.background(nil) },
	},
	{
		Name: "infiltration-anbar",
		Description: "Waves of small groups on foot (1-6) through the Anbar zones, mostly at night: 70 % cross and " +
			"walk on into Iraq, the rest turn back short of the line; a few smuggling vehicles; an extra patrol " +
			"in each Anbar sector.",
		DefaultStart: night(23, 23, 0),
		build:        buildInfiltrationAnbar,
	},
	{
		Name: "smuggling-sinjar",
		Description: "Smuggling vehicles at 30-80 km/h on desert tracks across the al-Baaj and Sinjar zones, some in " +
			"convoys, a quarter outbound, some waiting short of the line; loaded porters on foot; an extra patrol " +
			"in S10-S13.",
		DefaultStart: night(24, 0, 30),
		build:        buildSmugglingSinjar,
	},
	{
		Name: "alhol-escape",
		Description: "A mass escape from al-Hol: many small groups (1-4) on foot heading for the line in the sectors " +
			"facing the camp, by night or day, most crossing; an extra patrol in each of those sectors.",
		DefaultStart: night(23, 18, 0),
		build:        buildAlHolEscape,
	},
	{
		Name: "camera-outage",
		Description: "The cameras of one high-threat sector (chosen by the seed) lose power from a quarter to 70 % " +
			"of the run, and three groups on foot cross through the gap.",
		DefaultStart: night(24, 1, 0),
		build:        buildCameraOutage,
	},
}

// Scenarios lists the scenarios.
func Scenarios() []Scenario { return append([]Scenario(nil), scenarios...) }

// ScenarioNames lists the scenarios' names.
func ScenarioNames() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.Name
	}
	return names
}

// LookupScenario returns the scenario with the name.
func LookupScenario(name string) (Scenario, bool) {
	for _, s := range scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// perHour scales a count by the run's length in hours, with a floor.
func (b *builder) perHour(rate float64, least int) int {
	return max(least, int(math.Round(rate*b.dur/3600)))
}

func buildInfiltrationAnbar(b *builder) {
	anbar := func(s *theater.Sector) bool { return strings.Contains(s.Province, "Anbar") }
	b.background(func(s *theater.Sector) int {
		if anbar(s) {
			return 1
		}
		return 0
	})
	zones := b.zones(anbar)
	if len(zones) == 0 {
		return
	}
	r := b.rng
	for range b.perHour(2, 2) {
		z := zones[r.IntN(len(zones))]
		wave := b.nightTime(0.1*b.dur, 0.9*b.dur, b.at(b.inZone(z), 0))
		for range between(r, 3, 6) {
			cross := chance(r, 0.7)
			role := "cross"
			if !cross {
				role = "turn_back"
			}
			b.foot(footPlan{
				typ: ActorInfiltrator, role: role, size: between(r, 1, 6),
				chainage: b.inZone(z), reachAt: clamp(wave+r.NormFloat64()*600, 0.05*b.dur, 0.95*b.dur),
				start: -uniform(r, [2]float64{3000, 8000}), cross: cross, depth: uniform(r, [2]float64{2000, 6000}),
				speed: [2]float64{3 / 3.6, 6 / 3.6},
			})
		}
	}
	for range b.perHour(1, 1) {
		z := zones[r.IntN(len(zones))]
		c := b.inZone(z)
		b.vehicle(c, b.nightTime(0.1*b.dur, 0.9*b.dur, b.at(c, 0)), chance(r, 0.2), 1)
	}
}

func buildSmugglingSinjar(b *builder) {
	faced := map[string]bool{"S10": true, "S11": true, "S12": true, "S13": true}
	b.background(func(s *theater.Sector) int {
		if faced[s.ID] {
			return 1
		}
		return 0
	})
	var zones []*theater.Zone
	for _, id := range []string{"Z-BAAJ", "Z-SINJAR"} {
		if z := b.th.Zone(id); z != nil {
			zones = append(zones, z)
		}
	}
	if len(zones) == 0 {
		zones = b.zones(func(s *theater.Sector) bool { return faced[s.ID] })
	}
	if len(zones) == 0 {
		return
	}
	r := b.rng
	for range b.perHour(6, 4) {
		c := b.inZone(zones[r.IntN(len(zones))])
		convoy := 1
		if chance(r, 0.4) {
			convoy = between(r, 2, 3)
		}
		b.vehicle(c, b.nightTime(0.1*b.dur, 0.9*b.dur, b.at(c, 0)), chance(r, 0.25), convoy)
	}
	for range b.perHour(2, 1) {
		c := b.inZone(zones[r.IntN(len(zones))])
		b.foot(footPlan{
			typ: ActorInfiltrator, role: "smuggle_in", size: between(r, 2, 4),
			chainage: c, reachAt: b.nightTime(0.1*b.dur, 0.9*b.dur, b.at(c, 0)),
			start: -uniform(r, [2]float64{2000, 5000}), cross: true, depth: uniform(r, [2]float64{1500, 4000}),
			speed: [2]float64{2.5 / 3.6, 4 / 3.6},
		})
	}
}

func buildAlHolEscape(b *builder) {
	hol := b.th.Facility("F-HOL")
	if hol == nil {
		for _, f := range b.th.Facilities {
			if f.Kind == theater.FacilityCamp {
				hol = f
				break
			}
		}
	}
	if hol == nil {
		b.background(nil)
		return
	}
	faces := map[string]bool{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, id := range hol.Faces {
		if s := b.th.Sector(id); s != nil {
			faces[id] = true
			lo, hi = math.Min(lo, s.From()+500), math.Max(hi, s.To()-500)
		}
	}
	b.background(func(s *theater.Sector) int {
		if faces[s.ID] {
			return 1
		}
		return 0
	})
	if lo > hi {
		return
	}
	r := b.rng
	c0 := clamp(b.th.Chainage(hol.Position), lo, hi)
	for range b.perHour(30, 12) {
		c := clamp(c0+r.NormFloat64()*20000, lo, hi)
		start := -uniform(r, [2]float64{4000, 12000})
		cross := chance(r, 0.85)
		role := "escape"
		if !cross {
			role = "turn_back"
		}
		b.foot(footPlan{
			typ: ActorInfiltrator, role: role, size: between(r, 1, 4),
			chainage: c, reachAt: (0.08 + 0.87*math.Pow(r.Float64(), 1.5)) * b.dur,
			start: start, cross: cross, depth: uniform(r, [2]float64{2000, 8000}),
			speed: [2]float64{4 / 3.6, 6 / 3.6},
			// Deep in Syria the course runs halfway toward the camp.
			drift: 0.5 * (c0 - c) / start,
		})
	}
}

func buildCameraOutage(b *builder) {
	b.background(nil)
	var candidates []*theater.Sector
	for _, s := range b.th.Sectors {
		if s.Threat.Rank() >= theater.ThreatHigh.Rank() {
			candidates = append(candidates, s)
		}
	}
	if len(candidates) == 0 {
		candidates = b.th.Sectors
	}
	r := b.rng
	s := candidates[r.IntN(len(candidates))]
	from, until := 0.25*b.dur, 0.7*b.dur
	b.sectorOutage(s.ID, from, until, CausePower)
	gap := until - from
	for range 3 {
		b.foot(footPlan{
			typ: ActorInfiltrator, role: "exploit_gap", size: between(r, 2, 6),
			chainage: s.From() + 1000 + r.Float64()*(s.LengthKm()*1000-2000),
			reachAt:  from + (0.15+0.7*r.Float64())*gap,
			start:    -uniform(r, [2]float64{3000, 6000}), cross: true, depth: uniform(r, [2]float64{2000, 5000}),
			speed: [2]float64{3 / 3.6, 5 / 3.6},
		})
	}
}
