package auth

import (
	"context"
	"slices"
	"strings"
)

// Via says how a principal proved who it is.
type Via string

// The ways in.
const (
	ViaSession Via = "session" // a browser session cookie
	ViaToken   Via = "token"   // an API token
	ViaCLI     Via = "cli"     // the raqib command on the server itself
	ViaSystem  Via = "system"  // the pipeline and other internal components
	// ViaCertificate: a sensor's client certificate, signed by the sensor
	// CA the server trusts (mutual TLS).
	ViaCertificate Via = "certificate"
)

// CertificatePrincipal is the principal of a sensor that presented a client
// certificate signed by the sensor CA the server trusts, its common name
// the sensor id: it may submit that one sensor's data and nothing else.
func CertificatePrincipal(sensorID string) Principal {
	return Principal{User: "sensor:" + sensorID, Force: ForceJOC, Roles: []Role{RoleSensor},
		Sectors: AllSectors(), Via: ViaCertificate, Sensor: sensorID}
}

// Principal is who is acting: a signed-in user, a program holding an API
// token, or the system itself. Services take it from the context and
// authorize against it with Authorize.
type Principal struct {
	User      string
	Force     Force
	Roles     []Role // sorted
	Sectors   Sectors
	Clearance Clearance
	Via       Via
	// Sensor, for an ingest token, is the one sensor whose data the token
	// may submit.
	Sensor string
	// Session or Token is the id of the credential presented (a session
	// id, never the cookie value).
	Session string
	Token   string
	// MustChange is set while the user signs in with a one-time or reset
	// password: nothing is authorized until it is changed.
	MustChange bool

	// system is set only by SystemPrincipal and CLIPrincipal: it passes
	// every rule of the policy.
	system bool
}

// SystemPrincipal is the principal of an internal component such as the
// pipeline: it may do anything, and is named "system:<component>" in the
// audit trail.
func SystemPrincipal(component string) Principal {
	return Principal{User: "system:" + component, Force: ForceJOC, Sectors: AllSectors(),
		Clearance: ClearanceRestricted, Via: ViaSystem, system: true}
}

// CLIPrincipal is the principal of the raqib command run on the server by
// the operating-system user osUser. Whoever can run it can read the
// database, so it passes every rule; the audit trail names it
// "cli:<osUser>".
func CLIPrincipal(osUser string) Principal {
	p := SystemPrincipal("")
	p.User, p.Via = "cli:"+osUser, ViaCLI
	return p
}

// System reports whether p is a system or command-line principal.
func (p Principal) System() bool { return p.system }

// HasRole reports whether p holds the role.
func (p Principal) HasRole(r Role) bool {
	for _, have := range p.Roles {
		if have == r {
			return true
		}
	}
	return false
}

// String describes the principal for messages:
// "operator alice (army, sectors S03,S04)".
func (p Principal) String() string {
	if p.system {
		return p.User
	}
	var b strings.Builder
	if len(p.Roles) == 0 {
		b.WriteString("user")
	}
	for i, r := range p.Roles {
		if i > 0 {
			b.WriteByte('+')
		}
		b.WriteString(string(r))
	}
	b.WriteByte(' ')
	b.WriteString(p.User)
	b.WriteString(" (")
	b.WriteString(string(p.Force))
	b.WriteString(", ")
	b.WriteString(p.Sectors.String())
	if p.Sensor != "" {
		b.WriteString(", sensor ")
		b.WriteString(p.Sensor)
	}
	b.WriteByte(')')
	return b.String()
}

// PrincipalOf returns the principal of a user signed in by way of via.
func PrincipalOf(u User, via Via) Principal {
	return Principal{User: u.Name, Force: u.Force, Roles: slices.Clone(u.Roles), Sectors: u.Sectors.clone(),
		Clearance: u.Clearance, Via: via, MustChange: u.MustChange}
}

type principalKey struct{}

// WithPrincipal returns a context carrying a copy of the principal.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	p = p.clone()
	return context.WithValue(ctx, principalKey{}, &p)
}

// PrincipalFrom returns a copy of the context's principal, if it has one.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p := principalFrom(ctx)
	if p == nil {
		return Principal{}, false
	}
	return p.clone(), true
}

func (p Principal) clone() Principal {
	p.Roles, p.Sectors = slices.Clone(p.Roles), p.Sectors.clone()
	return p
}

func principalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
