package sensor

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"raqib/internal/geo"
)

// baseFields is a valid camera detection, field by field in wire order.
var baseFields = [][2]string{
	{"sensor", `"S05-C012"`},
	{"seq", `18231`},
	{"time", `"2026-11-23T01:02:03.456Z"`},
	{"kind", `"thermal_camera"`},
	{"position", `{"lat":34.38,"lon":40.99}`},
	{"accuracy_m", `35`},
	{"class", `"person"`},
	{"confidence", `0.82`},
	{"count", `3`},
	{"size_m", `1.7`},
	{"velocity", `{"east_mps":0.8,"north_mps":-0.3}`},
	{"clip", `"clip://S05-C012/20261123T010203Z"`},
}

// obsJSON builds an observation from baseFields with edits applied: a
// field mapped to "" is left out, one not in baseFields is added at the
// end (in the order of the edit list).
func obsJSON(edits ...[2]string) string {
	var b strings.Builder
	b.WriteByte('{')
	done := map[string]bool{}
	write := func(k, v string) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + k + `":` + v)
	}
	for _, f := range baseFields {
		v := f[1]
		for _, e := range edits {
			if e[0] == f[0] {
				v = e[1]
			}
		}
		done[f[0]] = true
		if v != "" {
			write(f[0], v)
		}
	}
	for _, e := range edits {
		if !done[e[0]] && e[1] != "" {
			write(e[0], e[1])
		}
	}
	b.WriteByte('}')
	return b.String()
}

func set(k, v string) [2]string { return [2]string{k, v} }
func del(k string) [2]string    { return [2]string{k, ""} }

