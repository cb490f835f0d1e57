package score

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"raqib/internal/sim"
)

// checkTruthFast checks that every line the fast path takes decodes to
// the same values with encoding/json.
func checkTruthFast(t *testing.T, data []byte) (fast int) {
	t.Helper()
	for _, line := range bytes.Split(data, []byte("\n")) {
		var f fastLine
		if !truthLine(line, &f) {
			continue
		}
		fast++
		var rec sim.TruthRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("%s: fast path took it, encoding/json: %v", line, err)
		}
		ok := rec.Type == f.typ && rec.Actor == string(f.actor) && rec.Time.Equal(f.t)
		switch f.typ {
		case sim.TruthDetection:
			ok = ok && rec.Sensor == string(f.sensor) && rec.Seq == f.seq
		case sim.TruthPosition:
			ok = ok && rec.Lat == f.lat && rec.Lon == f.lon
		}
		if !ok {
			t.Fatalf("%s\nfast %+v\njson %+v", line, f, rec)
		}
	}
	return fast
}

func TestTruthFastPath(t *testing.T) {
	data, err := os.ReadFile("testdata/truth.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	n := checkTruthFast(t, data)
	if want := strings.Count(string(data), `"type":"detection"`) + strings.Count(string(data), `"type":"position"`); n != want {
		t.Fatalf("the fast path took %d of %d detections and positions", n, want)
	}
	for _, c := range []struct {
		line string
		fast bool
	}{
		{`{"type":"detection","actor":"inf-A","time":"2026-11-23T20:01:00.013Z","sensor":"CAM-1","seq":100}`, true},
		{`{"type":"detection","actor":"inf-A","time":"2026-11-23T20:01:00.013Z","sensor":"CAM-1","seq":100.5}`, false},
		{`{"type":"detection","actor":"inf-A","time":"2026-11-23T20:01:00.013Z","sensor":"CAM-1","seq":0100}`, false},
		{`{"type":"detection","actor":"inf-A","time":"2026-11-23T20:01:00Z","sensor":"CAM-1","seq":100}`, false},
		{`{"type":"detection","actor":"in\u0066-A","time":"2026-11-23T20:01:00.013Z","sensor":"CAM-1","seq":100}`, false},
		{`{"type":"detection","actor":"inf-A","time":"2026-11-23T20:01:00.013Z","seq":100,"sensor":"CAM-1"}`, false},
		{`{"type":"position","actor":"inf-A","time":"2026-11-23T20:00:00.000Z","lat":34.4296374,"lon":-40.9380828}`, true},
		{`{"type":"position","actor":"inf-A","time":"2026-11-23T20:00:00.000Z","lat":34.4296374,"lon":4.09380828e1}`, false},
		{`{"type":"position","actor":"inf-A","time":"2026-11-23T20:00:00.000Z","lat":34.4296374,"lon":40.9380828,"x":1}`, false},
		{`{"type":"position","actor":"inf-A","time":"2026-02-30T20:00:00.000Z","lat":34.4296374,"lon":40.9380828}`, false},
		{`{"type":"crossing","actor":"inf-A","time":"2026-11-23T20:00:00.000Z","lat":34.4296374,"lon":40.9380828}`, false},
	} {
		var f fastLine
		if got := truthLine([]byte(c.line), &f); got != c.fast {
			t.Errorf("%s: fast path %v, want %v", c.line, got, c.fast)
		}
		checkTruthFast(t, []byte(c.line))
	}
}

// FuzzTruthLine: whatever the fast path takes, encoding/json reads the
// same.
func FuzzTruthLine(f *testing.F) {
	data, err := os.ReadFile("testdata/truth.ndjson")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n")[:40] {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, line []byte) { checkTruthFast(t, line) })
}
