package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"raqib/internal/auth"
)

// TestUserCommands drives the account commands as an administrator on the
// server would: an account is added with a one-time password, a grant
// waits for a second person (the proposer cannot approve it), another
// person's approval applies it, and bad command lines are refused naming
// what is wrong.
func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	dirToken(t, data) // creates the database, as a first start would
	cmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append(args, "--data", data), &out, &errOut)
		return out.String(), err
	}
	out, err := cmd("user", "add", "alice", "--force", "army", "--display", "Alice")
	if err != nil || !regexp.MustCompile(`one-time password.*\n\n    \S{16}\n`).MatchString(out) {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	out, err = cmd("user", "grant", "alice", "--roles", "operator", "--sectors", "S04,S06")
	if err != nil {
		t.Fatalf("user grant: %v", err)
	}
	m := regexp.MustCompile(`request (\d+) proposed`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no request number in %q", out)
	}
	if out, _ := cmd("request", "list"); !strings.Contains(out, "alice") {
		t.Errorf("request list: %q", out)
	}
	if _, err := cmd("request", "approve", m[1]); err == nil {
		t.Fatal("the proposer approved its own grant")
	}

	// A second administrator's approval applies it.
	a, err := openAccounts(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	other := auth.WithPrincipal(ctx, auth.CLIPrincipal("second-admin"))
	var id int64
	for _, c := range m[1] {
		id = id*10 + int64(c-'0')
	}
	if _, err := a.auth.Requests.Approve(other, id); err != nil {
		t.Fatal(err)
	}
	u, err := a.auth.Accounts.User(other, "alice")
	a.db.Close()
	if err != nil || len(u.Roles) != 1 || u.Roles[0] != auth.RoleOperator || !u.Sectors.Contains("S06") || u.Sectors.Contains("S05") {
		t.Fatalf("after approval: %+v %v", u, err)
	}
	if out, err := cmd("user", "disable", "alice"); err != nil || !strings.Contains(out, "disabled") {
		t.Errorf("user disable: %v %q", err, out)
	}
	if out, _ := cmd("user", "list"); !regexp.MustCompile(`alice\s+army\s+operator\s+sectors S04,S06\s+disabled`).MatchString(out) {
		t.Errorf("user list:\n%s", out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "add", "bob"}, "--force: required"},
		{[]string{"user", "add", "Bob!", "--force", "army"}, "name"},
		{[]string{"user", "add", "carol", "--force", "navy"}, "navy"},
		{[]string{"user", "grant", "alice", "--sectors", "S04", "--clearance", "secret"}, `--clearance "secret"`},
		{[]string{"user", "grant", "alice", "--roles", "operator", "--sectors", "S16"}, "S16"},
		{[]string{"request", "approve", "abc"}, `"abc" is not a request number`},
		{[]string{"token", "issue", "--user", "alice"}, "--label: required"},
		{[]string{"user", "frobnicate", "x"}, `unknown command "frobnicate"`},
	} {
		_, err := cmd(tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	var out2, errOut bytes.Buffer
	if err := run(ctx, []string{"user", "list", "--data", t.TempDir()}, &out2, &errOut); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("user list on an empty directory: %v", err)
	}
}

// TestDemoAccounts: the demo's accounts sign in with the passwords it
// prints, with no change required, at the first start and at the next; the
// simulator's token submits data and nothing else.
func TestDemoAccounts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for start := range 2 {
		m := NewMain(io.Discard, io.Discard)
		m.Getenv = func(string) string { return "" }
		m.PasswordHash, m.Demo = testHash, true
		if err := m.ParseFlags("demo", []string{"--addr", "127.0.0.1:0", "--data", dir}); err != nil {
			t.Fatal(err)
		}
		if err := m.Open(ctx); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		token, err := m.setupDemoAccounts(ctx, &out)
		if err != nil {
			t.Fatalf("start %d: %v", start, err)
		}
		lines := regexp.MustCompile(`(?m)^  (\S+)\s+(\S{16})\s+(\S+)`).FindAllStringSubmatch(out.String(), -1)
		if len(lines) != len(demoAccounts) {
			t.Fatalf("start %d: %d accounts printed, want %d:\n%s", start, len(lines), len(demoAccounts), out.String())
		}
		for _, l := range lines {
			u, err := m.auth.Accounts.Authenticate(ctx, l[1], l[2], "127.0.0.1:1")
			if err != nil || u.MustChange || len(u.Roles) != 1 || string(u.Roles[0]) != l[3] {
				t.Errorf("start %d: %s signs in: %+v, %v", start, l[1], u, err)
			}
		}
		p, err := m.auth.Tokens.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		tctx := auth.WithPrincipal(ctx, p)
		if err := auth.AuthorizeIngest(tctx, "S05-C001"); err != nil {
			t.Errorf("simulator token may not submit: %v", err)
		}
		if err := auth.Authorize(tctx, auth.ActionAlertAct, "S05"); err == nil {
			t.Error("simulator token may act on alerts")
		}
		m.Close()
	}
}
