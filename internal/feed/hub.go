// Package feed is the live picture's fan-out to the operators' consoles:
// the hub that the pipeline feeds with track updates and the alert service
// with alert changes, and one bounded queue per client. Each track's view
// is computed and encoded once per update, not once per client. Track
// states are latest-wins: a slow client gets only the newest state of each
// track. Alert changes are never dropped: a client whose alert queue
// overflows loses its queue and gets a fresh snapshot instead. Publishing
// never waits for a client.
//
// Lock order: Hub.inMu alone (the pipeline's side); Hub.mu, then
// Client.mu.
package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"raqib/internal/alert"
	"raqib/internal/fusion"
	"raqib/internal/jsonw"
	"raqib/internal/pipeline"
	"raqib/internal/theater"
)

// Picture gives the trails of a snapshot's tracks: the pipeline's live
// picture.
type Picture interface {
	Track(id string) (fusion.Track, []pipeline.TrailPoint, bool)
}

// AlertSource is the alert service as the hub uses it: one subscription
// without a rate cap for the changes, and the list for the alerts the
// first snapshot holds.
type AlertSource interface {
	Subscribe(console string, ratePerMinute int) *alert.Subscription
	List(ctx context.Context, f alert.Filter) ([]alert.Alert, error)
}

// Config assembles a hub. Zero fields take the defaults.
type Config struct {
	Theater *theater.Theater
	// Picture gives the trails of a snapshot's tracks; nil sends none.
	Picture Picture
	// Alerts is subscribed to by Run; nil leaves the hub to what
	// PublishAlert is given.
	Alerts AlertSource
	// Heartbeat is the interval of the heartbeat messages (5 s).
	Heartbeat time.Duration
	// QueueLength bounds each client's queue of alert messages (512).
	QueueLength int
	// RingLength is how many recent alert messages are kept for clients
	// that resume (1024).
	RingLength int
	// TrailLength is how many past positions a snapshot gives each track
	// (20).
	TrailLength int
	// Horizon is how far ahead a border crossing is predicted (30 min).
	Horizon time.Duration
	// ClosedFor is how long a closed alert stays in the snapshots (1 h).
	ClosedFor time.Duration
	// TrackEvery is the least time between two applications of the
	// published track updates (100 ms): a track updated several times
	// within it is viewed and encoded once. Alert changes never wait.
	TrackEvery time.Duration
	// Now is the clock of the messages' times; nil is time.Now.
	Now     func() time.Time
	Logger  *slog.Logger
	Metrics *Metrics
}

// The defaults.
const (
	DefaultHeartbeat   = 5 * time.Second
	DefaultQueueLength = 512
	DefaultRingLength  = 1024
	DefaultTrailLength = 20
	DefaultHorizon     = 30 * time.Minute
	DefaultClosedFor   = time.Hour
	DefaultTrackEvery  = 100 * time.Millisecond
)

// ErrClosed is returned by Client.Next once the hub has stopped.
var ErrClosed = errors.New("the live feed has stopped")

// Hub holds the live picture as the consoles see it and fans it out.
type Hub struct {
	cfg     Config
	view    viewer
	logger  *slog.Logger
	metrics *Metrics
	wake    chan struct{}

	// inMu guards the updates published and not yet encoded, coalesced
	// latest-wins. Run swaps the maps with the spare ones.
	inMu       sync.Mutex
	inbox      map[string]inTrack
	inDel      map[string]struct{}
	spareIn    map[string]inTrack
	spareDel   map[string]struct{}
	deliveries []delivery

	mu      sync.RWMutex
	seq     uint64
	tracks  map[string][]byte
	alerts  map[int64]*alertEntry
	ring    []ringEntry // circular, ringLen entries from ringHead
	ringHd  int
	ringLen int
	// evicted is the seq of the newest alert message no longer in the
	// ring: a client resuming from before it has missed something.
	evicted uint64
	clients map[*Client]struct{}
	stopped bool
}

type inTrack struct {
	track fusion.Track
	at    time.Time
}

// delivery is one encoded track state of a batch.
type delivery struct {
	id   string
	view []byte
	at   time.Time
}

type alertEntry struct {
	data   []byte
	closed time.Time // zero while open
}

type ringEntry struct {
	seq uint64
	msg []byte
}

