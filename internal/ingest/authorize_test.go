package ingest

import (
	"context"
	"strings"
	"testing"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

func TestAuthorizeSensors(t *testing.T) {
	as := func(p auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }
	gateway := as(auth.Principal{User: "gw", Force: auth.ForceArmy, Roles: []auth.Role{auth.RoleSensor}, Sectors: auth.AllSectors(), Via: auth.ViaToken})
	camera := as(auth.Principal{User: "cam", Force: auth.ForceArmy, Roles: []auth.Role{auth.RoleSensor}, Sectors: auth.AllSectors(), Via: auth.ViaToken, Sensor: "S05-C001"})
	operator := as(auth.Principal{User: "omar", Force: auth.ForceArmy, Roles: []auth.Role{auth.RoleOperator}, Sectors: auth.AllSectors(), Via: auth.ViaSession})
	for _, c := range []struct {
		name    string
		ctx     context.Context
		sensors []string
		code    errs.Code
		msg     string
	}{
		{"gateway, many sensors", gateway, []string{"S05-C001", "S05-C002", "S06-C001"}, "", ""},
		{"camera token, its own sensor", camera, []string{"S05-C001", "S05-C001"}, "", ""},
		{"camera token, another sensor", camera, []string{"S05-C001", "S05-C002"}, errs.Forbidden, `entry 1: `},
		{"operator", operator, []string{"S05-C001"}, errs.Forbidden, "omar"},
		{"operator, empty batch", operator, nil, errs.Forbidden, "omar"},
		{"nobody", context.Background(), []string{"S05-C001"}, errs.Unauthorized, "sign in"},
	} {
		err := authorizeSensors(c.ctx, len(c.sensors), func(i int) string { return c.sensors[i] })
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.code != "" && (!errs.Is(err, c.code) || !strings.Contains(err.Error(), c.msg)):
			t.Errorf("%s: %v, want %s with %q", c.name, err, c.code, c.msg)
		}
	}
}
