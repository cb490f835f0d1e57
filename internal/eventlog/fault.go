package eventlog

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"raqib/internal/errs"
)

// A store fault is what a full (or failing) disk does to the embedded
// server. nats-server 2.15 answers a write that fails with ENOSPC with
// nothing at all (the publish times out), marks the stream with a sticky
// write error and refuses every later write until JetStream is restarted,
// even once space returns. The event log detects the fault after a
// publish times out (the server's health check names the stream), refuses
// appends at once while it lasts, and a doctor goroutine restarts
// JetStream once the disk has room again. JetStream's own limits (MaxBytes,
// MaxStore) stop writes before the disk fills in the first place; this is
// for a disk that other writers fill.
const (
	// faultRetryFirst and faultRetryMax bound the doctor's backoff between
	// restarts: each restart re-reads the stream's state, which after a
	// write error may mean a full scan of the store.
	faultRetryFirst = 2 * time.Second
	faultRetryMax   = 2 * time.Minute

	// faultMinFree is the free disk space the doctor waits for before it
	// restarts JetStream, on top of room for two gathered messages.
	faultMinFree = 1 << 20
)

// errStoreFault is returned by appends while the store has a fault.
var errStoreFault = errs.E(errs.Unavailable,
	"event log unavailable: the store cannot write (disk full or failing); appends resume by themselves once it can")

// doctor watches for and heals store faults of the embedded server.
type doctor struct {
	l       *Log
	faulted atomic.Bool
	wake    chan struct{} // a fault was found
	quit    chan struct{}
	done    chan struct{}
	once    sync.Once
}

func newDoctor(l *Log) *doctor {
	return &doctor{l: l, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// storeFault reports whether the embedded server's JetStream or the stream
// is out of order: JetStream shut down (the server does that itself after
// some write failures) or the stream holding a write error. It reads the
// server's health check: no message text is interpreted, only the kind of
// fault.
func (l *Log) storeFault() bool {
	if l.srv == nil {
		return false
	}
	if !l.srv.JetStreamEnabled() {
		return true
	}
	h := l.srv.Healthz(&server.HealthzOptions{Account: server.DEFAULT_GLOBAL_ACCOUNT, Stream: StreamName, Details: true})
	if h == nil {
		return false
	}
	for _, e := range h.Errors {
		if e.Type == server.HealthzErrorStream || e.Type == server.HealthzErrorJetStream {
			return true
		}
	}
	return false
}

// check is called after a publish got no answer: it reports whether the
// store has a fault and, if so, marks it and wakes the doctor.
func (d *doctor) check() bool {
	if d.l.srv == nil || !d.l.storeFault() {
		return false
	}
	if !d.faulted.Swap(true) {
		d.l.log.Error("event log store cannot write: appends are refused until it recovers", "dir", d.l.cfg.Dir)
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// run heals faults until close.
func (d *doctor) run() {
	defer close(d.done)
	for {
		select {
		case <-d.quit:
			return
		case <-d.wake:
		}
		wait := faultRetryFirst
		for d.faulted.Load() {
			select {
			case <-d.quit:
				return
			case <-time.After(wait):
			}
			if d.heal() {
				d.faulted.Store(false)
				d.l.log.Info("event log store recovered: appends accepted again")
				break
			}
			wait = min(2*wait, faultRetryMax)
		}
	}
}

// heal restarts JetStream if the disk has room again and reports whether the
// store is in order afterwards.
func (d *doctor) heal() bool {
	l := d.l
	need := uint64(faultMinFree + 2*l.committer.flushBytes)
	if free, ok := diskFree(l.cfg.Dir); ok && free < need {
		l.log.Debug("event log store still lacks space", "free", free, "need", need)
		return false
	}
	start := time.Now()
	if err := l.srv.ShutdownJetStream(); err != nil {
		l.log.Warn("event log store restart: stop JetStream", "err", err)
	}
	if err := l.srv.EnableJetStream(&server.JetStreamConfig{StoreDir: l.cfg.Dir, MaxStore: l.cfg.MaxStore}); err != nil {
		l.log.Warn("event log store restart: start JetStream", "err", err)
		return false
	}
	ok := !l.storeFault()
	l.log.Info("event log store restarted", "took", time.Since(start), "healthy", ok)
	return ok
}

func (d *doctor) close() {
	d.once.Do(func() { close(d.quit) })
	<-d.done
}
