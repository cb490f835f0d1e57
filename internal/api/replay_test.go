package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/api"
	"raqib/internal/errs"
	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/pipeline"
	"raqib/internal/rules"
)

// fakeReplayer answers every replay with its tracks, after reporting
// progress, or with its error.
type fakeReplayer struct {
	mu     sync.Mutex
	tracks []api.ReplayTrack
	first  time.Time // the log's first record
	fail   error     // returned after the progress
	calls  []replayCall
}

type replayCall struct {
	at     time.Time
	window time.Duration
}

func (f *fakeReplayer) Replay(ctx context.Context, at time.Time, window time.Duration, progress func(done, total int)) ([]api.ReplayTrack, error) {
	f.mu.Lock()
	f.calls = append(f.calls, replayCall{at, window})
	f.mu.Unlock()
	if at.Before(f.first) {
		return nil, errs.E(errs.Invalid, "at: %s is before the event log's first record", at.Format(time.RFC3339))
	}
	progress(50, 100)
	progress(100, 100)
	if f.fail != nil {
		return nil, f.fail
	}
	return f.tracks, nil
}

// replayLine is any line of a replay stream.
type replayLine struct {
	Type    string    `json:"type"`
	Done    int       `json:"done"`
	Total   int       `json:"total"`
	Message string    `json:"message"`
	Time    time.Time `json:"time"`
	Tracks  []struct {
		ID    string                `json:"id"`
		Trail []pipeline.TrailPoint `json:"trail"`
	} `json:"tracks"`
	Alerts []alert.Alert `json:"alerts"`
}

