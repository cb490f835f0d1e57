package sensor

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"raqib/internal/errs"
)

func TestDecodeTestdata(t *testing.T) {
	cases := []struct {
		file, ct string
		n        int
	}{
		{"observations.json", ctJSON, 5},
		{"observations.ndjson", ctNDJSON, 3},
		{"escapes.json", ctJSON, 1},
	}
	for _, tc := range cases {
		data := readTestdata(t, tc.file)
		obs, err := DecodeBatch(bytes.NewReader(data), tc.ct, "", Limits{}, testNow)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if len(obs) != tc.n {
			t.Fatalf("%s: %d observations, want %d", tc.file, len(obs), tc.n)
		}
		// The same from encoding/json, with the defaults applied, must
		// give the same observations.
		want := stdDecode(t, data, tc.ct)
		if !reflect.DeepEqual(obs, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.file, obs, want)
		}
		// Gzip and small reads change nothing.
		gz, err := DecodeBatch(&smallReads{bytes.NewReader(gzipBytes(t, data)), 3}, tc.ct, "gzip", Limits{}, testNow)
		if err != nil || !reflect.DeepEqual(gz, obs) {
			t.Errorf("%s gzip: %v, equal %v", tc.file, err, reflect.DeepEqual(gz, obs))
		}
		one, err := DecodeBatch(iotest.OneByteReader(bytes.NewReader(data)), tc.ct+"; charset=UTF-8", "identity", Limits{}, testNow)
		if err != nil || !reflect.DeepEqual(one, obs) {
			t.Errorf("%s one byte at a time: %v", tc.file, err)
		}
	}
	obs, _ := DecodeBatch(bytes.NewReader(readTestdata(t, "escapes.json")), ctJSON, "", Limits{}, testNow)
	if o := obs[0]; o.Sensor != "S05-C012" || o.Clip != "clip://café/😀/\"q\"\\/\b\f\n\r\t" {
		t.Errorf("escapes: sensor %q clip %q", o.Sensor, o.Clip)
	}
}

// stdDecode decodes with encoding/json and applies the defaults, as a
// reference for valid input.
func stdDecode(t *testing.T, data []byte, ct string) []Observation {
	t.Helper()
	var out []Observation
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if ct == ctJSON {
		if err := dec.Decode(&out); err != nil {
			t.Fatal(err)
		}
	} else {
		for {
			var o Observation
			if err := dec.Decode(&o); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			out = append(out, o)
		}
	}
	raw := make([]map[string]any, 0)
	if ct == ctJSON {
		_ = json.Unmarshal(data, &raw)
	}
	for i := range out {
		out[i].SetDefaults()
		// A GPS report's explicit confidence of 0 is kept.
		if ct == ctJSON {
			if c, ok := raw[i]["confidence"]; ok && c == 0.0 {
				out[i].Confidence = 0
			}
		}
	}
	return out
}

