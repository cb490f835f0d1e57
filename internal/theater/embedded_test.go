package theater_test

import (
	"bytes"
	"math"
	"testing"

	"raqib/internal/geo"
	"raqib/internal/theater"
	"raqib/internal/theater/gen"
)

func TestEmbeddedLoads(t *testing.T) {
	th := embeddedTheater(t)
	if th.ID != "iraq-syria" || th.Border.IraqSide != theater.HandRight {
		t.Errorf("id %q, iraq side %q", th.ID, th.Border.IraqSide)
	}
	if err := th.Validate(); err != nil {
		t.Errorf("Validate after Load: %v", err)
	}
	if n := len(th.Sectors); n < 12 || n > 20 {
		t.Errorf("%d sectors, want 12 to 20", n)
	}
}

func TestEmbeddedBorderLength(t *testing.T) {
	km := embeddedTheater(t).Border.LengthKm()
	if km < 590 || km > 610 {
		t.Errorf("border is %.3f km long, want 590 to 610", km)
	}
}

func TestEmbeddedBorderEnds(t *testing.T) {
	b := embeddedTheater(t).Border
	jordan, turkey := b.Points[0], b.Points[len(b.Points)-1]
	if d := geo.Distance(jordan, geo.LatLon{Lat: 33.37, Lon: 38.77}); d > 5000 {
		t.Errorf("first vertex %v is %.0f m from the Jordan tripoint", jordan, d)
	}
	if d := geo.Distance(turkey, geo.LatLon{Lat: 37.11, Lon: 42.36}); d > 5000 {
		t.Errorf("last vertex %v is %.0f m from the Turkey tripoint", turkey, d)
	}
}

func TestEmbeddedCameras(t *testing.T) {
	th := embeddedTheater(t)
	if n := len(th.Cameras); n != 960 {
		t.Errorf("%d cameras, want 960", n)
	}
	for _, c := range th.Cameras {
		if side := th.Side(c.Position); side != theater.SideIraq {
			t.Errorf("camera %s at %v is in %s", c.ID, c.Position, side)
		}
		if p, v := c.Range(theater.TargetPerson), c.Range(theater.TargetVehicle); p < 3000 || p > 6000 || v < 8000 || v > 12000 {
			t.Errorf("camera %s ranges person %v vehicle %v: want 3–6 km and 8–12 km", c.ID, p, v)
		}
	}
	for _, s := range th.Sectors {
		if len(th.SectorCameras(s.ID)) == 0 {
			t.Errorf("sector %s has no cameras", s.ID)
		}
	}
}

// TestEmbeddedCoverage checks that every point of the border line, sampled
// every 200 m, lies in the field of view and person detection range of at
// least one camera of its sector or a neighbour's.
func TestEmbeddedCoverage(t *testing.T) {
	th := embeddedTheater(t)
	const step = 200.0
	var gaps int
	for ch := step / 2; ch < th.Border.Length(); ch += step {
		p, _ := th.Border.Index.At(ch)
		if !coveredBy(th, p, ch) {
			gaps++
			if gaps <= 10 {
				t.Errorf("km %.1f (%v, sector %s) is seen by no camera", ch/1000, p, th.SectorAt(ch).ID)
			}
		}
	}
	if gaps > 10 {
		t.Errorf("%d more uncovered samples", gaps-10)
	}
}

func coveredBy(th *theater.Theater, p geo.LatLon, ch float64) bool {
	for _, c := range th.Cameras {
		if math.Abs(c.Chainage-ch) < 8000 && c.Covers(p, theater.TargetPerson) {
			return true
		}
	}
	return false
}

// TestHighThreatDenser checks that the camera plan watches high-threat
// sectors more densely than low-threat ones.
func TestHighThreatDenser(t *testing.T) {
	th := embeddedTheater(t)
	density := map[theater.ThreatLevel][]float64{}
	for _, s := range th.Sectors {
		density[s.Threat] = append(density[s.Threat], float64(len(th.SectorCameras(s.ID)))/s.LengthKm())
	}
	low, high := mean(density[theater.ThreatLow]), mean(density[theater.ThreatHigh])
	if !(high > low) {
		t.Errorf("cameras per km: high-threat sectors %.2f, low-threat %.2f", high, low)
	}
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func TestEmbeddedCrossingsNearLine(t *testing.T) {
	th := embeddedTheater(t)
	want := map[string]string{"X-WALID": "al-Tanf", "X-QAIM": "Albu Kamal", "X-RABIA": "al-Yarubiyah", "X-FISHKHABOUR": "Semalka"}
	for id, pair := range want {
		x := th.Crossing(id)
		if x == nil {
			t.Errorf("no crossing %s", id)
			continue
		}
		if x.Pair != pair {
			t.Errorf("%s pairs with %q, want %q", id, x.Pair, pair)
		}
		if d := math.Abs(th.SignedDistance(x.Position)); d > 2000 {
			t.Errorf("%s is %.0f m from the line", id, d)
		}
		if len(x.History) == 0 || x.History[len(x.History)-1].Status != x.Status {
			t.Errorf("%s status %s disagrees with its history", id, x.Status)
		}
	}
}

func TestEmbeddedAinAlAsad(t *testing.T) {
	th := embeddedTheater(t)
	b := th.Base("B-AIN-ASAD")
	if b == nil {
		t.Fatal("no Ain al-Asad base")
	}
	if th.Side(b.Position) != theater.SideIraq {
		t.Errorf("Ain al-Asad is not in Iraq")
	}
	if d := th.SignedDistance(b.Position); d < 100_000 {
		t.Errorf("Ain al-Asad is %.1f km from the line, want more than 100", d/1000)
	}
	if !b.AirSupport || b.ReachMinutes > 60 {
		t.Errorf("Ain al-Asad air support %v within %d minutes", b.AirSupport, b.ReachMinutes)
	}
}

func TestEmbeddedFacilitiesInSyria(t *testing.T) {
	th := embeddedTheater(t)
	for _, id := range []string{"F-HOL", "F-SHADDADI", "F-AQTAN", "F-GHWAYRAN"} {
		f := th.Facility(id)
		if f == nil {
			t.Errorf("no facility %s", id)
			continue
		}
		if th.Side(f.Position) != theater.SideSyria {
			t.Errorf("%s is not in Syria", id)
		}
	}
}

func TestEmbeddedForcesAllUsed(t *testing.T) {
	th := embeddedTheater(t)
	used := map[theater.Force]bool{}
	for _, s := range th.Sectors {
		used[s.Force] = true
	}
	for _, f := range theater.Forces {
		if !used[f] {
			t.Errorf("no sector held by %s", f)
		}
	}
}

// TestGeneratedFilesCurrent checks that the committed posts.yaml and
// cameras.yaml are what the generator makes of the committed sectors and
// border. Run go generate ./internal/theater/... after changing either.
func TestGeneratedFilesCurrent(t *testing.T) {
	layout, err := gen.Generate(theater.Embedded(), gen.DefaultPlan())
	if err != nil {
		t.Fatal(err)
	}
	files, err := embeddedFiles()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range layout.Files() {
		if !bytes.Equal(files[name], want) {
			t.Errorf("%s is stale: run go generate ./internal/theater/...", name)
		}
	}
}
