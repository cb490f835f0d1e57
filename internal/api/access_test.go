package api

import (
	"context"
	"strings"
	"testing"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

func TestAccessValidate(t *testing.T) {
	cases := []struct {
		a    Access
		want string // "" when valid, else a fragment of the error
	}{
		{public, ""},
		{signedIn, ""},
		{session, ""},
		{need(auth.ActionView), ""},
		{need(auth.ActionAlertAct), ""},
		{Access{}, "none given"},
		{Access{Public: true, Action: auth.ActionView}, "more than one"},
		{Access{SignedIn: true, Session: true}, "more than one"},
		{need("launch.missiles"), "not in the policy matrix"},
	}
	for _, tc := range cases {
		err := tc.a.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.a, err, tc.want)
		}
	}
	for _, rt := range Routes() {
		if err := rt.Access.Validate(); err != nil {
			t.Errorf("route %s: %v", rt.Pattern(), err)
		}
	}
}

func TestAllowedSomewhere(t *testing.T) {
	s03, _ := auth.SectorList("S03")
	p := func(role auth.Role, sectors auth.Sectors, c auth.Clearance) auth.Principal {
		return auth.Principal{User: "alice", Force: auth.ForceArmy, Roles: []auth.Role{role}, Sectors: sectors, Clearance: c, Via: auth.ViaSession}
	}
	cases := []struct {
		name   string
		p      auth.Principal
		action auth.Action
		want   string // "" when allowed, else a fragment of the refusal
	}{
		{"view anywhere", p(auth.RoleAnalyst, auth.Sectors{}, 0), auth.ActionView, ""},
		{"in own sector", p(auth.RoleOperator, s03, 0), auth.ActionAlertAct, ""},
		{"every sector", p(auth.RoleOperator, auth.AllSectors(), 0), auth.ActionAlertAct, ""},
		{"no role", p(auth.RoleAnalyst, s03, 0), auth.ActionAlertAct, "may not act on alerts"},
		{"sensor may not view", p(auth.RoleSensor, auth.AllSectors(), 0), auth.ActionView, "may not view the picture"},
		{"no sector", p(auth.RoleOperator, auth.Sectors{}, 0), auth.ActionAlertAct, "no sector assigned"},
		{"clearance in sectors", p(auth.RoleCommander, s03, 0), auth.ActionRestrictedRead, "in sector S03: restricted clearance required"},
		{"clearance anywhere", p(auth.RoleAnalyst, auth.Sectors{}, 0), auth.ActionRestrictedRead, "restricted clearance required"},
		{"cleared", p(auth.RoleCommander, s03, auth.ClearanceRestricted), auth.ActionRestrictedRead, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := auth.WithPrincipal(context.Background(), tc.p)
			err := allowedSomewhere(ctx, &tc.p, tc.action)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want == "":
			case errs.CodeOf(err) != errs.Forbidden || !strings.Contains(errs.MessageOf(err), tc.want) || !strings.Contains(errs.MessageOf(err), "alice"):
				t.Fatalf("%v, want forbidden naming alice and %q", err, tc.want)
			}
		})
	}
	if err := allowedSomewhere(context.Background(), &auth.Principal{}, auth.ActionView); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("without a principal: %v", err)
	}
}
