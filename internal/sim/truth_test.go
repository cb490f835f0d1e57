package sim

import (
	"math"
	"testing"
	"time"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

// dayStart is 11:00 in Baghdad, when shepherds are out.
var dayStart = time.Date(2026, time.November, 23, 8, 0, 0, 0, time.UTC)

// TestTruthConsistent runs every scenario briefly and checks the
// observations against the truth: each non-clutter observation lies within
// a few sigma of its actor's true position and inside the camera's view,
// each crossing lies on the line where the path changes side, shepherds
// never cross, patrols stay in Iraq, cameras are silent while down.
func TestTruthConsistent(t *testing.T) {
	cases := []struct {
		scenario string
		start    time.Time
		dur      time.Duration
	}{
		{"infiltration-anbar", testStart, 150 * time.Second},
		{"smuggling-sinjar", testStart, 2 * time.Minute},
		{"alhol-escape", testStart, 2 * time.Minute},
		{"camera-outage", testStart, 2 * time.Minute},
		{"quiet-night", dayStart, 2 * time.Minute},
	}
	th := testTheater(t)
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			out := runToBuffers(t, Options{Scenario: tc.scenario, Seed: 7, Start: tc.start, Duration: tc.dur, Background: 0.02})
			obs := decodeLines[Observation](t, out.obs.Bytes())
			hbs := decodeLines[Heartbeat](t, out.hb.Bytes())
			ti := indexTruth(t, decodeLines[TruthRecord](t, out.truth.Bytes()))
			checkObservations(t, th, obs, ti)
			checkOutages(t, obs, hbs, ti)
			checkCrossings(t, th, ti)
			shepherds := checkSides(t, th, ti)
			if tc.start == dayStart && shepherds == 0 {
				t.Error("no shepherds by day")
			}
			if n := out.sum.Crossings(); n == 0 && tc.scenario != "quiet-night" {
				t.Errorf("no crossings in %v of %s", tc.dur, tc.scenario)
			}
		})
	}
}

func checkObservations(t *testing.T, th *theater.Theater, obs []Observation, ti *truthIndex) {
	t.Helper()
	seen := map[sensorSeq]Observation{}
	highest := map[string]uint64{}
	var linked, clutter, dups, late int
	for _, o := range obs {
		key := sensorSeq{o.Sensor, o.Seq}
		if prev, dup := seen[key]; dup {
			if string(prev.AppendJSON(nil)) != string(o.AppendJSON(nil)) {
				t.Fatalf("%s seq %d sent twice with different contents", o.Sensor, o.Seq)
			}
			dups++
			continue
		}
		seen[key] = o
		if o.Seq < highest[o.Sensor] {
			late++
		}
		highest[o.Sensor] = max(highest[o.Sensor], o.Seq)
		actor, ok := ti.links[key]
		if !ok {
			clutter++
			if o.Kind != KindThermalCamera || o.Confidence > 0.45 || o.Class == ClassVehicle {
				t.Fatalf("unlinked observation is not clutter-like: %s", o.AppendJSON(nil))
			}
			continue
		}
		linked++
		truth, ok := ti.at(actor, o.Time)
		if !ok {
			t.Fatalf("%s seq %d from %s at %v: no true position then", o.Sensor, o.Seq, actor, o.Time)
		}
		got := geo.LatLon{Lat: o.Position.Lat, Lon: o.Position.Lon}
		if d := geo.Distance(truth, got); d > 6*o.AccuracyM+0.5 {
			t.Errorf("%s seq %d: %.0f m from %s's true position, accuracy %.1f m", o.Sensor, o.Seq, d, actor, o.AccuracyM)
		}
		switch o.Kind {
		case KindThermalCamera:
			checkInView(t, th.Camera(o.Sensor), truth, ti.actors[actor].Class, o)
		case KindPatrolGPS:
			if a := ti.actors[actor]; o.Class != ClassUnknown || a.ActorType != ActorPatrol || a.Sensor != o.Sensor {
				t.Fatalf("GPS fix %s seq %d of %s %s: class %s", o.Sensor, o.Seq, a.ActorType, actor, o.Class)
			}
		default:
			t.Fatalf("kind %s", o.Kind)
		}
	}
	for key := range seen {
		if key.seq > 1 {
			if _, ok := seen[sensorSeq{key.sensor, key.seq - 1}]; !ok {
				t.Fatalf("%s: seq %d without %d", key.sensor, key.seq, key.seq-1)
			}
		}
	}
	if linked == 0 || clutter == 0 {
		t.Errorf("%d observations from actors, %d of clutter: want some of each", linked, clutter)
	}
	// About 0.5 % are sent twice and 1 % after a higher seq of their sensor.
	if n := float64(len(seen)); n > 5000 && (dups == 0 || float64(dups) > 0.02*n || late == 0 || float64(late) > 0.05*n) {
		t.Errorf("%d observations: %d sent twice, %d after a higher seq", len(seen), dups, late)
	}
}