func readReplay(t *testing.T, body []byte) []replayLine {
	t.Helper()
	var out []replayLine
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var l replayLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("replay line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// raiseAt raises an alert of a new track whose event happened at t.
func raiseAt(t *testing.T, f *fixture, track string, at time.Time) alert.Alert {
	t.Helper()
	th := embeddedTheater(t)
	x := th.Crossings[0]
	ev := rules.Event{Rule: rules.RuleApproach, Phase: rules.PhaseBegin, Severity: rules.SeverityHigh,
		Track: track, Time: at, Pos: x.Position, Sector: x.Sector,
		Class: fusion.ClassPerson, Count: 1, Summary: "person heading for the line"}
	ch, err := f.alerts.Handle(system(), []rules.Event{ev}, 1)
	if err != nil || len(ch) != 1 {
		t.Fatalf("raise %s: %+v %v", track, ch, err)
	}
	return ch[0].Alert
}

func TestReplay(t *testing.T) {
	th := embeddedTheater(t)
	pos := th.Crossings[0].Position
	now := time.Now().UTC().Truncate(time.Second)
	at := now.Add(-30 * time.Minute)
	trail := []pipeline.TrailPoint{{Time: at.Add(-2 * time.Second), Lat: pos.Lat, Lon: pos.Lon}, {Time: at, Lat: pos.Lat + 0.001, Lon: pos.Lon}}
	fake := &fakeReplayer{first: now.Add(-2 * time.Hour), tracks: []api.ReplayTrack{
		{Track: fusion.Track{ID: "T-1", Time: at, Pos: geo.LatLon{Lat: pos.Lat + 0.001, Lon: pos.Lon}, Status: fusion.StatusConfirmed}, Trail: trail},
		{Track: fusion.Track{ID: "T-2", Time: at, Pos: pos, Status: fusion.StatusCoasting}},
	}}
	f := newFixtureWith(t, options{alerts: true, replay: fake})

	before := raiseAt(t, f, "T-1", at.Add(-5*time.Minute))
	after := raiseAt(t, f, "T-9", at.Add(5*time.Minute))
	closedLater := raiseAt(t, f, "T-3", at.Add(-10*time.Minute))
	if _, err := f.alerts.Dismiss(cli(), closedLater.ID, "a herd of goats", "test"); err != nil {
		t.Fatal(err)
	}

	code, hdr, body := f.do(t, "GET", "/api/v1/replay?at="+url.QueryEscape(at.Format(time.RFC3339))+"&window=20m", "")
	if code != 200 {
		t.Fatalf("replay: %d %s", code, body)
	}
	if ct := hdr.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type %q, want application/x-ndjson", ct)
	}
	lines := readReplay(t, body)
	if len(lines) != 3 || lines[0].Type != "progress" || lines[1].Type != "progress" || lines[2].Type != "snapshot" {
		t.Fatalf("replay lines: %+v", lines)
	}
	if lines[0].Done != 50 || lines[0].Total != 100 {
		t.Errorf("first progress %+v, want 50 of 100", lines[0])
	}
	snap := lines[2]
	if !snap.Time.Equal(at) {
		t.Errorf("snapshot time %s, want %s", snap.Time, at)
	}
	if len(snap.Tracks) != 2 || snap.Tracks[0].ID != "T-1" || len(snap.Tracks[0].Trail) != 2 {
		t.Errorf("snapshot tracks %+v", snap.Tracks)
	}
	got := map[int64]alert.State{}
	for _, a := range snap.Alerts {
		got[a.ID] = a.State
	}
	if _, ok := got[after.ID]; ok {
		t.Errorf("alert %d raised after at is in the snapshot", after.ID)
	}
	if got[before.ID] != alert.StateNew {
		t.Errorf("alert %d raised before at: state %q, want new", before.ID, got[before.ID])
	}
	if got[closedLater.ID] != alert.StateNew {
		t.Errorf("alert %d dismissed after at: state %q in the snapshot, want new (its state then)", closedLater.ID, got[closedLater.ID])
	}
	if len(fake.calls) != 1 || !fake.calls[0].at.Equal(at) || fake.calls[0].window != 20*time.Minute {
		t.Errorf("replayer called with %+v", fake.calls)
	}

	// An alert closed before at is not in the picture of at.
	f.clock.Advance(time.Minute)
	code, _, body = f.do(t, "GET", "/api/v1/replay?at="+url.QueryEscape(f.clock.Now().Format(time.RFC3339)), "")
	if code != 200 {
		t.Fatalf("replay now: %d %s", code, body)
	}
	lines = readReplay(t, body)
	for _, a := range lines[len(lines)-1].Alerts {
		if a.ID == closedLater.ID {
			t.Errorf("alert %d dismissed before at is in the snapshot (state %s)", a.ID, a.State)
		}
	}
	if fake.calls[1].window != api.DefaultReplayWindow {
		t.Errorf("default window %s, want %s", fake.calls[1].window, api.DefaultReplayWindow)
	}
}

func TestReplayBadArguments(t *testing.T) {
	now := time.Now().UTC()
	fake := &fakeReplayer{first: now.Add(-time.Hour)}
	f := newFixtureWith(t, options{replay: fake})
	rfc := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339)) }
	cases := []struct {
		query   string
		mention string
	}{
		{"", "at: required"},
		{"at=yesterday", `at: "yesterday" is not an RFC 3339 time`},
		{"at=" + rfc(now.Add(time.Hour)), "in the future"},
		{"at=" + rfc(now.Add(-2*time.Hour)), "before the event log's first record"},
		{"at=" + rfc(now.Add(-time.Minute)) + "&window=2h", "window"},
		{"at=" + rfc(now.Add(-time.Minute)) + "&window=-5m", "window"},
		{"at=" + rfc(now.Add(-time.Minute)) + "&window=soon", "window"},
	}
	for _, tc := range cases {
		code, _, body := f.do(t, "GET", "/api/v1/replay?"+tc.query, "")
		if code != http.StatusBadRequest {
			t.Errorf("?%s: %d %s, want 400", tc.query, code, body)
			continue
		}
		e := decode[errorBody](t, body)
		if !strings.Contains(e.Error.Message, tc.mention) {
			t.Errorf("?%s: %q does not mention %q", tc.query, e.Error.Message, tc.mention)
		}
		if !strings.HasPrefix(tc.mention, "window") && !strings.HasPrefix(e.Error.Message, "at: ") {
			t.Errorf("?%s: %q does not name at", tc.query, e.Error.Message)
		}
	}
}

func TestReplayFailures(t *testing.T) {
	now := time.Now().UTC()
	q := "/api/v1/replay?at=" + url.QueryEscape(now.Add(-time.Minute).Format(time.RFC3339))

	// Without a replayer: 503.
	f := newFixture(t)
	if code, _, body := f.do(t, "GET", q, ""); code != http.StatusServiceUnavailable {
		t.Errorf("no replayer: %d %s, want 503", code, body)
	}

	// A failure once the stream has begun ends it with an error line.
	f = newFixtureWith(t, options{replay: &fakeReplayer{first: now.Add(-time.Hour), fail: errs.E(errs.Unavailable, "event log unavailable")}})
	code, _, body := f.do(t, "GET", q, "")
	if code != 200 {
		t.Fatalf("failing replay: %d %s", code, body)
	}
	lines := readReplay(t, body)
	last := lines[len(lines)-1]
	if last.Type != "error" || last.Message != "event log unavailable" {
		t.Errorf("last line %+v, want the error", last)
	}

	// Without credentials: 401.
	resp := f.request(t, cred{}, "GET", q, "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous replay: %d, want 401", resp.StatusCode)
	}
}