// validationCases each break one rule in the second record of a batch.
var validationCases = []struct {
	name  string
	edits [][2]string
	field string // below observations[1]; "" for the record
	msg   string
}{
	{"sensor missing", [][2]string{del("sensor")}, "sensor", "missing"},
	{"sensor null", [][2]string{set("sensor", "null")}, "sensor", "missing"},
	{"sensor empty", [][2]string{set("sensor", `""`)}, "sensor", "empty"},
	{"sensor too long", [][2]string{set("sensor", `"`+strings.Repeat("a", 65)+`"`)}, "sensor", "has 65 characters: want at most 64"},
	{"sensor bad char", [][2]string{set("sensor", `"S05 C012"`)}, "sensor", "' ', which is not allowed"},
	{"sensor not a string", [][2]string{set("sensor", `12`)}, "sensor", "want a string, found a number"},
	{"seq missing", [][2]string{del("seq")}, "seq", "missing"},
	{"seq zero", [][2]string{set("seq", "0")}, "seq", "0 is out of range: want 1 or more"},
	{"seq negative", [][2]string{set("seq", "-3")}, "seq", "-3 is negative"},
	{"seq fraction", [][2]string{set("seq", "1.5")}, "seq", "1.5 is not an integer"},
	{"seq exponent", [][2]string{set("seq", "1e3")}, "seq", "1e3 is not an integer"},
	{"seq too large", [][2]string{set("seq", "18446744073709551616")}, "seq", "is too large"},
	{"seq string", [][2]string{set("seq", `"7"`)}, "seq", "want a number, found a string"},
	{"time missing", [][2]string{del("time")}, "time", "missing"},
	{"time no zone", [][2]string{set("time", `"2026-11-23T01:02:03.456"`)}, "time", "no zone"},
	{"time layout", [][2]string{set("time", `"2026-11-23 01:02:03Z"`)}, "time", "wrong layout"},
	{"time no date", [][2]string{set("time", `"2026-02-30T01:02:03Z"`)}, "time", "no such date"},
	{"time leap second", [][2]string{set("time", `"2026-11-23T01:02:60Z"`)}, "time", "no such time of day"},
	{"time ten digits", [][2]string{set("time", `"2026-11-23T01:02:03.1234567890Z"`)}, "time", "more than 9 fractional digits"},
	{"time bad zone", [][2]string{set("time", `"2026-11-23T01:02:03+0300"`)}, "time", "want the zone as Z or ±hh:mm"},
	{"time future", [][2]string{set("time", `"2026-11-23T01:10:00.001Z"`)}, "time", "in the future: at most 5m0s ahead"},
	{"time too old", [][2]string{set("time", `"2026-11-16T01:04:59Z"`)}, "time", "old: the maximum age is 7 days"},
	{"kind missing", [][2]string{del("kind")}, "kind", "missing"},
	{"kind unknown", [][2]string{set("kind", `"satellite"`)}, "kind", `"satellite" is not one of thermal_camera, radar, ground_sensor, patrol_gps, unit_gps`},
	{"position and polar", [][2]string{set("polar", `{"bearing_deg":1,"range_m":2}`)}, "", "position and polar are both set"},
	{"no location", [][2]string{del("position")}, "", "one of position and polar is required"},
	{"lat out of range", [][2]string{set("position", `{"lat":91.2,"lon":40}`)}, "position.lat", "91.2 is out of range [-90, 90]"},
	{"lon out of range", [][2]string{set("position", `{"lat":34,"lon":-180.5}`)}, "position.lon", "-180.5 is out of range [-180, 180]"},
	{"lat missing", [][2]string{set("position", `{"lon":40}`)}, "position.lat", "missing"},
	{"lat null", [][2]string{set("position", `{"lat":null,"lon":40}`)}, "position.lat", "missing"},
	{"lat string", [][2]string{set("position", `{"lat":"34","lon":40}`)}, "position.lat", "want a number, found a string"},
	{"lat overflow", [][2]string{set("position", `{"lat":1e400,"lon":40}`)}, "position.lat", "1e400 is out of range"},
	{"position extra", [][2]string{set("position", `{"lat":34,"lon":40,"alt":300}`)}, "position", `unknown field "alt"`},
	{"position dup", [][2]string{set("position", `{"lat":34,"lat":35,"lon":40}`)}, "position.lat", "duplicate field"},
	{"position array", [][2]string{set("position", `[34,40]`)}, "position", "want an object, found an array"},
	{"bearing high", [][2]string{del("position"), set("polar", `{"bearing_deg":360.5,"range_m":100}`)}, "polar.bearing_deg", "360.5 is out of range [0, 360]"},
	{"bearing negative", [][2]string{del("position"), set("polar", `{"bearing_deg":-1,"range_m":100}`)}, "polar.bearing_deg", "-1 is out of range [0, 360]"},
	{"range zero", [][2]string{del("position"), set("polar", `{"bearing_deg":10,"range_m":0}`)}, "polar.range_m", "0 is out of range (0, 50000]"},
	{"range far", [][2]string{del("position"), set("polar", `{"bearing_deg":10,"range_m":50000.5}`)}, "polar.range_m", "50000.5 is out of range (0, 50000]"},
	{"accuracy missing", [][2]string{del("accuracy_m")}, "accuracy_m", "missing"},
	{"accuracy zero", [][2]string{set("accuracy_m", "0")}, "accuracy_m", "0 is out of range (0, 10000]"},
	{"accuracy large", [][2]string{set("accuracy_m", "10000.01")}, "accuracy_m", "10000.01 is out of range (0, 10000]"},
	{"class missing", [][2]string{del("class")}, "class", "missing: a thermal_camera detection must state one of person, vehicle, animal, unknown"},
	{"class unknown name", [][2]string{set("class", `"tree"`)}, "class", `"tree" is not one of person, vehicle, animal, unknown`},
	{"class on gps", [][2]string{set("kind", `"unit_gps"`)}, "class", `"person" is not allowed for a unit_gps report`},
	{"confidence missing", [][2]string{del("confidence")}, "confidence", "missing"},
	{"confidence high", [][2]string{set("confidence", "1.01")}, "confidence", "1.01 is out of range [0, 1]"},
	{"confidence negative", [][2]string{set("confidence", "-0.1")}, "confidence", "-0.1 is out of range [0, 1]"},
	{"count zero", [][2]string{set("count", "0")}, "count", "0 is out of range [1, 1000]"},
	{"count large", [][2]string{set("count", "1001")}, "count", "1001 is out of range [1, 1000]"},
	{"count huge", [][2]string{set("count", "99999999999999999999")}, "count", "is too large"},
	{"count fraction", [][2]string{set("count", "2.5")}, "count", "2.5 is not an integer"},
	{"size negative", [][2]string{set("size_m", "-1")}, "size_m", "-1 is out of range [0, 100]"},
	{"size large", [][2]string{set("size_m", "100.5")}, "size_m", "100.5 is out of range [0, 100]"},
	{"east fast", [][2]string{set("velocity", `{"east_mps":100.5,"north_mps":0}`)}, "velocity.east_mps", "100.5 m/s is out of range [-100, 100]"},
	{"north fast", [][2]string{set("velocity", `{"east_mps":0,"north_mps":-101}`)}, "velocity.north_mps", "-101 m/s is out of range [-100, 100]"},
	{"north missing", [][2]string{set("velocity", `{"east_mps":0}`)}, "velocity.north_mps", "missing"},
	{"velocity extra", [][2]string{set("velocity", `{"east_mps":0,"north_mps":0,"up_mps":1}`)}, "velocity", `unknown field "up_mps"`},
	{"clip long", [][2]string{set("clip", `"`+strings.Repeat("é", 513)+`"`)}, "clip", "has 513 characters: want at most 512"},
	{"clip not utf8", [][2]string{set("clip", "\"a\xffb\"")}, "clip", "not valid UTF-8"},
	{"clip number", [][2]string{set("clip", "5")}, "clip", "want a string, found a number"},
	{"unknown field", [][2]string{set("colour", `"red"`)}, "", `unknown field "colour"`},
	{"unknown field nested", [][2]string{set("colour", `{"a":[1,{"b":null}],"c":true}`)}, "", `unknown field "colour"`},
	{"case matters", [][2]string{set("Sensor", `"x"`)}, "", `unknown field "Sensor"`},
	{"duplicate", [][2]string{set("seq", `18231,"seq":18232`)}, "seq", "duplicate field"},
}

