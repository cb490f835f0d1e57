package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"raqib/internal/alert"
	"raqib/internal/api"
	"raqib/internal/auth"
	"raqib/internal/feed"
	"raqib/internal/fusion"
	"raqib/internal/rules"

	"github.com/coder/websocket"
)

// feedFixture is a fixture whose server also runs the live feed, its hub
// fed by the fixture's alert service.
type feedFixture struct {
	*fixture
	hub    *feed.Hub
	reg    *prometheus.Registry
	url    string // the feed's ws:// URL
	srvURL string // the server's http:// URL
}

func newFeedFixture(t testing.TB, change func(*feed.Config)) *feedFixture {
	t.Helper()
	f := newFixtureWith(t, options{alerts: true})
	reg := prometheus.NewRegistry()
	cfg := feed.Config{Theater: embeddedTheater(t), Alerts: f.alerts, Metrics: feed.NewMetrics(reg)}
	if change != nil {
		change(&cfg)
	}
	hub, err := feed.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hub.Run(ctx) }()
	// A picture that is also the API's live picture serves GET
	// /api/v1/tracks too.
	pic, _ := cfg.Picture.(api.Tracks)
	srv := httptest.NewServer(api.New(api.Config{Theater: f.svc, Alerts: f.alerts, Feed: hub, Tracks: pic, Version: "test",
		Auth: api.ServiceAuthenticator{Service: f.auth}, Now: f.clock.Now, Registry: reg}))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return &feedFixture{fixture: f, hub: hub, reg: reg, srvURL: srv.URL, url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/feed"}
}

// dial opens the feed with the credentials and extra headers.
func dial(ctx context.Context, url string, c cred, header http.Header) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	for k, v := range header {
		h[k] = v
	}
	req, _ := http.NewRequest("GET", "http://x", nil)
	c.set(req)
	for k, v := range req.Header {
		h[k] = v
	}
	conn, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
	if conn != nil {
		conn.SetReadLimit(256 << 20)
	}
	return conn, resp, err
}

// feedMessage is any feed message, decoded as the tests need it.
type feedMessage struct {
	Type    string        `json:"type"`
	Seq     uint64        `json:"seq"`
	Kind    string        `json:"kind"`
	Alert   *alert.Alert  `json:"alert"`
	Alerts  []alert.Alert `json:"alerts"`
	Message string        `json:"message"`
	Tracks  []struct {
		ID   string    `json:"id"`
		Time time.Time `json:"time"`
	} `json:"tracks"`
}

func readMessage(ctx context.Context, conn *websocket.Conn) (feedMessage, error) {
	var m feedMessage
	typ, data, err := conn.Read(ctx)
	if err != nil {
		return m, err
	}
	if typ != websocket.MessageText {
		return m, fmt.Errorf("a %v frame, want text", typ)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("decode %.200s: %w", data, err)
	}
	return m, nil
}

// alertsHeld folds a feed's messages into the alerts a console holds.
type alertsHeld map[int64]alert.State

func (h alertsHeld) apply(m *feedMessage) {
	switch m.Type {
	case feed.TypeSnapshot:
		clear(h)
		for _, a := range m.Alerts {
			h[a.ID] = a.State
		}
	case feed.TypeAlert:
		h[m.Alert.ID] = m.Alert.State
	}
}

