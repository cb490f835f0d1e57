package alert

import (
	"sync"
	"time"

	"raqib/internal/errs"
)

// Subscription is one console's live feed of alert changes. Its queue is
// bounded: a console that falls behind is cut off (its channel closed, Err
// saying why) and resynchronises with List; the service never waits for
// it.
type Subscription struct {
	svc     *Service
	console string

	mu     sync.Mutex
	c      chan Change
	closed bool
	err    error
	limit  rateCap
	timer  *time.Timer
}

// Subscribe opens a live feed for a console. At most ratePerMinute raised
// alerts a minute are delivered one by one; the rest are folded into one
// summary change a minute naming every one of them. Life-cycle, update
// and escalation changes always pass. ratePerMinute <= 0 means no cap.
func (s *Service) Subscribe(console string, ratePerMinute int) *Subscription {
	sub := &Subscription{
		svc:     s,
		console: console,
		c:       make(chan Change, max(s.cfg.QueueLength, 1)),
		limit:   rateCap{rate: ratePerMinute},
	}
	s.subsMu.Lock()
	s.subs[sub] = struct{}{}
	n := len(s.subs)
	s.subsMu.Unlock()
	s.logger.Info("console subscribed", "console", console, "rate_per_minute", ratePerMinute, "subscribers", n)
	return sub
}

// C returns the channel of changes; it is closed when the subscription
// ends.
func (sub *Subscription) C() <-chan Change { return sub.c }

// Console returns the console's name.
func (sub *Subscription) Console() string { return sub.console }

// Err says why the service ended the subscription; nil while it runs or
// after the console closed it itself.
func (sub *Subscription) Err() error {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.err
}

// Close ends the subscription. It is safe to call more than once.
func (sub *Subscription) Close() {
	sub.mu.Lock()
	sub.shut(nil)
	sub.mu.Unlock()
	sub.svc.unsubscribe(sub)
}

// shut closes the channel once, recording why. Callers hold sub.mu.
func (sub *Subscription) shut(err error) {
	if sub.closed {
		return
	}
	sub.closed, sub.err = true, err
	close(sub.c)
	if sub.timer != nil {
		sub.timer.Stop()
	}
}

func (s *Service) unsubscribe(sub *Subscription) {
	s.subsMu.Lock()
	delete(s.subs, sub)
	s.subsMu.Unlock()
}

// publish hands changes to every subscription, never blocking. Callers
// hold mu, so subscribers see changes in the order the store took them.
func (s *Service) publish(changes []Change) {
	if len(changes) == 0 {
		return
	}
	s.subsMu.Lock()
	subs := make([]*Subscription, 0, len(s.subs))
	for sub := range s.subs {
		subs = append(subs, sub)
	}
	s.subsMu.Unlock()
	now := s.cfg.Now()
	for _, sub := range subs {
		if !sub.deliver(changes, now) {
			s.unsubscribe(sub)
		}
	}
}

// flushSummaries sends the summaries of every minute that has ended.
func (s *Service) flushSummaries() {
	s.subsMu.Lock()
	subs := make([]*Subscription, 0, len(s.subs))
	for sub := range s.subs {
		subs = append(subs, sub)
	}
	s.subsMu.Unlock()
	now := s.cfg.Now()
	for _, sub := range subs {
		if !sub.deliver(nil, now) {
			s.unsubscribe(sub)
		}
	}
}

// deliver queues changes through the rate cap and reports whether the
// subscription is still open.
func (sub *Subscription) deliver(changes []Change, now time.Time) bool {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.closed {
		return false
	}
	if sum := sub.limit.due(now); sum != nil && !sub.send(*sum) {
		return false
	}
	for i := range changes {
		ch := &changes[i]
		if ch.Kind == KindRaised && sub.limit.rate > 0 {
			deliver, sum := sub.limit.admit(&ch.Alert, now)
			if sum != nil && !sub.send(*sum) {
				return false
			}
			if !deliver {
				sub.arm(now)
				continue
			}
		}
		if !sub.send(*ch) {
			return false
		}
	}
	return true
}

// send queues one change without waiting; a full queue ends the
// subscription. Callers hold sub.mu.
func (sub *Subscription) send(ch Change) bool {
	select {
	case sub.c <- ch:
		return true
	default:
		sub.shut(errs.E(errs.Unavailable, "console %s fell behind: %d alert changes waiting; reload the alert list", sub.console, len(sub.c)))
		sub.svc.logger.Warn("console cut off", "console", sub.console, "queued", len(sub.c))
		return false
	}
}

// arm makes sure a timer sends the current minute's summary when the
// minute ends, even if nothing else happens. Callers hold sub.mu.
func (sub *Subscription) arm(now time.Time) {
	if sub.timer != nil {
		return
	}
	wait := sub.limit.start.Add(rateWindow).Sub(now)
	sub.timer = time.AfterFunc(max(wait, 0), func() {
		sub.mu.Lock()
		sub.timer = nil
		sub.mu.Unlock()
		if !sub.deliver(nil, sub.svc.cfg.Now()) {
			sub.svc.unsubscribe(sub)
		}
	})
}
