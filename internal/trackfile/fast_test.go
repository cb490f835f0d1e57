package trackfile

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

// slowTrack reads a line the general way.
func slowTrack(line []byte) (TrackRecord, *problem, bool) {
	var w trackWire
	if decodeLine(NewLines(nil, "x"), line, &w, &w.Type, TypeTrack); w.Type.s != TypeTrack {
		return TrackRecord{}, nil, false
	}
	rec, p := w.record()
	return rec, p, true
}

// checkFast checks that every line the fast path takes reads the same the
// general way.
func checkFast(t *testing.T, data []byte) (fast int) {
	t.Helper()
	for _, line := range bytes.Split(data, []byte("\n")) {
		var got TrackRecord
		if !fastTrack(line, &got) {
			continue
		}
		fast++
		want, p, ok := slowTrack(line)
		if !ok || p != nil && checkTrack(&got) == nil || p == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%s\nfast  %+v\nslow %+v (%v)", line, got, want, p)
		}
	}
	return fast
}

func TestFastPath(t *testing.T) {
	data, err := os.ReadFile("testdata/tracks.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if n := checkFast(t, data); n != 7 {
		t.Fatalf("the fast path took %d of 7 lines written by the Writer", n)
	}
	line := strings.Split(string(data), "\n")[0]
	for _, c := range []struct {
		name, from, to string
		fast           bool
	}{
		{"as written", "", "", true},
		{"more decimals", `"lat":34.4012345`, `"lat":34.40123456`, true},
		{"exponent", `"sigma_m":12.5`, `"sigma_m":1.25e1`, false},
		{"leading zero", `"count":2`, `"count":02`, false},
		{"fractional count", `"count":2`, `"count":2.0`, false},
		{"escaped string", `"id":"T-S06-000017"`, `"id":"T-S06-\u0030"`, false},
		{"non-ASCII", `"id":"T-S06-000017"`, `"id":"T-é"`, false},
		{"other time form", `"time":"2026-11-23T20:05:12.345Z"`, `"time":"2026-11-23T23:05:12.345+03:00"`, false},
		{"31 November", `"time":"2026-11-23T`, `"time":"2026-11-31T`, false},
		{"fields reordered", `"lat":34.4012345,"lon":40.9512345`, `"lon":40.9512345,"lat":34.4012345`, false},
		{"space", `"lat":34.4012345`, `"lat": 34.4012345`, false},
		{"trailing space", `]}`, `]}  `, true},
		{"trailing data", `]}`, `]}x`, false},
		{"empty obs", `"obs":["S06-C027/1901","S06-C027/1905","S06-C028/77"]`, `"obs":[]`, false},
		{"bad lat", `"lat":34.4012345`, `"lat":-134.4012345`, true},
	} {
		l := strings.Replace(line, c.from, c.to, 1)
		var r TrackRecord
		if got := fastTrack([]byte(l), &r); got != c.fast {
			t.Errorf("%s: fast path %v, want %v", c.name, got, c.fast)
		}
		checkFast(t, []byte(l))
	}
}
