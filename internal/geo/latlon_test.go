package geo

import (
	"math"
	"testing"
)

func TestLatLonValidate(t *testing.T) {
	tests := []struct {
		p    LatLon
		want string // "" for valid
	}{
		{LatLon{34.379, 40.999}, ""},
		{LatLon{90, 180}, ""},
		{LatLon{-90, -180}, ""},
		{LatLon{91.2, 0}, "lat: 91.2 is out of range [-90, 90]"},
		{LatLon{-90.5, 0}, "lat: -90.5 is out of range [-90, 90]"},
		{LatLon{0, 180.0001}, "lon: 180.0001 is out of range [-180, 180]"},
		{LatLon{0, -200}, "lon: -200 is out of range [-180, 180]"},
		{LatLon{math.NaN(), 0}, "lat: NaN is not a finite number"},
		{LatLon{0, math.Inf(-1)}, "lon: -Inf is not a finite number"},
		{LatLon{100, 200}, "lat: 100 is out of range [-90, 90]"}, // the first fault
	}
	for _, tc := range tests {
		err := tc.p.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v.Validate() = %v, want nil", tc.p, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%v.Validate() = %v, want %q", tc.p, err, tc.want)
		}
		if isValid(tc.p) != (tc.want == "") {
			t.Errorf("isValid(%v) = %v, want %v", tc.p, isValid(tc.p), tc.want == "")
		}
	}
}

func TestLatLonString(t *testing.T) {
	if s := (LatLon{34.379, -40.999}).String(); s != "34.3790000,-40.9990000" {
		t.Errorf("String() = %q", s)
	}
}

func TestAngleHelpers(t *testing.T) {
	// Reduction in degrees keeps multiples of 90 degrees exact.
	for _, tc := range []struct{ x, sin, cos float64 }{
		{0, 0, 1}, {30, 0.5, math.Sqrt(3) / 2}, {90, 1, 0}, {180, 0, -1}, {-90, -1, 0},
		{270, -1, 0}, {360, 0, 1}, {-150, -0.5, -math.Sqrt(3) / 2}, {720 + 30, 0.5, math.Sqrt(3) / 2},
	} {
		s, c := sincosd(tc.x)
		if math.Abs(s-tc.sin) > 2e-16 || math.Abs(c-tc.cos) > 2e-16 {
			t.Errorf("sincosd(%v) = %v, %v; want %v, %v", tc.x, s, c, tc.sin, tc.cos)
		}
	}
	for _, tc := range []struct{ x, y, want float64 }{
		{0, 0, 0}, {1, 1, 45}, {1, 0, 90}, {0, -1, 180}, {-1, 0, -90}, {-1, -1, -135}, {1, -1, 135},
	} {
		if got := atan2d(tc.x, tc.y); got != tc.want {
			t.Errorf("atan2d(%v, %v) = %v, want %v", tc.x, tc.y, got, tc.want)
		}
	}
	for _, tc := range []struct{ x, y, want float64 }{
		{10, 20, 10}, {170, -170, 20}, {-170, 170, -20}, {0, 180, 180}, {360, 1, 1}, {1e-20, 0, -1e-20},
	} {
		if d, _ := angDiff(tc.x, tc.y); d != tc.want {
			t.Errorf("angDiff(%v, %v) = %v, want %v", tc.x, tc.y, d, tc.want)
		}
	}
	for _, tc := range []struct{ x, want float64 }{{190, -170}, {-190, 170}, {180, 180}, {-180, -180}, {540, 180}, {360, 0}} {
		if got := angNormalize(tc.x); got != tc.want {
			t.Errorf("angNormalize(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
}
