package geo

import (
	"bufio"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jftuga/geodist"
)

// geodLine is one geodesic of GeographicLib's published test data.
type geodLine struct {
	lat1, lon1, azi1, lat2, lon2, azi2, s12, a12, m12 float64
}

// loadGeodTest reads testdata/geodtest-100.dat.
func loadGeodTest(t testing.TB) []geodLine {
	t.Helper()
	f, err := os.Open("testdata/geodtest-100.dat")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []geodLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 10 {
			t.Fatalf("bad line %q", line)
		}
		var v [9]float64
		for i := range v {
			if v[i], err = strconv.ParseFloat(fs[i], 64); err != nil {
				t.Fatalf("bad line %q: %v", line, err)
			}
		}
		out = append(out, geodLine{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) != 100 {
		t.Fatalf("read %d lines, want 100", len(out))
	}
	return out
}

// angleDiff returns |a - b| reduced to [0, 180] degrees.
func angleDiff(a, b float64) float64 {
	d, _ := angDiff(b, a)
	return math.Abs(d)
}

func TestInverseGeodTest(t *testing.T) {
	var maxDS, maxAzi float64
	for _, g := range loadGeodTest(t) {
		s12, azi1, azi2 := Inverse(LatLon{g.lat1, g.lon1}, LatLon{g.lat2, g.lon2})
		ds := math.Abs(s12 - g.s12)
		// An azimuth error moves the far end by about m12 (the reduced
		// length) per radian; for conjugate points (m12 = 0) the azimuth
		// is not determined by the end points.
		da := max(angleDiff(azi1, g.azi1), angleDiff(azi2, g.azi2)) * degree * math.Abs(g.m12)
		maxDS, maxAzi = max(maxDS, ds), max(maxAzi, da)
		if !(ds <= 2e-8 && da <= 2e-8) {
			t.Errorf("Inverse(%v %v, %v %v) = %.9f %.12f %.12f; want %.9f %.12f %.12f",
				g.lat1, g.lon1, g.lat2, g.lon2, s12, azi1, azi2, g.s12, g.azi1, g.azi2)
		}
	}
	t.Logf("max distance error %.2g m, max azimuth error x m12 %.2g m", maxDS, maxAzi)
}

func TestDirectGeodTest(t *testing.T) {
	var maxPos float64
	for _, g := range loadGeodTest(t) {
		p, azi2 := Direct(LatLon{g.lat1, g.lon1}, g.azi1, g.s12)
		want := LatLon{g.lat2, angNormalize(g.lon2)}
		dp := Distance(p, want)
		maxPos = max(maxPos, dp)
		// Near a pole the azimuth changes fast with position.
		if !(dp <= 2e-8) || angleDiff(azi2, g.azi2)*math.Cos(g.lat2*degree) > 1e-10 {
			t.Errorf("Direct(%v %v %v %v) = %v %.12f; want %v %.12f (%.3g m off)",
				g.lat1, g.lon1, g.azi1, g.s12, p, azi2, want, g.azi2, dp)
		}
	}
	t.Logf("max position error %.2g m", maxPos)
}

// karneyCases are the test cases of GeographicLib's C test suite
// (geodtest.c): lat1, lon1, azi1, lat2, lon2, azi2, s12 on WGS84.
var karneyCases = [][7]float64{
	{35.60777, -139.44815, 111.098748429560326, -11.17491, -69.95921, 129.289270889708762, 8935244.5604818305},
	{55.52454, 106.05087, 22.020059880982801, 77.03196, 197.18234, 109.112041110671519, 4105086.1713924406},
	{-21.97856, 142.59065, -32.44456876433189, 41.84138, 98.56635, -41.84359951440466, 8394328.894657671},
	{-66.99028, 112.2363, 173.73491240878403, -12.70631, 285.90344, 2.512956620913668, 11150344.2312080241},
	{-17.42761, 173.34268, -159.033557661192928, -15.84784, 5.93557, -20.787484651536988, 16076603.1631180673},
	{32.84994, 48.28919, 150.492927788121982, -56.28556, 202.29132, 48.113449399816759, 16727068.9438164461},
	{6.96833, 52.74123, 92.581585386317712, -7.39675, 206.17291, 90.721692165923907, 17102477.2496958388},
	{-50.56724, -16.30485, -105.439679907590164, -33.56571, -94.97412, -47.348547835650331, 6455670.5118668696},
	{-58.93002, -8.90775, 140.965397902500679, -8.91104, 133.13503, 19.255429433416599, 11756066.0219864627},
	{-68.82867, -74.28391, 93.774347763114881, -50.63005, -8.36685, 34.65564085411343, 3956936.926063544},
	{-10.62672, -32.0898, -86.426713286747751, 5.883, -134.31681, -80.473780971034875, 11470869.3864563009},
	{-21.76221, 166.90563, 29.319421206936428, 48.72884, 213.97627, 43.508671946410168, 9098627.3986554915},
	{-19.79938, -174.47484, 71.167275780171533, -11.99349, -154.35109, 65.589099775199228, 2319004.8601169389},
	{-11.95887, -116.94513, 92.712619830452549, 4.57352, 7.16501, 78.64960934409585, 13834722.5801401374},
	{-87.85331, 85.66836, -65.120313040242748, 66.48646, 16.09921, -4.888658719272296, 17286615.3147144645},
	{1.74708, 128.32011, -101.584843631173858, -11.16617, 11.87109, -86.325793296437476, 12942901.1241347408},
	{-25.72959, -144.90758, -153.647468693117198, -57.70581, -269.17879, -48.343983158876487, 9413446.7452453107},
	{-41.22777, 122.32875, 14.285113402275739, -7.57291, 130.37946, 10.805303085187369, 3812686.035106021},
	{11.01307, 138.25278, 79.43682622782374, 6.62726, 247.05981, 103.708090215522657, 11911190.819018408},
	{-29.47124, 95.14681, -163.779130441688382, -27.46601, -69.15955, -15.909335945554969, 13487015.8381145492},
}

func TestKarneyCases(t *testing.T) {
	for _, c := range karneyCases {
		a, b := LatLon{c[0], c[1]}, LatLon{c[3], angNormalize(c[4])}
		s12, azi1, azi2 := Inverse(a, b)
		if math.Abs(s12-c[6]) > 1e-8 || angleDiff(azi1, c[2]) > 1e-13 || angleDiff(azi2, c[5]) > 1e-13 {
			t.Errorf("Inverse(%v, %v) = %.10f %.15f %.15f; want %.10f %.15f %.15f", a, b, s12, azi1, azi2, c[6], c[2], c[5])
		}
		p, az := Direct(a, c[2], c[6])
		if math.Abs(p.Lat-b.Lat) > 1e-13 || angleDiff(p.Lon, b.Lon) > 1e-13 || angleDiff(az, c[5]) > 1e-13 {
			t.Errorf("Direct(%v, %v, %v) = %.15f %.15f %.15f; want %v %.15f", a, c[2], c[6], p.Lat, p.Lon, az, b, c[5])
		}
	}
}

// TestGeodSolveCases checks the special cases of GeographicLib's test
// suite (GeodSolve*) that apply to WGS84: points near the poles, the
// equator, nearly antipodal points and coincident points.
func TestGeodSolveCases(t *testing.T) {
	inverse := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		azi1, azi2, s12        float64
		tolAzi, tolS           float64
	}{
		{"GeodSolve0", 40.6, -73.8, 49.01666667, 2.55, 53.47022, 111.59367, 5853226, 0.5e-5, 0.5},
		{"GeodSolve4 short line", 36.493349428792, 0, 36.49334942879201, .0000008, math.NaN(), math.NaN(), 0.072, 0, 0.5e-3},
		{"GeodSolve6a", 88.202499451857, 0, -88.202499451857, 179.981022032992859592, math.NaN(), math.NaN(), 20003898.214, 0, 0.5e-3},
		{"GeodSolve6b", 89.262080389218, 0, -89.262080389218, 179.992207982775375662, math.NaN(), math.NaN(), 20003925.854, 0, 0.5e-3},
		{"GeodSolve6c", 89.333123580033, 0, -89.333123580032997687, 179.99295812360148422, math.NaN(), math.NaN(), 20003926.881, 0, 0.5e-3},
		{"GeodSolve9", 56.320923501171, 0, -56.320923501171, 179.664747671772880215, math.NaN(), math.NaN(), 19993558.287, 0, 0.5e-3},
		{"GeodSolve10", 52.784459512564, 0, -52.784459512563990912, 179.634407464943777557, math.NaN(), math.NaN(), 19991596.095, 0, 0.5e-3},
		{"GeodSolve11", 48.522876735459, 0, -48.52287673545898293, 179.599720456223079643, math.NaN(), math.NaN(), 19989144.774, 0, 0.5e-3},
		{"GeodSolve33 equator 179", 0, 0, 0, 179, 90, 90, 19926189, 0.5e-5, 0.5},
		{"GeodSolve33 equator 179.5", 0, 0, 0, 179.5, 55.96650, 124.03350, 19980862, 0.5e-5, 0.5},
		{"GeodSolve33 equator 180", 0, 0, 0, 180, 0, 180, 20003931, 0.5e-5, 0.5},
		{"GeodSolve33 1 180", 0, 0, 1, 180, 0, 180, 19893357, 0.5e-5, 0.5},
		{"GeodSolve59", 5, 0.00000000000001, 10, 180, 0.000000000000035, 179.99999999999996, 18345191.174332713, 1.5e-14, 5e-9},
		{"GeodSolve74", 54.1589, 15.3872, 54.1591, 15.3877, 55.723110355, 55.723515675, 39.527686385, 5e-9, 5e-9},
		{"GeodSolve76 Wellington-Salamanca", -(41 + 19/60.0), 174 + 49/60.0, 40 + 58/60.0, -(5 + 30/60.0), 160.39137649664, 19.50042925176, 19960543.857179, 0.5e-11, 0.5e-6},
		{"GeodSolve78", 27.2, 0.0, -27.1, 179.5, 45.82468716758, 134.22776532670, 19974354.765767, 0.5e-11, 0.5e-6},
		{"GeodSolve80 coincident", 20.001, 0, 20.001, 0, 180, 180, 0, 1e-13, 1e-8},
		{"GeodSolve80 pole", 90, 0, 90, 180, 0, 180, 0, 1e-13, 1e-8},
	}
	for _, c := range inverse {
		s12, azi1, azi2 := Inverse(LatLon{c.lat1, c.lon1}, LatLon{c.lat2, c.lon2})
		if math.Abs(s12-c.s12) > c.tolS {
			t.Errorf("%s: s12 = %.9f, want %.9f", c.name, s12, c.s12)
		}
		if !math.IsNaN(c.azi1) && (angleDiff(azi1, c.azi1) > c.tolAzi || angleDiff(azi2, c.azi2) > c.tolAzi) {
			t.Errorf("%s: azimuths %.14f %.14f, want %.14f %.14f", c.name, azi1, azi2, c.azi1, c.azi2)
		}
	}

	direct := []struct {
		name             string
		lat1, lon1, azi1 float64
		s12              float64
		lat2, lon2, azi2 float64
	}{
		{"GeodSolve1", 40.63972222, -73.77888889, 53.5, 5850e3, 49.01467, 2.56106, 111.62947},
		{"GeodSolve17", 40, -75, -10, 2e7, -39, 105, -170},
		{"GeodSolve61", 45, 0, -0.000000000000000003, 1e7, 45.30632, -180, 180},
		{"GeodSolve73 backwards from the pole", 90, 10, 180, -1e6, 81.04623, -170, 0},
	}
	for _, c := range direct {
		p, azi2 := Direct(LatLon{c.lat1, c.lon1}, c.azi1, c.s12)
		tol := 0.5e-5
		if c.name == "GeodSolve17" {
			tol = 1
		}
		if math.Abs(p.Lat-c.lat2) > tol || angleDiff(p.Lon, c.lon2) > tol || angleDiff(azi2, c.azi2) > tol {
			t.Errorf("%s: Direct = %v %.6f, want %v %v %v", c.name, p, azi2, c.lat2, c.lon2, c.azi2)
		}
	}
	// GeodSolve5: a point north of the equator heading north reaches the pole.
	p, _ := Direct(LatLon{0.01777745589997, 30}, 0, 10e6)
	if math.Abs(p.Lat-90) > 0.5e-5 {
		t.Errorf("GeodSolve5: lat %v, want 90", p.Lat)
	}
}