func TestDecodeRefusals(t *testing.T) {
	valid := "[" + obsJSON() + "]"
	cases := []struct {
		name     string
		body     []byte
		ct, ce   string
		lim      Limits
		code     errs.Code
		contains string
	}{
		{"empty body", nil, ctJSON, "", Limits{}, errs.Invalid, "empty body: want a JSON array of observations"},
		{"blank body", []byte(" \n\t "), ctJSON, "", Limits{}, errs.Invalid, "empty body"},
		{"empty NDJSON", []byte("\n\n  \r\n"), ctNDJSON, "", Limits{}, errs.Invalid, "empty body: want one JSON object per line"},
		{"empty gzip", gzipBytes(t, nil), ctJSON, "gzip", Limits{}, errs.Invalid, "empty body"},
		{"zero-byte gzip", nil, ctNDJSON, "gzip", Limits{}, errs.Invalid, "empty body"},
		{"object, not array", []byte(obsJSON()), ctJSON, "", Limits{}, errs.Invalid, "want a JSON array of observations, found an object"},
		{"string, not array", []byte(`"x"`), ctJSON, "", Limits{}, errs.Invalid, "found a string"},
		{"array in NDJSON", []byte(valid), ctNDJSON, "", Limits{}, errs.Invalid, "line 1: observations[0]: want a JSON object, found an array"},
		{"element not object", []byte(`[` + obsJSON() + `, 5]`), ctJSON, "", Limits{}, errs.Invalid, "observations[1]: want a JSON object, found a number"},
		{"truncated array", []byte(valid[:len(valid)-1]), ctJSON, "", Limits{}, errs.Invalid, "want ',' or ']' after observations[0], found end of input"},
		{"truncated record", []byte(valid[:40]), ctJSON, "", Limits{}, errs.Invalid, "observations[0]: syntax error at column"},
		{"trailing data", []byte(valid + " []"), ctJSON, "", Limits{}, errs.Invalid, "unexpected '[' after the array"},
		{"NUL after the array", []byte(valid + "\x00"), ctJSON, "", Limits{}, errs.Invalid, "unexpected byte 0x00 after the array"},
		{"NUL line", []byte(obsJSON() + "\n\x00\n"), ctNDJSON, "", Limits{}, errs.Invalid, "line 2: observations[1]: syntax error at column 1: want a value, found byte 0x00"},
		{"two records on a line", []byte(obsJSON() + " " + obsJSON()), ctNDJSON, "", Limits{}, errs.Invalid, "line 1: observations[0]: syntax error at column"},
		{"syntax error line", []byte("[\n" + obsJSON() + ",\n{\"sensor\" \"x\"}]"), ctJSON, "", Limits{}, errs.Invalid, "line 3: observations[1]: syntax error at column 11: want ':' after a field name"},
		{"control char", []byte("[{\"sensor\":\"a\tb\"}]"), ctJSON, "", Limits{}, errs.Invalid, "control character 0x09 in a string"},
		{"bad escape", []byte(`[{"sensor":"a\qb"}]`), ctJSON, "", Limits{}, errs.Invalid, `invalid escape \q`},
		{"bad unicode escape", []byte(`[{"sensor":"a\u12"}]`), ctJSON, "", Limits{}, errs.Invalid, `invalid \u escape`},
		{"bad number", []byte(`[{"seq":01}]`), ctJSON, "", Limits{}, errs.Invalid, "want ',' or '}' after a field, found '1'"},
		{"bad literal", []byte(`[{"seq":nul}]`), ctJSON, "", Limits{}, errs.Invalid, "want a number, found null"},
		{"deep nesting", []byte(`[{"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}]`), ctJSON, "", Limits{}, errs.Invalid, "nested deeper than 32"},
		{"too many", []byte("[" + strings.Repeat(obsJSON()+",", 3) + obsJSON() + "]"), ctJSON, "", Limits{MaxObservations: 3}, errs.TooLarge, "more than 3 observations"},
		{"too many NDJSON", []byte(strings.Repeat(obsJSON()+"\n", 4)), ctNDJSON, "", Limits{MaxObservations: 3}, errs.TooLarge, "more than 3 observations"},
		{"too large", []byte(valid), ctJSON, "", Limits{MaxBytes: 100}, errs.TooLarge, "larger than 100 bytes"},
		{"too large gzip", gzipBytes(t, []byte(valid)), ctJSON, "gzip", Limits{MaxBytes: 100}, errs.TooLarge, "larger than 100 bytes"},
		{"truncated gzip", gzipBytes(t, []byte(valid))[:60], ctJSON, "gzip", Limits{}, errs.Invalid, "the gzip body is truncated"},
		{"corrupt gzip", corruptGzip(t, []byte(valid)), ctJSON, "gzip", Limits{}, errs.Invalid, "the gzip body is corrupt"},
		{"not gzip", []byte(valid), ctJSON, "gzip", Limits{}, errs.Invalid, "the gzip body is corrupt: gzip: invalid header"},
		{"gzip then garbage", append(gzipBytes(t, []byte(valid)), "xyz"...), ctJSON, "gzip", Limits{}, errs.Invalid, "the gzip body"},
		{"gzip bomb", gzipBytes(t, bytes.Repeat([]byte(" "), 9<<20)), ctJSON, "gzip", Limits{}, errs.TooLarge, "larger than 8388608 bytes once decompressed"},
		{"empty gzip members", bytes.Repeat(gzipBytes(t, nil), 20), ctJSON, "gzip", Limits{MaxBytes: 200}, errs.TooLarge, "larger than 200 bytes"},
		{"wrong content type", []byte(valid), "text/plain", "", Limits{}, errs.Invalid, `content type "text/plain" is not supported: want application/json or application/x-ndjson`},
		{"form content type", []byte(valid), "application/x-www-form-urlencoded", "", Limits{}, errs.Invalid, `"application/x-www-form-urlencoded" is not supported`},
		{"no content type", []byte(valid), "", "", Limits{}, errs.Invalid, "content type is missing"},
		{"latin1", []byte(valid), "application/json; charset=iso-8859-1", "", Limits{}, errs.Invalid, "the only parameter allowed is charset=utf-8"},
		{"brotli", []byte(valid), ctJSON, "br", Limits{}, errs.Invalid, `content encoding "br" is not supported: want gzip or none`},
		{"gzip twice", []byte(valid), ctJSON, "gzip, gzip", Limits{}, errs.Invalid, `content encoding "gzip, gzip" is not supported`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obs, err := DecodeBatch(bytes.NewReader(tc.body), tc.ct, tc.ce, tc.lim, testNow)
			if err == nil {
				t.Fatalf("accepted %d observations", len(obs))
			}
			if obs != nil {
				t.Errorf("returned %d observations with the error", len(obs))
			}
			if c := errs.CodeOf(err); c != tc.code {
				t.Errorf("code %q, want %q: %v", c, tc.code, err)
			}
			if !strings.Contains(err.Error(), tc.contains) || !strings.Contains(errs.MessageOf(err), tc.contains) {
				t.Errorf("error %q does not contain %q", err, tc.contains)
			}
		})
	}
}

