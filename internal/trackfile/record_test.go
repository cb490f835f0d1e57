package trackfile

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"raqib/internal/errs"
	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/rules"
)

var t0 = time.Date(2026, 11, 23, 20, 5, 12, 345_678_901, time.FixedZone("AST", 3*3600))

func sampleUpdate() fusion.Update {
	return fusion.Update{
		Kind: fusion.UpdateConfirmed,
		Track: fusion.Track{
			ID:        "T-S06-000017",
			Time:      t0,
			Pos:       geo.LatLon{Lat: 34.401234567, Lon: 40.951234549},
			Vel:       fusion.Velocity{East: 0.12345, North: -0.86149},
			PosCov:    [3]float64{100, 3, 44},
			Status:    fusion.StatusConfirmed,
			Class:     fusion.ClassPerson,
			ClassProb: [3]float64{0.80049, 0.0504, 0.14911},
			Count:     2,
		},
		Obs: []fusion.ObsRef{{Sensor: "S06-C027", Seq: 1901, Time: t0}, {Sensor: "S06-C028", Seq: 77, Time: t0}},
	}
}

func sampleEvent() rules.Event {
	return rules.Event{
		Rule:              rules.RuleApproach,
		Phase:             rules.PhaseBegin,
		Severity:          rules.SeverityHigh,
		Track:             "T-S06-000017",
		Time:              t0,
		Pos:               geo.LatLon{Lat: 34.40123, Lon: 40.95123},
		Sector:            "S06",
		Chainage:          232981.44,
		Distance:          -412.46,
		PredictedCrossing: t0.Add(8 * time.Minute),
		CrossingSigma:     45240 * time.Millisecond,
		Zone:              "Z-QAIM",
		Class:             fusion.ClassPerson,
		Count:             2,
		Evidence:          []fusion.ObsRef{{Sensor: "S06-C027", Seq: 1901}},
		Summary:           "person ×2",
	}
}

func TestFromUpdate(t *testing.T) {
	r := FromUpdate(sampleUpdate())
	want := TrackRecord{
		Type: "track", Event: "confirmed", ID: "T-S06-000017",
		Time: time.Date(2026, 11, 23, 17, 5, 12, 345_000_000, time.UTC),
		Lat:  34.4012346, Lon: 40.9512345, EastMps: 0.123, NorthMps: -0.861,
		SigmaM: 8.5, // sqrt((100+44)/2) = 8.485
		Class:  "person", PPerson: 0.8, PVehicle: 0.05, PAnimal: 0.149, Count: 2,
		Obs: []string{"S06-C027/1901", "S06-C028/77"},
	}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("FromUpdate:\n got %+v\nwant %+v", r, want)
	}
	m := sampleUpdate()
	m.Kind, m.MergedInto, m.Obs = fusion.UpdateMerged, "T-S06-000001", nil
	if r := FromUpdate(m); r.Event != "merged" || r.MergedInto != "T-S06-000001" || r.Obs != nil {
		t.Fatalf("merged: %+v", r)
	}
}

func TestFromEvent(t *testing.T) {
	r := FromEvent(7, AlertRaised, sampleEvent())
	pc := time.Date(2026, 11, 23, 17, 13, 12, 345_000_000, time.UTC)
	want := AlertRecord{
		Type: "alert", Event: "raised", ID: 7,
		Time: time.Date(2026, 11, 23, 17, 5, 12, 345_000_000, time.UTC),
		Rule: "approach", Phase: "begin", Severity: "high", Track: "T-S06-000017",
		Lat: 34.40123, Lon: 40.95123, Sector: "S06", ChainageKm: 232.981, DistanceM: -412.5,
		PredictedCrossing: &pc, CrossingSigmaS: 45.2, Zone: "Z-QAIM",
		Class: "person", Count: 2, Summary: "person ×2", Evidence: []string{"S06-C027/1901"},
	}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("FromEvent:\n got %+v\nwant %+v", r, want)
	}
	e := sampleEvent()
	e.PredictedCrossing, e.Members = time.Time{}, []string{}
	if r := FromEvent(1, AlertEnded, e); r.PredictedCrossing != nil || r.CrossingSigmaS != 0 || r.Members != nil {
		t.Fatalf("no crossing predicted: %+v", r)
	}
}

