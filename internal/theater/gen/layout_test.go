package gen

import (
	"testing"

	"raqib/internal/theater"
)

func TestAllocate(t *testing.T) {
	sectors := []*theater.Sector{
		{ID: "A", FromKm: 0, ToKm: 50, Threat: theater.ThreatLow},
		{ID: "B", FromKm: 50, ToKm: 100, Threat: theater.ThreatElevated},
		{ID: "C", FromKm: 100, ToKm: 150, Threat: theater.ThreatHigh},
		{ID: "D", FromKm: 150, ToKm: 153, Threat: theater.ThreatCritical},
	}
	plan := DefaultPlan()
	for _, total := range []int{4, 100, 960, 1001} {
		plan.Cameras = total
		counts, err := allocate(sectors, plan)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for i, n := range counts {
			if n < 1 {
				t.Errorf("%d cameras: sector %s gets %d", total, sectors[i].ID, n)
			}
			sum += n
		}
		if sum != total {
			t.Errorf("%d cameras: allocated %d (%v)", total, sum, counts)
		}
		if total >= 100 && !(counts[0] < counts[1] && counts[1] < counts[2]) {
			t.Errorf("%d cameras: %v is not denser with the threat", total, counts)
		}
	}
	plan.Cameras = 3
	if _, err := allocate(sectors, plan); err == nil {
		t.Error("3 cameras for 4 sectors: no error")
	}
}

func TestBearing(t *testing.T) {
	for v, want := range map[float64]string{359.96: "0", 359.94: "359.9", 0: "0", 90.05: "90.1"} {
		if got := num(bearing(v), 1); got != want {
			t.Errorf("bearing %v written %q, want %q", v, got, want)
		}
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{12: "12", 12.5: "12.5", 329.25: "329.2", 0.04: "0", 359.96: "360"} {
		if got := num(v, 1); got != want {
			t.Errorf("num(%v, 1) = %q, want %q", v, got, want)
		}
	}
}