func TestFeedRefusals(t *testing.T) {
	f := newFeedFixture(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name   string
		c      cred
		header http.Header
		query  string
		status int
	}{
		{"no credentials", cred{}, nil, "", http.StatusUnauthorized},
		{"a revoked-looking token", cred{token: "rqb_nope_nope"}, nil, "", http.StatusUnauthorized},
		{"another origin", f.admin, http.Header{"Origin": {"https://evil.example"}}, "", http.StatusForbidden},
		{"a bad resume", f.admin, nil, "?resume=minus-one", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, resp, err := dial(ctx, f.url+tc.query, tc.c, tc.header)
			if err == nil {
				conn.CloseNow()
				t.Fatal("the feed opened")
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("refusal %v (%v), want %d", resp, err, tc.status)
			}
		})
	}
	t.Run("same origin", func(t *testing.T) {
		origin := "http" + strings.TrimSuffix(strings.TrimPrefix(f.url, "ws"), "/api/v1/feed")
		conn, _, err := dial(ctx, f.url, f.admin, http.Header{"Origin": {origin}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		if m, err := readMessage(ctx, conn); err != nil || m.Type != feed.TypeSnapshot {
			t.Fatalf("first message %+v, %v; want a snapshot", m, err)
		}
	})
	t.Run("not running", func(t *testing.T) {
		plain := newFixture(t)
		if code, _, body := plain.do(t, "GET", "/api/v1/feed", ""); code != http.StatusServiceUnavailable {
			t.Fatalf("without a hub: %d %s", code, body)
		}
	})
}

// TestFeedTrackIsTheAPIsTrack: a snapshot's track is the object GET
// /api/v1/tracks/{id} answers, trail and predicted crossing included.
func TestFeedTrackIsTheAPIsTrack(t *testing.T) {
	th := embeddedTheater(t)
	now := time.Now().UTC()
	s := th.Sectors[3]
	toward := th.Border.TowardIraq(s.From()+5000, 250)
	vel := func(az, speed float64) fusion.Velocity {
		sin, cos := math.Sincos(az * math.Pi / 180)
		return fusion.Velocity{East: speed * sin, North: speed * cos}
	}
	live := tracks{
		{ID: "T-1", Time: now, Pos: th.Border.OffsetPoint(s.From()+5000, -800, 250), Vel: vel(toward, 1.4),
			PosCov: [3]float64{30, 2, 20}, VelCov: [3]float64{0.1, 0, 0.1}, Status: fusion.StatusConfirmed,
			Class: fusion.ClassPerson, ClassProb: [3]float64{0.7, 0.2, 0.1}, Count: 3, Born: now.Add(-time.Minute),
			LastSeen: now, Hits: 9, Sensors: []string{"CAM-001", "CAM-002"}},
		{ID: "X-7", Time: now, Pos: th.Border.OffsetPoint(s.From()+9000, 4000, 250), Vel: vel(toward, 6),
			Status: fusion.StatusCoasting, Class: fusion.ClassVehicle, ClassProb: [3]float64{0.1, 0.85, 0.05}, Count: 1,
			Friendly: true, Unit: "patrol <7> & co", Born: now, LastSeen: now, Hits: 1},
	}
	f := newFeedFixture(t, func(c *feed.Config) { c.Picture = live })
	var us []fusion.Update
	for _, tr := range live {
		us = append(us, fusion.Update{Kind: fusion.UpdateMeasured, Track: tr})
	}
	f.hub.PublishTracks(us)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var snap struct {
		Type   string           `json:"type"`
		Tracks []map[string]any `json:"tracks"`
	}
	for len(snap.Tracks) < len(live) {
		if ctx.Err() != nil {
			t.Fatal("the hub never had both tracks")
		}
		conn, _, err := dial(ctx, f.url, f.admin, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, data, err := conn.Read(ctx)
		conn.CloseNow()
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &snap); err != nil || snap.Type != feed.TypeSnapshot {
			t.Fatalf("first message %.300s: %v", data, err)
		}
	}
	for _, got := range snap.Tracks {
		id, _ := got["id"].(string)
		pred := got["predicted"]
		code, _, body := f.doAt(t, f.srvURL, "GET", "/api/v1/tracks/"+id)
		if code != 200 {
			t.Fatalf("GET track %s: %d %s", id, code, body)
		}
		want := decode[map[string]any](t, body)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("track %s:\nfeed %v\napi  %v", id, got, want)
		}
		if (id == "T-1") != (pred != nil) {
			t.Errorf("track %s: predicted %v", id, pred)
		}
	}
}

