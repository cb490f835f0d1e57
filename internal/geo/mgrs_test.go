package geo

import (
	"bufio"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// mgrsVector is one line of testdata/mgrs_vectors.tsv: a position, a
// precision, the reference the npm mgrs package gives, and the UTM
// coordinates the npm geodesy package gives in the same zone.
type mgrsVector struct {
	p        LatLon
	digits   int
	mgrs     string // as npm mgrs writes it, without spaces
	zone     int
	north    bool
	easting  float64
	northing float64
}

func loadMGRSVectors(t testing.TB) []mgrsVector {
	t.Helper()
	f, err := os.Open("testdata/mgrs_vectors.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []mgrsVector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Split(line, "\t")
		if len(fs) != 8 {
			t.Fatalf("bad line %q", line)
		}
		var v mgrsVector
		var errs [6]error
		v.p.Lat, errs[0] = strconv.ParseFloat(fs[0], 64)
		v.p.Lon, errs[1] = strconv.ParseFloat(fs[1], 64)
		v.digits, errs[2] = strconv.Atoi(fs[2])
		v.mgrs = fs[3]
		v.zone, errs[3] = strconv.Atoi(fs[4])
		v.north = fs[5] == "N"
		v.easting, errs[4] = strconv.ParseFloat(fs[6], 64)
		v.northing, errs[5] = strconv.ParseFloat(fs[7], 64)
		for _, err := range errs {
			if err != nil {
				t.Fatalf("bad line %q: %v", line, err)
			}
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// compact removes the spaces of a reference and pads a one-digit zone, the
// form npm mgrs writes.
func compact(s string) string {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) > 1 && s[1] >= 'A' {
		s = "0" + s
	}
	return s
}

func TestFormatMGRSOracles(t *testing.T) {
	tests := []struct {
		name   string
		p      LatLon
		digits int
		want   string
	}{
		{"al-Qa'im", LatLon{34.3790, 40.9990}, 5, "37S FU 83793 05990"},
		{"Rabia", LatLon{36.8067, 42.0861}, 5, "38S KF 40045 77391"},
		{"Rabia 10 m", LatLon{36.8067, 42.0861}, 4, "38S KF 4004 7739"},
		{"Rabia 10 km", LatLon{36.8067, 42.0861}, 1, "38S KF 4 7"},
		// The Iraq-Syria border crosses from zone 37 to zone 38 at 42 E.
		{"west of 42 E", LatLon{36.8067, 41.9999}, 5, "37S GA 67628 77629"},
		{"at 42 E", LatLon{36.8067, 42}, 5, "38S KF 32362 77629"},
		{"equator", LatLon{0, 0}, 5, "31N AA 66021 00000"},
		{"one-digit zone", LatLon{21.3069, -157.8583}, 5, "04Q FJ 18417 56542"},
	}
	for _, tc := range tests {
		got, err := FormatMGRS(tc.p, tc.digits)
		if err != nil || got != tc.want {
			t.Errorf("%s: FormatMGRS(%v, %d) = %q, %v; want %q", tc.name, tc.p, tc.digits, got, err, tc.want)
		}
	}
}

// TestMGRSVectors checks the UTM coordinates against npm geodesy (Krüger
// series to n^6, to 1 nm) and the references against npm mgrs.
func TestMGRSVectors(t *testing.T) {
	vs := loadMGRSVectors(t)
	if len(vs) < 500 {
		t.Fatalf("%d vectors, want at least 500", len(vs))
	}
	var maxUTM float64
	for _, v := range vs {
		zone, north, e, n, err := ToUTM(v.p)
		if err != nil {
			t.Errorf("ToUTM(%v): %v", v.p, err)
			continue
		}
		d := math.Max(math.Abs(e-v.easting), math.Abs(n-v.northing))
		maxUTM = max(maxUTM, d)
		if zone != v.zone || north != v.north || d > 1e-6 {
			t.Errorf("ToUTM(%v) = %d %v %.9f %.9f; want %d %v %.9f %.9f", v.p, zone, north, e, n, v.zone, v.north, v.easting, v.northing)
		}
		got, err := FormatMGRS(v.p, v.digits)
		if err != nil || compact(got) != compact(v.mgrs) {
			t.Errorf("FormatMGRS(%v, %d) = %q, %v; npm mgrs gives %q", v.p, v.digits, got, err, v.mgrs)
		}
	}
	t.Logf("%d vectors; max UTM difference %.2g m", len(vs), maxUTM)
}

func TestFormatMGRSErrors(t *testing.T) {
	tests := []struct {
		p      LatLon
		digits int
		want   string
	}{
		{LatLon{34, 40}, 0, "mgrs: digits 0 is out of range [1, 5]"},
		{LatLon{34, 40}, 6, "mgrs: digits 6 is out of range [1, 5]"},
		{LatLon{84.5, 40}, 5, "mgrs: lat 84.5 is outside the UTM area [-80, 84]; polar (UPS) references are not supported"},
		{LatLon{-80.1, 40}, 5, "outside the UTM area"},
		{LatLon{91.2, 40}, 5, "mgrs: lat: 91.2 is out of range [-90, 90]"},
		{LatLon{34, math.Inf(1)}, 5, "mgrs: lon: +Inf is not a finite number"},
	}
	for _, tc := range tests {
		if _, err := FormatMGRS(tc.p, tc.digits); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FormatMGRS(%v, %d) error %v, want %q", tc.p, tc.digits, err, tc.want)
		}
	}
}

func TestParseMGRS(t *testing.T) {
	sw := func(zone int, north bool, e, n float64) LatLon { return utmUnproject(zone, north, e, n) }
	tests := []struct {
		in   string
		want LatLon
	}{
		{"37S FU 83793 05990", sw(37, true, 683793, 3805990)},
		{"37SFU8379305990", sw(37, true, 683793, 3805990)},
		{"  37s fu 83793 05990 ", sw(37, true, 683793, 3805990)},
		{"37 S FU 83793 05990", sw(37, true, 683793, 3805990)},
		{"38S KF 40045 77391", sw(38, true, 240045, 4077391)},
		{"38SKF4077", sw(38, true, 240000, 4077000)},
		{"38S KF 4 7", sw(38, true, 240000, 4070000)},
		{"38S KF", sw(38, true, 200000, 4000000)},
		{"4QFJ1841756542", sw(4, true, 618417, 2356542)},
		{"04q fj 18417 56542", sw(4, true, 618417, 2356542)},
		{"31N AA 66021 00000", sw(31, true, 166021, 0)},
		{"31M AV 66021 99999", sw(31, false, 166021, 9999999)},
		{"23C NM 00000 29575", sw(23, false, 500000, 1129575)},
		{"33X VH 30000 30000", sw(33, true, 430000, 8730000)},
	}
	for _, tc := range tests {
		got, err := ParseMGRS(tc.in)
		if err != nil || Distance(got, tc.want) > 1e-6 {
			t.Errorf("ParseMGRS(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseMGRSErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "mgrs: missing zone number"},
		{"S FU 83793 05990", "mgrs: missing zone number"},
		{"370S FU", "mgrs: zone number \"370\" has more than 2 digits"},
		{"61S FU 83793 05990", "mgrs: zone 61 is out of range [1, 60]"},
		{"0S FU 83793 05990", "mgrs: zone 0 is out of range [1, 60]"},
		{"37", "mgrs: missing band letter"},
		{"37I FU 83793 05990", "mgrs: band letter 'I' is invalid"},
		{"37O FU 83793 05990", "mgrs: band letter 'O' is invalid"},
		{"37Z FU 83793 05990", "mgrs: band letter 'Z' is a polar (UPS) band"},
		{"37A FU 83793 05990", "mgrs: band letter 'A' is a polar (UPS) band"},
		{"37* FU 83793 05990", "mgrs: band letter '*' is not a letter"},
		{"37S", "mgrs: missing 100 km square column letter"},
		{"37S JU 83793 05990", "mgrs: column letter 'J' is not used in zone 37"},
		{"37S F", "mgrs: missing 100 km square row letter"},
		{"37S FW 83793 05990", "mgrs: row letter 'W' is invalid"},
		{"37S FI 83793 05990", "mgrs: row letter 'I' is invalid"},
		{"37S FU 8379 05990", "mgrs: easting and northing differ in length (4 and 5 digits)"},
		{"37S FU 837930599", "mgrs: easting and northing differ in length (9 digits in all)"},
		{"37S FU 837930 059900", "mgrs: easting and northing have 6 digits each"},
		{"37S FU 83793 0599x", "mgrs: unexpected character 'x' in easting and northing"},
		{"37S FU 83793 05990 1", "mgrs: 3 groups of digits"},
		{"37S FK 83793 05990", "mgrs: square 37S FK 83793 05990 lies outside latitude band S (32 to 40)"},
		{"37S FU 83793 05990" + strings.Repeat(" ", 60), "mgrs: reference is longer than 64 bytes"},
	}
	for _, tc := range tests {
		if p, err := ParseMGRS(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseMGRS(%q) = %v, error %v; want %q", tc.in, p, err, tc.want)
		}
	}
}

// TestMGRSRoundTrip checks that the square ParseMGRS returns for
// FormatMGRS(p) holds p, and that the south-west corner formats back to the
// same reference in the same zone and band.
func TestMGRSRoundTrip(t *testing.T) {
	var pts []LatLon
	for _, v := range loadMGRSVectors(t) {
		pts = append(pts, v.p)
	}
	rng := rand.New(rand.NewPCG(31, 32))
	for range 3000 {
		pts = append(pts, LatLon{-80 + 164*rng.Float64(), -180 + 360*rng.Float64()})
		pts = append(pts, LatLon{30 + 8*rng.Float64(), 36 + 10*rng.Float64()})
	}
	for i, p := range pts {
		digits := 1 + i%5
		s, err := FormatMGRS(p, digits)
		if err != nil {
			t.Fatalf("FormatMGRS(%v, %d): %v", p, digits, err)
		}
		sw, err := ParseMGRS(s)
		if err != nil {
			t.Errorf("ParseMGRS(%q) from %v: %v", s, p, err)
			continue
		}
		// p lies in the square: its coordinates in the zone of the
		// reference are at most one unit above those of the corner.
		ref, _ := parseMGRS(s)
		unit := ref.unit()
		e0, n0 := utmProject(ref.zone, ref.band >= 'N', sw)
		e, n := utmProject(ref.zone, ref.band >= 'N', p)
		if de, dn := e-e0, n-n0; de < -1e-6 || de >= unit+1e-6 || dn < -1e-6 || dn >= unit+1e-6 {
			t.Errorf("%v formats as %q, but lies (%.3f, %.3f) m from the south-west corner %v", p, s, de, dn, sw)
		}
		if d := Distance(p, sw); d > unit*math.Sqrt2*1.001 {
			t.Errorf("%v formats as %q, %v m from the corner %v", p, s, d, sw)
		}
		if again, err := mgrsInZone(sw, ref.zone, ref.band, digits); err != nil || again.String() != s {
			t.Errorf("%q: corner %v formats as %q, %v", s, sw, again.String(), err)
		}
	}
}

func FuzzParseMGRS(f *testing.F) {
	for _, v := range loadMGRSVectors(f) {
		f.Add(v.mgrs)
	}
	for _, s := range []string{"37S FU 83793 05990", "38skf4004577391", "4QFJ", "37S FU 8 0", "60X VS 1 1", "1C AA 1 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseMGRS(s)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParseMGRS(%q) = %v: %v", s, p, err)
		}
		ref, err := parseMGRS(s)
		if err != nil {
			t.Fatalf("parseMGRS(%q) fails after ParseMGRS succeeded: %v", s, err)
		}
		want := ref.String()
		digits := max(ref.digits, 1)
		if ref.digits == 0 {
			want += " 0 0" // the corner of a 100 km square at 1 digit
		}
		// The corner formats back to the same reference when it lies in
		// the zone and band of the reference, and always when formatted in
		// them (a square may straddle the edge of its zone or band).
		got, err := mgrsInZone(p, ref.zone, ref.band, digits)
		if err != nil || got.String() != want {
			t.Fatalf("ParseMGRS(%q) = %v, which formats in zone %d%c as %q, %v; want %q", s, p, ref.zone, ref.band, got.String(), err, want)
		}
		if p.Lat < utmMinLat || p.Lat > utmMaxLat || utmZone(p.Lat, p.Lon) != ref.zone || mgrsBands[bandIndex(p.Lat)] != ref.band {
			return
		}
		if again, err := FormatMGRS(p, digits); err != nil || again != want {
			t.Fatalf("ParseMGRS(%q) = %v, which formats as %q, %v; want %q", s, p, again, err, want)
		}
	})
}

func BenchmarkFormatMGRS(b *testing.B) {
	p := LatLon{34.3790, 40.9990}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FormatMGRS(p, 5); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMGRS(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMGRS("37S FU 83793 05990"); err != nil {
			b.Fatal(err)
		}
	}
}
