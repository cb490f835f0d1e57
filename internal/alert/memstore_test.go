package alert_test

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"raqib/internal/alert"
	"raqib/internal/errs"
)

// memStore is an in-memory alert.Store for the service's tests. It keeps
// the contract the conformance suite checks on the real stores: one open
// alert per key, all-or-nothing batches, group references within a batch,
// life-cycle fields untouched by updates, optimistic life-cycle changes.
type memStore struct {
	mu        sync.Mutex
	alerts    map[int64]alert.Alert
	history   map[int64][]alert.Change
	supps     map[int64]alert.Suppression
	openKeys  map[string]int64
	lastID    int64
	lastSupp  int64
	cursor    uint64
	noHistory bool // benchmarks keep no history

	failNext error // the next ApplyAlerts returns it
	applies  int
}

var _ alert.Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{
		alerts:   map[int64]alert.Alert{},
		history:  map[int64][]alert.Change{},
		supps:    map[int64]alert.Suppression{},
		openKeys: map[string]int64{},
	}
}

func (m *memStore) openByKey(key string) (alert.Alert, bool) {
	id, ok := m.openKeys[key]
	if !ok {
		return alert.Alert{}, false
	}
	return m.alerts[id], true
}

func (m *memStore) record(ch alert.Change, a alert.Alert) {
	if m.noHistory {
		return
	}
	a.Evidence = nil
	ch.Alert = a
	m.history[a.ID] = append(m.history[a.ID], ch)
}

func (m *memStore) ApplyAlerts(_ context.Context, changes []alert.Change, cursor uint64) ([]alert.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.applies++
	if err := m.failNext; err != nil {
		m.failNext = nil
		return nil, err
	}
	// Check everything first so that a refused batch changes nothing.
	keys := map[string]bool{}
	for i, ch := range changes {
		switch ch.Kind {
		case alert.KindRaised:
			if _, ok := m.openByKey(ch.Alert.Key); ok || keys[ch.Alert.Key] {
				return nil, errs.E(errs.Conflict, "changes[%d]: key %s already has an open alert", i, ch.Alert.Key)
			}
			keys[ch.Alert.Key] = true
			if g := ch.Alert.GroupID; g < 0 && (-g > int64(i) || changes[-g-1].Kind != alert.KindRaised) {
				return nil, errs.E(errs.Invalid, "changes[%d]: group_id %d names no raised alert", i, g)
			}
		case alert.KindUpdated, alert.KindEscalated:
			if _, ok := m.alerts[ch.Alert.ID]; !ok {
				return nil, errs.E(errs.NotFound, "alert %d: not found", ch.Alert.ID)
			}
		case alert.KindSuppressed:
		default:
			return nil, errs.E(errs.Invalid, "changes[%d]: kind %q", i, ch.Kind)
		}
	}
	out := make([]alert.Alert, len(changes))
	for i, ch := range changes {
		a := ch.Alert
		switch ch.Kind {
		case alert.KindRaised:
			m.lastID++
			a.ID = m.lastID
			switch g := a.GroupID; {
			case g == 0:
				a.GroupID = a.ID
			case g < 0:
				a.GroupID = out[-g-1].GroupID
			}
			m.alerts[a.ID] = a
			m.openKeys[a.Key] = a.ID
		case alert.KindUpdated, alert.KindEscalated:
			old := m.alerts[a.ID]
			a.State, a.AckBy, a.AckAt, a.AssignedTo, a.AssignedAt = old.State, old.AckBy, old.AckAt, old.AssignedTo, old.AssignedAt
			a.ResolvedBy, a.ResolvedAt, a.Note, a.DismissReason = old.ResolvedBy, old.ResolvedAt, old.Note, old.DismissReason
			a.Key, a.Rule, a.Track, a.Raised, a.GroupID, a.Exercise = old.Key, old.Rule, old.Track, old.Raised, old.GroupID, old.Exercise
			m.alerts[a.ID] = a
		case alert.KindSuppressed:
			if sp, ok := m.supps[ch.Suppression]; ok {
				sp.Hits++
				m.supps[sp.ID] = sp
			}
			out[i] = a
			continue
		}
		m.record(ch, a)
		out[i] = a
	}
	m.cursor = cursor
	return out, nil
}

