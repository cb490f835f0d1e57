package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

func TestSessionExpiry(t *testing.T) {
	cases := []struct {
		name  string
		steps []time.Duration // uses, each after the previous
		valid bool
		msg   string
	}{
		{"fresh", []time.Duration{time.Minute}, true, ""},
		{"used every 11 hours for 23 hours", []time.Duration{11 * time.Hour, 11 * time.Hour, 59 * time.Minute}, true, ""},
		{"idle 12 hours", []time.Duration{12 * time.Hour}, false, "without use"},
		{"idle just under 12 hours", []time.Duration{12*time.Hour - time.Second}, true, ""},
		{"absolute 24 hours though used", []time.Duration{11 * time.Hour, 11 * time.Hour, 2 * time.Hour}, false, "expired at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			ctx := context.Background()
			u := f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{Roles: roles(auth.RoleOperator)})
			token, _, err := f.svc.Sessions.Create(ctx, u, "10.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range tc.steps {
				f.clock.Advance(d)
				_, _, err = f.svc.Sessions.Authenticate(ctx, token)
				if i < len(tc.steps)-1 && err != nil {
					t.Fatalf("use %d: %v", i, err)
				}
			}
			if tc.valid != (err == nil) {
				t.Fatalf("last use: %v, want valid %v", err, tc.valid)
			}
			if err != nil && (errs.CodeOf(err) != errs.Unauthorized || !strings.Contains(errs.MessageOf(err), tc.msg)) {
				t.Fatalf("last use: %v, want unauthorized mentioning %q", err, tc.msg)
			}
		})
	}
}

func TestSessionConfigurableExpiry(t *testing.T) {
	f := newFixture(t, func(c *auth.Config) { c.SessionIdle, c.SessionAbsolute = 10*time.Minute, time.Hour })
	ctx := context.Background()
	u := f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	token, sess, err := f.svc.Sessions.Create(ctx, u, "")
	if err != nil {
		t.Fatal(err)
	}
	if !sess.Expires.Equal(t0.Add(time.Hour)) {
		t.Fatalf("expires %v", sess.Expires)
	}
	f.clock.Advance(10 * time.Minute)
	if _, _, err := f.svc.Sessions.Authenticate(ctx, token); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("after 10 idle minutes: %v", err)
	}
}

func TestSessionTouchIsThrottled(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	token, sess, err := f.svc.Sessions.Create(ctx, u, "")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * time.Second)
	if _, _, err := f.svc.Sessions.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.store.Session(ctx, sess.ID); !got.LastSeen.Equal(t0) {
		t.Fatalf("last seen moved after 30s: %v", got.LastSeen)
	}
	f.clock.Advance(30 * time.Second)
	if _, _, err := f.svc.Sessions.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.store.Session(ctx, sess.ID); !got.LastSeen.Equal(t0.Add(time.Minute)) {
		t.Fatalf("last seen after a minute: %v", got.LastSeen)
	}
}