// doAt sends a GET as the administrator to another server.
func (f *feedFixture) doAt(t *testing.T, base, method, path string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.admin.set(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data := readAll(t, resp)
	return resp.StatusCode, resp.Header, data
}

// TestFeedEndsWhenSignedOut: the feed checks its credentials at every
// heartbeat and ends with an error message once the session is over.
func TestFeedEndsWhenSignedOut(t *testing.T) {
	f := newFeedFixture(t, func(c *feed.Config) { c.Heartbeat = 20 * time.Millisecond })
	f.addUser(t, "alice", auth.ForceArmy, "the long passphrase 1", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: s03(t)})
	c := f.login(t, "alice", "the long passphrase 1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := dial(ctx, f.url, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	for seen := map[string]bool{}; !seen[feed.TypeHeartbeat]; {
		m, err := readMessage(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		seen[m.Type] = true
	}
	if code, _, body := f.doAs(t, c, "DELETE", "/api/v1/session", ""); code != 204 {
		t.Fatalf("sign out: %d %s", code, body)
	}
	for {
		m, err := readMessage(ctx, conn)
		if err != nil {
			t.Fatalf("the feed ended without an error message: %v", err)
		}
		if m.Type == "error" {
			if !strings.Contains(m.Message, "signed out") {
				t.Errorf("error message %q", m.Message)
			}
			break
		}
	}
	_, err = readMessage(ctx, conn)
	if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("after the error message: %v, want a close with policy violation", err)
	}
}