func TestGeodesicNaN(t *testing.T) {
	nan := math.NaN()
	for _, c := range [][2]LatLon{
		{{0, 0}, {1, nan}},
		{{nan, 0}, {0, 90}},
		{{nan, 0}, {90, 9}},
	} {
		s, a1, a2 := Inverse(c[0], c[1])
		if !math.IsNaN(s) || !math.IsNaN(a1) || !math.IsNaN(a2) {
			t.Errorf("Inverse(%v, %v) = %v %v %v, want NaN", c[0], c[1], s, a1, a2)
		}
	}
	inf := math.Inf(1)
	for _, c := range []struct{ lat, lon, azi, s float64 }{
		{0, 0, 90, inf}, {0, 0, 90, nan}, {0, 0, inf, 1000}, {0, 0, nan, 1000}, {inf, 0, 90, 1000}, {nan, 0, 90, 1000},
	} {
		p, azi := Direct(LatLon{c.lat, c.lon}, c.azi, c.s)
		if !math.IsNaN(p.Lat) || !math.IsNaN(p.Lon) || !math.IsNaN(azi) {
			t.Errorf("Direct(%v) = %v %v, want NaN", c, p, azi)
		}
	}
}

// TestVincenty compares distances up to 100 km in and around the theatre
// with Vincenty's formulae (accurate to about 0.1 mm for such lines).
func TestVincenty(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var maxErr float64
	for range 2000 {
		a := LatLon{28 + 12*rng.Float64(), 34 + 14*rng.Float64()}
		b, _ := Direct(a, 360*rng.Float64(), 100e3*rng.Float64())
		_, km, err := geodist.VincentyDistance(geodist.Coord{Lat: a.Lat, Lon: a.Lon}, geodist.Coord{Lat: b.Lat, Lon: b.Lon})
		if err != nil {
			t.Fatal(err)
		}
		d := Distance(a, b)
		maxErr = max(maxErr, math.Abs(d-km*1000))
		if math.Abs(d-km*1000) > 1e-3 {
			t.Errorf("Distance(%v, %v) = %.6f, Vincenty %.6f", a, b, d, km*1000)
		}
	}
	t.Logf("max difference from Vincenty %.2g m", maxErr)
}