// corruptGzip flips a byte in the middle of the compressed data.
func corruptGzip(t *testing.T, b []byte) []byte {
	z := gzipBytes(t, b)
	z[len(z)/2] ^= 0xff
	return z
}

func TestDecodeEmptyArray(t *testing.T) {
	obs, err := DecodeBatch(strings.NewReader(" [ ] "), ctJSON, "", Limits{}, testNow)
	if err != nil || obs == nil || len(obs) != 0 {
		t.Fatalf("got %v, %v", obs, err)
	}
}

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := DecodeBatch(iotest.ErrReader(boom), ctJSON, "", Limits{}, testNow)
	if errs.CodeOf(err) != errs.Invalid || !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	// A reader's own coded error keeps its code, through gzip too.
	coded := errs.E(errs.Unavailable, "shutting down")
	_, err = DecodeBatch(io.MultiReader(strings.NewReader("[{"), iotest.ErrReader(coded)), ctJSON, "gzip", Limits{}, testNow)
	if errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("gzip header read error: %v", err)
	}
}

func TestNDJSONLines(t *testing.T) {
	body := obsJSON() + "\r\n\r\n" + obsJSON(set("seq", "0")) + "\n   \n" + obsJSON(set("kind", `"x"`)) // no final newline
	_, err := DecodeBatch(strings.NewReader(body), ctNDJSON, "", Limits{}, testNow)
	be := batchError(t, err)
	if len(be.Problems) != 2 {
		t.Fatalf("problems %v", be.Problems)
	}
	p0, p1 := be.Problems[0], be.Problems[1]
	if p0.Index != 1 || p0.Line != 3 || p0.Field != "observations[1].seq" || p1.Index != 2 || p1.Line != 5 || p1.Field != "observations[2].kind" {
		t.Errorf("problems %+v", be.Problems)
	}
	if !strings.HasPrefix(err.Error(), "2 problems: line 3: observations[1].seq: 0 is out of range") {
		t.Errorf("message %q", err)
	}
	// A syntax error ends only its own line's record.
	body = obsJSON() + "\n{\"sensor\":\n" + obsJSON(set("seq", "0")) + "\n"
	_, err = DecodeBatch(strings.NewReader(body), ctNDJSON, "", Limits{}, testNow)
	be = batchError(t, err)
	if !hasProblem(be, "observations[1]", "syntax error at column 11: want a value, found end of input") || !hasProblem(be, "observations[2].seq", "out of range") {
		t.Errorf("got %v", err)
	}
}

