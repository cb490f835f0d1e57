package auth_test

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/store/storetest"
)

// memStore is an in-memory auth.Store for the services' tests. It keeps
// the contract the conformance suite checks on the real stores, which
// TestMemStoreConformance runs against it too.
type memStore struct {
	mu       sync.Mutex
	users    map[string]auth.User
	sessions map[string]auth.Session
	tokens   map[string]auth.APIToken
	requests map[int64]auth.Request
	lastReq  int64
}

var _ auth.Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{users: map[string]auth.User{}, sessions: map[string]auth.Session{},
		tokens: map[string]auth.APIToken{}, requests: map[int64]auth.Request{}}
}

func TestMemStoreConformance(t *testing.T) {
	storetest.Auth(t, func(t *testing.T) auth.Store { return newMemStore() })
}

func cloneUser(u auth.User) auth.User {
	u.Roles = slices.Clone(u.Roles)
	u.Sectors.IDs = slices.Clone(u.Sectors.IDs)
	if len(u.Roles) == 0 {
		u.Roles = nil
	}
	if len(u.Sectors.IDs) == 0 {
		u.Sectors.IDs = nil
	}
	return u
}

func checkUser(u auth.User) error {
	if err := auth.ValidateName(u.Name); err != nil {
		return err
	}
	if !u.Force.Valid() {
		return errs.E(errs.Invalid, "force: %q is not one of %v", u.Force, auth.Forces)
	}
	if !u.Clearance.Valid() {
		return errs.E(errs.Invalid, "clearance: %d", u.Clearance)
	}
	return nil
}

func (m *memStore) CreateUser(_ context.Context, u auth.User) (auth.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.createUser(u)
}

func (m *memStore) createUser(u auth.User) (auth.User, error) {
	if err := checkUser(u); err != nil {
		return auth.User{}, err
	}
	if _, dup := m.users[u.Name]; dup {
		return auth.User{}, errs.E(errs.Conflict, "user %s: already exists", u.Name)
	}
	u = cloneUser(u)
	u.Version = 1
	m.users[u.Name] = u
	return cloneUser(u), nil
}

func (m *memStore) CreateFirstUser(_ context.Context, u auth.User) (auth.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.users) > 0 {
		return auth.User{}, errs.E(errs.Conflict, "create first user: %d users exist", len(m.users))
	}
	return m.createUser(u)
}

func (m *memStore) User(_ context.Context, name string) (auth.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[name]
	if !ok {
		return auth.User{}, errs.E(errs.NotFound, "user %q: not found", name)
	}
	return cloneUser(u), nil
}

func (m *memStore) Users(context.Context) ([]auth.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []auth.User
	for _, u := range m.users {
		out = append(out, cloneUser(u))
	}
	slices.SortFunc(out, func(a, b auth.User) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *memStore) UpdateUser(_ context.Context, u auth.User) (auth.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := checkUser(u); err != nil {
		return auth.User{}, err
	}
	old, ok := m.users[u.Name]
	if !ok {
		return auth.User{}, errs.E(errs.NotFound, "user %q: not found", u.Name)
	}
	if old.Version != u.Version {
		return auth.User{}, errs.E(errs.Conflict, "user %s: changed meanwhile", u.Name)
	}
	u = cloneUser(u)
	u.Created, u.Version = old.Created, old.Version+1
	m.users[u.Name] = u
	return cloneUser(u), nil
}

func (m *memStore) CreateSession(_ context.Context, s auth.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(s.ID) != auth.SessionIDLen {
		return errs.E(errs.Invalid, "session id: %d characters", len(s.ID))
	}
	if _, ok := m.users[s.User]; !ok {
		return errs.E(errs.Invalid, "create session: refers to a record that does not exist")
	}
	if _, dup := m.sessions[s.ID]; dup {
		return errs.E(errs.Conflict, "create session: already exists")
	}
	m.sessions[s.ID] = s
	return nil
}

func (m *memStore) Session(_ context.Context, id string) (auth.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return auth.Session{}, errs.E(errs.NotFound, "session: not found")
	}
	return s, nil
}

func (m *memStore) Sessions(_ context.Context, user string) ([]auth.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []auth.Session
	for _, s := range m.sessions {
		if s.User == user {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b auth.Session) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (m *memStore) TouchSession(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return errs.E(errs.NotFound, "session: not found")
	}
	if at.After(s.LastSeen) {
		s.LastSeen = at.UTC()
	}
	m.sessions[id] = s
	return nil
}

func (m *memStore) RevokeSession(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return errs.E(errs.NotFound, "session: not found")
	}
	if s.Revoked.IsZero() {
		s.Revoked = at.UTC()
	}
	m.sessions[id] = s
	return nil
}

