// Package eventlog is Raqib's durable log of observations: one NATS
// JetStream stream, served by a server embedded in the process (file store
// in a data directory) or by an external NATS server or cluster.
//
// Appends are gathered by one committer goroutine into a single JetStream
// message (a framed container of records, see container.go) so that one
// fsync acknowledges many observations; every caller waits until the
// message holding its record is stored. Replay reads the log back by time
// or from a position, and Subscribe follows its tail. Payloads are opaque
// bytes here: the sensor codec owns their encoding.
//
// docs/eventlog.md explains the stream's configuration and its measured
// cost.
package eventlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"raqib/internal/errs"
)

// Position is where a record sits in the log: the stream sequence of the
// message holding it and its index among that message's records. Positions
// order the log; the zero Position is before every record.
type Position struct {
	StreamSeq uint64
	Index     int
}

// Less reports whether p comes before q in the log.
func (p Position) Less(q Position) bool {
	if p.StreamSeq != q.StreamSeq {
		return p.StreamSeq < q.StreamSeq
	}
	return p.Index < q.Index
}

// String formats a position as "seq:index".
func (p Position) String() string { return fmt.Sprintf("%d:%d", p.StreamSeq, p.Index) }

// Record is one appended payload as read back from the log.
type Record struct {
	Kind     RecordKind
	Payload  []byte // aliases the message's buffer: keep it, never modify it
	Position Position
	Stored   time.Time // when the server stored the message holding the record
}

// Log is an open event log. Its methods are safe for concurrent use.
type Log struct {
	cfg    Config
	log    *slog.Logger
	srv    *server.Server // nil in external mode
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream

	maxMessage int // the largest message body the committer publishes
	maxRecord  int // the largest payload Append accepts

	committer *committer
	doctor    *doctor
	stats     stats

	subsMu sync.Mutex // after Subscription.mu in the lock order
	subs   map[*Subscription]struct{}

	closeOnce sync.Once
}

// Open starts (or connects to) the server, creates or updates the stream and
// starts the committer.
func Open(ctx context.Context, cfg Config) (*Log, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Log{cfg: cfg, log: cfg.Logger.With("component", "eventlog"), subs: map[*Subscription]struct{}{}}

	opts := []nats.Option{
		nats.Name("raqib eventlog"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		// No buffering while disconnected: a publish then fails at once
		// (Unavailable) rather than being sent, maybe, on reconnect.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: closed on purpose
				l.log.Warn("event log connection lost", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			l.log.Info("event log connection restored", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			l.log.Warn("event log connection error", "subject", subject, "err", err)
		}),
	}
	var err error
	if cfg.embedded() {
		var e *embedded
		if e, err = startEmbedded(ctx, cfg); err != nil {
			return nil, err
		}
		l.srv = e.srv
		l.nc, err = e.connect(opts)
	} else {
		if cfg.ClientListen != "" || cfg.SyncInterval != 0 || cfg.MaxStore != 0 {
			l.log.Warn("event log uses an external server: ClientListen, SyncInterval and MaxStore are the embedded server's and are ignored",
				"client_listen", cfg.ClientListen, "sync_interval", cfg.SyncInterval, "max_store", cfg.MaxStore)
		}
		l.nc, err = nats.Connect(cfg.URL, opts...)
		if err != nil {
			err = errs.E(errs.Unavailable, "event log unavailable: connect to %s: %v", redactURL(cfg.URL), err)
		}
	}
	if err != nil {
		l.shutdown()
		return nil, err
	}
	if l.js, err = jetstream.New(l.nc); err != nil {
		l.shutdown()
		return nil, fmt.Errorf("event log: jetstream context: %w", err)
	}
	if err := l.ensureStream(ctx); err != nil {
		l.shutdown()
		return nil, err
	}

	l.maxMessage = int(l.nc.MaxPayload()) - headerRoom
	l.maxRecord = l.maxMessage - containerHeaderMax - recordOverhead
	l.doctor = newDoctor(l)
	go l.doctor.run()
	l.committer = newCommitter(l)
	go l.committer.run()
	l.log.Info("event log open", "embedded", cfg.embedded(), "stream", StreamName,
		"sync_always", cfg.embedded() && cfg.SyncInterval == 0, "max_age", cfg.MaxAge, "max_message_bytes", l.maxMessage)
	return l, nil
}

// Append stores one record and returns its position once the message holding
// it is stored (and, with the default SyncInterval, fsynced). Concurrent
// appends share one message. The payload is copied before Append returns,
// whatever the outcome.
//
// A full log (a stream or server store limit reached) or an unreachable
// server gives an Unavailable error; nothing already stored is affected and
// appends succeed again by themselves once space returns. An error after
// the committer took the record (the deadline passed during the publish)
// means the record may or may not be stored: senders retry and the ingest
// dedupe drops the copy.
func (l *Log) Append(ctx context.Context, kind RecordKind, payload []byte) (Position, error) {
	if kind == 0 {
		return Position{}, errs.E(errs.Invalid, "event log: record kind 0 is reserved")
	}
	if len(payload) > l.maxRecord {
		return Position{}, errs.E(errs.TooLarge, "event log: record of %d bytes exceeds the limit of %d", len(payload), l.maxRecord)
	}
	r := &appendReq{kind: kind, payload: payload, done: make(chan appendResult, 1)}
	if err := l.committer.enqueue(ctx, r); err != nil {
		return Position{}, err
	}
	select {
	case res := <-r.done:
		return res.pos, res.err
	case <-ctx.Done():
		if r.abandon() {
			return Position{}, errs.E(errs.Unavailable, "event log unavailable: gave up before the record was written (%v)", ctx.Err())
		}
		return Position{}, errs.E(errs.Unavailable, "event log unavailable: gave up waiting for the acknowledgement (%v); the record may or may not be stored", ctx.Err())
	}
}

// Ping checks that the stream answers (and, embedded, that the server
// reports it healthy: a stream that hit a write error is not).
func (l *Log) Ping(ctx context.Context) error {
	if l.nc.IsClosed() {
		return errClosed
	}
	if l.doctor.faulted.Load() {
		return errStoreFault
	}
	if _, err := l.stream.Info(ctx); err != nil {
		return publishError(err, "the deadline")
	}
	if l.srv != nil {
		h := l.srv.Healthz(&server.HealthzOptions{Account: server.DEFAULT_GLOBAL_ACCOUNT, Stream: StreamName})
		if h != nil && h.Error != "" {
			return errs.E(errs.Unavailable, "event log unavailable: %s", h.Error)
		}
	}
	return nil
}

// ClientURL is the embedded server's client URL when Config.ClientListen
// opened a port, and "" otherwise.
func (l *Log) ClientURL() string {
	if l.srv == nil || l.cfg.ClientListen == "" {
		return ""
	}
	return l.srv.ClientURL()
}

// Conn is the log's NATS connection, for request/reply ingest over NATS.
// The caller must not close it.
func (l *Log) Conn() *nats.Conn { return l.nc }

// Last returns the position of the last record in the log: the zero
// Position when nothing was ever stored, and the last message's sequence
// when retention has emptied the log since.
func (l *Log) Last(ctx context.Context) (Position, error) {
	for range 3 {
		info, err := l.stream.Info(ctx)
		if err != nil {
			return Position{}, readError("last", err)
		}
		seq := info.State.LastSeq
		if info.State.Msgs == 0 {
			return Position{StreamSeq: seq}, nil
		}
		msg, err := l.stream.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // aged out or purged since the info: ask again
		}
		if err != nil {
			return Position{}, readError("last", err)
		}
		count, err := containerCount(msg.Data)
		if err != nil {
			l.stats.corrupt.Add(1)
			l.log.Error("event log message does not decode", "seq", seq, "err", err)
			return Position{StreamSeq: seq}, nil
		}
		return Position{StreamSeq: seq, Index: count - 1}, nil
	}
	return Position{}, errs.E(errs.Unavailable, "event log unavailable: the last message keeps changing")
}

