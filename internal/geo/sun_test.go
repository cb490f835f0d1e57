package geo

import (
	"math"
	"testing"
	"time"
)

func TestSunElevation(t *testing.T) {
	qaim := LatLon{Lat: 34.379, Lon: 40.999}
	tests := []struct {
		name     string
		at       string
		min, max float64
	}{
		// Local noon in al-Qa'im (UTC+3) near the winter solstice: the sun
		// stands about 90 - 34.4 - 23.4 = 32 degrees high.
		{"winter noon", "2026-12-21T09:16:00Z", 31, 33},
		// Summer solstice noon: about 90 - 34.4 + 23.4 = 79 degrees.
		{"summer noon", "2026-06-21T09:20:00Z", 78, 80},
		// Local midnight: well below the horizon.
		{"midnight", "2026-11-23T21:00:00Z", -90, -40},
	}
	for _, tt := range tests {
		at, err := time.Parse(time.RFC3339, tt.at)
		if err != nil {
			t.Fatal(err)
		}
		e := SunElevation(at, qaim)
		if e < tt.min || e > tt.max || math.IsNaN(e) {
			t.Errorf("%s: elevation %.2f, want %v..%v", tt.name, e, tt.min, tt.max)
		}
	}
	if !IsNight(time.Date(2026, 11, 23, 21, 0, 0, 0, time.UTC), qaim) {
		t.Error("midnight is not night")
	}
	if IsNight(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), qaim) {
		t.Error("noon is night")
	}
}