// checkInView checks the camera covers the true position, to a metre.
func checkInView(t *testing.T, cam *theater.Camera, p geo.LatLon, class Class, o Observation) {
	t.Helper()
	tc := theater.TargetPerson
	if class == ClassVehicle {
		tc = theater.TargetVehicle
	}
	dist, azi, _ := geo.Inverse(cam.Position, p)
	off := math.Abs(math.Mod(azi-cam.BearingDeg+540, 360) - 180)
	if dist > cam.Range(tc)+1 || dist > 1 && off > cam.HFOVDeg/2+0.01 {
		t.Errorf("%s seq %d: true position %.0f m away, %.2f degrees off the bearing: outside the view (%v m, %v degrees)",
			o.Sensor, o.Seq, dist, off, cam.Range(tc), cam.HFOVDeg)
	}
}

func checkOutages(t *testing.T, obs []Observation, hbs []Heartbeat, ti *truthIndex) {
	t.Helper()
	down := func(sensor string, at time.Time) bool {
		for _, o := range ti.outages {
			if o.Sensor == sensor && !at.Before(o.Time) && at.Before(o.Until) {
				return true
			}
		}
		return false
	}
	for _, o := range obs {
		if down(o.Sensor, o.Time) {
			t.Fatalf("%s detected at %v during an outage", o.Sensor, o.Time)
		}
	}
	for _, h := range hbs {
		if down(h.Sensor, h.Time) && h.Health != HealthOffline && h.Health != HealthTampered {
			t.Fatalf("%s sent a heartbeat at %v during an outage", h.Sensor, h.Time)
		}
	}
}

func checkCrossings(t *testing.T, th *theater.Theater, ti *truthIndex) {
	t.Helper()
	for actor, cs := range ti.crossings {
		for _, c := range cs {
			p := geo.LatLon{Lat: c.Lat, Lon: c.Lon}
			q := th.Border.Index.Query(p)
			if math.Abs(q.Distance) > 1 || math.Abs(q.Chainage/1000-c.ChainageKm) > 0.002 {
				t.Errorf("%s crossing at %v: %.2f m off the line at %.3f km, reported %.3f km", actor, c.Time, q.Distance, q.Chainage/1000, c.ChainageKm)
			}
			if c.Sector != th.SectorAt(q.Chainage).ID {
				t.Errorf("%s crossing in sector %s at %.3f km", actor, c.Sector, c.ChainageKm)
			}
			near := 0
			for _, o := range cs {
				if d := o.Time.Sub(c.Time); d > -time.Second && d < time.Second {
					near++
				}
			}
			before, ok1 := ti.at(actor, c.Time.Add(-500*time.Millisecond))
			after, ok2 := ti.at(actor, c.Time.Add(500*time.Millisecond))
			if near != 1 || !ok1 || !ok2 {
				continue
			}
			inIraq := th.Side(after) == theater.SideIraq
			if th.Side(before) == th.Side(after) || inIraq != (c.Direction == Inbound) {
				t.Errorf("%s crossing %s at %v: %s before, %s after", actor, c.Direction, c.Time, th.Side(before), th.Side(after))
			}
		}
		// Every change of side between consecutive positions is a crossing.
	}
	for actor, ps := range ti.positions {
		for i := 1; i < len(ps); i++ {
			a, b := geo.LatLon{Lat: ps[i-1].Lat, Lon: ps[i-1].Lon}, geo.LatLon{Lat: ps[i].Lat, Lon: ps[i].Lon}
			if th.Side(a) == th.Side(b) {
				continue
			}
			found := false
			for _, c := range ti.crossings[actor] {
				found = found || !c.Time.Before(ps[i-1].Time) && !c.Time.After(ps[i].Time)
			}
			if !found {
				t.Errorf("%s changes side between %v and %v without a crossing", actor, ps[i-1].Time, ps[i].Time)
			}
		}
	}
}

// checkSides checks that shepherds and their flocks never cross and keep
// their distance, and that patrols stay in Iraq. It returns the number of
// shepherds and flocks.
func checkSides(t *testing.T, th *theater.Theater, ti *truthIndex) int {
	t.Helper()
	var shepherds, patrols int
	for id, a := range ti.actors {
		switch a.ActorType {
		case ActorShepherd, ActorFlock:
			shepherds++
			if n := len(ti.crossings[id]); n > 0 {
				t.Errorf("%s %s crossed the border %d times", a.ActorType, id, n)
			}
			var side float64
			for _, p := range ti.positions[id] {
				d := th.SignedDistance(geo.LatLon{Lat: p.Lat, Lon: p.Lon})
				if side == 0 {
					side = math.Copysign(1, d)
				}
				if side*d < grazeMinOffset-1 {
					t.Fatalf("%s %s at %v is %.0f m from the line, on the %s side", a.ActorType, id, p.Time, d, th.Side(geo.LatLon{Lat: p.Lat, Lon: p.Lon}))
				}
			}
		case ActorPatrol:
			patrols++
			for _, p := range ti.positions[id] {
				if d := th.SignedDistance(geo.LatLon{Lat: p.Lat, Lon: p.Lon}); d < patrolMinOffset-1 {
					t.Fatalf("patrol %s at %v is %.0f m from the line (< 0: in Syria)", id, p.Time, d)
				}
			}
		}
	}
	if patrols == 0 {
		t.Error("no patrols")
	}
	return shepherds
}