func (m *memStore) UpdateAlert(_ context.Context, a alert.Alert, ch alert.Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.alerts[a.ID]
	if !ok {
		return errs.E(errs.NotFound, "alert %d: not found", a.ID)
	}
	if old.State != ch.From {
		return errs.E(errs.Conflict, "alert %d: state is %s, not %s", a.ID, old.State, ch.From)
	}
	if a.State.Open() {
		if other, ok := m.openByKey(a.Key); ok && other.ID != a.ID {
			return errs.E(errs.Conflict, "key %s already has an open alert", a.Key)
		}
	}
	old.State, old.AckBy, old.AckAt, old.AssignedTo, old.AssignedAt = a.State, a.AckBy, a.AckAt, a.AssignedTo, a.AssignedAt
	old.ResolvedBy, old.ResolvedAt, old.Note, old.DismissReason, old.EscalateAt = a.ResolvedBy, a.ResolvedAt, a.Note, a.DismissReason, a.EscalateAt
	m.alerts[a.ID] = old
	m.index(old)
	m.record(ch, old)
	return nil
}

func (m *memStore) Alert(_ context.Context, id int64) (alert.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.alerts[id]
	if !ok {
		return alert.Alert{}, errs.E(errs.NotFound, "alert %d: not found", id)
	}
	return a, nil
}

func (m *memStore) OpenAlertByKey(_ context.Context, key string) (alert.Alert, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.openByKey(key)
	return a, ok, nil
}

func (m *memStore) sorted(keep func(alert.Alert) bool, newestFirst bool) []alert.Alert {
	var out []alert.Alert
	for _, a := range m.alerts {
		if keep(a) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b alert.Alert) int {
		if newestFirst {
			return cmp.Compare(b.ID, a.ID)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

func (m *memStore) Alerts(_ context.Context, f alert.Filter) ([]alert.Alert, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.sorted(func(a alert.Alert) bool {
		return (len(f.States) == 0 || slices.Contains(f.States, a.State)) &&
			(f.MinSeverity == "" || a.Severity.Rank() >= f.MinSeverity.Rank()) &&
			(len(f.Sectors) == 0 || slices.Contains(f.Sectors, a.Sector)) &&
			(f.Rule == "" || a.Rule == f.Rule) && (f.Track == "" || a.Track == f.Track) &&
			(f.Since.IsZero() || !a.Raised.Before(f.Since)) && (f.Until.IsZero() || a.Raised.Before(f.Until)) &&
			(f.Group == 0 || a.GroupID == f.Group) && (f.Before == 0 || a.ID < f.Before)
	}, true)
	if n := f.EffectiveLimit(); len(out) > n {
		out = out[:n]
	}
	return out, nil
}

func (m *memStore) AlertHistory(_ context.Context, id int64) ([]alert.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.alerts[id]; !ok {
		return nil, errs.E(errs.NotFound, "alert %d: not found", id)
	}
	return slices.Clone(m.history[id]), nil
}

func (m *memStore) OpenAlerts(context.Context) ([]alert.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sorted(func(a alert.Alert) bool { return a.Open() }, false), nil
}

func (m *memStore) Cursor(context.Context) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursor, nil
}

func (m *memStore) AddSuppression(_ context.Context, sp alert.Suppression) (alert.Suppression, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastSupp++
	sp.ID = m.lastSupp
	m.supps[sp.ID] = sp
	return sp, nil
}

func (m *memStore) Suppressions(_ context.Context, now time.Time) ([]alert.Suppression, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []alert.Suppression
	for _, sp := range m.supps {
		if now.Before(sp.Until) {
			out = append(out, sp)
		}
	}
	slices.SortFunc(out, func(a, b alert.Suppression) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func (m *memStore) RemoveSuppression(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.supps[id]; !ok {
		return errs.E(errs.NotFound, "suppression %d: not found", id)
	}
	delete(m.supps, id)
	return nil
}

// setState changes an alert's state behind the service's back, as another
// writer would.
func (m *memStore) setState(id int64, s alert.State) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.alerts[id]
	a.State = s
	m.alerts[id] = a
	m.index(a)
}

// index keeps openKeys in step with an alert's state.
func (m *memStore) index(a alert.Alert) {
	if a.Open() {
		m.openKeys[a.Key] = a.ID
	} else if m.openKeys[a.Key] == a.ID {
		delete(m.openKeys, a.Key)
	}
}

func (m *memStore) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.alerts)
}