func TestSessionRevocation(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.addUser(t, "root.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	alice := f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{Roles: roles(auth.RoleOperator)})
	bob := f.addUser(t, "bob", auth.ForceArmy, "another long password", auth.Privileges{Roles: roles(auth.RoleOperator)})
	a1, s1, _ := f.svc.Sessions.Create(ctx, alice, "")
	a2, _, _ := f.svc.Sessions.Create(ctx, alice, "")
	a3, s3, _ := f.svc.Sessions.Create(ctx, alice, "")
	b1, _, _ := f.svc.Sessions.Create(ctx, bob, "")

	// Signing out: one's own session.
	p, _, err := f.svc.Sessions.Authenticate(ctx, a1)
	if err != nil {
		t.Fatal(err)
	}
	actx := auth.WithPrincipal(ctx, p)
	if err := f.svc.Sessions.Revoke(actx, s1.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.Sessions.Authenticate(ctx, a1)
	if errs.CodeOf(err) != errs.Unauthorized || !strings.Contains(errs.MessageOf(err), "signed out") {
		t.Fatalf("revoked session: %v", err)
	}
	// Not another's.
	bp, _, _ := f.svc.Sessions.Authenticate(ctx, b1)
	wantCode(t, "revoke another's session", f.svc.Sessions.Revoke(auth.WithPrincipal(ctx, bp), s3.ID), errs.Forbidden)
	_, err = f.svc.Sessions.RevokeAll(auth.WithPrincipal(ctx, bp), "alice")
	wantCode(t, "revoke all of another's sessions", err, errs.Forbidden)
	_, err = f.svc.Sessions.List(auth.WithPrincipal(ctx, bp), "alice")
	wantCode(t, "list another's sessions", err, errs.Forbidden)

	// An administrator ends all of a user's sessions.
	admin := f.as(t, "root.admin")
	list, err := f.svc.Sessions.List(admin, "alice")
	if err != nil || len(list) != 3 {
		t.Fatalf("alice's sessions: %d %v", len(list), err)
	}
	n, err := f.svc.Sessions.RevokeAll(admin, "alice")
	if err != nil || n != 2 {
		t.Fatalf("revoke all = %d %v, want 2", n, err)
	}
	for _, tok := range []string{a2, a3} {
		if _, _, err := f.svc.Sessions.Authenticate(ctx, tok); errs.CodeOf(err) != errs.Unauthorized {
			t.Fatalf("session after revoke all: %v", err)
		}
	}
	if _, _, err := f.svc.Sessions.Authenticate(ctx, b1); err != nil {
		t.Fatalf("bob's session: %v", err)
	}
	if got := f.audit.find(auth.AuditSessionRevoke); len(got) != 2 {
		t.Fatalf("revocation events = %+v", got)
	}
}

func TestSessionTokens(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	token, sess, err := f.svc.Sessions.Create(ctx, u, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != auth.SessionTokenLen || len(sess.ID) != auth.SessionIDLen || strings.Contains(sess.ID, token) {
		t.Fatalf("token %q, id %q", token, sess.ID)
	}
	if id, err := auth.DecodeSessionToken(token); err != nil || id != sess.ID {
		t.Fatalf("decode: %q %v, want %q", id, err, sess.ID)
	}
	other, _, _ := f.svc.Sessions.Create(ctx, u, "")
	if other == token {
		t.Fatal("two sessions share a token")
	}
	for _, bad := range []string{"", token[:42], token + "A", strings.Repeat("=", 43), token[:42] + "\n", "!" + token[1:]} {
		_, _, err := f.svc.Sessions.Authenticate(ctx, bad)
		wantCode(t, "malformed token "+bad, err, errs.Unauthorized)
	}
	unknown := strings.Repeat("A", 43)
	_, _, err = f.svc.Sessions.Authenticate(ctx, unknown)
	if errs.CodeOf(err) != errs.Unauthorized || !strings.Contains(errs.MessageOf(err), "unknown") {
		t.Fatalf("unknown session: %v", err)
	}
}

func TestCheckCSRF(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	token, sess, err := f.svc.Sessions.Create(ctx, u, "")
	if err != nil {
		t.Fatal(err)
	}
	_, looked, err := f.svc.Sessions.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	_, other, _ := f.svc.Sessions.Create(ctx, u, "")
	cases := []struct {
		name      string
		presented string
		ok        bool
	}{
		{"match", sess.CSRF, true},
		{"missing", "", false},
		{"another session's", other.CSRF, false},
		{"the session token", token, false},
		{"truncated", sess.CSRF[:20], false},
	}
	for _, tc := range cases {
		err := auth.CheckCSRF(looked, tc.presented)
		if tc.ok != (err == nil) || (err != nil && errs.CodeOf(err) != errs.Forbidden) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if err := auth.CheckCSRF(auth.Session{}, ""); err == nil {
		t.Error("an empty session's empty token matched")
	}
}
