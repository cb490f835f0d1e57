package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/pipeline"
)

func TestNewNeedsTheater(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without a theater: want an error")
	}
}

func TestFirstMessageIsSnapshot(t *testing.T) {
	th := embeddedTheater(t)
	h := newHub(t, func(c *Config) {
		c.Picture = picture{"T-1": {{Time: t0, Lat: 34.1, Lon: 40.9}, {Time: t0.Add(time.Second), Lat: 34.2, Lon: 40.95}}}
	})
	h.PublishTracks([]fusion.Update{update(fusion.UpdateConfirmed, trackAt(th, "T-1", 200e3, -1000, 0, 0, t0))})
	h.applyTracks()
	h.PublishAlert(change(7, alert.KindRaised, alert.StateNew))

	c := h.Join(0)
	defer c.Close()
	m := next(t, c)
	if m.Type != TypeSnapshot || m.Seq != h.Seq() {
		t.Fatalf("first message %s seq %d, want a snapshot at %d", m.Type, m.Seq, h.Seq())
	}
	if len(m.Tracks) != 1 || m.Tracks[0].ID != "T-1" || len(m.Tracks[0].Trail) != 2 {
		t.Fatalf("snapshot tracks %+v, want T-1 with its 2-point trail", m.Tracks)
	}
	if len(m.Alerts) != 1 || m.Alerts[0].ID != 7 {
		t.Fatalf("snapshot alerts %+v, want alert 7", m.Alerts)
	}
	nothingPending(t, c)
}

func TestDeltaCoalescesLatestWins(t *testing.T) {
	th := embeddedTheater(t)
	h := newHub(t, nil)
	c := h.Join(0)
	defer c.Close()
	next(t, c) // the snapshot

	// Two pipeline steps before the hub runs, then two hub batches before
	// the client reads: the client gets one state of each track, the
	// newest.
	a1 := trackAt(th, "T-1", 200e3, 3000, 0, 1, t0)
	a2 := trackAt(th, "T-1", 200e3, 2900, 0, 1, t0.Add(time.Second))
	b1 := trackAt(th, "T-2", 300e3, 5000, 0, 1, t0)
	h.PublishTracks([]fusion.Update{update(fusion.UpdateConfirmed, a1), update(fusion.UpdateConfirmed, b1)})
	h.PublishTracks([]fusion.Update{update(fusion.UpdateMeasured, a2)})
	h.applyTracks()
	a3 := trackAt(th, "T-1", 200e3, 2800, 0, 1, t0.Add(2*time.Second))
	h.PublishTracks([]fusion.Update{update(fusion.UpdateMeasured, a3)})
	h.applyTracks()

	m := next(t, c)
	if m.Type != TypeTracks || m.Seq != h.Seq() {
		t.Fatalf("got %s seq %d, want tracks at %d", m.Type, m.Seq, h.Seq())
	}
	got := map[string]decodedTrack{}
	for _, tr := range m.Tracks {
		if _, dup := got[tr.ID]; dup {
			t.Fatalf("track %s twice in one delta", tr.ID)
		}
		if tr.Trail != nil {
			t.Fatalf("delta repeats the trail of %s", tr.ID)
		}
		got[tr.ID] = tr
	}
	if len(got) != 2 || !got["T-1"].Time.Equal(a3.Time) || !got["T-2"].Time.Equal(b1.Time) {
		t.Fatalf("delta %+v, want T-1 at %v and T-2 at %v", m.Tracks, a3.Time, b1.Time)
	}
	nothingPending(t, c)
}

func TestDeletionAfterUpdate(t *testing.T) {
	th := embeddedTheater(t)
	h := newHub(t, nil)
	c := h.Join(0)
	defer c.Close()
	next(t, c)

	a := trackAt(th, "T-1", 200e3, 3000, 0, 1, t0)
	h.PublishTracks([]fusion.Update{update(fusion.UpdateConfirmed, a)})
	h.applyTracks()
	if m := next(t, c); len(m.Tracks) != 1 {
		t.Fatalf("want T-1, got %+v", m)
	}

	// Updated and deleted in one step, and updated then deleted in two hub
	// batches the client has not read: only the deletion arrives.
	b := trackAt(th, "T-2", 250e3, 3000, 0, 1, t0)
	h.PublishTracks([]fusion.Update{update(fusion.UpdateMeasured, a), update(fusion.UpdateDeleted, a)})
	h.PublishTracks([]fusion.Update{update(fusion.UpdateConfirmed, b)})
	h.applyTracks()
	h.PublishTracks([]fusion.Update{update(fusion.UpdateMerged, b)})
	h.applyTracks()
	m := next(t, c)
	if len(m.Tracks) != 0 || !slices.Equal(m.Deleted, []string{"T-1", "T-2"}) {
		t.Fatalf("want T-1 and T-2 deleted and no tracks, got %+v", m)
	}
	c2 := h.Join(0)
	defer c2.Close()
	if s := next(t, c2); len(s.Tracks) != 0 {
		t.Fatalf("a snapshot after the deletions holds %+v", s.Tracks)
	}
}

