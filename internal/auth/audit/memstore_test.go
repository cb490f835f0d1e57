package audit

import (
	"context"
	"sync"
	"time"

	"raqib/internal/errs"
)

// memStore is an in-memory Store for the package's tests. Tests may change
// entries and checkpoints directly, as someone with the database could.
type memStore struct {
	mu          sync.Mutex
	entries     []Entry
	checkpoints []Checkpoint // by size
}

var _ Store = (*memStore)(nil)

func (m *memStore) AppendAudit(ctx context.Context, e Entry, seal func(*Entry) error) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) > 0 {
		last := m.entries[len(m.entries)-1]
		e.Seq, e.PrevHash = last.Seq+1, last.Hash
	} else {
		e.Seq, e.PrevHash = 1, Hash{}
	}
	if err := seal(&e); err != nil {
		return Entry{}, err
	}
	e.Detail = append([]byte(nil), e.Detail...)
	m.entries = append(m.entries, e)
	return e, nil
}

// snapshot returns the entries after a sequence number, so that callbacks
// run without the lock.
func (m *memStore) snapshot(after uint64) []Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Entry
	for _, e := range m.entries {
		if e.Seq > after {
			out = append(out, e)
		}
	}
	return out
}

func (m *memStore) ScanAudit(ctx context.Context, after uint64, fn func(Entry) error) error {
	for _, e := range m.snapshot(after) {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) AuditRange(ctx context.Context, from, to time.Time, fn func(Entry) error) error {
	for _, e := range m.snapshot(0) {
		if (!from.IsZero() && e.Time.Before(from)) || (!to.IsZero() && !e.Time.Before(to)) {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) AuditTail(ctx context.Context) (Entry, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) == 0 {
		return Entry{}, false, nil
	}
	return m.entries[len(m.entries)-1], true, nil
}

func (m *memStore) AddAuditCheckpoint(ctx context.Context, cp Checkpoint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := 0
	for i < len(m.checkpoints) && m.checkpoints[i].Size < cp.Size {
		i++
	}
	if i < len(m.checkpoints) && m.checkpoints[i].Size == cp.Size {
		return errs.E(errs.Conflict, "checkpoint %d: already exists", cp.Size)
	}
	m.checkpoints = append(m.checkpoints[:i], append([]Checkpoint{cp}, m.checkpoints[i:]...)...)
	return nil
}

func (m *memStore) AuditCheckpoints(ctx context.Context, fn func(Checkpoint) error) error {
	m.mu.Lock()
	cps := append([]Checkpoint(nil), m.checkpoints...)
	m.mu.Unlock()
	for _, cp := range cps {
		if err := fn(cp); err != nil {
			return err
		}
	}
	return nil
}