// TestRoundTrip writes records and reads them back, plain and gzip, with
// both kinds in one stream.
func TestRoundTrip(t *testing.T) {
	tracks := []TrackRecord{FromUpdate(sampleUpdate())}
	u := sampleUpdate()
	u.Kind, u.Obs = fusion.UpdateCoasting, nil
	u.Track.Friendly, u.Track.Unit = true, "PATROL-S07-2"
	tracks = append(tracks, FromUpdate(u))
	alerts := []AlertRecord{FromEvent(1, AlertRaised, sampleEvent())}
	e := sampleEvent()
	e.Rule, e.Phase, e.Members, e.PredictedCrossing = rules.RuleGroup, rules.PhaseBegin, []string{"a", "b"}, time.Time{}
	alerts = append(alerts, FromEvent(2, AlertEscalated, e))

	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i := range tracks {
		if err := w.Track(tracks[i]); err != nil {
			t.Fatal(err)
		}
		if err := w.Alert(alerts[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	zw.Write(buf.Bytes())
	zw.Close()
	for name, data := range map[string][]byte{"plain": buf.Bytes(), "gzip": zbuf.Bytes()} {
		gotT := readTracks(t, data)
		gotA := readAlerts(t, data)
		if !reflect.DeepEqual(gotT, tracks) {
			t.Errorf("%s: tracks\n got %+v\nwant %+v", name, gotT, tracks)
		}
		if !reflect.DeepEqual(gotA, alerts) {
			t.Errorf("%s: alerts\n got %+v\nwant %+v", name, gotA, alerts)
		}
	}
}

func readTracks(t testing.TB, data []byte) []TrackRecord {
	t.Helper()
	var out []TrackRecord
	r := NewTrackReader(bytes.NewReader(data), "tracks.ndjson")
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
}

func readAlerts(t testing.TB, data []byte) []AlertRecord {
	t.Helper()
	var out []AlertRecord
	r := NewAlertReader(bytes.NewReader(data), "alerts.ndjson")
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
}

// TestTestdata reads the example files and writes them again: the Writer
// gives back the same bytes, and the mixed file holds the same records.
func TestTestdata(t *testing.T) {
	tracksFile, _ := os.ReadFile("testdata/tracks.ndjson")
	alertsFile, _ := os.ReadFile("testdata/alerts.ndjson")
	mixed, _ := os.ReadFile("testdata/mixed.ndjson")
	gz, _ := os.ReadFile("testdata/tracks.ndjson.gz")
	tracks, alerts := readTracks(t, tracksFile), readAlerts(t, alertsFile)
	if len(tracks) != 7 || len(alerts) != 6 {
		t.Fatalf("%d tracks, %d alerts", len(tracks), len(alerts))
	}
	if got := readTracks(t, gz); !reflect.DeepEqual(got, tracks) {
		t.Error("the gzip file reads differently")
	}
	if got := readTracks(t, mixed); !reflect.DeepEqual(got, tracks) {
		t.Error("the mixed file's tracks differ")
	}
	if got := readAlerts(t, mixed); !reflect.DeepEqual(got, alerts) {
		t.Error("the mixed file's alerts differ")
	}
	if len(readAlerts(t, tracksFile)) != 0 || len(readTracks(t, alertsFile)) != 0 {
		t.Error("records of the other type were not skipped")
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, r := range tracks {
		if err := w.Track(r); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if buf.String() != string(tracksFile) {
		t.Errorf("tracks written again:\n%s\nwant\n%s", buf.String(), tracksFile)
	}
	buf.Reset()
	for _, r := range alerts {
		if err := w.Alert(r); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if buf.String() != string(alertsFile) {
		t.Errorf("alerts written again:\n%s\nwant\n%s", buf.String(), alertsFile)
	}
}

func TestWriterRefuses(t *testing.T) {
	good := FromUpdate(sampleUpdate())
	goodA := FromEvent(1, AlertRaised, sampleEvent())
	cases := []struct {
		name  string
		track func(*TrackRecord)
		alert func(*AlertRecord)
		want  string
	}{
		{"NaN lat", func(r *TrackRecord) { r.Lat = math.NaN() }, nil, `track "T-S06-000017": lat: must be -90..90`},
		{"unknown event", func(r *TrackRecord) { r.Event = "born" }, nil, `event: unknown "born"`},
		{"wrong type", func(r *TrackRecord) { r.Type = "alert" }, nil, `type: "alert" is not a track record`},
		{"merged without survivor", func(r *TrackRecord) { r.Event = "merged" }, nil, "merged_into: missing"},
		{"bad obs", func(r *TrackRecord) { r.Obs = []string{"S1/1", "S1"} }, nil, `obs[1]: "S1" is not SENSOR/SEQ`},
		{"infinite speed", func(r *TrackRecord) { r.NorthMps = math.Inf(1) }, nil, "north_mps: must be -1000..1000"},
		{"alert id", nil, func(r *AlertRecord) { r.ID = 0 }, "alert 0: id: must be at least 1"},
		{"alert rule", nil, func(r *AlertRecord) { r.Rule = "speeding" }, `rule: unknown "speeding"`},
		{"alert severity", nil, func(r *AlertRecord) { r.Severity = "" }, "severity: missing"},
		{"alert time", nil, func(r *AlertRecord) { r.Time = time.Time{} }, "time: missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			var err error
			if c.track != nil {
				r := good
				r.Obs = append([]string(nil), good.Obs...)
				c.track(&r)
				err = w.Track(r)
			} else {
				r := goodA
				c.alert(&r)
				err = w.Alert(r)
			}
			if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			w.Flush()
			if buf.Len() != 0 {
				t.Fatalf("wrote %q", buf.String())
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriterError(t *testing.T) {
	w := NewWriter(failWriter{})
	if err := w.Track(FromUpdate(sampleUpdate())); err != nil {
		t.Fatal(err) // buffered
	}
	if err := w.Flush(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Flush: %v", err)
	}
	if err := w.Track(FromUpdate(sampleUpdate())); err == nil {
		t.Fatal("a write after a failure succeeded")
	}
}