func TestOrderBySeq(t *testing.T) {
	th := embeddedTheater(t)
	h := newHub(t, nil)
	c := h.Join(0)
	defer c.Close()
	next(t, c)

	h.PublishAlert(change(1, alert.KindRaised, alert.StateNew))
	h.PublishTracks([]fusion.Update{update(fusion.UpdateConfirmed, trackAt(th, "T-1", 200e3, 3000, 0, 1, t0))})
	h.applyTracks()
	h.PublishAlert(change(1, alert.KindAcknowledged, alert.StateAcknowledged))
	h.heartbeat()
	var types []string
	var last uint64
	for range 4 {
		m := next(t, c)
		if m.Seq <= last {
			t.Fatalf("seq %d after %d", m.Seq, last)
		}
		last = m.Seq
		types = append(types, m.Type)
	}
	if want := []string{TypeAlert, TypeTracks, TypeAlert, TypeHeartbeat}; !slices.Equal(types, want) {
		t.Fatalf("messages %v, want %v", types, want)
	}
}

func TestOverflowForcesSnapshotWithEveryAlert(t *testing.T) {
	th := embeddedTheater(t)
	h := newHub(t, func(c *Config) { c.QueueLength = 4 })
	c := h.Join(0)
	defer c.Close()
	next(t, c)

	h.PublishTracks([]fusion.Update{update(fusion.UpdateConfirmed, trackAt(th, "T-1", 200e3, 3000, 0, 1, t0))})
	h.applyTracks()
	for id := int64(1); id <= 10; id++ {
		h.PublishAlert(change(id, alert.KindRaised, alert.StateNew))
	}
	h.PublishAlert(change(3, alert.KindDismissed, alert.StateDismissed))
	m := next(t, c)
	if m.Type != TypeSnapshot || m.Seq != h.Seq() {
		t.Fatalf("after the overflow: %s seq %d, want a snapshot at %d", m.Type, m.Seq, h.Seq())
	}
	var ids []int64
	for _, a := range m.Alerts {
		ids = append(ids, a.ID)
		if a.ID == 3 && a.State != alert.StateDismissed {
			t.Fatalf("alert 3 is %s in the snapshot, want dismissed", a.State)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Fatalf("snapshot alerts %v, want 1 to 10", ids)
	}
	if len(m.Tracks) != 1 {
		t.Fatalf("snapshot tracks %+v, want T-1", m.Tracks)
	}
	nothingPending(t, c)
}

func TestResume(t *testing.T) {
	h := newHub(t, func(c *Config) { c.RingLength = 4 })
	h.PublishAlert(change(1, alert.KindRaised, alert.StateNew))
	from := h.Seq()
	h.PublishAlert(change(2, alert.KindRaised, alert.StateNew))
	h.heartbeat()
	h.PublishAlert(change(1, alert.KindAcknowledged, alert.StateAcknowledged))

	t.Run("within the ring", func(t *testing.T) {
		c := h.Join(from)
		defer c.Close()
		a, b, s := next(t, c), next(t, c), next(t, c)
		if a.Type != TypeAlert || a.Alert.ID != 2 || b.Type != TypeAlert || b.Kind != alert.KindAcknowledged {
			t.Fatalf("resumed alerts %+v, %+v; want alert 2 raised and alert 1 acknowledged", a, b)
		}
		if s.Type != TypeSnapshot || s.Seq != h.Seq() || len(s.Alerts) != 2 {
			t.Fatalf("after the missed alerts: %+v, want a snapshot", s)
		}
		nothingPending(t, c)
	})
	t.Run("up to date", func(t *testing.T) {
		c := h.Join(h.Seq())
		defer c.Close()
		if s := next(t, c); s.Type != TypeSnapshot {
			t.Fatalf("got %s, want a snapshot", s.Type)
		}
	})
	t.Run("beyond the ring", func(t *testing.T) {
		for id := int64(3); id <= 6; id++ {
			h.PublishAlert(change(id, alert.KindRaised, alert.StateNew))
		}
		c := h.Join(from)
		defer c.Close()
		s := next(t, c)
		if s.Type != TypeSnapshot || len(s.Alerts) != 6 {
			t.Fatalf("got %s with %d alerts, want a full snapshot with 6", s.Type, len(s.Alerts))
		}
		nothingPending(t, c)
	})
	t.Run("from another server", func(t *testing.T) {
		for _, seq := range []uint64{1, h.Seq() + 1000} {
			c := h.Join(seq)
			if s := next(t, c); s.Type != TypeSnapshot {
				t.Fatalf("resume %d: got %s, want a snapshot", seq, s.Type)
			}
			nothingPending(t, c)
			c.Close()
		}
	})
}

func TestClosedAlertsLeaveAfterAnHour(t *testing.T) {
	now := t0
	var mu sync.Mutex
	h := newHub(t, func(c *Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	ch := change(1, alert.KindResolved, alert.StateResolved)
	at := t0
	ch.Alert.ResolvedAt = &at
	h.PublishAlert(ch)
	h.PublishAlert(change(2, alert.KindRaised, alert.StateNew))
	mu.Lock()
	now = t0.Add(59 * time.Minute)
	mu.Unlock()
	c := h.Join(0)
	if s := next(t, c); len(s.Alerts) != 2 {
		t.Fatalf("after 59 minutes the snapshot has %d alerts, want 2", len(s.Alerts))
	}
	c.Close()
	mu.Lock()
	now = t0.Add(61 * time.Minute)
	mu.Unlock()
	h.heartbeat()
	c = h.Join(0)
	defer c.Close()
	if s := next(t, c); len(s.Alerts) != 1 || s.Alerts[0].ID != 2 {
		t.Fatalf("after 61 minutes the snapshot has %+v, want alert 2 only", s.Alerts)
	}
}

func TestHeartbeat(t *testing.T) {
	h := newHub(t, func(c *Config) { c.Heartbeat = 10 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	c := h.Join(0)
	next(t, c)
	for range 3 {
		if m := next(t, c); m.Type != TypeHeartbeat || m.Time.IsZero() {
			t.Fatalf("got %+v, want a heartbeat", m)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := c.Next(context.Background()); err != ErrClosed {
		t.Fatalf("after the hub stopped, Next: %v, want ErrClosed", err)
	}
	if c := h.Join(0); func() error { _, err := c.Next(context.Background()); return err }() != ErrClosed {
		t.Fatal("a client joining a stopped hub is not closed")
	}
}

func TestPrediction(t *testing.T) {
	th := embeddedTheater(t)
	v := viewer{th: th, horizon: DefaultHorizon}
	const chainage = 200e3
	in := th.Border.TowardIraq(chainage, 250)
	for _, tc := range []struct {
		name        string
		dist, az, v float64
		wantETA     float64 // seconds; 0 for none
	}{
		{"toward Iraq from Syria", -1000, in, 1.5, 1000 / 1.5},
		{"toward Syria from Iraq", 600, in + 180, 2, 300},
		{"away from the line", -1000, in + 180, 1.5, 0},
		{"beyond the horizon", -5000, in, 1, 0},
		{"standing", -100, in, 0.05, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := trackAt(th, "T-1", chainage, tc.dist, tc.az, tc.v, t0)
			tv := v.View(&tr)
			if tc.wantETA == 0 {
				if tv.Predicted != nil {
					t.Fatalf("predicted %+v, want none", tv.Predicted)
				}
				return
			}
			p := tv.Predicted
			if p == nil {
				t.Fatal("no prediction")
			}
			eta := p.Time.Sub(t0).Seconds()
			if math.Abs(eta-tc.wantETA) > 0.05*tc.wantETA {
				t.Fatalf("crossing in %.0f s, want about %.0f", eta, tc.wantETA)
			}
			if d := math.Abs(th.SignedDistance(geo.LatLon{Lat: p.Lat, Lon: p.Lon})); d > 1 {
				t.Fatalf("predicted point %v is %.1f m off the line", p, d)
			}
			if !(p.SigmaS > 0) {
				t.Fatalf("sigma %v, want positive", p.SigmaS)
			}
		})
	}
}

func TestSnapshotTrailIsCapped(t *testing.T) {
	th := embeddedTheater(t)
	var trail []pipeline.TrailPoint
	for i := range 50 {
		trail = append(trail, pipeline.TrailPoint{Time: t0.Add(time.Duration(i) * time.Second), Lat: 34, Lon: 41})
	}
	h := newHub(t, func(c *Config) { c.Picture = picture{"T-1": trail}; c.TrailLength = 5 })
	h.PublishTracks([]fusion.Update{update(fusion.UpdateConfirmed, trackAt(th, "T-1", 200e3, 3000, 0, 1, t0))})
	h.applyTracks()
	c := h.Join(0)
	defer c.Close()
	s := next(t, c)
	if got := s.Tracks[0].Trail; len(got) != 5 || !got[4].Time.Equal(trail[49].Time) {
		t.Fatalf("trail %+v, want the last 5 points", got)
	}
}

// TestConcurrent publishes tracks and alerts, joins and leaves at once;
// run it under -race. Every client that keeps reading ends up with every
// alert's latest state.
func TestConcurrent(t *testing.T) {
	th := embeddedTheater(t)
	h := newHub(t, func(c *Config) { c.QueueLength = 8; c.Heartbeat = time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runDone := make(chan error, 1)
	go func() { runDone <- h.Run(ctx) }()

	const alerts = 300
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 200 {
			var us []fusion.Update
			for k := range 20 {
				us = append(us, update(fusion.UpdateMeasured, trackAt(th, fmt.Sprintf("T-%d", k), 200e3+float64(k)*1e3, 3000, 0, 1, t0.Add(time.Duration(i)*time.Second))))
			}
			if i%50 == 49 {
				us = append(us, update(fusion.UpdateDeleted, trackAt(th, "T-0", 200e3, 3000, 0, 1, t0)))
			}
			h.PublishTracks(us)
		}
	}()
	go func() {
		defer wg.Done()
		for id := int64(1); id <= alerts; id++ {
			h.PublishAlert(change(id, alert.KindRaised, alert.StateNew))
		}
	}()
	type state map[int64]alert.State
	results := make(chan state, 4)
	for range 4 {
		go func() {
			c := h.Join(0)
			defer c.Close()
			have := state{}
			for len(have) < alerts {
				mctx, mcancel := context.WithTimeout(ctx, 5*time.Second)
				m, err := c.Next(mctx)
				mcancel()
				if err != nil {
					results <- have
					return
				}
				c.Sent(m)
				var msg message
				if err := json.Unmarshal(m.Data, &msg); err != nil {
					results <- nil
					return
				}
				switch msg.Type {
				case TypeSnapshot:
					have = state{}
					for _, a := range msg.Alerts {
						have[a.ID] = a.State
					}
				case TypeAlert:
					have[msg.Alert.ID] = msg.Alert.State
				}
			}
			results <- have
		}()
	}
	for range 20 {
		c := h.Join(h.Seq() - 1)
		c.Close()
	}
	wg.Wait()
	for range 4 {
		if have := <-results; len(have) != alerts {
			t.Fatalf("a client ended with %d alerts, want %d", len(have), alerts)
		}
	}
	cancel()
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}
}

// Run applies the published track updates at most every TrackEvery: a
// track updated many times within it is viewed and sent once, its latest
// state.
func TestRunPacesTrackUpdates(t *testing.T) {
	th := embeddedTheater(t)
	h := newHub(t, func(c *Config) { c.TrackEvery = 300 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	before := h.Seq()
	const steps = 20
	var last fusion.Track
	for i := range steps {
		last = trackAt(th, "T-1", 200e3, 3000-float64(i)*10, 0, 1, t0.Add(time.Duration(i)*time.Second))
		h.PublishTracks([]fusion.Update{update(fusion.UpdateMeasured, last)})
		time.Sleep(10 * time.Millisecond)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := h.Join(0)
		m := next(t, c)
		c.Close()
		if len(m.Tracks) == 1 && m.Tracks[0].Time.Equal(last.Time) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub never showed the latest state of T-1: %+v", m.Tracks)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// 20 publications over about 200 ms: one application at once and one
	// or two when the interval is up; applying at every publication would
	// make 20.
	if n := h.Seq() - before; n < 1 || n > 4 {
		t.Errorf("%d publications applied in %d batches, want 1 to 4", steps, n)
	}
}