func (m *memStore) RevokeSessions(_ context.Context, user string, at time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, s := range m.sessions {
		if s.User == user && s.Revoked.IsZero() {
			s.Revoked = at.UTC()
			m.sessions[id] = s
			n++
		}
	}
	return n, nil
}

func (m *memStore) DeleteSessions(_ context.Context, before time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, s := range m.sessions {
		if s.Expires.Before(before) {
			delete(m.sessions, id)
			n++
		}
	}
	return n, nil
}

func cloneToken(t auth.APIToken) auth.APIToken {
	t.Scope.Roles = slices.Clone(t.Scope.Roles)
	t.Scope.Sectors.IDs = slices.Clone(t.Scope.Sectors.IDs)
	if len(t.Scope.Roles) == 0 {
		t.Scope.Roles = nil
	}
	if len(t.Scope.Sectors.IDs) == 0 {
		t.Scope.Sectors.IDs = nil
	}
	return t
}

func (m *memStore) CreateToken(_ context.Context, t auth.APIToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[t.Owner]; !ok {
		return errs.E(errs.Invalid, "create token: refers to a record that does not exist")
	}
	if _, dup := m.tokens[t.ID]; dup {
		return errs.E(errs.Conflict, "create token: already exists")
	}
	m.tokens[t.ID] = cloneToken(t)
	return nil
}

func (m *memStore) Token(_ context.Context, id string) (auth.APIToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok {
		return auth.APIToken{}, errs.E(errs.NotFound, "api token %q: not found", id)
	}
	return cloneToken(t), nil
}

func (m *memStore) Tokens(_ context.Context, owner string) ([]auth.APIToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []auth.APIToken
	for _, t := range m.tokens {
		if t.Owner == owner {
			out = append(out, cloneToken(t))
		}
	}
	slices.SortFunc(out, func(a, b auth.APIToken) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (m *memStore) TouchToken(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok {
		return errs.E(errs.NotFound, "api token %q: not found", id)
	}
	if at.After(t.LastUsed) {
		t.LastUsed = at.UTC()
	}
	m.tokens[id] = t
	return nil
}

func (m *memStore) RevokeToken(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok {
		return errs.E(errs.NotFound, "api token %q: not found", id)
	}
	if t.Revoked.IsZero() {
		t.Revoked = at.UTC()
	}
	m.tokens[id] = t
	return nil
}

func (m *memStore) CreateRequest(_ context.Context, r auth.Request) (auth.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.State != auth.RequestPending {
		return auth.Request{}, errs.E(errs.Invalid, "state: a new request is pending, not %q", r.State)
	}
	if !json.Valid(r.Payload) {
		return auth.Request{}, errs.E(errs.Invalid, "payload: not JSON")
	}
	m.lastReq++
	r.ID = m.lastReq
	r.Payload = slices.Clone(r.Payload)
	m.requests[r.ID] = r
	return r, nil
}

func (m *memStore) Request(_ context.Context, id int64) (auth.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[id]
	if !ok {
		return auth.Request{}, errs.E(errs.NotFound, "request %d: not found", id)
	}
	return r, nil
}

func (m *memStore) Requests(_ context.Context, state auth.RequestState, limit int) ([]auth.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if state != "" && !state.Valid() {
		return nil, errs.E(errs.Invalid, "state: %q", state)
	}
	if limit <= 0 {
		limit = 100
	}
	var out []auth.Request
	for _, r := range m.requests {
		if state == "" || r.State == state {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b auth.Request) int { return cmp.Compare(b.ID, a.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (m *memStore) DecideRequest(_ context.Context, id int64, from auth.RequestState, d auth.Decision) (auth.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !d.State.Valid() || d.State == auth.RequestPending {
		return auth.Request{}, errs.E(errs.Invalid, "state: %q is not a decision", d.State)
	}
	if d.By == "" {
		return auth.Request{}, errs.E(errs.Invalid, "by: required")
	}
	r, ok := m.requests[id]
	if !ok {
		return auth.Request{}, errs.E(errs.NotFound, "request %d: not found", id)
	}
	if r.State != from {
		return auth.Request{}, errs.E(errs.Conflict, "request %d is %s, not %s", id, r.State, from)
	}
	if d.State != auth.RequestRejected && d.By == r.ProposedBy {
		return auth.Request{}, errs.E(errs.Invalid, "request %d: the proposer cannot approve it", id)
	}
	r.State, r.DecidedBy, r.Decided, r.Detail = d.State, d.By, d.At.UTC(), d.Detail
	m.requests[id] = r
	return r, nil
}