func TestDecodeHeartbeats(t *testing.T) {
	for _, tc := range []struct{ file, ct string }{{"heartbeats.json", ctJSON}, {"heartbeats.ndjson", ctNDJSON}} {
		data := readTestdata(t, tc.file)
		hbs, err := DecodeHeartbeats(&smallReads{bytes.NewReader(gzipBytes(t, data)), 5}, tc.ct, "gzip", Limits{}, testNow)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		last := hbs[len(hbs)-1]
		want := Heartbeat{Sensor: "PTL-17", Time: time.Date(2026, 11, 23, 1, 2, 6, 0, time.UTC), Health: HealthOffline, Note: "going off shift"}
		if last != want {
			t.Errorf("%s: last %+v, want %+v", tc.file, last, want)
		}
	}
	_, err := DecodeHeartbeats(strings.NewReader(`[{"sensor":"S1","time":"2026-11-23T01:02:03Z","health":"ok"}]`), ctJSON, "", Limits{}, time.Date(2026, 12, 23, 0, 0, 0, 0, time.UTC))
	if be := batchError(t, err); !hasProblem(be, "heartbeats[0].time", "old: the maximum age is 7 days") {
		t.Errorf("got %v", err)
	}
	_, err = DecodeHeartbeats(strings.NewReader(`{}`), ctJSON, "", Limits{}, testNow)
	if be := batchError(t, err); !hasProblem(be, "", "want a JSON array of heartbeats, found an object") {
		t.Errorf("got %v", err)
	}
}

func TestDecodedStringsDoNotAliasBuffers(t *testing.T) {
	data := readTestdata(t, "observations.json")
	obs, err := DecodeBatch(bytes.NewReader(data), ctJSON, "", Limits{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := obs[0].Sensor + obs[0].Clip
	// Decode other batches through the pooled decoders; the first
	// batch's strings must not change.
	for range 5 {
		if _, err := DecodeBatch(strings.NewReader("["+obsJSON(set("sensor", `"ZZZ-ZZZZ"`), set("clip", `"zzzzzzzzzzzzzzzzzzzzzzzzzz"`))+"]"), ctJSON, "", Limits{}, testNow); err != nil {
			t.Fatal(err)
		}
	}
	if got := obs[0].Sensor + obs[0].Clip; got != want {
		t.Fatalf("strings changed: %q, want %q", got, want)
	}
}

func TestRoundTripThroughEncodingJSON(t *testing.T) {
	obs := genObservations(300, 7)
	for _, body := range [][]byte{jsonArray(t, obs), ndjson(t, obs)} {
		ct := ctJSON
		if body[0] != '[' {
			ct = ctNDJSON
		}
		got, err := DecodeBatch(bytes.NewReader(body), ct, "", Limits{}, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, obs) {
			t.Fatalf("%s: round trip differs", ct)
		}
	}
}

func TestFastFloat(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "34.38", "40.99", "0.82", "-0.3", "1.7", "0.1", "9007199254740992",
		"9007199254740993", "123456789012345.6", "0.0000000000000000000001", "1.00000000000000000000001", "5e-324", "1e22", "-12.25"} {
		want, _ := parseFloatSlow(s)
		got, ok := parseFloat([]byte(s))
		if !ok || got != want || (got == 0 && (1/got > 0) != (1/want > 0)) {
			t.Errorf("parseFloat(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for i := range 200000 {
		v := float64(i*7919%1000003) / 1e5
		s := []byte(jsonNumber(v))
		if got, _ := parseFloat(s); got != v {
			t.Fatalf("parseFloat(%s) = %v", s, got)
		}
	}
}

func parseFloatSlow(s string) (float64, error) {
	var v float64
	err := json.Unmarshal([]byte(s), &v)
	return v, err
}

func jsonNumber(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
