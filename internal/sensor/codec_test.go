package sensor

import (
	"bytes"
	"encoding/binary"
	"flag"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"raqib/internal/errs"
	"raqib/internal/geo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// closeEnough reports whether b is a to the precision of the encoding.
func closeEnough(a, b Observation) bool {
	f32eq := func(x, y float64) bool { return float64(f32(x)) == y }
	if a.Sensor != b.Sensor || a.Seq != b.Seq || !a.Time.Equal(b.Time) || a.Time.Location() != b.Time.Location() ||
		a.Kind != b.Kind || a.Class != b.Class || a.Count != b.Count || a.Clip != b.Clip ||
		!f32eq(a.AccuracyM, b.AccuracyM) || !f32eq(a.Confidence, b.Confidence) || !f32eq(a.SizeM, b.SizeM) {
		return false
	}
	if (a.Position == nil) != (b.Position == nil) || (a.Polar == nil) != (b.Polar == nil) || (a.Velocity == nil) != (b.Velocity == nil) {
		return false
	}
	if a.Position != nil && (math.Abs(a.Position.Lat-b.Position.Lat) > 0.5e-7 || math.Abs(a.Position.Lon-b.Position.Lon) > 0.5e-7) {
		return false
	}
	if a.Polar != nil && (!f32eq(a.Polar.BearingDeg, b.Polar.BearingDeg) || !f32eq(a.Polar.RangeM, b.Polar.RangeM)) {
		return false
	}
	if a.Velocity != nil && (!f32eq(a.Velocity.EastMps, b.Velocity.EastMps) || !f32eq(a.Velocity.NorthMps, b.Velocity.NorthMps)) {
		return false
	}
	return true
}

func TestCodecRoundTrip(t *testing.T) {
	data := readTestdata(t, "observations.json")
	fromFile, err := DecodeBatch(bytes.NewReader(data), ctJSON, "", Limits{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	odd := fromFile[0]
	odd.Time = odd.Time.Add(1) // a nanosecond: the unit drops to ns
	odd.AccuracyM = 1e-60      // below float32: stays positive
	odd.Position = &geo.LatLon{Lat: -89.99999995, Lon: 179.99999996}
	for name, obs := range map[string][]Observation{
		"testdata":  fromFile,
		"generated": genObservations(1000, 3),
		"one":       fromFile[:1],
		"odd":       {odd},
		"none":      {},
	} {
		enc := AppendEncoded([]byte("prefix"), obs)
		if !bytes.HasPrefix(enc, []byte("prefix")) {
			t.Fatalf("%s: prefix lost", name)
		}
		enc = enc[len("prefix"):]
		got, err := DecodeEncoded(enc, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(obs) {
			t.Fatalf("%s: %d observations, want %d", name, len(got), len(obs))
		}
		for i := range obs {
			if !closeEnough(obs[i], got[i]) {
				t.Fatalf("%s[%d]:\n got %+v\nwant %+v", name, i, got[i], obs[i])
			}
		}
		if err := Validate(got, Limits{}, time.Time{}); err != nil {
			t.Errorf("%s: decoded observations are not valid: %v", name, err)
		}
		if again := AppendEncoded(nil, got); !bytes.Equal(again, enc) {
			t.Errorf("%s: re-encoding differs", name)
		}
	}
}

func TestCodecTimeUnits(t *testing.T) {
	base := genObservations(3, 1)
	for _, tc := range []struct {
		step time.Duration
		unit byte
	}{{time.Second, 3}, {time.Millisecond, 2}, {time.Microsecond, 1}, {time.Nanosecond, 0}} {
		obs := append([]Observation(nil), base...)
		for i := range obs {
			obs[i].Time = testNow.Truncate(time.Second).Add(time.Duration(i) * tc.step)
		}
		enc := AppendEncoded(nil, obs)
		_, n := binary.Uvarint(enc[2:])
		if u := enc[2+n]; u != tc.unit {
			t.Errorf("step %v: unit %d, want %d", tc.step, u, tc.unit)
		}
		got, err := DecodeEncoded(enc, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range obs {
			if got[i].Time != obs[i].Time {
				t.Errorf("step %v: time %v, want %v", tc.step, got[i].Time, obs[i].Time)
			}
		}
	}
}

func TestCodecConcatenatedBlocks(t *testing.T) {
	a, b := genObservations(10, 1), genObservations(20, 2)
	enc := AppendEncoded(AppendEncoded(nil, a), b)
	got, err := DecodeEncoded(enc, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 30 || got[0].Seq != a[0].Seq || got[10].Seq != b[0].Seq {
		t.Fatalf("got %d observations", len(got))
	}
	if _, err := DecodeEncoded(enc, Limits{MaxObservations: 29}); errs.CodeOf(err) != errs.TooLarge {
		t.Errorf("30 observations with a limit of 29: %v", err)
	}
	mixed := AppendEncodedHeartbeats(AppendEncoded(nil, a), []Heartbeat{{Sensor: "S1", Time: testNow, Health: HealthOK}})
	if _, err := DecodeEncoded(mixed, Limits{}); errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "block 1 header") {
		t.Errorf("heartbeat block among observations: %v", err)
	}
}

func TestCodecHeartbeats(t *testing.T) {
	hbs, err := DecodeHeartbeats(bytes.NewReader(readTestdata(t, "heartbeats.json")), ctJSON, "", Limits{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	enc := AppendEncodedHeartbeats(nil, hbs)
	got, err := DecodeEncodedHeartbeats(enc, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, hbs) {
		t.Fatalf("got %+v\nwant %+v", got, hbs)
	}
	if _, err := DecodeEncoded(enc, Limits{}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("heartbeats decoded as observations: %v", err)
	}
	for n := range len(enc) {
		if _, err := DecodeEncodedHeartbeats(enc[:n], Limits{}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
}

func TestCodecCorruption(t *testing.T) {
	obs := genObservations(50, 9)
	enc := AppendEncoded(nil, obs)
	for n := range len(enc) {
		got, err := DecodeEncoded(enc[:n], Limits{})
		if errs.CodeOf(err) != errs.Invalid || got != nil {
			t.Fatalf("truncated to %d bytes: %d observations, %v", n, len(got), err)
		}
	}
	patch := func(i int, b ...byte) []byte {
		c := append([]byte(nil), enc...)
		return append(c[:i], append(b, c[i+len(b):]...)...)
	}
	cases := []struct {
		name string
		data []byte
		code errs.Code
		msg  string
	}{
		{"empty", nil, errs.Invalid, "encoded message is empty"},
		{"version", patch(0, 9), errs.Invalid, "version 9 is not supported"},
		{"type", patch(1, 7), errs.Invalid, "record type 7, want 1"},
		{"huge count", append(binary.AppendUvarint([]byte{1, 1}, 1<<40), 0, 1), errs.TooLarge, "more than 10000 records"},
		{"count beyond data", append(binary.AppendUvarint([]byte{1, 1}, 9000), 0, 1), errs.Invalid, "9000 records cannot fit"},
		{"time unit", []byte{1, 1, 0, 4, 0}, errs.Invalid, "time unit 4"},
		{"no sensors", []byte{1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, errs.Invalid, "0 sensors for 1 records"},
		{"long sensor id", append([]byte{1, 1, 1, 0, 1, 65}, bytes.Repeat([]byte{'a'}, 80)...), errs.Invalid, "sensor id length 65 is more than 64"},
		{"bad sensor id", append([]byte{1, 1, 1, 0, 1, 2, 'a', ' '}, make([]byte, 20)...), errs.Invalid, "' ', which is not allowed"},
		{"trailing byte", append(append([]byte(nil), enc...), 0), errs.Invalid, "block 1 header"},
		{"too big", enc, errs.TooLarge, "larger than 100 bytes"},
	}
	for _, tc := range cases {
		lim := Limits{}
		if tc.name == "too big" {
			lim.MaxBytes = 100
		}
		got, err := DecodeEncoded(tc.data, lim)
		if got != nil || errs.CodeOf(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %d observations, %v; want %s %q", tc.name, len(got), err, tc.code, tc.msg)
		}
	}
}

func TestCodecRefusesInvalidValues(t *testing.T) {
	obs := genObservations(2, 1)
	obs[1].Position = &geo.LatLon{Lat: 95, Lon: 40}
	_, err := DecodeEncoded(AppendEncoded(nil, obs), Limits{})
	if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "block 0 record 1") || !strings.Contains(err.Error(), "observations[1].position.lat: 95 is out of range") {
		t.Fatalf("got %v", err)
	}
}

// TestCodecGolden pins the encoding of testdata/observations.json and
// testdata/heartbeats.json: a change to the bytes is a format change and
// needs a new version. Run with -update to rewrite the files.
func TestCodecGolden(t *testing.T) {
	obs, err := DecodeBatch(bytes.NewReader(readTestdata(t, "observations.json")), ctJSON, "", Limits{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	hbs, err := DecodeHeartbeats(bytes.NewReader(readTestdata(t, "heartbeats.json")), ctJSON, "", Limits{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for file, got := range map[string][]byte{
		"observations.bin": AppendEncoded(nil, obs),
		"heartbeats.bin":   AppendEncodedHeartbeats(nil, hbs),
	} {
		if *update {
			if err := os.WriteFile("testdata/"+file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if want := readTestdata(t, file); !bytes.Equal(got, want) {
			t.Errorf("%s: encoding changed:\n got %x\nwant %x", file, got, want)
		}
	}
}

func TestEncodedSize(t *testing.T) {
	obs := genObservations(500, 11)
	enc := AppendEncoded(nil, obs)
	js := jsonArray(t, obs)
	perObs, perJSON := float64(len(enc))/500, float64(len(js))/500
	t.Logf("500 observations: binary %.1f bytes/obs, JSON %.1f bytes/obs", perObs, perJSON)
	if perObs > perJSON/4 {
		t.Errorf("binary %.1f bytes/obs is not much smaller than JSON %.1f", perObs, perJSON)
	}
}