func TestValidationRules(t *testing.T) {
	for _, tc := range validationCases {
		t.Run(tc.name, func(t *testing.T) {
			rec := obsJSON(tc.edits...)
			field, msg := "observations[1]", tc.msg
			if tc.field != "" {
				field += "." + tc.field
			}
			body := "[" + obsJSON() + ",\n" + rec + "]"
			obs, err := DecodeBatch(strings.NewReader(body), ctJSON, "", Limits{}, testNow)
			if obs != nil {
				t.Errorf("got %d observations with an error", len(obs))
			}
			be := batchError(t, err)
			if !hasProblem(be, field, msg) {
				t.Fatalf("want a problem %s: %q; got %v", field, msg, err)
			}
			for _, p := range be.Problems {
				if p.Index != 1 {
					t.Errorf("problem of record %d: %v", p.Index, p)
				}
			}
			// The same record alone, as NDJSON on line 3, names its
			// index 0 and the line.
			nd := "\n\n" + rec + "\n"
			_, err = DecodeBatch(strings.NewReader(nd), ctNDJSON, "", Limits{}, testNow)
			be = batchError(t, err)
			ndField := strings.Replace(field, "observations[1]", "observations[0]", 1)
			if !hasProblem(be, ndField, msg) || be.Problems[0].Line != 3 {
				t.Fatalf("NDJSON: want a problem on line 3 at %s: %q; got %v", ndField, msg, err)
			}
		})
	}
}

