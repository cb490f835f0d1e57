package auth_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

// cheap are hash parameters that keep the tests fast; the benchmarks use
// the defaults.
var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var t0 = time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)

// clock is an injectable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// auditLog is an Auditor that keeps the events.
// While fail is set it refuses every event, as a full disk would.
type auditLog struct {
	mu     sync.Mutex
	events []auth.Event
	fail   bool
}

func (a *auditLog) Record(_ context.Context, e auth.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail {
		return errors.New("audit trail: disk full")
	}
	a.events = append(a.events, e)
	return nil
}

func (a *auditLog) setFail(fail bool) {
	a.mu.Lock()
	a.fail = fail
	a.mu.Unlock()
}

// find returns the events of an action.
func (a *auditLog) find(action string) []auth.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []auth.Event
	for _, e := range a.events {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// fixture is a service over a memory store with an audit log and a clock.
type fixture struct {
	store *memStore
	svc   *auth.Service
	audit *auditLog
	clock *clock
}

func newFixture(t testing.TB, mod func(*auth.Config)) *fixture {
	t.Helper()
	f := &fixture{store: newMemStore(), audit: &auditLog{}, clock: &clock{now: t0}}
	cfg := auth.Config{Hash: cheap, Now: f.clock.Now}
	if mod != nil {
		mod(&cfg)
	}
	svc, err := auth.New(f.store, f.audit, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

// cli is a context acting as the command line.
func cli() context.Context {
	return auth.WithPrincipal(context.Background(), auth.CLIPrincipal("root"))
}

// as is a context acting as a stored user, signed in by session.
func (f *fixture) as(t testing.TB, name string) context.Context {
	t.Helper()
	u, err := f.store.User(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	p := auth.PrincipalOf(u, auth.ViaSession)
	p.MustChange = false
	return auth.WithPrincipal(context.Background(), p)
}

// addUser adds a user from the command line and grants it privileges
// without dual control.
func (f *fixture) addUser(t testing.TB, name string, force auth.Force, password string, priv auth.Privileges) auth.User {
	t.Helper()
	if _, err := f.svc.Accounts.AddUser(cli(), auth.NewUser{Name: name, Force: force, Password: password}); err != nil {
		t.Fatal(err)
	}
	if len(priv.Roles) > 0 || !priv.Sectors.Empty() || priv.Clearance != auth.ClearanceNone {
		if err := f.svc.Requests.ApplyAsSystem(cli(), auth.KindGrant, map[string]any{
			"user": name, "roles": priv.Roles, "sectors": priv.Sectors, "clearance": priv.Clearance}); err != nil {
			t.Fatal(err)
		}
	}
	u, err := f.store.User(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func sectors(ids ...string) auth.Sectors {
	s, err := auth.SectorList(ids...)
	if err != nil {
		panic(err)
	}
	return s
}

func roles(rs ...auth.Role) []auth.Role { return slices.Clone(rs) }

func wantCode(t testing.TB, what string, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("%s: code %q (%v), want %q", what, errs.CodeOf(err), err, code)
	}
}
