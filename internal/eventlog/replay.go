package eventlog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"raqib/internal/errs"
)

const (
	// readPullBytes bounds what one reader buffers: a few of the largest
	// messages the embedded server takes.
	readPullBytes = 4 * embeddedMaxPayload

	// readIdle is how long a bounded read waits for the next message before
	// it asks the stream whether more can come (messages may age out
	// while a replay runs).
	readIdle = 2 * time.Second

	// consumerInactive is how long the server keeps a reader's consumer
	// after it stopped pulling (it is deleted at once on a normal end).
	consumerInactive = 30 * time.Second
)

// Replay calls fn for every record whose message was stored in [from, to),
// in log order, and returns when it has seen the last message stored before
// the call. It starts from the stream's first message at or after from (the
// server finds it by time) and stops at the first message stored at or
// after to. An error from fn stops the replay and is returned.
func (l *Log) Replay(ctx context.Context, from, to time.Time, fn func(Record) error) error {
	if to.Before(from) {
		return errs.E(errs.Invalid, "event log: replay window ends (%s) before it starts (%s)", to.Format(time.RFC3339Nano), from.Format(time.RFC3339Nano))
	}
	info, err := l.stream.Info(ctx)
	if err != nil {
		return readError("replay", err)
	}
	st := info.State
	if st.Msgs == 0 || !to.After(from) || st.LastTime.Before(from) || !st.FirstTime.Before(to) {
		return nil
	}
	start := from
	cfg := jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartTimePolicy,
		OptStartTime:      &start,
		InactiveThreshold: consumerInactive,
	}
	return l.read(ctx, cfg, st.LastSeq, func(r Record) (bool, error) {
		if !r.Stored.Before(to) {
			return true, nil
		}
		return false, fn(r)
	}, Position{})
}

// ReplayFrom calls fn for every record after the position, in log order, up
// to the last record stored before the call. Rebuilding state from a
// checkpoint is ReplayFrom(checkpoint) and then Subscribe from the last
// position seen. If retention already removed records after the position,
// the replay starts at the oldest one kept and the gap is logged.
func (l *Log) ReplayFrom(ctx context.Context, after Position, fn func(Record) error) error {
	info, err := l.stream.Info(ctx)
	if err != nil {
		return readError("replay", err)
	}
	st := info.State
	if st.Msgs == 0 || st.LastSeq < after.StreamSeq {
		return nil
	}
	start := max(after.StreamSeq, 1)
	if start < st.FirstSeq && after.StreamSeq > 0 {
		l.log.Warn("event log records after the position have aged out", "after", after.String(), "first_seq", st.FirstSeq)
	}
	cfg := jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       start,
		InactiveThreshold: consumerInactive,
	}
	return l.read(ctx, cfg, st.LastSeq, func(r Record) (bool, error) {
		return false, fn(r)
	}, after)
}

// read runs an ordered consumer up to the message end, passing every record
// after the position to fn until fn reports it is done.
func (l *Log) read(ctx context.Context, cfg jetstream.OrderedConsumerConfig, end uint64, fn func(Record) (done bool, err error), after Position) error {
	cons, err := l.stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return readError("replay", err)
	}
	it, err := cons.Messages(jetstream.PullMaxBytes(readPullBytes))
	if err != nil {
		return readError("replay", err)
	}
	defer l.dropConsumer(cons)
	defer it.Stop()

	next := uint64(0) // the sequence after the last message seen
	for {
		nctx, cancel := context.WithTimeout(ctx, readIdle)
		msg, err := it.Next(jetstream.NextContext(nctx))
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("event log: replay: %w", ctx.Err())
			}
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
				more, err := l.moreToRead(ctx, next, end)
				if err != nil {
					return err
				}
				if !more {
					return nil
				}
				continue
			}
			return readError("replay", err)
		}
		md, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("event log: replay: message metadata: %w", err)
		}
		seq := md.Sequence.Stream
		if seq > end {
			return nil
		}
		next = seq + 1
		done, err := l.deliver(seq, md.Timestamp, msg.Data(), after, fn)
		if err != nil || done {
			return err
		}
		if seq >= end || md.NumPending == 0 {
			return nil
		}
	}
}

// moreToRead reports whether messages up to end can still arrive once the
// reader has seen everything before next (zero: nothing seen yet).
func (l *Log) moreToRead(ctx context.Context, next, end uint64) (bool, error) {
	info, err := l.stream.Info(ctx)
	if err != nil {
		return false, readError("replay", err)
	}
	st := info.State
	return st.Msgs > 0 && st.LastSeq >= max(next, st.FirstSeq) && max(next, st.FirstSeq) <= end, nil
}

// deliver decodes one message and calls fn for each of its records after
// the position. A message that does not decode is skipped and logged: one
// bad message must not stop a rebuild.
func (l *Log) deliver(seq uint64, stored time.Time, data []byte, after Position, fn func(Record) (bool, error)) (bool, error) {
	if err := walkContainer(data, nil); err != nil {
		l.stats.corrupt.Add(1)
		l.log.Error("event log message does not decode: skipped", "seq", seq, "err", err)
		return false, nil
	}
	var done bool
	err := walkContainer(data, func(i int, kind RecordKind, payload []byte) error {
		pos := Position{StreamSeq: seq, Index: i}
		if !after.Less(pos) {
			return nil
		}
		var err error
		done, err = fn(Record{Kind: kind, Payload: payload, Position: pos, Stored: stored})
		if done && err == nil {
			return errStop
		}
		return err
	})
	if errors.Is(err, errStop) {
		return true, nil
	}
	return done, err
}

// errStop ends a walk early without an error.
var errStop = errors.New("stop")

// dropConsumer deletes a finished reader's consumer on the server rather
// than leaving it to expire.
func (l *Log) dropConsumer(cons jetstream.Consumer) {
	info := cons.CachedInfo()
	if info == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.js.DeleteConsumer(ctx, StreamName, info.Name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		l.log.Debug("event log reader consumer not deleted", "consumer", info.Name, "err", err)
	}
}
