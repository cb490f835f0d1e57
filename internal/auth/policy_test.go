package auth_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/theater"
)

var update = flag.Bool("update", false, "rewrite the policy table in docs/security.md")

// wantPolicy is the policy written out independently of Matrix: per
// action, the roles allowed and where: "A" anywhere, "S" in their own
// sectors, with "C" when restricted clearance is needed too.
var wantPolicy = map[auth.Action]map[auth.Role]string{
	auth.ActionView: {auth.RoleOperator: "A", auth.RoleSupervisor: "A", auth.RoleCommander: "A",
		auth.RoleAnalyst: "A", auth.RoleAdministrator: "A"},
	auth.ActionAlertAct:          {auth.RoleOperator: "S", auth.RoleSupervisor: "S", auth.RoleCommander: "S"},
	auth.ActionSuppressionManage: {auth.RoleSupervisor: "S", auth.RoleCommander: "S"},
	auth.ActionCrossingStatus:    {auth.RoleSupervisor: "S", auth.RoleCommander: "S", auth.RoleAdministrator: "A"},
	auth.ActionBarrierProgress:   {auth.RoleSupervisor: "S", auth.RoleCommander: "S", auth.RoleAdministrator: "A"},
	auth.ActionSectorThresholds:  {auth.RoleCommander: "S"},
	auth.ActionUnitDispatch:      {auth.RoleOperator: "S", auth.RoleSupervisor: "S", auth.RoleCommander: "S"},
	auth.ActionIngest:            {auth.RoleSensor: "A", auth.RoleAdministrator: "A"},
	auth.ActionRestrictedRead:    {auth.RoleAnalyst: "AC", auth.RoleCommander: "SC"},
	auth.ActionUserManage:        {auth.RoleAdministrator: "A"},
	auth.ActionRoleGrant:         {auth.RoleAdministrator: "A"},
	auth.ActionAuditRead:         {auth.RoleAdministrator: "A", auth.RoleCommander: "S"},
	auth.ActionCustodyWrite:      {auth.RoleOperator: "S", auth.RoleSupervisor: "S", auth.RoleCommander: "S"},
	auth.ActionCustodyCorrect:    {auth.RoleSupervisor: "S", auth.RoleCommander: "S"},
}

var wantDual = []auth.Action{auth.ActionSectorThresholds, auth.ActionUserManage, auth.ActionRoleGrant, auth.ActionCustodyCorrect}

func TestMatrixRows(t *testing.T) {
	seen := map[auth.Action]bool{}
	for _, r := range auth.Matrix {
		if seen[r.Action] {
			t.Errorf("action %s has two rows", r.Action)
		}
		seen[r.Action] = true
		if _, ok := wantPolicy[r.Action]; !ok {
			t.Errorf("action %s is not in the expected policy", r.Action)
		}
		if r.Verb == "" {
			t.Errorf("action %s has no verb", r.Action)
		}
		if r.DualControl != slices.Contains(wantDual, r.Action) {
			t.Errorf("action %s: dual control %v", r.Action, r.DualControl)
		}
		for _, g := range r.Grants {
			if !g.Role.Valid() || (g.Scope != auth.InSectors && g.Scope != auth.Anywhere) || !g.Clearance.Valid() {
				t.Errorf("action %s: bad grant %+v", r.Action, g)
			}
		}
	}
	for a := range wantPolicy {
		if !seen[a] {
			t.Errorf("action %s has no row in the matrix", a)
		}
	}
}

