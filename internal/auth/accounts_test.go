package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

const alicePW = "correct horse battery"

func loginReason(t *testing.T, err error) auth.LoginReason {
	t.Helper()
	var le *auth.LoginError
	if !errors.As(err, &le) {
		t.Fatalf("error %v is not a LoginError", err)
	}
	if errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("login error code %q", errs.CodeOf(err))
	}
	return le.Reason
}

func TestLockout(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	acc := f.svc.Accounts
	fail := func(n int) {
		t.Helper()
		for i := range n {
			_, err := acc.Authenticate(ctx, "alice", "wrong password!!", fmt.Sprintf("10.0.0.%d:4000", i))
			if r := loginReason(t, err); r != auth.LoginWrong && r != auth.LoginLocked {
				t.Fatalf("failure %d: %s", i, r)
			}
		}
	}

	// Four failures and a success: the count starts again.
	fail(4)
	if _, err := acc.Authenticate(ctx, "alice", alicePW, "10.0.0.1"); err != nil {
		t.Fatalf("success after 4 failures: %v", err)
	}
	if u, _ := f.store.User(ctx, "alice"); u.Login.Failures != 0 || !u.Login.LastLogin.Equal(t0) {
		t.Fatalf("login state after success = %+v", u.Login)
	}
	fail(4)
	if got := f.audit.find(auth.AuditLocked); len(got) != 0 {
		t.Fatalf("locked after 4+4 failures around a success: %+v", got)
	}

	// The fifth failure within the window locks, and says so.
	_, err := acc.Authenticate(ctx, "alice", "wrong password!!", "10.0.0.9")
	if loginReason(t, err) != auth.LoginLocked {
		t.Fatalf("fifth failure: %v", err)
	}
	locked := f.audit.find(auth.AuditLocked)
	if len(locked) != 1 || locked[0].Actor != "alice" || locked[0].Object != "user/alice" || locked[0].Detail["remote_addr"] != "10.0.0.9" {
		t.Fatalf("lock events = %+v", locked)
	}

	// Locked: the right password is refused, without hashing.
	f.clock.Advance(14 * time.Minute)
	_, err = acc.Authenticate(ctx, "alice", alicePW, "10.0.0.1")
	if loginReason(t, err) != auth.LoginLocked || !strings.Contains(errs.MessageOf(err), "locked") {
		t.Fatalf("right password while locked: %v", err)
	}
	var le *auth.LoginError
	if errors.As(err, &le); !le.Until.Equal(t0.Add(15 * time.Minute)) {
		t.Fatalf("locked until %v, want %v", le.Until, t0.Add(15*time.Minute))
	}

	// The lock expires with the clock.
	f.clock.Advance(time.Minute)
	if _, err := acc.Authenticate(ctx, "alice", alicePW, "10.0.0.1"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
}

func TestLockoutWindow(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	for i := range 8 {
		_, err := f.svc.Accounts.Authenticate(ctx, "alice", "wrong password!!", "10.0.0.1")
		if r := loginReason(t, err); r != auth.LoginWrong {
			t.Fatalf("failure %d, 4 minutes apart: %s", i, r)
		}
		// Four minutes apart, with a pause after the fourth: no five
		// failures fall within one 15-minute window.
		f.clock.Advance(4 * time.Minute)
		if i == 3 {
			f.clock.Advance(time.Minute)
		}
	}
}

func TestUnknownUserCostsTheSame(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	for _, name := range []string{"nobody", "BAD NAME", strings.Repeat("x", 500)} {
		_, err := f.svc.Accounts.Authenticate(ctx, name, alicePW, "10.0.0.1")
		if loginReason(t, err) != auth.LoginWrong || errs.MessageOf(err) != "name or password is wrong" {
			t.Fatalf("%.20q: %v", name, err)
		}
	}
	_, err := f.svc.Accounts.Authenticate(ctx, "alice", "wrong password!!", "10.0.0.1")
	if errs.MessageOf(err) != "name or password is wrong" {
		t.Fatalf("wrong password message %q differs from an unknown name's", errs.MessageOf(err))
	}
	events := f.audit.find(auth.AuditLogin)
	if len(events) != 4 || events[0].Outcome != auth.OutcomeFailure || len(events[2].Actor) > auth.MaxNameLen {
		t.Fatalf("login events = %+v", events)
	}
}

// TestUnknownUserTiming compares the time of a sign-in with an unknown
// name and with a wrong password under real hash parameters.
func TestUnknownUserTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes with 8 MiB parameters")
	}
	f := newFixture(t, func(c *auth.Config) {
		c.Hash = auth.Params{Memory: 8 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	})
	ctx := context.Background()
	f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	measure := func(name string) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			_, _ = f.svc.Accounts.Authenticate(ctx, name, "wrong password!!", "10.0.0.1")
			best = min(best, time.Since(start))
		}
		return best
	}
	known, unknown := measure("alice"), measure("nobody")
	if unknown < known/3 {
		t.Fatalf("unknown user %v, known user %v: an unknown name is answered without hashing", unknown, known)
	}
}

