package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// gpsBatch is a patrol's GPS fixes, one a second for n seconds ending at
// end, walking north from (lat, lon).
func gpsBatch(sensor string, lat, lon float64, n int, end time.Time) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		at := end.Add(time.Duration(i-n+1) * time.Second)
		fmt.Fprintf(&b, `{"sensor":%q,"seq":%d,"time":%q,"kind":"patrol_gps","position":{"lat":%.6f,"lon":%.6f},"accuracy_m":4,"confidence":1,"velocity":{"east_mps":0,"north_mps":1.5}}`,
			sensor, i+1, at.UTC().Format(time.RFC3339Nano), lat+float64(i)*1.5/111_000, lon)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func postTestObservations(t *testing.T, base string, body []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/api/v1/observations", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	authorize(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		var msg bytes.Buffer
		_, _ = msg.ReadFrom(resp.Body)
		t.Fatalf("post observations: %d %s", resp.StatusCode, msg.String())
	}
}

// replayed is what a replay stream held.
type replayed struct {
	progress int
	tracks   []struct {
		ID    string `json:"id"`
		Unit  string `json:"unit"`
		Trail []struct {
			Lat float64 `json:"lat"`
		} `json:"trail"`
	}
}

func replayAt(t *testing.T, base string, at time.Time) (int, replayed, string) {
	t.Helper()
	code, body := get(t, base+"/api/v1/replay?at="+url.QueryEscape(at.UTC().Format(time.RFC3339Nano)))
	var out replayed
	if code != 200 {
		return code, out, string(body)
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var line struct {
			Type    string          `json:"type"`
			Message string          `json:"message"`
			Tracks  json.RawMessage `json:"tracks"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("replay line %q: %v", sc.Text(), err)
		}
		switch line.Type {
		case "progress":
			out.progress++
		case "snapshot":
			if err := json.Unmarshal(line.Tracks, &out.tracks); err != nil {
				t.Fatal(err)
			}
		case "error":
			t.Fatalf("replay error: %s", line.Message)
		}
	}
	return code, out, string(body)
}

// TestReplayEndpoint: the picture at a past time, rebuilt from the real
// event log, holds the tracks that existed then and not those that came
// later.
func TestReplayEndpoint(t *testing.T) {
	m := startMain(t)
	base := m.URL()
	th := m.theater.Theater()
	a := th.Cameras[100].Position
	b := th.Cameras[800].Position

	if code, _, body := replayAt(t, base, time.Now().Add(-time.Minute)); code != 400 || !strings.Contains(body, "at: ") {
		t.Errorf("replay of an empty log: %d %s, want 400 naming at", code, body)
	}

	postTestObservations(t, base, gpsBatch("PATROL-A", a.Lat, a.Lon, 12, time.Now()))
	time.Sleep(1100 * time.Millisecond)
	between := time.Now()
	time.Sleep(1100 * time.Millisecond)
	postTestObservations(t, base, gpsBatch("PATROL-B", b.Lat, b.Lon, 12, time.Now()))

	units := func(r replayed) map[string]int {
		out := map[string]int{}
		for _, tr := range r.tracks {
			out[tr.Unit] = len(tr.Trail)
		}
		return out
	}
	code, then, body := replayAt(t, base, between)
	if code != 200 {
		t.Fatalf("replay at %s: %d %s", between, code, body)
	}
	got := units(then)
	if got["PATROL-A"] == 0 || len(then.tracks) != 1 {
		t.Errorf("replay between the batches: tracks %v, want PATROL-A's alone with its trail\n%s", got, body)
	}
	if then.progress == 0 {
		t.Errorf("replay between the batches sent no progress line")
	}

	code, now, body := replayAt(t, base, time.Now())
	if code != 200 {
		t.Fatalf("replay now: %d %s", code, body)
	}
	got = units(now)
	if got["PATROL-A"] == 0 || got["PATROL-B"] == 0 {
		t.Errorf("replay after both batches: tracks %v, want PATROL-A and PATROL-B\n%s", got, body)
	}

	if code, _, body := replayAt(t, base, time.Now().Add(-2*time.Hour)); code != 400 || !strings.Contains(body, "before the event log's first record") {
		t.Errorf("replay before the first record: %d %s, want 400", code, body)
	}
}

// TestProgressEstimate: a replay's estimate of the observations its window
// holds, and how often it reports.
func TestProgressEstimate(t *testing.T) {
	from := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	to := from.Add(10 * time.Minute)

	// By time: a quarter of the window read holds a quarter of it.
	e := progressEstimate{from: from, to: to}
	if !e.add(1000, from.Add(150*time.Second), 1) {
		t.Error("the first batch is not reported")
	}
	if e.total != 4000 {
		t.Errorf("by time: total %d after a quarter of the window, want 4000", e.total)
	}

	// By messages when the window reaches the log's end: 10 of 40
	// messages read.
	e = progressEstimate{from: from, to: to, lastSeq: 140}
	e.add(500, from.Add(time.Second), 101)
	e.add(500, from.Add(time.Second), 110)
	if e.total != 4000 {
		t.Errorf("by messages: total %d after 10 of 40 messages, want 4000", e.total)
	}

	// Reports come every 2 % of the estimate, at most every 50,000
	// observations.
	e = progressEstimate{from: from, to: to, lastSeq: 1_000_000}
	reports := 0
	for seq := uint64(1); seq <= 1_000_000; seq += 100 {
		if e.add(1000, from, seq) {
			reports++
		}
	}
	if reports < 150 || reports > 260 {
		t.Errorf("%d reports for 10M observations, want one per 50,000 (about 200)", reports)
	}
}
