package auth_test

import (
	"strings"
	"testing"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

// TestUnrecordedChangesRefused: while the audit trail cannot be written, a
// sign-in, a new account, a token and an approval are not reported done.
func TestUnrecordedChangesRefused(t *testing.T) {
	f := newFixture(t, nil)
	f.addUser(t, "alice", auth.ForceArmy, "correct horse battery", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: auth.AllSectors()})
	f.audit.setFail(true)
	check := func(what string, err error) {
		t.Helper()
		if !errs.Is(err, errs.Unavailable) || !strings.Contains(err.Error(), "audit trail") {
			t.Errorf("%s while the trail fails: %v, want unavailable naming the audit trail", what, err)
		}
	}
	_, err := f.svc.Accounts.Authenticate(cli(), "alice", "correct horse battery", "192.0.2.1:1")
	check("sign-in", err)
	_, err = f.svc.Accounts.AddUser(cli(), auth.NewUser{Name: "bob", Force: auth.ForceArmy})
	check("add user", err)
	tok, _, err := f.svc.Tokens.Issue(cli(), "alice", "tool", auth.TokenScope{Roles: []auth.Role{auth.RoleOperator}, Sectors: auth.AllSectors()}, time.Hour)
	check("token", err)

	f.audit.setFail(false)
	if tok != "" {
		t.Fatal("a token was handed out unaudited")
	}
	if _, err := f.svc.Accounts.Authenticate(cli(), "alice", "correct horse battery", "192.0.2.1:1"); err != nil {
		t.Errorf("sign-in once the trail works again: %v", err)
	}
}
