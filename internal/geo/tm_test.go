package geo

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestFrameOrigin(t *testing.T) {
	for _, o := range []LatLon{{34.379, 40.999}, {0, 0}, {-45.5, 170.25}, {89.5, -120}, {36.8067, 42.0861}} {
		f := NewFrame(o)
		if f.Origin() != o {
			t.Errorf("Origin() = %v, want %v", f.Origin(), o)
		}
		if x, y := f.Forward(o); math.Abs(x) > 1e-9 || math.Abs(y) > 1e-9 {
			t.Errorf("Forward(origin %v) = %v, %v; want 0, 0", o, x, y)
		}
		if p := f.Reverse(0, 0); Distance(p, o) > 1e-8 {
			t.Errorf("Reverse(0, 0) = %v, want %v", p, o)
		}
	}
}

// TestFrameMetric checks that the frame measures true distances and
// directions near its origin: along the central meridian exactly, and
// elsewhere within the scale error of the projection.
func TestFrameMetric(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for range 500 {
		o := LatLon{-80 + 160*rng.Float64(), -180 + 360*rng.Float64()}
		f := NewFrame(o)
		// Due north or south: y is the meridian distance, x is 0.
		d := 50e3 * (2*rng.Float64() - 1)
		p, _ := Direct(o, 0, d)
		if x, y := f.Forward(p); math.Abs(x) > 1e-6 || math.Abs(y-d) > 1e-6 {
			t.Errorf("origin %v, %v m north: x, y = %v, %v", o, d, x, y)
		}
		// Any direction within 20 km: distance from the origin and azimuth.
		azi := 360 * rng.Float64()
		d = 20e3 * rng.Float64()
		p, _ = Direct(o, azi, d)
		x, y := f.Forward(p)
		if r := math.Hypot(x, y); math.Abs(r-d) > 1e-5*d {
			t.Errorf("origin %v, %v m at %v: frame distance %v", o, d, azi, r)
		}
		if a := atan2d(x, y); d > 1 && angleDiff(a, azi) > 0.05 {
			t.Errorf("origin %v, %v m at %v: frame azimuth %v", o, d, azi, a)
		}
	}
}

func TestFrameRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	var maxErr float64
	for range 2000 {
		o := LatLon{-85 + 170*rng.Float64(), -180 + 360*rng.Float64()}
		f := NewFrame(o)
		p, _ := Direct(o, 360*rng.Float64(), 300e3*rng.Float64())
		x, y := f.Forward(p)
		q := f.Reverse(x, y)
		e := Distance(p, q)
		maxErr = max(maxErr, e)
		if !(e < 1e-8) {
			t.Errorf("origin %v: %v -> (%v, %v) -> %v, %.3g m off", o, p, x, y, q, e)
		}
	}
	t.Logf("max round-trip error %.2g m", maxErr)
}

func TestUTMZones(t *testing.T) {
	tests := []struct {
		p     LatLon
		zone  int
		north bool
	}{
		{LatLon{34.379, 40.999}, 37, true},
		{LatLon{36.8067, 42.0861}, 38, true},
		{LatLon{36.8, 41.99999}, 37, true},
		{LatLon{36.8, 42}, 38, true},
		{LatLon{0, -180}, 1, true},
		{LatLon{0, 180}, 60, true},
		{LatLon{-0.0001, 0}, 31, false},
		{LatLon{-80, 0}, 31, false},
		{LatLon{84, 0}, 31, true},
		{LatLon{60, 2.99}, 31, true},
		{LatLon{60, 3}, 32, true}, // Norway
		{LatLon{63.999, 11.99}, 32, true},
		{LatLon{64, 5}, 31, true}, // above the Norway exception
		{LatLon{55.999, 5}, 31, true},
		{LatLon{78, 8.99}, 31, true}, // Svalbard
		{LatLon{78, 9}, 33, true},
		{LatLon{78, 20.99}, 33, true},
		{LatLon{78, 21}, 35, true},
		{LatLon{78, 33}, 37, true},
		{LatLon{78, 41.99}, 37, true},
		{LatLon{78, 42}, 38, true},
		{LatLon{71.999, 10}, 32, true},
	}
	for _, tc := range tests {
		zone, north, _, _, err := ToUTM(tc.p)
		if err != nil || zone != tc.zone || north != tc.north {
			t.Errorf("ToUTM(%v) zone %d north %v err %v; want %d %v", tc.p, zone, north, err, tc.zone, tc.north)
		}
	}
}

func TestToUTMErrors(t *testing.T) {
	tests := []struct {
		p    LatLon
		want string
	}{
		{LatLon{84.0001, 10}, "utm: lat 84.0001 is outside the UTM area"},
		{LatLon{-80.5, 10}, "utm: lat -80.5 is outside the UTM area"},
		{LatLon{91.2, 10}, "utm: lat: 91.2 is out of range [-90, 90]"},
		{LatLon{10, 181}, "utm: lon: 181 is out of range [-180, 180]"},
		{LatLon{math.NaN(), 10}, "utm: lat: NaN is not a finite number"},
	}
	for _, tc := range tests {
		_, _, _, _, err := ToUTM(tc.p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ToUTM(%v) error %v, want %q", tc.p, err, tc.want)
		}
	}
}

func TestFromUTM(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for range 1000 {
		p := LatLon{-80 + 164*rng.Float64(), -180 + 360*rng.Float64()}
		zone, north, e, n, err := ToUTM(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := FromUTM(zone, north, e, n)
		if err != nil || Distance(p, q) > 1e-8 {
			t.Errorf("FromUTM(ToUTM(%v)) = %v, %v", p, q, err)
		}
	}
	errs := []struct {
		zone  int
		north bool
		e, n  float64
		want  string
	}{
		{0, true, 500e3, 0, "utm: zone 0 is out of range [1, 60]"},
		{61, true, 500e3, 0, "utm: zone 61 is out of range [1, 60]"},
		{37, true, -1, 0, "utm: easting -1 is out of range"},
		{37, true, math.NaN(), 0, "utm: easting NaN is out of range"},
		{37, false, 500e3, 10000001, "utm: northing 1.0000001e+07 is out of range"},
	}
	for _, tc := range errs {
		if _, err := FromUTM(tc.zone, tc.north, tc.e, tc.n); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromUTM(%d, %v, %v, %v) error %v, want %q", tc.zone, tc.north, tc.e, tc.n, err, tc.want)
		}
	}
}

func BenchmarkFrameForward(b *testing.B) {
	f := NewFrame(LatLon{34.379, 40.999})
	p := LatLon{34.7, 41.3}
	b.ReportAllocs()
	for b.Loop() {
		f.Forward(p)
	}
}

func BenchmarkFrameReverse(b *testing.B) {
	f := NewFrame(LatLon{34.379, 40.999})
	b.ReportAllocs()
	for b.Loop() {
		f.Reverse(12345.6, -23456.7)
	}
}
