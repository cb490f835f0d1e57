package score

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/errs"
	"raqib/internal/geo"
	"raqib/internal/theater"
)

var (
	theaterOnce sync.Once
	theaterVal  *theater.Theater
	theaterErr  error
)

func testTheater(t testing.TB) *theater.Theater {
	t.Helper()
	theaterOnce.Do(func() { theaterVal, theaterErr = theater.Load(theater.Embedded()) })
	if theaterErr != nil {
		t.Fatal(theaterErr)
	}
	return theaterVal
}

func open(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func scoreFiles(t testing.TB, truth, tracks, alerts string) *Report {
	t.Helper()
	var al io.Reader = bytes.NewReader(nil)
	if alerts != "" {
		al = open(t, alerts)
	}
	r, err := Score(testTheater(t), open(t, truth), open(t, tracks), al, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestScoreHandMade scores a ten-minute run written by hand (see
// testdata/README.md for what happens in it).
func TestScoreHandMade(t *testing.T) {
	r := scoreFiles(t, "truth.ndjson", "tracks.ndjson", "alerts.ndjson")
	th := testTheater(t)

	if r.Scenario != "hand-made" || r.Seed != 7 || r.Intensity != "quiet" || r.Hours != 0.1667 {
		t.Errorf("run: %s %d %s %v h", r.Scenario, r.Seed, r.Intensity, r.Hours)
	}
	if r.BorderKm != roundTo(th.Border.LengthKm(), 1) {
		t.Errorf("border %v km", r.BorderKm)
	}

	// Recall: inf-A caught, inf-B late, smg-C untracked, inf-D unseen.
	rc := r.Recall
	check := func(name string, got Ratio, crossings, caught int) {
		t.Helper()
		if got.Crossings != crossings || got.Caught != caught {
			t.Errorf("%s: %d/%d, want %d/%d", name, got.Caught, got.Crossings, caught, crossings)
		}
		if crossings > 0 && (got.Value == nil || math.Abs(*got.Value-float64(caught)/float64(crossings)) > 1e-4) {
			t.Errorf("%s: value %v", name, got.Value)
		}
	}
	check("recall", rc.Ratio, 4, 1)
	check("inbound", rc.Inbound, 3, 1)
	check("outbound", rc.Outbound, 1, 0)
	check("detectable", rc.Detectable, 3, 1)
	check("infiltrator", rc.ByActorType["infiltrator"], 3, 1)
	check("smuggler", rc.ByActorType["smuggler"], 1, 0)

	// Warning: inf-A's approach alert came 90 s before its crossing.
	w := r.Warning
	if w.N != 1 || *w.MedianS != 90 || *w.P10S != 90 {
		t.Errorf("warning %+v", w)
	}
	f := w.Foot
	if f.Crossings != 1 || f.N != 1 || *f.MedianS != 90 || !f.Met || f.StartKm != 3 || f.TargetS != 60 {
		t.Errorf("foot %+v", f)
	}

	// Alerts: three on hostile actors; false ones on wildlife, clutter and
	// the patrol's own track.
	if r.TrueAlerts != 3 {
		t.Errorf("true alerts %d", r.TrueAlerts)
	}
	fa := r.FalseAlerts
	wantRule := map[string]int{"zone_entry": 1, "loiter": 1, "approach": 1}
	wantCause := map[string]int{"wildlife": 1, "clutter": 1, "patrol": 1}
	if fa.Count != 3 || !reflect.DeepEqual(fa.ByRule, wantRule) || !reflect.DeepEqual(fa.ByCause, wantCause) {
		t.Errorf("false alerts %+v", fa)
	}
	if want := 3 / (r.BorderKm / 100 * r.Hours); math.Abs(fa.Per100KmH-want) > 1e-3 {
		t.Errorf("per 100 km·h %v, want %v", fa.Per100KmH, want)
	}

	// Tracks: T5 → T6 on wld-F is an id switch; T7 leaving wld-G and
	// coming back is a fragmentation.
	wantTracks := TrackStats{Confirmed: 7, Fragmentations: 1, IDSwitches: 1}
	if r.Tracks != wantTracks {
		t.Errorf("tracks %+v, want %+v", r.Tracks, wantTracks)
	}
	if r.GOSPA.Samples != 121 || r.GOSPA.CM != 50 || r.GOSPA.P != 2 || r.GOSPA.Alpha != 2 {
		t.Errorf("gospa %+v", r.GOSPA)
	}

	wantMissed := []Miss{
		{Actor: "inf-B", ActorType: "infiltrator", Time: at(4, 0), Direction: "inbound", Sector: "S06", Why: "late"},
		{Actor: "smg-C", ActorType: "smuggler", Time: at(6, 0), Direction: "outbound", Sector: "S06", Why: "no track"},
		{Actor: "inf-D", ActorType: "infiltrator", Time: at(8, 0), Direction: "inbound", Sector: "S06", Why: "no detection"},
	}
	if !reflect.DeepEqual(r.Missed, wantMissed) || r.MissedTotal != 3 {
		t.Errorf("missed %+v", r.Missed)
	}
}

func at(m, s int) time.Time {
	return time.Date(2026, 11, 23, 20, m, s, 0, time.UTC)
}

// TestScoreGOSPA: two stationary animals seen every second for a minute;
// one track 10 m from the first, none for the second. Every one of the 13
// samples has localisation 10² and one miss at c²/2.
func TestScoreGOSPA(t *testing.T) {
	r := scoreFiles(t, "gospa-truth.ndjson", "gospa-tracks.ndjson", "")
	d := geo.Distance(geo.LatLon{Lat: 34.4, Lon: 40.95}, geo.LatLon{Lat: 34.4000901, Lon: 40.95})
	g := r.GOSPA
	if math.Abs(d-10) > 0.01 || g.Samples != 13 {
		t.Fatalf("distance %v, %d samples", d, g.Samples)
	}
	if math.Abs(g.Localisation-d*d) > 1e-3 || math.Abs(g.Localisation-100) > 0.2 || g.Missed != 1250 || g.False != 0 {
		t.Errorf("parts %+v", g)
	}
	if want := math.Sqrt(d*d + 1250); math.Abs(g.Mean-want) > 1e-3 {
		t.Errorf("mean %v, want %v", g.Mean, want)
	}
	if r.Tracks != (TrackStats{Confirmed: 1}) || r.Recall.Crossings != 0 || r.Recall.Value != nil || r.Warning.MedianS != nil {
		t.Errorf("%+v %+v", r.Tracks, r.Recall)
	}
}

func TestReportOutputs(t *testing.T) {
	r := scoreFiles(t, "truth.ndjson", "tracks.ndjson", "alerts.ndjson")
	var text bytes.Buffer
	if err := r.Text(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"25.0% of 4 hostile crossings caught (inbound 1/3, outbound 0/1; detectable 1/3)",
		"median 90 s, 10th percentile 90 s over 1 caught",
		"3 true, 3 false",
		"1 fragmentations, 1 id switches",
		"inf-B", "late", "no track", "no detection",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if n := strings.Count(text.String(), "\n"); n > 20 {
		t.Errorf("%d lines of text", n)
	}
	body, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	for _, path := range [][]string{
		{"recall", "value"}, {"recall", "inbound", "caught"}, {"recall", "detectable", "crossings"},
		{"warning", "median_s"}, {"warning", "foot_3km", "median_s"}, {"false_alerts", "per_100km_h"},
		{"false_alerts", "by_rule"}, {"gospa", "c_m"}, {"gospa", "localisation"}, {"tracks", "id_switches"},
		{"tracks", "hostile_fragmentations"}, {"true_alerts"}, {"border_km"}, {"hours"},
	} {
		var v any = m
		for _, k := range path {
			mm, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object", path)
			}
			if v, ok = mm[k]; !ok {
				t.Fatalf("JSON lacks %v", path)
			}
		}
	}
}

func TestScoreBadInput(t *testing.T) {
	good := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	truth, tracks, alerts := good("truth.ndjson"), good("tracks.ndjson"), good("alerts.ndjson")
	lines := func(b []byte) []string { return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") }
	replace := func(b []byte, n int, line string) []byte {
		l := lines(b)
		l[n-1] = line
		return []byte(strings.Join(l, "\n") + "\n")
	}
	cases := []struct {
		name                 string
		truth, tracks, alert []byte
		want                 string
	}{
		{"no scenario first", replace(truth, 1, `{"type":"actor","actor":"x","time":"2026-11-23T20:00:00Z","actor_type":"wildlife"}`), tracks, alerts,
			`truth:1: type: the first record must be the scenario`},
		{"other theater", replace(truth, 1, `{"type":"scenario","time":"2026-11-23T20:00:00Z","until":"2026-11-23T20:10:00Z","theater":"elsewhere"}`), tracks, alerts,
			`truth:1: theater: the truth is of theater "elsewhere"`},
		{"truth not JSON", replace(truth, 5, `{"type":`), tracks, alerts, "truth:5: not a ground-truth record"},
		{"unknown truth type", replace(truth, 5, `{"type":"rumour","actor":"inf-A","time":"2026-11-23T20:00:00Z"}`), tracks, alerts, `truth:5: type: unknown "rumour"`},
		{"actor unknown", replace(truth, 5, `{"type":"position","actor":"ghost","time":"2026-11-23T20:00:00Z","lat":34,"lon":41}`), tracks, alerts, `truth:5: actor: "ghost" has no actor record`},
		{"bad direction", replace(truth, 5, `{"type":"crossing","actor":"inf-A","time":"2026-11-23T20:00:00Z","lat":34,"lon":41,"direction":"up"}`), tracks, alerts, `truth:5: direction: unknown "up"`},
		{"bad position", replace(truth, 5, `{"type":"position","actor":"inf-A","time":"2026-11-23T20:00:00Z","lat":134,"lon":41}`), tracks, alerts, "truth:5: position: lat"},
		{"bad track line", truth, replace(tracks, 7, strings.Replace(lines(tracks)[6], `"lat":3`, `"lat":9`, 1)), alerts, "tracks:7: lat: must be -90..90"},
		{"bad alert line", truth, tracks, replace(alerts, 2, strings.Replace(lines(alerts)[1], `"id":5`, `"id":0`, 1)), "alerts:2: id: must be at least 1"},
		{"empty truth", nil, tracks, alerts, "truth: no records"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Score(testTheater(t), bytes.NewReader(c.truth), bytes.NewReader(c.tracks), bytes.NewReader(c.alert), Options{})
			if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant %q", err, c.want)
			}
		})
	}
	if _, err := Score(testTheater(t), bytes.NewReader(truth), bytes.NewReader(tracks), bytes.NewReader(alerts), Options{GOSPAAlpha: 1}); errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "GOSPAAlpha") {
		t.Fatalf("alpha 1: %v", err)
	}
}

func TestPercentile(t *testing.T) {
	cases := []struct {
		in   []float64
		q    float64
		want float64
	}{
		{[]float64{5}, 0.1, 5},
		{[]float64{1, 2, 3, 4}, 0.5, 2.5},
		{[]float64{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, 0.1, 10},
		{[]float64{-30, 90, 100}, 0.1, -6},
	}
	for _, c := range cases {
		if got := percentile(c.in, c.q); got == nil || *got != c.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", c.in, c.q, got, c.want)
		}
	}
	if percentile(nil, 0.5) != nil {
		t.Error("percentile of nothing is not nil")
	}
}
