package eventlog

import (
	"context"
	"errors"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// Subscription is a live tail of the log started by Subscribe.
type Subscription struct {
	l    *Log
	cons jetstream.Consumer
	cc   jetstream.ConsumeContext

	mu      sync.Mutex // held while fn runs, so Stop waits for it
	stopped bool
	err     error
	done    chan struct{}
	once    sync.Once
}

// Subscribe calls fn for every record after the position, in log order:
// first those already stored, then each new one as it is stored, until
// Stop, the end of ctx, an error from fn, or Close. It runs fn on one
// goroutine, never concurrently. The pipeline subscribes after the last
// position its replay saw.
func (l *Log) Subscribe(ctx context.Context, after Position, fn func(Record) error) (*Subscription, error) {
	cfg := jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		InactiveThreshold: consumerInactive,
	}
	if after.StreamSeq > 0 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = after.StreamSeq
	}
	cons, err := l.stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return nil, readError("subscribe", err)
	}
	s := &Subscription{l: l, cons: cons, done: make(chan struct{})}
	handle := func(msg jetstream.Msg) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.stopped {
			return
		}
		md, err := msg.Metadata()
		if err != nil {
			s.failLocked(err)
			return
		}
		seq := md.Sequence.Stream
		_, err = l.deliver(seq, md.Timestamp, msg.Data(), after, func(r Record) (bool, error) {
			return false, fn(r)
		})
		if err != nil {
			s.failLocked(err)
		}
	}
	// The handler may run before Consume returns: it waits for s.mu until
	// s.cc is set.
	s.mu.Lock()
	s.cc, err = cons.Consume(handle, jetstream.PullMaxBytes(readPullBytes),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if !errors.Is(err, jetstream.ErrNoHeartbeat) {
				l.log.Warn("event log subscription", "err", err)
			}
		}))
	if err != nil {
		s.stopped = true
		s.mu.Unlock()
		return nil, readError("subscribe", err)
	}
	s.mu.Unlock()
	if !l.track(s) {
		s.Stop()
		return nil, errClosed
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Stop()
		case <-s.done:
		}
	}()
	return s, nil
}

// failLocked ends the subscription with err. s.mu is held.
func (s *Subscription) failLocked(err error) {
	s.err = err
	s.stopLocked()
}

// Stop ends the subscription. When it returns fn is not running and will
// not run again. It must not be called from within fn (return an error from
// fn instead).
func (s *Subscription) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Subscription) stopLocked() {
	s.stopped = true
	s.once.Do(func() {
		s.cc.Stop()
		close(s.done)
		s.l.untrack(s)
		go s.l.dropConsumer(s.cons)
	})
}

// Done is closed when the subscription has ended.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Err is the error that ended the subscription (fn's, as a rule), or nil.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// track registers a subscription so Close stops it; false once closed.
func (l *Log) track(s *Subscription) bool {
	l.subsMu.Lock()
	defer l.subsMu.Unlock()
	if l.subs == nil {
		return false
	}
	l.subs[s] = struct{}{}
	return true
}

func (l *Log) untrack(s *Subscription) {
	l.subsMu.Lock()
	defer l.subsMu.Unlock()
	delete(l.subs, s)
}

// stopSubscriptions stops every live subscription and refuses new ones.
func (l *Log) stopSubscriptions() {
	l.subsMu.Lock()
	subs := make([]*Subscription, 0, len(l.subs))
	for s := range l.subs {
		subs = append(subs, s)
	}
	l.subs = nil
	l.subsMu.Unlock()
	for _, s := range subs {
		s.Stop()
	}
}