func TestAddressLimiter(t *testing.T) {
	f := newFixture(t, func(c *auth.Config) { c.AddrMaxFailures = 3 })
	ctx := context.Background()
	f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	for i := range 3 {
		_, err := f.svc.Accounts.Authenticate(ctx, fmt.Sprint("guess", i), "wrong password!!", "192.0.2.7:1000")
		if loginReason(t, err) != auth.LoginWrong {
			t.Fatal(err)
		}
	}
	_, err := f.svc.Accounts.Authenticate(ctx, "alice", alicePW, "192.0.2.7:2000")
	if loginReason(t, err) != auth.LoginThrottled {
		t.Fatalf("fourth attempt from the address: %v", err)
	}
	if _, err := f.svc.Accounts.Authenticate(ctx, "alice", alicePW, "192.0.2.8:2000"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	f.clock.Advance(auth.DefaultAddrWindow)
	if _, err := f.svc.Accounts.Authenticate(ctx, "alice", alicePW, "192.0.2.7:2000"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestDisabledAccount(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.addUser(t, "root.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "second.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	u := f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	token, _, err := f.svc.Sessions.Create(ctx, u, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	admin := f.as(t, "root.admin")
	if err := f.svc.Accounts.Disable(admin, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Sessions.Authenticate(ctx, token); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("session of a disabled account: %v", err)
	}
	_, err = f.svc.Accounts.Authenticate(ctx, "alice", alicePW, "10.0.0.1")
	if loginReason(t, err) != auth.LoginDisabled {
		t.Fatalf("disabled account, right password: %v", err)
	}
	_, err = f.svc.Accounts.Authenticate(ctx, "alice", "wrong password!!", "10.0.0.1")
	if loginReason(t, err) != auth.LoginWrong {
		t.Fatalf("disabled account, wrong password: %v", err)
	}

	// Enabling takes a second administrator.
	req, err := f.svc.Accounts.Enable(admin, "alice")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Requests.Approve(admin, req.ID)
	wantCode(t, "enable approved by its proposer", err, errs.Forbidden)
	if _, err := f.svc.Requests.Approve(f.as(t, "second.admin"), req.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Accounts.Authenticate(ctx, "alice", alicePW, "10.0.0.1"); err != nil {
		t.Fatalf("after enabling: %v", err)
	}

	// The last enabled administrator stays.
	if err := f.svc.Accounts.Disable(admin, "second.admin"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "disable the last administrator", f.svc.Accounts.Disable(admin, "root.admin"), errs.Conflict)
	_, err = f.svc.Accounts.Revoke(admin, "root.admin", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	wantCode(t, "revoke the last administrator", err, errs.Conflict)
	if err := f.svc.Accounts.Disable(cli(), "root.admin"); err != nil {
		t.Fatalf("the command line disables anyone: %v", err)
	}
}

func TestBootstrap(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	u, pw, err := f.svc.Accounts.Bootstrap(ctx, "root.admin")
	if err != nil {
		t.Fatal(err)
	}
	if len(pw) != 24 || !u.MustChange || u.Force != auth.ForceJOC || len(u.Roles) != 1 || u.Roles[0] != auth.RoleAdministrator {
		t.Fatalf("bootstrap = %+v, password %q", u, pw)
	}
	if _, _, err := f.svc.Accounts.Bootstrap(ctx, "other"); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("second bootstrap: %v", err)
	}
	if len(f.audit.find(auth.AuditBootstrap)) != 1 {
		t.Fatal("bootstrap not audited")
	}

	// The one-time password signs in, but nothing is authorized until it
	// is changed.
	u, err = f.svc.Accounts.Authenticate(ctx, "root.admin", pw, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := f.svc.Sessions.Create(ctx, u, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := f.svc.Sessions.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	pctx := auth.WithPrincipal(ctx, p)
	wantCode(t, "must change first", auth.Authorize(pctx, auth.ActionUserManage, ""), errs.Forbidden)
	wantCode(t, "short new password", f.svc.Accounts.ChangePassword(pctx, pw, "short"), errs.Invalid)
	wantCode(t, "new password with the name", f.svc.Accounts.ChangePassword(pctx, pw, "my root.admin password"), errs.Invalid)
	wantCode(t, "wrong current password", f.svc.Accounts.ChangePassword(pctx, "not the password", "a much better passphrase"), errs.Unauthorized)
	if err := f.svc.Accounts.ChangePassword(pctx, pw, "a much better passphrase"); err != nil {
		t.Fatal(err)
	}
	p, _, err = f.svc.Sessions.Authenticate(ctx, token)
	if err != nil || p.MustChange {
		t.Fatalf("after the change: %+v %v", p, err)
	}
	if err := auth.Authorize(auth.WithPrincipal(ctx, p), auth.ActionUserManage, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Accounts.Authenticate(ctx, "root.admin", pw, "10.0.0.1"); err == nil {
		t.Fatal("the one-time password still works")
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{Roles: roles(auth.RoleOperator)})
	mine, _, err := f.svc.Sessions.Create(ctx, u, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := f.svc.Sessions.Create(ctx, u, "10.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := f.svc.Sessions.Authenticate(ctx, mine)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Accounts.ChangePassword(auth.WithPrincipal(ctx, p), alicePW, "another fine passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Sessions.Authenticate(ctx, mine); err != nil {
		t.Fatalf("the session that changed the password: %v", err)
	}
	if _, _, err := f.svc.Sessions.Authenticate(ctx, other); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("the other session: %v", err)
	}
	token := auth.WithPrincipal(ctx, auth.Principal{User: "alice", Via: auth.ViaToken})
	wantCode(t, "change by token", f.svc.Accounts.ChangePassword(token, "another fine passphrase", "yet another passphrase"), errs.Forbidden)
}

func TestSetPassword(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.addUser(t, "root.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "other.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "cmdr", auth.ForceArmy, "", auth.Privileges{Roles: roles(auth.RoleCommander)})
	u := f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{Roles: roles(auth.RoleOperator)})
	token, _, err := f.svc.Sessions.Create(ctx, u, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		_, _ = f.svc.Accounts.Authenticate(ctx, "alice", "wrong password!!", "10.0.0.1")
	}
	admin := f.as(t, "root.admin")
	if err := f.svc.Accounts.SetPassword(admin, "alice", "temporary password 1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Sessions.Authenticate(ctx, token); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("session after a reset: %v", err)
	}
	u, err = f.svc.Accounts.Authenticate(ctx, "alice", "temporary password 1", "10.0.0.1")
	if err != nil || !u.MustChange {
		t.Fatalf("sign in after a reset (which lifts the lock): %+v %v", u, err)
	}
	wantCode(t, "reset an administrator's password", f.svc.Accounts.SetPassword(admin, "other.admin", "temporary password 1"), errs.Forbidden)
	wantCode(t, "reset a commander's password", f.svc.Accounts.SetPassword(admin, "cmdr", "temporary password 1"), errs.Forbidden)
	wantCode(t, "reset one's own password", f.svc.Accounts.SetPassword(admin, "root.admin", "temporary password 1"), errs.Invalid)
	if err := f.svc.Accounts.SetPassword(cli(), "cmdr", "temporary password 1"); err != nil {
		t.Fatalf("reset from the command line: %v", err)
	}
	op := f.as(t, "alice")
	wantCode(t, "reset by an operator", f.svc.Accounts.SetPassword(op, "cmdr", "temporary password 2"), errs.Forbidden)
}

func TestRehashOnSignIn(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	stronger := cheap
	stronger.Time = 2
	svc, err := auth.New(f.store, nil, auth.Config{Hash: stronger, Now: f.clock.Now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Accounts.Authenticate(ctx, "alice", alicePW, ""); err != nil {
		t.Fatal(err)
	}
	u, _ := f.store.User(ctx, "alice")
	h, err := auth.DecodeHash(u.PasswordHash)
	if err != nil || h.Time != 2 {
		t.Fatalf("hash after sign-in = %s %v, want t=2", u.PasswordHash, err)
	}
	if _, err := svc.Accounts.Authenticate(ctx, "alice", alicePW, ""); err != nil {
		t.Fatalf("sign in with the new hash: %v", err)
	}
}

func TestAddUser(t *testing.T) {
	f := newFixture(t, nil)
	f.addUser(t, "root.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	admin := f.as(t, "root.admin")
	cases := []struct {
		name string
		n    auth.NewUser
		code errs.Code
		part string
	}{
		{"ok", auth.NewUser{Name: "alice.k", DisplayName: "Alice K.", Force: auth.ForceArmy, Password: alicePW}, "", ""},
		{"token only", auth.NewUser{Name: "sensors.s03", Force: auth.ForceBorderGuards}, "", ""},
		{"duplicate", auth.NewUser{Name: "alice.k", Force: auth.ForceArmy}, errs.Conflict, ""},
		{"short name", auth.NewUser{Name: "al", Force: auth.ForceArmy}, errs.Invalid, "name"},
		{"upper case", auth.NewUser{Name: "Alice", Force: auth.ForceArmy}, errs.Invalid, "name"},
		{"long name", auth.NewUser{Name: strings.Repeat("a", 33), Force: auth.ForceArmy}, errs.Invalid, "name"},
		{"force", auth.NewUser{Name: "bob", Force: "navy"}, errs.Invalid, "force"},
		{"short password", auth.NewUser{Name: "bob", Force: auth.ForcePMF, Password: "eleven char"}, errs.Invalid, "password"},
		{"name in password", auth.NewUser{Name: "bob", Force: auth.ForcePMF, Password: "my name is BOB, hello"}, errs.Invalid, "password"},
		{"control character", auth.NewUser{Name: "bob", DisplayName: "Bob\x1b[2J", Force: auth.ForcePMF}, errs.Invalid, "display_name"},
	}
	for _, tc := range cases {
		u, err := f.svc.Accounts.AddUser(admin, tc.n)
		if errs.CodeOf(err) != tc.code {
			t.Errorf("%s: code %q (%v), want %q", tc.name, errs.CodeOf(err), err, tc.code)
			continue
		}
		if err != nil && !strings.HasPrefix(errs.MessageOf(err), tc.part) {
			t.Errorf("%s: message %q does not start with %q", tc.name, errs.MessageOf(err), tc.part)
		}
		if err == nil && (u.Version != 1 || len(u.Roles) != 0 || u.MustChange != (tc.n.Password != "")) {
			t.Errorf("%s: %+v", tc.name, u)
		}
	}
	f.addUser(t, "oper", auth.ForceArmy, "", auth.Privileges{Roles: roles(auth.RoleOperator), Sectors: sectors("S03")})
	_, err := f.svc.Accounts.AddUser(f.as(t, "oper"), auth.NewUser{Name: "mallory", Force: auth.ForceArmy})
	wantCode(t, "add by an operator", err, errs.Forbidden)
	_, err = f.svc.Accounts.AddUser(context.Background(), auth.NewUser{Name: "mallory", Force: auth.ForceArmy})
	wantCode(t, "add without a principal", err, errs.Unauthorized)
}

func TestGrantSectorForce(t *testing.T) {
	held := map[string]auth.Force{"S03": auth.ForceArmy, "S04": auth.ForceArmy, "S11": auth.ForcePeshmerga}
	f := newFixture(t, func(c *auth.Config) {
		c.SectorForce = func(id string) (auth.Force, bool) { fo, ok := held[id]; return fo, ok }
	})
	f.addUser(t, "root.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "alice", auth.ForceArmy, "", auth.Privileges{})
	f.addUser(t, "joc.duty", auth.ForceJOC, "", auth.Privileges{})
	admin := f.as(t, "root.admin")
	cases := []struct {
		user string
		s    auth.Sectors
		code errs.Code
	}{
		{"alice", sectors("S03", "S04"), ""},
		{"alice", sectors("S11"), errs.Forbidden},
		{"alice", auth.AllSectors(), errs.Forbidden},
		{"alice", sectors("S99"), errs.Invalid},
		{"joc.duty", sectors("S03", "S11"), ""},
		{"joc.duty", auth.AllSectors(), ""},
	}
	for _, tc := range cases {
		_, err := f.svc.Accounts.Grant(admin, tc.user, auth.Privileges{Sectors: tc.s})
		if errs.CodeOf(err) != tc.code {
			t.Errorf("grant %s to %s: %v, want %q", tc.s, tc.user, err, tc.code)
		}
	}
}

func TestRevoke(t *testing.T) {
	f := newFixture(t, nil)
	f.addUser(t, "root.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "alice", auth.ForceArmy, "", auth.Privileges{Roles: roles(auth.RoleOperator, auth.RoleAnalyst),
		Sectors: sectors("S03", "S04"), Clearance: auth.ClearanceRestricted})
	f.addUser(t, "joc.duty", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleCommander), Sectors: auth.AllSectors()})
	admin := f.as(t, "root.admin")
	u, err := f.svc.Accounts.Revoke(admin, "alice", auth.Privileges{Roles: roles(auth.RoleAnalyst), Sectors: sectors("S04"),
		Clearance: auth.ClearanceRestricted})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Roles) != 1 || u.Roles[0] != auth.RoleOperator || u.Sectors.String() != "sectors S03" || u.Clearance != auth.ClearanceNone {
		t.Fatalf("after revoke: %+v", u)
	}
	if len(f.audit.find(auth.AuditRoleRevoke)) != 1 {
		t.Fatal("revoke not audited")
	}
	_, err = f.svc.Accounts.Revoke(admin, "joc.duty", auth.Privileges{Sectors: sectors("S03")})
	wantCode(t, "one sector from all", err, errs.Invalid)
	u, err = f.svc.Accounts.Revoke(admin, "joc.duty", auth.Privileges{Sectors: auth.AllSectors()})
	if err != nil || !u.Sectors.Empty() {
		t.Fatalf("revoke all sectors: %+v %v", u.Sectors, err)
	}
	_, err = f.svc.Accounts.Revoke(admin, "alice", auth.Privileges{})
	wantCode(t, "revoke nothing", err, errs.Invalid)
	_, err = f.svc.Accounts.Revoke(f.as(t, "alice"), "joc.duty", auth.Privileges{Roles: roles(auth.RoleCommander)})
	wantCode(t, "revoke by an operator", err, errs.Forbidden)
}

func TestUsersVisibility(t *testing.T) {
	f := newFixture(t, nil)
	f.addUser(t, "root.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "alice", auth.ForceArmy, "", auth.Privileges{Roles: roles(auth.RoleOperator)})
	alice := f.as(t, "alice")
	if u, err := f.svc.Accounts.User(alice, "alice"); err != nil || u.Name != "alice" {
		t.Fatalf("own account: %v", err)
	}
	_, err := f.svc.Accounts.User(alice, "root.admin")
	wantCode(t, "another's account", err, errs.Forbidden)
	_, err = f.svc.Accounts.Users(alice)
	wantCode(t, "list by an operator", err, errs.Forbidden)
	if us, err := f.svc.Accounts.Users(f.as(t, "root.admin")); err != nil || len(us) != 2 {
		t.Fatalf("list: %d %v", len(us), err)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  auth.Config
		ok   bool
	}{
		{"defaults", auth.Config{}, true},
		{"idle longer than absolute", auth.Config{SessionIdle: 25 * time.Hour}, false},
		{"negative window", auth.Config{FailureWindow: -time.Minute}, false},
		{"weak hash memory", auth.Config{Hash: auth.Params{Memory: 4, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}, false},
		{"huge hash memory", auth.Config{Hash: auth.Params{Memory: 1 << 30, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}, false},
		{"negative failures", auth.Config{MaxFailures: -1}, false},
	}
	for _, tc := range cases {
		err := tc.cfg.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