// New builds a hub. Its first seq is the clock's microseconds, so that the
// seqs of a restarted server are above those of the one before and a
// client resuming across a restart gets a full snapshot.
func New(cfg Config) (*Hub, error) {
	if cfg.Theater == nil {
		return nil, errors.New("feed: no theater")
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.QueueLength <= 0 {
		cfg.QueueLength = DefaultQueueLength
	}
	if cfg.RingLength <= 0 {
		cfg.RingLength = DefaultRingLength
	}
	if cfg.TrailLength <= 0 {
		cfg.TrailLength = DefaultTrailLength
	}
	if cfg.Horizon <= 0 {
		cfg.Horizon = DefaultHorizon
	}
	if cfg.ClosedFor <= 0 {
		cfg.ClosedFor = DefaultClosedFor
	}
	if cfg.TrackEvery <= 0 {
		cfg.TrackEvery = DefaultTrackEvery
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	first := uint64(max(cfg.Now().UnixMicro(), 1))
	return &Hub{
		cfg:      cfg,
		view:     viewer{th: cfg.Theater, horizon: cfg.Horizon},
		logger:   cfg.Logger.With("component", "feed"),
		metrics:  cfg.Metrics,
		wake:     make(chan struct{}, 1),
		inbox:    map[string]inTrack{},
		inDel:    map[string]struct{}{},
		spareIn:  map[string]inTrack{},
		spareDel: map[string]struct{}{},
		seq:      first,
		evicted:  first,
		tracks:   map[string][]byte{},
		alerts:   map[int64]*alertEntry{},
		ring:     make([]ringEntry, cfg.RingLength),
		clients:  map[*Client]struct{}{},
	}, nil
}

// Seq returns the seq of the hub's latest message.
func (h *Hub) Seq() uint64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.seq
}

// PublishTracks hands the hub the updates of one pipeline step. It only
// copies them into the inbox, latest-wins per track; Run computes and
// encodes the views and fans them out. It never waits for a client.
func (h *Hub) PublishTracks(us []fusion.Update) {
	if len(us) == 0 {
		return
	}
	now := time.Now()
	h.inMu.Lock()
	for i := range us {
		u := &us[i]
		id := u.Track.ID
		switch u.Kind {
		case fusion.UpdateDeleted, fusion.UpdateMerged:
			delete(h.inbox, id)
			h.inDel[id] = struct{}{}
			continue
		}
		in := inTrack{track: u.Track, at: now}
		if old, ok := h.inbox[id]; ok {
			in.at = old.at
		}
		in.track.Sensors = slices.Clone(u.Track.Sensors)
		h.inbox[id] = in
	}
	h.inMu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Run feeds the hub from the alert service (if configured), applies the
// published track updates and sends the heartbeats until ctx ends; then
// every client's Next returns ErrClosed.
func (h *Hub) Run(ctx context.Context) error {
	defer h.stop()
	var sub *alert.Subscription
	var changes <-chan alert.Change
	if h.cfg.Alerts != nil {
		sub = h.subscribe(ctx)
		changes = sub.C()
		defer func() { sub.Close() }()
	}
	tick := time.NewTicker(h.cfg.Heartbeat)
	defer tick.Stop()
	// Track updates are applied at most every TrackEvery: a wake within it
	// sets a timer for the rest.
	var applied time.Time
	var due <-chan time.Time
	apply := func() {
		due = nil
		h.applyTracks()
		applied = time.Now()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ch, ok := <-changes:
			if !ok {
				h.logger.Warn("alert subscription cut off; resubscribing", "err", sub.Err())
				sub = h.subscribe(ctx)
				changes = sub.C()
				continue
			}
			h.PublishAlert(ch)
		case <-h.wake:
			if due != nil {
				continue
			}
			if wait := h.cfg.TrackEvery - time.Since(applied); wait > 0 {
				due = time.After(wait)
				continue
			}
			apply()
		case <-due:
			apply()
		case <-tick.C:
			h.heartbeat()
		}
	}
}

// subscribe opens the alert subscription, then loads the alerts a
// snapshot holds and makes every client take a fresh snapshot. Changes
// made between the two are in the subscription's queue and are applied
// after, so the hub ends up with each alert's latest state.
func (h *Hub) subscribe(ctx context.Context) *alert.Subscription {
	sub := h.cfg.Alerts.Subscribe("live-feed", 0)
	list, err := h.loadAlerts(ctx)
	if err != nil {
		h.logger.Error("alerts for the live feed not loaded", "err", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range list {
		if err := h.setAlert(&list[i], h.cfg.Now()); err != nil {
			h.logger.Error("alert not encoded", "id", list[i].ID, "err", err)
		}
	}
	h.seq++
	// The ring may now miss changes: a resume from before here gets a
	// full snapshot.
	h.evicted = h.seq
	for c := range h.clients {
		c.forceSnapshot()
	}
	return sub
}

// loadAlerts reads the open alerts and those closed within ClosedFor (of
// those raised in the last day).
func (h *Hub) loadAlerts(ctx context.Context) ([]alert.Alert, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var out []alert.Alert
	page := func(f alert.Filter) error {
		f.Limit = alert.MaxLimit
		for range 100 {
			list, err := h.cfg.Alerts.List(ctx, f)
			if err != nil {
				return err
			}
			out = append(out, list...)
			if len(list) < alert.MaxLimit {
				return nil
			}
			f.Before = list[len(list)-1].ID
		}
		return nil
	}
	if err := page(alert.Filter{States: alert.OpenStates}); err != nil {
		return out, fmt.Errorf("list open alerts: %w", err)
	}
	now := h.cfg.Now()
	var closed []alert.Alert
	keep := len(out)
	if err := page(alert.Filter{States: []alert.State{alert.StateResolved, alert.StateDismissed}, Since: now.Add(-24 * time.Hour)}); err != nil {
		return out[:keep], fmt.Errorf("list closed alerts: %w", err)
	}
	for _, a := range out[keep:] {
		if a.ResolvedAt == nil || now.Sub(*a.ResolvedAt) <= h.cfg.ClosedFor {
			closed = append(closed, a)
		}
	}
	return append(out[:keep], closed...), nil
}

// setAlert records an alert's latest state. Callers hold mu.
func (h *Hub) setAlert(a *alert.Alert, now time.Time) error {
	data, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode alert %d: %w", a.ID, err)
	}
	e := &alertEntry{data: data}
	if !a.Open() {
		e.closed = now
		if a.ResolvedAt != nil {
			e.closed = *a.ResolvedAt
		}
	}
	h.alerts[a.ID] = e
	return nil
}

// PublishAlert fans one alert change out to every client and keeps it in
// the ring for clients that resume. Summaries and suppressed alerts are
// not alert states and are ignored.
func (h *Hub) PublishAlert(ch alert.Change) {
	if ch.Kind == alert.KindSummary || ch.Kind == alert.KindSuppressed || ch.Alert.ID == 0 {
		return
	}
	now := h.cfg.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.setAlert(&ch.Alert, now); err != nil {
		h.logger.Error("alert change not published", "id", ch.Alert.ID, "kind", ch.Kind, "err", err)
		return
	}
	h.seq++
	msg := make([]byte, 0, len(h.alerts[ch.Alert.ID].data)+64)
	msg = append(msg, `{"type":"alert","seq":`...)
	msg = strconv.AppendUint(msg, h.seq, 10)
	msg = append(msg, `,"kind":`...)
	msg = jsonw.AppendString(msg, ch.Kind)
	msg = append(msg, `,"alert":`...)
	msg = append(msg, h.alerts[ch.Alert.ID].data...)
	msg = append(msg, '}')
	h.pushRing(h.seq, msg)
	m := Message{Type: TypeAlert, Seq: h.seq, Data: msg, Since: time.Now()}
	for c := range h.clients {
		c.addAlert(m)
	}
}

// pushRing keeps an alert message for resumes. Callers hold mu.
func (h *Hub) pushRing(seq uint64, msg []byte) {
	n := len(h.ring)
	if h.ringLen == n {
		h.evicted = h.ring[h.ringHd].seq
		h.ringHd = (h.ringHd + 1) % n
		h.ringLen--
	}
	h.ring[(h.ringHd+h.ringLen)%n] = ringEntry{seq: seq, msg: msg}
	h.ringLen++
}

// applyTracks encodes the updates published since the last call, once
// each, and fans them out.
func (h *Hub) applyTracks() {
	h.inMu.Lock()
	in, del := h.inbox, h.inDel
	h.inbox, h.inDel = h.spareIn, h.spareDel
	h.inMu.Unlock()
	defer func() {
		clear(in)
		clear(del)
		h.inMu.Lock()
		h.spareIn, h.spareDel = in, del
		h.inMu.Unlock()
	}()
	if len(in) == 0 && len(del) == 0 {
		return
	}
	items := h.deliveries[:0]
	for id, t := range in {
		tv := h.view.View(&t.track)
		data, err := encodeView(&tv)
		if err != nil {
			h.logger.Error("track view not encoded", "track", id, "err", err)
			continue
		}
		items = append(items, delivery{id: id, view: data, at: t.at})
	}
	b := &batch{time: h.cfg.Now(), views: make([][]byte, len(items)), dels: make([]string, 0, len(del))}
	for i := range items {
		b.views[i] = items[i].view
		if b.since.IsZero() || items[i].at.Before(b.since) {
			b.since = items[i].at
		}
	}
	for id := range del {
		b.dels = append(b.dels, id)
	}
	h.mu.Lock()
	h.seq++
	b.seq = h.seq
	for i := range items {
		h.tracks[items[i].id] = items[i].view
	}
	for _, id := range b.dels {
		delete(h.tracks, id)
	}
	for c := range h.clients {
		c.addTracks(b, items)
	}
	h.mu.Unlock()
	clear(items)
	h.deliveries = items[:0]
}

// heartbeat sends every client a heartbeat and forgets the alerts closed
// longer than ClosedFor ago.
func (h *Hub) heartbeat() {
	now := h.cfg.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, e := range h.alerts {
		if !e.closed.IsZero() && now.Sub(e.closed) > h.cfg.ClosedFor {
			delete(h.alerts, id)
		}
	}
	h.seq++
	msg := fmt.Appendf(nil, `{"type":"heartbeat","seq":%d,"time":%q}`, h.seq, now.UTC().Format(time.RFC3339Nano))
	m := Message{Type: TypeHeartbeat, Seq: h.seq, Data: msg}
	for c := range h.clients {
		c.setHeartbeat(m)
	}
}

// stop ends every client.
func (h *Hub) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	for c := range h.clients {
		c.shut()
	}
}

// Join adds a client. With resume, the seq of the last message a
// reconnecting client applied, the client first gets the alert messages it
// missed if the ring still holds them all; every client then gets a fresh
// snapshot.
func (h *Hub) Join(resume uint64) *Client {
	c := newClient(h)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		c.shut()
		return c
	}
	if resume > 0 && resume >= h.evicted && resume <= h.seq {
		n := len(h.ring)
		for i := range h.ringLen {
			e := h.ring[(h.ringHd+i)%n]
			if e.seq > resume {
				c.preface = append(c.preface, Message{Type: TypeAlert, Seq: e.seq, Data: e.msg})
			}
		}
	}
	c.snap = true
	h.clients[c] = struct{}{}
	h.metrics.clients.Inc()
	return c
}

