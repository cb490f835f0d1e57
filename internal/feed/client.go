package feed

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"raqib/internal/jsonw"
)

// The message types.
const (
	TypeSnapshot  = "snapshot"
	TypeTracks    = "tracks"
	TypeAlert     = "alert"
	TypeHeartbeat = "heartbeat"
)

// Message is one encoded message for a client.
type Message struct {
	Type string
	Seq  uint64
	Data []byte
	// Since is when the oldest state the message carries reached the hub;
	// zero when not measured (snapshots, heartbeats, resumed alerts).
	Since time.Time
}

// Client is one console's connection to the hub: a bounded queue of alert
// messages, the newest state of each track changed since the last
// message, the deletions, and the latest heartbeat. The hub adds to it
// under Client.mu and never waits; the connection's writer takes from it
// with Next.
type Client struct {
	hub    *Hub
	notify chan struct{}

	mu sync.Mutex
	// preface holds a resumed client's missed alert messages, sent before
	// its snapshot.
	preface []Message
	// snap asks for a fresh snapshot; while it is set nothing else is
	// queued, as the snapshot will hold it.
	snap    bool
	alerts  []Message
	tracks  map[string][]byte
	deleted map[string]struct{}
	// trackSeq and trackTime are the seq and time of the newest batch
	// pending; trackSince when its oldest state reached the hub.
	trackSeq   uint64
	trackTime  time.Time
	trackSince time.Time
	// single is the one batch pending when nothing else was: its message,
	// encoded once, serves every client that keeps up.
	single    *batch
	heartbeat Message
	closed    bool
}

func newClient(h *Hub) *Client {
	return &Client{
		hub:     h,
		notify:  make(chan struct{}, 1),
		tracks:  map[string][]byte{},
		deleted: map[string]struct{}{},
	}
}

// Close removes the client from the hub.
func (c *Client) Close() {
	c.hub.leave(c)
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}

// wakeUp tells the writer something is pending. Callers hold mu.
func (c *Client) wakeUp() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// shut ends the client: Next returns ErrClosed.
func (c *Client) shut() {
	c.mu.Lock()
	c.closed = true
	c.wakeUp()
	c.mu.Unlock()
}

// reset forgets everything pending. Callers hold mu.
func (c *Client) reset() {
	c.snap = false
	clear(c.alerts)
	c.alerts = c.alerts[:0]
	clear(c.tracks)
	clear(c.deleted)
	c.trackSeq = 0
	c.trackTime, c.trackSince = time.Time{}, time.Time{}
	c.single = nil
	c.heartbeat = Message{}
}

// forceSnapshot drops what is pending and asks for a fresh snapshot.
func (c *Client) forceSnapshot() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.snap {
		c.reset()
		c.snap = true
		c.hub.metrics.forced.Inc()
	}
	c.wakeUp()
}

// addAlert queues an alert message; a full queue is dropped for a fresh
// snapshot.
func (c *Client) addAlert(m Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap || c.closed {
		return
	}
	if len(c.alerts) >= c.hub.cfg.QueueLength {
		c.reset()
		c.snap = true
		c.hub.metrics.forced.Inc()
		c.wakeUp()
		return
	}
	c.alerts = append(c.alerts, m)
	c.wakeUp()
}

// addTracks merges a batch of track states and deletions, latest-wins.
func (c *Client) addTracks(b *batch, items []delivery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap || c.closed {
		return
	}
	if len(c.tracks) == 0 && len(c.deleted) == 0 {
		c.single = b
	} else {
		c.single = nil
	}
	coalesced := 0
	for i := range items {
		d := &items[i]
		if _, ok := c.tracks[d.id]; ok {
			coalesced++
		}
		c.tracks[d.id] = d.view
		if c.trackSince.IsZero() || d.at.Before(c.trackSince) {
			c.trackSince = d.at
		}
	}
	for _, id := range b.dels {
		if _, ok := c.tracks[id]; ok {
			delete(c.tracks, id)
			coalesced++
		}
		c.deleted[id] = struct{}{}
	}
	if coalesced > 0 {
		c.hub.metrics.coalesced.Add(float64(coalesced))
	}
	c.trackSeq, c.trackTime = b.seq, b.time
	c.wakeUp()
}

// setHeartbeat replaces the pending heartbeat.
func (c *Client) setHeartbeat(m Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap || c.closed {
		return
	}
	c.heartbeat = m
	c.wakeUp()
}