// Info describes the stream's current contents and limits.
type Info struct {
	Messages  uint64
	Bytes     uint64 // before compression: what MaxBytes limits
	FirstSeq  uint64
	LastSeq   uint64
	FirstTime time.Time
	LastTime  time.Time
	MaxBytes  int64 // the stream's limit in force (-1: none)
	MaxAge    time.Duration
}

// Info asks the server for the stream's state.
func (l *Log) Info(ctx context.Context) (Info, error) {
	si, err := l.stream.Info(ctx)
	if err != nil {
		return Info{}, readError("info", err)
	}
	return Info{
		Messages: si.State.Msgs, Bytes: si.State.Bytes,
		FirstSeq: si.State.FirstSeq, LastSeq: si.State.LastSeq,
		FirstTime: si.State.FirstTime, LastTime: si.State.LastTime,
		MaxBytes: si.Config.MaxBytes, MaxAge: si.Config.MaxAge,
	}, nil
}

// Close stops the subscriptions, stops accepting appends, waits for the
// committer to publish what it already holds, closes the connection and shuts the embedded server down
// (which writes the store's index, so the next start is fast).
func (l *Log) Close() error {
	l.closeOnce.Do(func() {
		l.stopSubscriptions()
		l.committer.close()
		l.doctor.close()
		l.shutdown()
		l.log.Info("event log closed")
	})
	return nil
}

// shutdown closes the connection and the embedded server, if any.
func (l *Log) shutdown() {
	if l.nc != nil {
		l.nc.Close()
	}
	if l.srv != nil {
		shutdownEmbedded(l.srv)
	}
}

// readError classifies an error of a read-side call.
func readError(op string, err error) error {
	if code := errs.CodeOf(err); code != errs.Internal {
		return err
	}
	mapped := publishError(err, "the deadline")
	if errs.CodeOf(mapped) == errs.Unavailable {
		return mapped
	}
	return fmt.Errorf("event log: %s: %w", op, err)
}
