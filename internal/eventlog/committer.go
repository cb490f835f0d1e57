package eventlog

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"raqib/internal/errs"
)

// queueLength is how many appends may wait for the committer before Append
// blocks (until its context ends).
const queueLength = 4096

// publishAttempts is how many times one message is sent when no
// acknowledgement comes back. Every attempt carries the same Nats-Msg-Id,
// so a message the server did store is not stored twice: the server answers
// the second send with the first one's sequence.
const publishAttempts = 2

// appendReq is one Append waiting for the committer.
type appendReq struct {
	kind    RecordKind
	payload []byte
	done    chan appendResult // buffered: the committer never blocks on it

	mu        sync.Mutex
	taken     bool // the committer copied the payload into a message
	abandoned bool // the caller gave up first: skip it
}

type appendResult struct {
	pos Position
	err error
}

// take marks the request as taken by the committer, unless its caller
// already gave up. It holds the request's lock while copy runs, so the
// caller never sees its payload read after Append returned.
func (r *appendReq) take(copyPayload func()) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.abandoned {
		return false
	}
	copyPayload()
	r.taken = true
	return true
}

// abandon marks the request as given up by its caller and reports whether
// it was still untouched (so certainly not stored).
func (r *appendReq) abandon() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.taken {
		return false
	}
	r.abandoned = true
	return true
}

// committer gathers appends into one message and publishes it: one
// goroutine, one publish in flight. While a publish waits for its
// acknowledgement the next appends queue up, so batches grow with the load
// by themselves; an optional window adds a wait for company after the
// first.
type committer struct {
	l          *Log
	reqs       chan *appendReq
	window     time.Duration
	flushBytes int
	maxMessage int
	timeout    time.Duration

	mu     sync.RWMutex // held shared by enqueue, exclusively by close
	closed bool
	quit   chan struct{}
	done   chan struct{}

	// Owned by the run goroutine.
	buf     []byte // headerSpace bytes of room, then the records
	batch   []*appendReq
	payload int        // payload bytes in batch
	carry   *appendReq // did not fit in the last message: first of the next
	failing bool       // the last publish failed
	timer   *time.Timer
	ids     *nuid.NUID
}

// headerSpace is the room kept at the front of buf for the container header,
// written once the count is known.
const headerSpace = containerHeaderMax

func newCommitter(l *Log) *committer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &committer{
		l:          l,
		reqs:       make(chan *appendReq, queueLength),
		window:     l.cfg.GroupCommitWindow,
		flushBytes: min(l.cfg.GroupCommitBytes, l.maxMessage),
		maxMessage: l.maxMessage,
		timeout:    l.cfg.PublishTimeout,
		quit:       make(chan struct{}),
		done:       make(chan struct{}),
		buf:        make([]byte, headerSpace, headerSpace+min(l.cfg.GroupCommitBytes, l.maxMessage)+4096),
		timer:      t,
		ids:        nuid.New(),
	}
}

// enqueue hands a request to the committer, waiting while the queue is full.
func (c *committer) enqueue(ctx context.Context, r *appendReq) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return errClosed
	}
	select {
	case c.reqs <- r:
		return nil
	case <-ctx.Done():
		return errs.E(errs.Unavailable, "event log unavailable: the append queue stayed full (%v)", ctx.Err())
	}
}

// close stops new appends and waits until every queued one is published.
func (c *committer) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	close(c.quit)
	<-c.done
}

func (c *committer) run() {
	defer close(c.done)
	for {
		first := c.next()
		if first == nil {
			return
		}
		c.gather(first)
		if len(c.batch) > 0 {
			c.commit()
		}
	}
}

// next returns the first request of the next message, or nil once the log
// is closed and the queue is empty.
func (c *committer) next() *appendReq {
	if r := c.carry; r != nil {
		c.carry = nil
		return r
	}
	select {
	case r := <-c.reqs:
		return r
	case <-c.quit:
		// No enqueue runs after quit is closed: what is queued is all.
		select {
		case r := <-c.reqs:
			return r
		default:
			return nil
		}
	}
}

// gather starts a message with first and adds queued requests until the
// window ends, the pending bytes reach flushBytes, or the next one does not
// fit.
func (c *committer) gather(first *appendReq) {
	c.buf = c.buf[:headerSpace]
	clear(c.batch)
	c.batch = c.batch[:0]
	c.payload = 0
	c.add(first)
	if c.window > 0 {
		c.timer.Reset(c.window)
		defer c.timer.Stop()
	}
	for len(c.buf)-headerSpace < c.flushBytes && len(c.batch) < maxContainerRecords {
		var r *appendReq
		if c.window > 0 {
			select {
			case r = <-c.reqs:
			case <-c.timer.C:
				return
			}
		} else {
			select {
			case r = <-c.reqs:
			default:
				return
			}
		}
		if len(c.buf)+recordOverhead+len(r.payload) > c.maxMessage {
			c.carry = r
			return
		}
		c.add(r)
	}
}

// add copies r's record into the message unless its caller gave up.
func (c *committer) add(r *appendReq) {
	if r.take(func() { c.buf = appendRecord(c.buf, r.kind, r.payload) }) {
		c.batch = append(c.batch, r)
		c.payload += len(r.payload)
	} else {
		c.l.stats.abandoned.Add(1)
	}
}

// commit publishes the gathered message and answers every request in it.
func (c *committer) commit() {
	var hdr [headerSpace]byte
	h := appendHeader(hdr[:0], len(c.batch))
	start := headerSpace - len(h)
	copy(c.buf[start:], h)
	body := c.buf[start:]

	var ack *jetstream.PubAck
	var err error = errStoreFault
	if !c.l.doctor.faulted.Load() {
		ack, err = c.publish(body)
	}
	if err != nil {
		if err != errStoreFault {
			err = publishError(err, c.timeout.String())
		}
		c.l.stats.failed.Add(uint64(len(c.batch)))
		// Log the change of state, not every refused batch of a full log.
		level := slog.LevelDebug
		if !c.failing {
			c.failing, level = true, slog.LevelWarn
		}
		c.l.log.Log(context.Background(), level, "event log refuses appends", "records", len(c.batch), "bytes", len(body), "err", err)
		for _, r := range c.batch {
			r.done <- appendResult{err: err}
		}
		return
	}
	if c.failing {
		c.failing = false
		c.l.log.Info("event log accepts appends again")
	}
	c.l.stats.recordBatch(len(c.batch), c.payload, len(body))
	for i, r := range c.batch {
		r.done <- appendResult{pos: Position{StreamSeq: ack.Sequence, Index: i}}
	}
}

// publish sends one message, again with the same id when no
// acknowledgement came.
func (c *committer) publish(body []byte) (*jetstream.PubAck, error) {
	id := c.ids.Next()
	var err error
	for attempt := range publishAttempts {
		msg := &nats.Msg{Subject: subjectRecords, Data: body, Header: nats.Header{}}
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		var ack *jetstream.PubAck
		ack, err = c.l.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(StreamName))
		cancel()
		if err == nil {
			if ack.Duplicate && attempt > 0 {
				c.l.log.Info("event log publish retried: the first attempt was stored", "seq", ack.Sequence)
			}
			return ack, nil
		}
		if !retryable(err) {
			if jetStreamGone(err) && c.l.doctor.check() {
				return nil, errStoreFault
			}
			break
		}
		if c.l.doctor.check() {
			return nil, errStoreFault
		}
		if attempt+1 == publishAttempts {
			break
		}
		c.l.log.Warn("event log publish not acknowledged: sending again", "attempt", attempt+1, "err", err)
	}
	return nil, err
}