// TestDirectInverse checks that Direct reaches the point that Inverse
// measured, over the globe and in the hard cases: nearly antipodal,
// equatorial, meridional and polar.
func TestDirectInverse(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	type pair = [2]LatLon
	var pairs []pair
	for range 3000 {
		a := LatLon{-90 + 180*rng.Float64(), -180 + 360*rng.Float64()}
		b := LatLon{-90 + 180*rng.Float64(), -180 + 360*rng.Float64()}
		pairs = append(pairs, pair{a, b})
		// Nearly antipodal.
		c := LatLon{max(-90, min(90, -a.Lat+0.5*(rng.Float64()-0.5))), angNormalize(a.Lon + 180 + (rng.Float64() - 0.5))}
		pairs = append(pairs, pair{a, c})
	}
	pairs = append(pairs, []pair{
		{{0, 0}, {0, 179.9}}, {{0, 10}, {0, -170.2}}, {{0, 0}, {0, 90}}, {{0, 0}, {1e-9, 120}},
		{{0, 0}, {0, 0.001}}, {{10, 20}, {-30, 20}}, {{89.9, 0}, {-89.9, 0.001}}, {{-90, 0}, {90, 0}},
		{{33.37, 38.77}, {37.11, 42.36}}, {{34.379, 40.999}, {34.379, 41.000001}},
	}...)
	var maxErr float64
	for _, p := range pairs {
		s12, azi1, azi2 := Inverse(p[0], p[1])
		q, az := Direct(p[0], azi1, s12)
		e := Distance(q, p[1])
		maxErr = max(maxErr, e)
		// At a pole the azimuth depends on the meridian of arrival.
		atPole := math.Abs(p[1].Lat) == 90
		if !(e <= 1e-6) || (s12 > 1 && !atPole && angleDiff(az, azi2) > 1e-6) {
			t.Errorf("%v -> %v: Inverse %v %v %v; Direct reaches %v (%.3g m off) azimuth %v", p[0], p[1], s12, azi1, azi2, q, e, az)
		}
		if back, _, _ := Inverse(p[1], p[0]); math.Abs(back-s12) > 1e-8 {
			t.Errorf("%v -> %v: distance %v one way, %v the other", p[0], p[1], s12, back)
		}
	}
	t.Logf("max round-trip error %.2g m over %d pairs", maxErr, len(pairs))
}

