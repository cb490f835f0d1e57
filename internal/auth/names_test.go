package auth_test

import (
	"encoding/json"
	"strings"
	"testing"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

func TestValidateName(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"alice.k_2-x", true},
		{strings.Repeat("a", 32), true},
		{"ab", false},
		{strings.Repeat("a", 33), false},
		{"Alice", false},
		{"al ice", false},
		{"alice@army", false},
		{"système", false},
		{"cli:root", false},
		{"", false},
	}
	for _, tc := range cases {
		err := auth.ValidateName(tc.name)
		if tc.ok != (err == nil) {
			t.Errorf("%q: %v", tc.name, err)
		}
		if err != nil && (errs.CodeOf(err) != errs.Invalid || !strings.HasPrefix(errs.MessageOf(err), "name: ")) {
			t.Errorf("%q: %v does not name the field", tc.name, err)
		}
	}
}

func TestSectors(t *testing.T) {
	s34 := sectors("S04", "S03", "S04")
	if strings.Join(s34.IDs, ",") != "S03,S04" {
		t.Fatalf("sorted and deduplicated: %v", s34.IDs)
	}
	all, none := auth.AllSectors(), auth.Sectors{}
	cases := []struct {
		name string
		got  bool
		want bool
	}{
		{"contains", s34.Contains("S03"), true},
		{"not contains", s34.Contains("S11"), false},
		{"empty sector in a list", s34.Contains(""), false},
		{"empty sector in all", all.Contains(""), true},
		{"all covers a list", all.Covers(s34), true},
		{"list does not cover all", s34.Covers(all), false},
		{"list covers a subset", s34.Covers(sectors("S04")), true},
		{"list does not cover another", s34.Covers(sectors("S04", "S05")), false},
		{"anything covers none", none.Covers(none), true},
		{"none is empty", none.Empty(), true},
		{"all is not empty", all.Empty(), false},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: %v", tc.name, tc.got)
		}
	}
	for _, tc := range []struct {
		name      string
		got, want auth.Sectors
	}{
		{"intersect", s34.Intersect(sectors("S04", "S05")), sectors("S04")},
		{"intersect all", all.Intersect(s34), s34},
		{"union", s34.Union(sectors("S01")), sectors("S01", "S03", "S04")},
		{"union all", s34.Union(all), all},
		{"without", s34.Without(sectors("S03")), sectors("S04")},
		{"without all", s34.Without(all), none},
	} {
		if tc.got.String() != tc.want.String() {
			t.Errorf("%s: %s, want %s", tc.name, tc.got, tc.want)
		}
	}
	for _, bad := range [][]string{{""}, {"S 3"}, {strings.Repeat("S", 33)}, make([]string, auth.MaxSectors+1)} {
		if _, err := auth.SectorList(bad...); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("sector list %.30q: %v", bad, err)
		}
	}
}

func TestSectorsJSON(t *testing.T) {
	for _, tc := range []struct {
		s    auth.Sectors
		json string
	}{
		{auth.AllSectors(), `"all"`},
		{sectors("S03", "S04"), `["S03","S04"]`},
		{auth.Sectors{}, `[]`},
	} {
		b, err := json.Marshal(tc.s)
		if err != nil || string(b) != tc.json {
			t.Errorf("marshal %s: %s %v, want %s", tc.s, b, err, tc.json)
		}
		var back auth.Sectors
		if err := json.Unmarshal(b, &back); err != nil || back.String() != tc.s.String() {
			t.Errorf("unmarshal %s: %s %v", b, back, err)
		}
	}
	for _, bad := range []string{`"some"`, `[1]`, `["S 3"]`, `{}`} {
		var s auth.Sectors
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("unmarshal %s: accepted as %s", bad, s)
		}
	}
}

func TestPrincipalContext(t *testing.T) {
	p := auth.Principal{User: "alice", Roles: roles(auth.RoleOperator)}
	ctx := auth.WithPrincipal(t.Context(), p)
	p.Roles[0] = auth.RoleAdministrator // the caller's copy, not the context's
	got, ok := auth.PrincipalFrom(ctx)
	if !ok || got.User != "alice" || got.Roles[0] != auth.RoleOperator {
		t.Fatalf("principal from context = %+v %v", got, ok)
	}
	got.Roles[0] = auth.RoleAdministrator
	wantCode(t, "after changing a copy", auth.Authorize(ctx, auth.ActionUserManage, ""), errs.Forbidden)
	if _, ok := auth.PrincipalFrom(t.Context()); ok {
		t.Fatal("principal in an empty context")
	}
	if sys := auth.SystemPrincipal("pipeline"); !sys.System() || sys.User != "system:pipeline" || sys.Via != auth.ViaSystem {
		t.Fatalf("system principal = %+v", sys)
	}
	if c := auth.CLIPrincipal("root"); !c.System() || c.User != "cli:root" || c.Via != auth.ViaCLI {
		t.Fatalf("cli principal = %+v", c)
	}
}
