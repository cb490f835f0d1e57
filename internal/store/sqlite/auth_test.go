package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/store/sqlite"
	"raqib/internal/store/storetest"
)

func TestAuthConformance(t *testing.T) {
	storetest.Auth(t, func(t *testing.T) auth.Store { return open(t) })
}

// cheap are hash parameters that keep the tests fast.
var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type authClock struct{ now time.Time }

func (c *authClock) Now() time.Time { return c.now }

func newAuth(t testing.TB, db *sqlite.DB, clock *authClock) *auth.Service {
	t.Helper()
	svc, err := auth.New(db, nil, auth.Config{Hash: cheap, Now: clock.Now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestAuthServiceRestart runs the services on SQLite across a restart:
// the bootstrap administrator, a grant approved by a second person, a
// session and its expiry survive reopening the database.
func TestAuthServiceRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "raqib.db")
	clock := &authClock{now: time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)}
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := newAuth(t, db, clock)
	if _, _, err := svc.Accounts.Bootstrap(ctx, "root.admin"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Accounts.Bootstrap(ctx, "other"); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("second bootstrap: %v", err)
	}
	cli := auth.WithPrincipal(ctx, auth.CLIPrincipal("root"))
	if _, err := svc.Accounts.AddUser(cli, auth.NewUser{Name: "alice", Force: auth.ForceArmy, Password: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	admin := auth.WithPrincipal(ctx, auth.Principal{User: "root.admin", Force: auth.ForceJOC,
		Roles: []auth.Role{auth.RoleAdministrator}, Via: auth.ViaSession})
	req, err := svc.Accounts.Grant(admin, "alice", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: auth.Sectors{IDs: []string{"S03"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Requests.Approve(admin, req.ID); errs.CodeOf(err) != errs.Forbidden {
		t.Fatalf("self-approval: %v", err)
	}
	if r, err := svc.Requests.Approve(cli, req.ID); err != nil || r.State != auth.RequestApplied {
		t.Fatalf("approval: %+v %v", r, err)
	}
	u, err := svc.Accounts.Authenticate(ctx, "alice", "long enough password", "10.0.0.7:5555")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := svc.Sessions.Create(ctx, u, "10.0.0.7:5555")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc = newAuth(t, db, clock)
	clock.now = clock.now.Add(time.Hour)
	p, sess, err := svc.Sessions.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if p.User != "alice" || !p.HasRole(auth.RoleOperator) || !p.Sectors.Contains("S03") || !p.MustChange || sess.RemoteAddr != "10.0.0.7" {
		t.Fatalf("principal after restart = %+v, session %+v", p, sess)
	}
	clock.now = clock.now.Add(23*time.Hour + time.Minute)
	if _, _, err := svc.Sessions.Authenticate(ctx, token); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("session past its absolute expiry: %v", err)
	}
	if n, err := svc.Sessions.Prune(ctx); err != nil || n != 1 {
		t.Fatalf("prune = %d %v", n, err)
	}
}

// BenchmarkSessionLookupSQLite is the store's share of an authenticated
// request: the session and its user read from SQLite.
func BenchmarkSessionLookupSQLite(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "raqib.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	clock := &authClock{now: time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)}
	svc := newAuth(b, db, clock)
	u, _, err := svc.Accounts.Bootstrap(ctx, "root.admin")
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := svc.Sessions.Create(ctx, u, "10.0.0.7")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := svc.Sessions.Authenticate(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}
