package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

func TestAPITokens(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.addUser(t, "root.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{Roles: roles(auth.RoleOperator, auth.RoleAnalyst),
		Sectors: sectors("S03", "S04"), Clearance: auth.ClearanceRestricted})
	alice := f.as(t, "alice")

	raw, tok, err := f.svc.Tokens.Issue(alice, "alice", "briefing screen",
		auth.TokenScope{Roles: roles(auth.RoleOperator), Sectors: sectors("S03")}, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != auth.APITokenLen || !strings.HasPrefix(raw, "rqb_"+tok.ID+"_") || strings.Contains(tok.SecretHash, raw[21:]) {
		t.Fatalf("token %q, record %+v", raw, tok)
	}
	p, err := f.svc.Tokens.Authenticate(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.User != "alice" || p.Via != auth.ViaToken || p.Token != tok.ID || len(p.Roles) != 1 || p.Roles[0] != auth.RoleOperator ||
		p.Sectors.String() != "sectors S03" || p.Clearance != auth.ClearanceNone || p.Force != auth.ForceArmy {
		t.Fatalf("token principal = %+v", p)
	}
	pctx := auth.WithPrincipal(ctx, p)
	if err := auth.Authorize(pctx, auth.ActionAlertAct, "S03"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "outside the token's sectors", auth.Authorize(pctx, auth.ActionAlertAct, "S04"), errs.Forbidden)
	wantCode(t, "outside the token's roles", auth.Authorize(pctx, auth.ActionRestrictedRead, "S03"), errs.Forbidden)
	_, _, err = f.svc.Tokens.Issue(pctx, "alice", "laundered", auth.TokenScope{Roles: roles(auth.RoleOperator)}, time.Hour)
	wantCode(t, "a token issuing a token", err, errs.Forbidden)

	// A wrong secret for a real id.
	forged := raw[:len(raw)-43] + strings.Repeat("A", 43)
	_, err = f.svc.Tokens.Authenticate(ctx, forged)
	if errs.CodeOf(err) != errs.Unauthorized || !strings.Contains(errs.MessageOf(err), "wrong secret") {
		t.Fatalf("forged secret: %v", err)
	}

	// The owner losing a role narrows the token at once.
	if _, err := f.svc.Accounts.Revoke(f.as(t, "root.admin"), "alice", auth.Privileges{Roles: roles(auth.RoleOperator)}); err != nil {
		t.Fatal(err)
	}
	if p, err := f.svc.Tokens.Authenticate(ctx, raw); err != nil || len(p.Roles) != 0 {
		t.Fatalf("after the owner lost the role: %+v %v", p.Roles, err)
	}

	// Revocation, by the owner.
	if err := f.svc.Tokens.Revoke(alice, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Tokens.Authenticate(ctx, raw)
	if errs.CodeOf(err) != errs.Unauthorized || !strings.Contains(errs.MessageOf(err), "revoked at") {
		t.Fatalf("revoked token: %v", err)
	}
	if got := f.audit.find(auth.AuditTokenRefused); len(got) != 1 || got[0].Object != "token/"+tok.ID {
		t.Fatalf("refusal events = %+v", got)
	}
}

func TestAPITokenExpiry(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{Roles: roles(auth.RoleOperator), Sectors: sectors("S03")})
	alice := f.as(t, "alice")
	raw, _, err := f.svc.Tokens.Issue(alice, "alice", "", auth.TokenScope{Roles: roles(auth.RoleOperator)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour - time.Second)
	if _, err := f.svc.Tokens.Authenticate(ctx, raw); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	f.clock.Advance(time.Second)
	_, err = f.svc.Tokens.Authenticate(ctx, raw)
	if errs.CodeOf(err) != errs.Unauthorized || !strings.Contains(errs.MessageOf(err), "expired at") {
		t.Fatalf("expired token: %v", err)
	}
}

func TestAPITokenScopes(t *testing.T) {
	f := newFixture(t, nil)
	f.addUser(t, "root.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{Roles: roles(auth.RoleOperator), Sectors: sectors("S03", "S04")})
	f.addUser(t, "sensors.s03", auth.ForceArmy, "", auth.Privileges{Roles: roles(auth.RoleSensor)})
	f.addUser(t, "bob", auth.ForceArmy, "another long password", auth.Privileges{Roles: roles(auth.RoleOperator)})
	admin, alice := f.as(t, "root.admin"), f.as(t, "alice")
	day := 24 * time.Hour
	cases := []struct {
		name  string
		ctx   context.Context
		owner string
		scope auth.TokenScope
		ttl   time.Duration
		code  errs.Code
	}{
		{"own subset", alice, "alice", auth.TokenScope{Roles: roles(auth.RoleOperator), Sectors: sectors("S04")}, day, ""},
		{"role not held", alice, "alice", auth.TokenScope{Roles: roles(auth.RoleCommander)}, day, errs.Forbidden},
		{"sector not held", alice, "alice", auth.TokenScope{Roles: roles(auth.RoleOperator), Sectors: sectors("S11")}, day, errs.Forbidden},
		{"all sectors not held", alice, "alice", auth.TokenScope{Roles: roles(auth.RoleOperator), Sectors: auth.AllSectors()}, day, errs.Forbidden},
		{"clearance not held", alice, "alice", auth.TokenScope{Roles: roles(auth.RoleOperator), Clearance: auth.ClearanceRestricted}, day, errs.Forbidden},
		{"no role", alice, "alice", auth.TokenScope{}, day, errs.Invalid},
		{"unknown role", alice, "alice", auth.TokenScope{Roles: roles("pilot")}, day, errs.Invalid},
		{"for another user", alice, "bob", auth.TokenScope{Roles: roles(auth.RoleOperator)}, day, errs.Forbidden},
		{"no ttl", alice, "alice", auth.TokenScope{Roles: roles(auth.RoleOperator)}, 0, errs.Invalid},
		{"ttl too long", alice, "alice", auth.TokenScope{Roles: roles(auth.RoleOperator)}, 400 * day, errs.Invalid},
		{"ingest token by an administrator", admin, "sensors.s03", auth.TokenScope{Sensor: "S03-R001"}, 365 * day, ""},
		{"ingest token with sectors", admin, "sensors.s03", auth.TokenScope{Sensor: "S03-R001", Sectors: sectors("S03")}, day, errs.Invalid},
		{"ingest token with operator role", admin, "alice", auth.TokenScope{Sensor: "S03-R001", Roles: roles(auth.RoleOperator)}, day, errs.Invalid},
		{"ingest token for a non-sensor", admin, "alice", auth.TokenScope{Sensor: "S03-R001"}, day, errs.Forbidden},
		{"bad sensor id", admin, "sensors.s03", auth.TokenScope{Sensor: "S03 R001"}, day, errs.Invalid},
		{"unknown owner", admin, "nobody", auth.TokenScope{Roles: roles(auth.RoleOperator)}, day, errs.NotFound},
		{"no principal", context.Background(), "alice", auth.TokenScope{Roles: roles(auth.RoleOperator)}, day, errs.Unauthorized},
	}
	for _, tc := range cases {
		_, _, err := f.svc.Tokens.Issue(tc.ctx, tc.owner, tc.name, tc.scope, tc.ttl)
		if errs.CodeOf(err) != tc.code {
			t.Errorf("%s: code %q (%v), want %q", tc.name, errs.CodeOf(err), err, tc.code)
		}
	}
}

func TestIngestToken(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.addUser(t, "root.admin", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "sensors.s03", auth.ForceBorderGuards, "", auth.Privileges{Roles: roles(auth.RoleSensor)})
	admin := f.as(t, "root.admin")
	raw, tok, err := f.svc.Tokens.Issue(admin, "sensors.s03", "radar R1", auth.TokenScope{Sensor: "S03-R001"}, 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Tokens.Authenticate(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	pctx := auth.WithPrincipal(ctx, p)
	if err := auth.AuthorizeIngest(pctx, "S03-R001"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "another sensor", auth.AuthorizeIngest(pctx, "S03-R002"), errs.Forbidden)
	wantCode(t, "view with an ingest token", auth.Authorize(pctx, auth.ActionView, ""), errs.Forbidden)

	list, err := f.svc.Tokens.List(admin, "sensors.s03")
	if err != nil || len(list) != 1 || list[0].ID != tok.ID || list[0].Scope.Sensor != "S03-R001" {
		t.Fatalf("list = %+v %v", list, err)
	}
	if err := f.svc.Accounts.Disable(admin, "sensors.s03"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Tokens.Authenticate(ctx, raw)
	if errs.CodeOf(err) != errs.Unauthorized || !strings.Contains(errs.MessageOf(err), "disabled") {
		t.Fatalf("token of a disabled owner: %v", err)
	}
}

func TestMalformedAPITokens(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	good := "rqb_0123456789abcdef_" + strings.Repeat("A", 43)
	for _, bad := range []string{
		"", "rqb_", good[:63], good + "A",
		"rqx_0123456789abcdef_" + strings.Repeat("A", 43),
		"rqb_0123456789ABCDEF_" + strings.Repeat("A", 43),
		"rqb_0123456789abcdef-" + strings.Repeat("A", 43),
		"rqb_0123456789abcdef_" + strings.Repeat("A", 42) + "=",
		"Bearer " + good[:57],
	} {
		_, err := f.svc.Tokens.Authenticate(ctx, bad)
		wantCode(t, "malformed "+bad, err, errs.Unauthorized)
	}
	_, err := f.svc.Tokens.Authenticate(ctx, good)
	if errs.CodeOf(err) != errs.Unauthorized || !strings.Contains(errs.MessageOf(err), "unknown") {
		t.Fatalf("unknown token: %v", err)
	}
}