func TestValidObservations(t *testing.T) {
	cases := []struct {
		name  string
		edits [][2]string
		check func(t *testing.T, o Observation)
	}{
		{"full", nil, func(t *testing.T, o Observation) {
			want := time.Date(2026, 11, 23, 1, 2, 3, 456e6, time.UTC)
			if o.Sensor != "S05-C012" || o.Seq != 18231 || o.Time != want || o.Kind != KindThermalCamera ||
				*o.Position != (geo.LatLon{Lat: 34.38, Lon: 40.99}) || o.AccuracyM != 35 || o.Class != ClassPerson ||
				o.Confidence != 0.82 || o.Count != 3 || o.SizeM != 1.7 || *o.Velocity != (Velocity{0.8, -0.3}) ||
				o.Clip != "clip://S05-C012/20261123T010203Z" || o.Polar != nil {
				t.Errorf("decoded %+v", o)
			}
		}},
		{"gps defaults", [][2]string{set("kind", `"patrol_gps"`), del("class"), del("confidence"), del("count"), del("size_m"), del("velocity"), del("clip")},
			func(t *testing.T, o Observation) {
				if o.Class != ClassUnknown || o.Confidence != 1 || o.Count != 1 || o.SizeM != 0 || o.Velocity != nil || o.Clip != "" {
					t.Errorf("defaults not applied: %+v", o)
				}
			}},
		{"gps unknown class and zero confidence kept", [][2]string{set("kind", `"unit_gps"`), set("class", `"unknown"`), set("confidence", "0")},
			func(t *testing.T, o Observation) {
				if o.Class != ClassUnknown || o.Confidence != 0 {
					t.Errorf("got %+v", o)
				}
			}},
		{"count defaults to 1", [][2]string{del("count")}, func(t *testing.T, o Observation) {
			if o.Count != 1 {
				t.Errorf("count %d", o.Count)
			}
		}},
		{"polar", [][2]string{del("position"), set("polar", `{"bearing_deg":360,"range_m":50000}`)}, func(t *testing.T, o Observation) {
			if o.Position != nil || *o.Polar != (Polar{360, 50000}) {
				t.Errorf("got %+v", o)
			}
		}},
		{"offset time in UTC", [][2]string{set("time", `"2026-11-23T04:02:03.000000001+03:00"`)}, func(t *testing.T, o Observation) {
			if want := time.Date(2026, 11, 23, 1, 2, 3, 1, time.UTC); o.Time != want {
				t.Errorf("time %v, want %v", o.Time, want)
			}
		}},
		{"lower-case t and z", [][2]string{set("time", `"2026-11-23t01:02:03z"`)}, func(t *testing.T, o Observation) {}},
		{"5 minutes ahead", [][2]string{set("time", `"2026-11-23T01:10:00Z"`)}, func(t *testing.T, o Observation) {}},
		{"7 days old", [][2]string{set("time", `"2026-11-16T01:05:00Z"`)}, func(t *testing.T, o Observation) {}},
		{"nulls are absent", [][2]string{set("size_m", "null"), set("velocity", "null"), set("clip", "null")}, func(t *testing.T, o Observation) {
			if o.SizeM != 0 || o.Velocity != nil || o.Clip != "" {
				t.Errorf("got %+v", o)
			}
		}},
		{"extremes", [][2]string{set("position", `{"lat":-90,"lon":180}`), set("accuracy_m", "10000"), set("confidence", "1"),
			set("count", "1000"), set("size_m", "100"), set("velocity", `{"east_mps":-100,"north_mps":100}`), set("seq", "18446744073709551615")},
			func(t *testing.T, o Observation) {
				if o.Seq != 1<<64-1 {
					t.Errorf("seq %d", o.Seq)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obs, err := DecodeBatch(strings.NewReader("["+obsJSON(tc.edits...)+"]"), ctJSON, "", Limits{}, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if len(obs) != 1 {
				t.Fatalf("%d observations", len(obs))
			}
			tc.check(t, obs[0])
		})
	}
}

func TestTimeWindowLimits(t *testing.T) {
	body := "[" + obsJSON(set("time", `"2026-11-22T01:04:00Z"`)) + "]"
	lim := Limits{MaxAge: 24 * time.Hour}
	_, err := DecodeBatch(strings.NewReader(body), ctJSON, "", lim, testNow)
	if be := batchError(t, err); !hasProblem(be, "observations[0].time", "1d0h1m0s old") && !hasProblem(be, "observations[0].time", "the maximum age is 24h0m0s") {
		t.Fatalf("got %v", err)
	}
	lim = Limits{MaxFuture: time.Hour}
	body = "[" + obsJSON(set("time", `"2026-11-23T02:00:00Z"`)) + "]"
	if _, err := DecodeBatch(strings.NewReader(body), ctJSON, "", lim, testNow); err != nil {
		t.Fatalf("55 minutes ahead with MaxFuture 1h: %v", err)
	}
}

func TestHeartbeatRules(t *testing.T) {
	cases := []struct {
		rec, field, msg string
	}{
		{`{"time":"2026-11-23T01:02:03Z","health":"ok"}`, "sensor", "missing"},
		{`{"sensor":"a b","time":"2026-11-23T01:02:03Z","health":"ok"}`, "sensor", "not allowed"},
		{`{"sensor":"S1","health":"ok"}`, "time", "missing"},
		{`{"sensor":"S1","time":"2026-11-23T01:02:03","health":"ok"}`, "time", "no zone"},
		{`{"sensor":"S1","time":"2026-11-23T01:20:03Z","health":"ok"}`, "time", "in the future"},
		{`{"sensor":"S1","time":"2026-11-23T01:02:03Z"}`, "health", "missing"},
		{`{"sensor":"S1","time":"2026-11-23T01:02:03Z","health":"broken"}`, "health", `"broken" is not one of ok, degraded, offline, tampered`},
		{`{"sensor":"S1","time":"2026-11-23T01:02:03Z","health":"ok","note":"` + strings.Repeat("ن", 257) + `"}`, "note", "has 257 characters: want at most 256"},
		{`{"sensor":"S1","time":"2026-11-23T01:02:03Z","health":"ok","note":7}`, "note", "want a string"},
		{`{"sensor":"S1","time":"2026-11-23T01:02:03Z","health":"ok","seq":7}`, "", `unknown field "seq"`},
	}
	for _, tc := range cases {
		hbs, err := DecodeHeartbeats(strings.NewReader("[\n"+tc.rec+"]"), ctJSON, "", Limits{}, testNow)
		if hbs != nil {
			t.Errorf("%s: heartbeats returned with an error", tc.rec)
		}
		field := "heartbeats[0]"
		if tc.field != "" {
			field += "." + tc.field
		}
		if be := batchError(t, err); !hasProblem(be, field, tc.msg) {
			t.Errorf("%s: want %s: %q, got %v", tc.rec, field, tc.msg, err)
		}
	}
}

func TestValidateInCode(t *testing.T) {
	obs := genObservations(50, 1)
	for i := range obs {
		obs[i].SetDefaults()
	}
	if err := Validate(obs, Limits{}, testNow); err != nil {
		t.Fatal(err)
	}
	obs[3].Count = 0
	obs[7].Position.Lat = 95
	obs[9].Class = ""
	obs[11].Time = time.Time{}
	err := Validate(obs, Limits{}, testNow)
	be := batchError(t, err)
	for _, want := range []string{"observations[3].count", "observations[7].position.lat", "observations[9].class", "observations[11].time"} {
		if !hasProblem(be, want, "") {
			t.Errorf("no problem at %s in %v", want, err)
		}
	}
	hbs := []Heartbeat{{Sensor: "S1", Time: testNow, Health: HealthOK}, {Sensor: "S2", Time: testNow, Health: "bad"}}
	if be := batchError(t, ValidateHeartbeats(hbs, Limits{}, testNow)); !hasProblem(be, "heartbeats[1].health", "not one of") {
		t.Errorf("got %v", be)
	}
}

func TestProblemCap(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("[")
	for i := range 60 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(obsJSON(set("seq", "0")))
	}
	b.WriteString("]")
	_, err := DecodeBatch(&b, ctJSON, "", Limits{}, testNow)
	be := batchError(t, err)
	if len(be.Problems) != 50 || be.More != 10 {
		t.Fatalf("%d problems and %d more, want 50 and 10", len(be.Problems), be.More)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "60 problems: observations[0].seq: 0 is out of range") || !strings.HasSuffix(msg, "; … and 10 more") {
		t.Errorf("message %q", msg)
	}
}