// TestFeedStalledClient: a client that stops reading while tracks and
// alerts flow slows neither the publishing nor another client, and once
// it reads again it ends up holding every alert, as the alert service
// has them.
func TestFeedStalledClient(t *testing.T) {
	// Every round's tracks go out, to fill the stalled client's socket.
	f := newFeedFixture(t, func(c *feed.Config) { c.QueueLength = 32; c.TrackEvery = time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	th := embeddedTheater(t)
	sector := th.Sectors[4]

	stalled, _, err := dial(ctx, f.url, f.admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.CloseNow()
	stalledHeld := alertsHeld{}
	m, err := readMessage(ctx, stalled)
	if err != nil || m.Type != feed.TypeSnapshot {
		t.Fatalf("stalled client's first message %+v, %v", m, err)
	}
	stalledHeld.apply(&m)

	// The live client reads all along, measuring how old each track
	// state is when it arrives (a track's time is when it was published).
	live, _, err := dial(ctx, f.url, f.admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.CloseNow()
	var (
		mu       sync.Mutex
		lags     []time.Duration
		liveHeld = alertsHeld{}
	)
	liveDone := make(chan error, 1)
	go func() {
		for {
			m, err := readMessage(ctx, live)
			if err != nil {
				liveDone <- err
				return
			}
			now := time.Now()
			mu.Lock()
			liveHeld.apply(&m)
			if m.Type == feed.TypeTracks {
				for _, tr := range m.Tracks {
					lags = append(lags, now.Sub(tr.Time))
				}
			}
			mu.Unlock()
		}
	}()

	// The bounds are loose for a loaded CI machine under -race (a quiet
	// one sees a slowest publish of ms and a p99 lag near 130 ms); a
	// publish that waited for the stalled client would wait until the
	// test reads it again, far past them.
	const (
		rounds     = 40
		tracks     = 500
		perRound   = 10
		maxPublish = 3 * time.Second
		maxLag     = 5 * time.Second
	)
	var slowest time.Duration
	cursor := uint64(0)
	for r := range rounds {
		us := make([]fusion.Update, tracks)
		now := time.Now()
		for i := range us {
			pos := th.Border.OffsetPoint(sector.From()+float64(i)*10, 2000, 250)
			us[i] = fusion.Update{Kind: fusion.UpdateMeasured, Track: fusion.Track{
				ID: fmt.Sprintf("T-%04d", i), Time: now, Pos: pos, Vel: fusion.Velocity{East: 1, North: 0.5},
				PosCov: [3]float64{25, 0, 25}, Status: fusion.StatusConfirmed, Class: fusion.ClassPerson,
				ClassProb: [3]float64{0.8, 0.1, 0.1}, Count: 1, Born: now, LastSeen: now, Hits: r + 1, Sensors: []string{"CAM-001"}}}
		}
		t0 := time.Now()
		f.hub.PublishTracks(us)
		slowest = max(slowest, time.Since(t0))
		var events []rules.Event
		for k := range perRound {
			cursor++
			events = append(events, rules.Event{Rule: rules.RuleApproach, Phase: rules.PhaseBegin, Severity: rules.SeverityHigh,
				Track: fmt.Sprintf("T-%04d", r*perRound+k), Time: now, Pos: th.Border.OffsetPoint(sector.From()+float64(k)*100, 500, 250),
				Sector: sector.ID, Class: fusion.ClassPerson, Count: 1, Summary: "person heading for the line"})
		}
		if _, err := f.alerts.Handle(system(), events, cursor); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A few life-cycle changes as well, made through the API by an
	// operator of the sector.
	sectors, err := auth.SectorList(sector.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.addUser(t, "operator5", auth.ForceArmy, "", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: sectors})
	op := cred{token: f.issueToken(t, "operator5", auth.TokenScope{Roles: []auth.Role{auth.RoleOperator}, Sectors: sectors})}
	for id := int64(1); id <= 5; id++ {
		if code, _, body := f.doAs(t, op, "POST", fmt.Sprintf("/api/v1/alerts/%d/acknowledge", id), ""); code != 200 {
			t.Fatalf("acknowledge %d: %d %s", id, code, body)
		}
	}
	want, err := f.alerts.List(context.Background(), alert.Filter{Limit: alert.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != rounds*perRound {
		t.Fatalf("the alert service holds %d alerts, want %d", len(want), rounds*perRound)
	}
	holdsAll := func(held alertsHeld) bool {
		if len(held) != len(want) {
			return false
		}
		for _, a := range want {
			if held[a.ID] != a.State {
				return false
			}
		}
		return true
	}
	if slowest > maxPublish {
		t.Errorf("publishing took up to %v with a stalled client", slowest)
	}

	// The live client has everything promptly.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		ok := holdsAll(liveHeld)
		mu.Unlock()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the live client does not hold every alert")
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	p99 := percentile(lags, 0.99)
	n := len(lags)
	mu.Unlock()
	t.Logf("live client: %d track states, p99 lag %v; slowest publish %v", n, p99, slowest)
	if n == 0 || p99 > maxLag {
		t.Errorf("live client: %d track states, p99 lag %v", n, p99)
	}
	if forced := counter(t, f.reg, "raqib_feed_snapshots_forced_total"); forced < 1 {
		t.Errorf("no snapshot was forced: the stalled client's queue never overflowed")
	}

	// The stalled client reads again and catches up, through a fresh
	// snapshot: its queue overflowed while its socket was full.
	snapshots := 0
	for !holdsAll(stalledHeld) {
		m, err := readMessage(ctx, stalled)
		if err != nil {
			t.Fatalf("stalled client holds %d of %d alerts: %v", len(stalledHeld), len(want), err)
		}
		if m.Type == feed.TypeSnapshot {
			snapshots++
		}
		stalledHeld.apply(&m)
	}
	if snapshots == 0 {
		t.Error("the stalled client caught up without a forced snapshot")
	}
	stalled.Close(websocket.StatusNormalClosure, "")
	live.Close(websocket.StatusNormalClosure, "")
	if err := <-liveDone; err != nil && websocket.CloseStatus(err) == -1 && !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "closed") {
		t.Errorf("live client: %v", err)
	}
}

// counter reads a counter from the registry.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			return sum
		}
	}
	return 0
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(math.Ceil(p*float64(len(s))))-1)]
}

// BenchmarkFeed measures the feed end to end over real WebSockets on
// 127.0.0.1: a picture of 2,000 tracks, each updated once a second in
// twenty steps of a hundred, published through the hub and read by N
// clients. One op is one second of traffic, in real time. p99-lag-ms is
// how long a track state takes from its publishing to a client reading it
// (each state is stamped with the wall clock when published);
// cpu-ns/client-s and B/client-s are the whole process's CPU time and
// allocation (the server and the reading clients) per client and second.
// Each op takes a second: run with -benchtime=3x or so.
func BenchmarkFeed(b *testing.B) {
	th := embeddedTheater(b)
	const (
		tracks = 2000
		steps  = 20
	)
	updates := make([]fusion.Update, tracks)
	for i := range updates {
		updates[i] = fusion.Update{Kind: fusion.UpdateMeasured, Track: fusion.Track{
			ID: fmt.Sprintf("T-%04d", i), Pos: th.Border.OffsetPoint(10e3+float64(i)*250, 3000, 250),
			Vel: fusion.Velocity{East: 1, North: 0.5}, PosCov: [3]float64{25, 0, 25}, Status: fusion.StatusConfirmed,
			Class: fusion.ClassPerson, ClassProb: [3]float64{0.8, 0.1, 0.1}, Count: 1, Hits: 10, Sensors: []string{"CAM-001"}}}
	}
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			f := newFeedFixture(b, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var (
				mu   sync.Mutex
				lags []time.Duration
				wg   sync.WaitGroup
			)
			for range n {
				conn, _, err := dial(ctx, f.url, f.admin, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := conn.Read(ctx); err != nil { // the snapshot
					b.Fatal(err)
				}
				wg.Go(func() {
					defer conn.CloseNow()
					var mine []time.Duration
					defer func() {
						mu.Lock()
						lags = append(lags, mine...)
						mu.Unlock()
					}()
					for {
						_, data, err := conn.Read(ctx)
						if err != nil {
							return
						}
						mine = trackLags(mine, data, time.Now())
					}
				})
			}
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			cpu0 := cpuTime()
			b.ResetTimer()
			tick := time.NewTicker(time.Second / steps)
			defer tick.Stop()
			for b.Loop() {
				for k := range steps {
					<-tick.C
					now := time.Now()
					batch := updates[k*tracks/steps : (k+1)*tracks/steps]
					for i := range batch {
						batch[i].Track.Time, batch[i].Track.LastSeen = now, now
					}
					f.hub.PublishTracks(batch)
				}
			}
			b.StopTimer()
			cpu := cpuTime() - cpu0
			runtime.ReadMemStats(&ms1)
			time.Sleep(200 * time.Millisecond) // the last states reach the clients
			cancel()
			wg.Wait()
			clientSeconds := float64(b.N * n)
			b.ReportMetric(float64(percentile(lags, 0.99).Microseconds())/1000, "p99-lag-ms")
			b.ReportMetric(float64(percentile(lags, 0.5).Microseconds())/1000, "p50-lag-ms")
			b.ReportMetric(float64(cpu.Nanoseconds())/clientSeconds, "cpu-ns/client-s")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/clientSeconds, "B/client-s")
		})
	}
}

// trackLags appends, for every track state in a tracks message, how long
// ago it was published, scanning for the states' times without decoding
// the whole message.
func trackLags(dst []time.Duration, data []byte, now time.Time) []time.Duration {
	if !bytes.HasPrefix(data, []byte(`{"type":"tracks"`)) {
		return dst
	}
	const key = `","time":"`
	for {
		i := bytes.Index(data, []byte(`{"id":"`))
		if i < 0 {
			return dst
		}
		data = data[i+7:]
		j := bytes.Index(data, []byte(key))
		if j < 0 {
			return dst
		}
		data = data[j+len(key):]
		k := bytes.IndexByte(data, '"')
		if k < 0 {
			return dst
		}
		if t, err := time.Parse(time.RFC3339Nano, string(data[:k])); err == nil {
			dst = append(dst, now.Sub(t))
		}
	}
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