// TestPolicy enumerates role × force × clearance × sector scope × target
// sector × action for one-role principals against wantPolicy.
func TestPolicy(t *testing.T) {
	scopes := []auth.Sectors{sectors("S03", "S04"), auth.AllSectors(), {}}
	targets := []string{"S03", "S11", ""}
	n := 0
	for _, r := range auth.Matrix {
		for _, role := range auth.Roles {
			for _, force := range auth.Forces {
				for _, clearance := range []auth.Clearance{auth.ClearanceNone, auth.ClearanceRestricted} {
					for _, scope := range scopes {
						for _, target := range targets {
							n++
							p := auth.Principal{User: "alice", Force: force, Roles: []auth.Role{role}, Sectors: scope,
								Clearance: clearance, Via: auth.ViaSession}
							spec, listed := wantPolicy[r.Action][role]
							want := listed &&
								(strings.Contains(spec, "A") || scope.Contains(target)) &&
								(!strings.Contains(spec, "C") || clearance >= auth.ClearanceRestricted)
							err := auth.Authorize(auth.WithPrincipal(context.Background(), p), r.Action, target)
							if want != (err == nil) {
								t.Fatalf("%s %s %s clearance %s in %s on %q: err %v, want allowed %v",
									r.Action, role, force, clearance, scope, target, err, want)
							}
							if err != nil {
								checkRefusal(t, err, p, r, target)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d cases", n)
}

func checkRefusal(t *testing.T, err error, p auth.Principal, r auth.Rule, target string) {
	t.Helper()
	if errs.CodeOf(err) != errs.Forbidden {
		t.Fatalf("refusal code %q: %v", errs.CodeOf(err), err)
	}
	msg := errs.MessageOf(err)
	for _, part := range []string{string(p.Roles[0]), p.User, string(p.Force), p.Sectors.String(), r.Verb} {
		if !strings.Contains(msg, part) {
			t.Fatalf("refusal %q does not name %q", msg, part)
		}
	}
	if target != "" && !strings.Contains(msg, "sector "+target) {
		t.Fatalf("refusal %q does not name sector %s", msg, target)
	}
}

func TestAuthorizeMessages(t *testing.T) {
	alice := auth.Principal{User: "alice", Force: auth.ForceArmy, Roles: roles(auth.RoleOperator),
		Sectors: sectors("S04", "S03"), Via: auth.ViaSession}
	bob := auth.Principal{User: "bob", Force: auth.ForcePMF, Roles: roles(auth.RoleAnalyst), Sectors: auth.AllSectors()}
	carol := auth.Principal{User: "carol", Force: auth.ForcePeshmerga, Roles: roles(auth.RoleCommander, auth.RoleAnalyst)}
	cases := []struct {
		p      auth.Principal
		action auth.Action
		sector string
		want   string
	}{
		{alice, auth.ActionAlertAct, "S11", "operator alice (army, sectors S03,S04) may not act on alerts in sector S11"},
		{alice, auth.ActionSectorThresholds, "S03", "operator alice (army, sectors S03,S04) may not change sector thresholds in sector S03"},
		{alice, auth.ActionAlertAct, "", "operator alice (army, sectors S03,S04) may not act on alerts outside a named sector"},
		{bob, auth.ActionRestrictedRead, "", "analyst bob (pmf, all sectors) may not read restricted data: restricted clearance required"},
		{carol, auth.ActionUserManage, "", "commander+analyst carol (peshmerga, no sectors) may not manage users"},
		{auth.Principal{User: "dan", Force: auth.ForceJOC}, auth.ActionView, "", "user dan (joc, no sectors) may not view the picture"},
	}
	for _, tc := range cases {
		err := auth.Authorize(auth.WithPrincipal(context.Background(), tc.p), tc.action, tc.sector)
		if errs.CodeOf(err) != errs.Forbidden || errs.MessageOf(err) != tc.want {
			t.Errorf("%s %s %q:\n got %v\nwant forbidden: %s", tc.p.User, tc.action, tc.sector, err, tc.want)
		}
	}
}

func TestAuthorizeSpecialPrincipals(t *testing.T) {
	ctx := context.Background()
	wantCode(t, "no principal", auth.Authorize(ctx, auth.ActionView, ""), errs.Unauthorized)
	for _, p := range []auth.Principal{auth.SystemPrincipal("pipeline"), auth.CLIPrincipal("root")} {
		for _, r := range auth.Matrix {
			if err := auth.Authorize(auth.WithPrincipal(ctx, p), r.Action, "S99"); err != nil {
				t.Errorf("%s %s: %v", p.User, r.Action, err)
			}
		}
	}
	forged := auth.Principal{User: "system:pipeline", Via: auth.ViaSystem}
	wantCode(t, "a principal that only claims to be the system",
		auth.Authorize(auth.WithPrincipal(ctx, forged), auth.ActionView, ""), errs.Forbidden)
	must := auth.Principal{User: "eve", Roles: roles(auth.RoleAdministrator), Sectors: auth.AllSectors(), MustChange: true}
	wantCode(t, "must change password", auth.Authorize(auth.WithPrincipal(ctx, must), auth.ActionView, ""), errs.Forbidden)
	admin := auth.Principal{User: "adm", Roles: roles(auth.RoleAdministrator)}
	wantCode(t, "unknown action", auth.Authorize(auth.WithPrincipal(ctx, admin), "launch", ""), errs.Internal)
	multi := auth.Principal{User: "m", Roles: roles(auth.RoleAnalyst, auth.RoleOperator), Sectors: sectors("S03")}
	if err := auth.Authorize(auth.WithPrincipal(ctx, multi), auth.ActionAlertAct, "S03"); err != nil {
		t.Errorf("a second role does not add its grants: %v", err)
	}
}

func TestAuthorizeIngest(t *testing.T) {
	ctx := context.Background()
	bound := auth.Principal{User: "sensors.s03", Roles: roles(auth.RoleSensor), Sensor: "S03-R001", Via: auth.ViaToken}
	if err := auth.AuthorizeIngest(auth.WithPrincipal(ctx, bound), "S03-R001"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "another sensor's data", auth.AuthorizeIngest(auth.WithPrincipal(ctx, bound), "S04-R001"), errs.Forbidden)
	free := auth.Principal{User: "gateway", Roles: roles(auth.RoleSensor), Via: auth.ViaToken}
	if err := auth.AuthorizeIngest(auth.WithPrincipal(ctx, free), "S04-R001"); err != nil {
		t.Fatal(err)
	}
	op := auth.Principal{User: "op", Roles: roles(auth.RoleOperator), Sectors: auth.AllSectors()}
	wantCode(t, "operator ingest", auth.AuthorizeIngest(auth.WithPrincipal(ctx, op), "S03-R001"), errs.Forbidden)
}

// TestForcesMatchTheater keeps the forces of accounts and of sectors the
// same words.
func TestForcesMatchTheater(t *testing.T) {
	for _, f := range theater.Forces {
		if !auth.Force(f).Valid() {
			t.Errorf("theater force %q is not an account force", f)
		}
	}
}

// policyMarkdown renders the matrix as the table in docs/security.md.
func policyMarkdown() string {
	var b strings.Builder
	b.WriteString("| Action | Allowed | Dual control | Notes |\n|---|---|---|---|\n")
	for _, r := range auth.Matrix {
		var who []string
		for _, g := range r.Grants {
			s := string(g.Role)
			switch g.Scope {
			case auth.InSectors:
				s += " (own sectors"
			case auth.Anywhere:
				s += " (anywhere"
			}
			if g.Clearance != auth.ClearanceNone {
				s += ", " + g.Clearance.String() + " clearance"
			}
			who = append(who, s+")")
		}
		dual := ""
		if r.DualControl {
			dual = "yes"
		}
		fmt.Fprintf(&b, "| `%s` (%s) | %s | %s | %s |\n", r.Action, r.Verb, strings.Join(who, ", "), dual, r.Note)
	}
	return b.String()
}

const (
	policyBegin = "<!-- policy table: generated by go test ./internal/auth -run TestPolicyDoc -update -->\n"
	policyEnd   = "<!-- end of policy table -->\n"
)

// TestPolicyDoc checks that docs/security.md shows the matrix as it is;
// -update rewrites the table.
func TestPolicyDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "security.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(doc), policyBegin)
	_, after, ok2 := strings.Cut(rest, policyEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s: no policy table markers", path)
	}
	want := before + policyBegin + policyMarkdown() + policyEnd + after
	if string(doc) == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s: the policy table is out of date; run go test ./internal/auth -run TestPolicyDoc -update", path)
}