func (h *Hub) leave(c *Client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; ok {
		delete(h.clients, c)
		h.metrics.clients.Dec()
	}
}

// snapshot builds the client's snapshot: every live track with its trail
// and every alert not closed or closed within ClosedFor. Whatever was
// pending for the client is discarded, as the snapshot holds it.
func (h *Hub) snapshot(c *Client) Message {
	type ref struct {
		id   string
		view []byte
	}
	h.mu.RLock()
	seq := h.seq
	tracks := make([]ref, 0, len(h.tracks))
	for id, v := range h.tracks {
		tracks = append(tracks, ref{id, v})
	}
	now := h.cfg.Now()
	type aref struct {
		id   int64
		data []byte
	}
	alerts := make([]aref, 0, len(h.alerts))
	for id, e := range h.alerts {
		if e.closed.IsZero() || now.Sub(e.closed) <= h.cfg.ClosedFor {
			alerts = append(alerts, aref{id, e.data})
		}
	}
	c.mu.Lock()
	c.reset()
	c.mu.Unlock()
	h.mu.RUnlock()

	slices.SortFunc(tracks, func(a, b ref) int {
		if a.id < b.id {
			return -1
		}
		if a.id > b.id {
			return 1
		}
		return 0
	})
	slices.SortFunc(alerts, func(a, b aref) int { return int(min(max(b.id-a.id, -1), 1)) })
	size := 128
	for _, t := range tracks {
		size += len(t.view) + 60*h.cfg.TrailLength
	}
	for _, a := range alerts {
		size += len(a.data) + 1
	}
	msg := make([]byte, 0, size)
	msg = append(msg, `{"type":"snapshot","seq":`...)
	msg = strconv.AppendUint(msg, seq, 10)
	msg = append(msg, `,"time":"`...)
	msg = now.UTC().AppendFormat(msg, time.RFC3339Nano)
	msg = append(msg, `","tracks":[`...)
	for i, t := range tracks {
		if i > 0 {
			msg = append(msg, ',')
		}
		var trail []pipeline.TrailPoint
		if h.cfg.Picture != nil {
			_, trail, _ = h.cfg.Picture.Track(t.id)
			trail = trail[max(0, len(trail)-h.cfg.TrailLength):]
		}
		msg = appendWithTrail(msg, t.view, trail)
	}
	msg = append(msg, `],"alerts":[`...)
	for i, a := range alerts {
		if i > 0 {
			msg = append(msg, ',')
		}
		msg = append(msg, a.data...)
	}
	msg = append(msg, "]}"...)
	return Message{Type: TypeSnapshot, Seq: seq, Data: msg}
}
