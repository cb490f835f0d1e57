package auth

import (
	"net"
	"sync"
	"time"
)

// addrLimiter counts failed sign-ins per remote address in fixed windows
// that start at an address's first failure. It remembers at most max
// addresses; when full it forgets expired windows, then an arbitrary one.
// Its lock is a leaf.
type addrLimiter struct {
	max     int
	window  time.Duration
	entries int

	mu sync.Mutex
	m  map[string]addrCount
}

type addrCount struct {
	failures int
	first    time.Time
}

func newAddrLimiter(max int, window time.Duration, entries int) *addrLimiter {
	return &addrLimiter{max: max, window: window, entries: entries, m: map[string]addrCount{}}
}

// limited reports whether the address is refused at now, and until when.
func (l *addrLimiter) limited(addr string, now time.Time) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.m[addr]
	if !ok {
		return time.Time{}, false
	}
	end := c.first.Add(l.window)
	if !now.Before(end) {
		delete(l.m, addr)
		return time.Time{}, false
	}
	return end, c.failures >= l.max
}

// fail counts a failure of the address at now.
func (l *addrLimiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.m[addr]
	if ok && now.Before(c.first.Add(l.window)) {
		c.failures++
		l.m[addr] = c
		return
	}
	if !ok && len(l.m) >= l.entries {
		for k, v := range l.m {
			if !now.Before(v.first.Add(l.window)) {
				delete(l.m, k)
			}
		}
		for k := range l.m {
			if len(l.m) < l.entries {
				break
			}
			delete(l.m, k)
		}
	}
	l.m[addr] = addrCount{failures: 1, first: now}
}

// addrKey is the host part of a remote address, bounded in length.
func addrKey(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		remote = host
	}
	if len(remote) > MaxRemoteAddrLen {
		remote = remote[:MaxRemoteAddrLen]
	}
	return remote
}