// fuzzPoint maps two arbitrary numbers to a valid position.
func fuzzPoint(x, y float64) LatLon {
	frac := func(v float64) float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0.5
		}
		_, f := math.Modf(math.Abs(v))
		return f
	}
	return LatLon{Lat: -90 + 180*frac(x), Lon: -180 + 360*frac(y)}
}

func FuzzGeodesic(f *testing.F) {
	f.Add(0.3, 0.2, 0.7, 0.9)
	f.Add(0.5, 0.0, 0.5, 0.5)             // equator, 180 degrees apart
	f.Add(0.6853, 0.6077, 0.6854, 0.6078) // a short line in the theatre
	f.Add(0.25, 0.1, 0.75, 0.6)           // nearly antipodal
	f.Fuzz(func(t *testing.T, x1, y1, x2, y2 float64) {
		a, b := fuzzPoint(x1, y1), fuzzPoint(x2, y2)
		s12, azi1, azi2 := Inverse(a, b)
		if math.IsNaN(s12) || s12 < 0 || s12 > 20004e3 || math.IsNaN(azi1) || math.IsNaN(azi2) {
			t.Fatalf("Inverse(%v, %v) = %v %v %v", a, b, s12, azi1, azi2)
		}
		q, _ := Direct(a, azi1, s12)
		if err := q.Validate(); err != nil {
			t.Fatalf("Direct(%v, %v, %v) = %v: %v", a, azi1, s12, q, err)
		}
		if e := Distance(q, b); e > 1e-6 {
			t.Fatalf("Direct(%v, %v, %v) = %v, %.3g m from %v", a, azi1, s12, q, e, b)
		}
	})
}

func BenchmarkInverse(b *testing.B) {
	p, q := LatLon{34.379, 40.999}, LatLon{36.8067, 42.0861}
	b.ReportAllocs()
	for b.Loop() {
		Inverse(p, q)
	}
}

func BenchmarkDirect(b *testing.B) {
	p := LatLon{34.379, 40.999}
	b.ReportAllocs()
	for b.Loop() {
		Direct(p, 23.5, 287e3)
	}
}
