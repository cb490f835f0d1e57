package theater_test

import (
	"math"
	"strings"
	"testing"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

func TestSectorAt(t *testing.T) {
	th := embeddedTheater(t)
	first, last := th.Sectors[0], th.Sectors[len(th.Sectors)-1]
	tests := []struct {
		chainage float64
		want     string
	}{
		{-1000, first.ID},
		{0, first.ID},
		{first.To() - 1, first.ID},
		{first.To(), th.Sectors[1].ID}, // a boundary belongs to the later sector
		{th.Border.Length(), last.ID},
		{th.Border.Length() + 5000, last.ID},
		{math.NaN(), first.ID},
	}
	for _, tt := range tests {
		if got := th.SectorAt(tt.chainage); got == nil || got.ID != tt.want {
			t.Errorf("SectorAt(%v) = %v, want %s", tt.chainage, got, tt.want)
		}
	}
	for _, s := range th.Sectors {
		mid := (s.From() + s.To()) / 2
		if got := th.SectorAt(mid); got != s || !s.Contains(mid) {
			t.Errorf("SectorAt(middle of %s) = %s", s.ID, got.ID)
		}
	}
}

func TestLocate(t *testing.T) {
	th := embeddedTheater(t)
	for _, s := range th.Sectors {
		mid := (s.From() + s.To()) / 2
		for _, off := range []float64{5000, -5000} {
			p := th.Border.OffsetPoint(mid, off, 5000)
			l := th.Locate(p)
			wantSide := theater.SideIraq
			if off < 0 {
				wantSide = theater.SideSyria
			}
			if l.Side != wantSide || th.Side(p) != wantSide {
				t.Errorf("%s %+.0f m: side %s, want %s", s.ID, off, l.Side, wantSide)
			}
			if math.Abs(l.Distance-off) > 500 || math.Abs(th.SignedDistance(p)-l.Distance) > 1e-6 {
				t.Errorf("%s %+.0f m: distance %.0f", s.ID, off, l.Distance)
			}
			if math.Abs(l.Chainage-mid) > 2000 || math.Abs(th.Chainage(p)-l.Chainage) > 1e-6 {
				t.Errorf("%s %+.0f m: chainage %.0f, want about %.0f", s.ID, off, l.Chainage, mid)
			}
			if l.Sector != s || th.SectorOf(p) != s {
				t.Errorf("%s %+.0f m: sector %s", s.ID, off, l.Sector.ID)
			}
		}
	}
}

func TestZoneContains(t *testing.T) {
	th := embeddedTheater(t)
	z := th.Zone("Z-QAIM")
	mid := (z.FromKm + z.ToKm) / 2 * 1000
	if !z.Contains(mid, -z.DepthKm*500) || !z.Contains(mid, z.DepthKm*500) {
		t.Error("zone does not contain points half its depth either side")
	}
	if z.Contains(mid, z.DepthKm*1000+1) || z.Contains(z.ToKm*1000+1, 0) {
		t.Error("zone contains points outside it")
	}
}

func TestCameraCovers(t *testing.T) {
	c := &theater.Camera{
		Position: geo.LatLon{Lat: 34, Lon: 40}, BearingDeg: 90, HFOVDeg: 20,
		RangeM: map[theater.TargetClass]float64{theater.TargetPerson: 4000, theater.TargetVehicle: 9000},
	}
	ahead, _ := geo.Direct(c.Position, 95, 3000)
	far, _ := geo.Direct(c.Position, 90, 6000)
	aside, _ := geo.Direct(c.Position, 120, 1000)
	tests := []struct {
		name  string
		p     geo.LatLon
		class theater.TargetClass
		want  bool
	}{
		{"person ahead", ahead, theater.TargetPerson, true},
		{"person too far", far, theater.TargetPerson, false},
		{"vehicle far", far, theater.TargetVehicle, true},
		{"outside the view", aside, theater.TargetVehicle, false},
	}
	for _, tt := range tests {
		if got := c.Covers(tt.p, tt.class); got != tt.want {
			t.Errorf("%s: Covers = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestValidateInCode checks a theater changed in code: problems name their
// file and field but carry no line.
func TestValidateInCode(t *testing.T) {
	th, err := theater.Load(goodFS(t))
	if err != nil {
		t.Fatal(err)
	}
	kept := th.Cameras[:0]
	for _, c := range th.Cameras {
		if c.Sector != "S02" {
			kept = append(kept, c)
		}
	}
	th.Cameras = kept
	err = th.Validate()
	if err == nil {
		t.Fatal("no error for a sector without cameras")
	}
	if !strings.Contains(err.Error(), "sectors.yaml: sectors[1].id: no cameras serve sector S02") {
		t.Errorf("error %q does not name the sector", err)
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    theater.Problem
		want string
	}{
		{theater.Problem{File: "sectors.yaml", Line: 12, Column: 5, Field: "sectors[3].to_km", Message: "118 overlaps sectors[4].from_km 112"},
			"sectors.yaml:12:5: sectors[3].to_km: 118 overlaps sectors[4].from_km 112"},
		{theater.Problem{File: "cameras.yaml", Message: "cannot read: file does not exist"}, "cameras.yaml: cannot read: file does not exist"},
		{theater.Problem{File: "posts.yaml", Field: "posts[1].sector", Message: "missing"}, "posts.yaml: posts[1].sector: missing"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	err := &theater.ValidationError{Problems: []theater.Problem{tests[0].p, tests[1].p}}
	if want := "theater: 2 problems\n\t" + tests[0].want + "\n\t" + tests[1].want; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}