// Next waits for the next message: a resumed client's missed alerts, a
// snapshot when one is due, then alert messages, the pending track states
// and the heartbeat in the order of their seqs. It returns ErrClosed once
// the hub has stopped, or ctx's error.
func (c *Client) Next(ctx context.Context) (Message, error) {
	for {
		m, ok, err := c.take()
		if err != nil || ok {
			return m, err
		}
		select {
		case <-c.notify:
		case <-ctx.Done():
			return Message{}, ctx.Err()
		}
	}
}

// take returns what is pending, if anything.
func (c *Client) take() (Message, bool, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return Message{}, false, ErrClosed
	}
	if len(c.preface) > 0 {
		m := c.preface[0]
		c.preface = c.preface[1:]
		c.mu.Unlock()
		return m, true, nil
	}
	if c.snap {
		c.mu.Unlock()
		return c.hub.snapshot(c), true, nil
	}
	// The pending source with the lowest seq goes first, so a client sees
	// seqs rise.
	const none = ^uint64(0)
	alertSeq, trackSeq, hbSeq := none, none, none
	if len(c.alerts) > 0 {
		alertSeq = c.alerts[0].Seq
	}
	if len(c.tracks) > 0 || len(c.deleted) > 0 {
		trackSeq = c.trackSeq
	}
	if c.heartbeat.Data != nil {
		hbSeq = c.heartbeat.Seq
	}
	switch {
	case alertSeq != none && alertSeq < trackSeq && alertSeq < hbSeq:
		m := c.alerts[0]
		c.alerts[0] = Message{}
		c.alerts = c.alerts[1:]
		if len(c.alerts) == 0 {
			c.alerts = c.alerts[:0:0]
		}
		c.mu.Unlock()
		return m, true, nil
	case trackSeq != none && trackSeq < hbSeq && c.single != nil:
		b := c.single
		c.single = nil
		clear(c.tracks)
		clear(c.deleted)
		c.trackSince = time.Time{}
		c.mu.Unlock()
		return b.message(), true, nil
	case trackSeq != none && trackSeq < hbSeq:
		views := make([][]byte, 0, len(c.tracks))
		size := 96
		for _, v := range c.tracks {
			views = append(views, v)
			size += len(v) + 1
		}
		dels := make([]string, 0, len(c.deleted))
		for id := range c.deleted {
			dels = append(dels, id)
			size += len(id) + 3
		}
		seq, at, since := c.trackSeq, c.trackTime, c.trackSince
		clear(c.tracks)
		clear(c.deleted)
		c.trackSince = time.Time{}
		c.mu.Unlock()
		return encodeTracks(seq, at, since, views, dels, size), true, nil
	case hbSeq != none:
		m := c.heartbeat
		c.heartbeat = Message{}
		c.mu.Unlock()
		return m, true, nil
	}
	c.mu.Unlock()
	return Message{}, false, nil
}

// batch is one step's track states and deletions, as the hub encoded
// them.
type batch struct {
	seq   uint64
	time  time.Time
	since time.Time
	views [][]byte
	dels  []string
	once  sync.Once
	msg   Message
}

// message returns the batch as one tracks message, encoding it on the
// first call.
func (b *batch) message() Message {
	b.once.Do(func() {
		size := 96
		for _, v := range b.views {
			size += len(v) + 1
		}
		for _, id := range b.dels {
			size += len(id) + 3
		}
		b.msg = encodeTracks(b.seq, b.time, b.since, b.views, slices.Clone(b.dels), size)
	})
	return b.msg
}

// encodeTracks builds a tracks message from encoded views.
func encodeTracks(seq uint64, at, since time.Time, views [][]byte, dels []string, size int) Message {
	slices.Sort(dels)
	msg := make([]byte, 0, size)
	msg = append(msg, `{"type":"tracks","seq":`...)
	msg = strconv.AppendUint(msg, seq, 10)
	msg = append(msg, `,"time":"`...)
	msg = at.UTC().AppendFormat(msg, time.RFC3339Nano)
	msg = append(msg, `","tracks":[`...)
	for i, v := range views {
		if i > 0 {
			msg = append(msg, ',')
		}
		msg = append(msg, v...)
	}
	msg = append(msg, `],"deleted":[`...)
	for i, id := range dels {
		if i > 0 {
			msg = append(msg, ',')
		}
		msg = jsonw.AppendString(msg, id)
	}
	msg = append(msg, "]}"...)
	return Message{Type: TypeTracks, Seq: seq, Data: msg, Since: since}
}

// Sent records that m was written to the client: the messages sent by
// type and the lag of the state it carried.
func (c *Client) Sent(m Message) {
	met := c.hub.metrics
	met.sent.WithLabelValues(m.Type).Inc()
	if !m.Since.IsZero() {
		met.lag.Observe(time.Since(m.Since).Seconds())
	}
}
