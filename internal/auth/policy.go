package auth

import (
	"context"

	"raqib/internal/errs"
)

// Action is something a principal asks to do; the policy matrix says who
// may.
type Action string

// The actions.
const (
	ActionView              Action = "view"
	ActionAlertAct          Action = "alert.act"
	ActionSuppressionManage Action = "suppression.manage"
	ActionCrossingStatus    Action = "crossing.status"
	ActionBarrierProgress   Action = "barrier.progress"
	ActionSectorThresholds  Action = "sector.thresholds"
	ActionUnitDispatch      Action = "unit.dispatch"
	ActionIngest            Action = "ingest"
	ActionRestrictedRead    Action = "restricted.read"
	ActionUserManage        Action = "user.manage"
	ActionRoleGrant         Action = "role.grant"
	ActionAuditRead         Action = "audit.read"
	ActionCustodyWrite      Action = "custody.write"
	ActionCustodyCorrect    Action = "custody.correct"
)

// Scope says where a grant applies.
type Scope string

// The scopes.
const (
	// InSectors: only in the principal's own sectors.
	InSectors Scope = "sectors"
	// Anywhere: in every sector and for objects in none.
	Anywhere Scope = "anywhere"
)

// Grant lets holders of a role perform an action within a scope, given a
// clearance.
type Grant struct {
	Role      Role
	Scope     Scope
	Clearance Clearance // the least clearance needed
}

// Rule is one row of the policy matrix.
type Rule struct {
	Action Action
	// Verb completes "<principal> may not ..." in refusals.
	Verb   string
	Grants []Grant
	// DualControl marks changes that take effect only when a second,
	// different principal allowed the same action approves them
	// (Requests). Authorize answers whether a principal may propose or
	// approve.
	DualControl bool
	// Note explains the row in docs/security.md.
	Note string
}

func sectorGrants(roles ...Role) []Grant {
	g := make([]Grant, len(roles))
	for i, r := range roles {
		g[i] = Grant{Role: r, Scope: InSectors}
	}
	return g
}

func anywhere(roles ...Role) []Grant {
	g := make([]Grant, len(roles))
	for i, r := range roles {
		g[i] = Grant{Role: r, Scope: Anywhere}
	}
	return g
}

// Matrix is the authorization policy: one row per action, in the order of
// docs/security.md. Nothing outside it grants anything, except that system
// and command-line principals pass every rule.
var Matrix = []Rule{
	{Action: ActionView, Verb: "view the picture",
		Grants: anywhere(RoleOperator, RoleSupervisor, RoleCommander, RoleAnalyst, RoleAdministrator),
		Note:   "every signed-in person; not sensor accounts, whose tokens only submit data"},
	{Action: ActionAlertAct, Verb: "act on alerts",
		Grants: sectorGrants(RoleOperator, RoleSupervisor, RoleCommander),
		Note:   "acknowledge, assign, resolve, dismiss"},
	{Action: ActionSuppressionManage, Verb: "manage alert suppressions",
		Grants: sectorGrants(RoleSupervisor, RoleCommander)},
	{Action: ActionCrossingStatus, Verb: "set crossing status",
		Grants: append(sectorGrants(RoleSupervisor, RoleCommander), anywhere(RoleAdministrator)...)},
	{Action: ActionBarrierProgress, Verb: "record barrier progress",
		Grants: append(sectorGrants(RoleSupervisor, RoleCommander), anywhere(RoleAdministrator)...)},
	{Action: ActionSectorThresholds, Verb: "change sector thresholds",
		Grants: sectorGrants(RoleCommander), DualControl: true,
		Note: "a second commander of the sector approves"},
	{Action: ActionUnitDispatch, Verb: "dispatch units",
		Grants: sectorGrants(RoleOperator, RoleSupervisor, RoleCommander)},
	{Action: ActionIngest, Verb: "submit sensor data",
		Grants: anywhere(RoleSensor, RoleAdministrator),
		Note:   "an ingest token bound to a sensor submits that sensor's data only (AuthorizeIngest)"},
	{Action: ActionRestrictedRead, Verb: "read restricted data",
		Grants: []Grant{
			{Role: RoleAnalyst, Scope: Anywhere, Clearance: ClearanceRestricted},
			{Role: RoleCommander, Scope: InSectors, Clearance: ClearanceRestricted},
		},
		Note: "restricted clearance required"},
	{Action: ActionUserManage, Verb: "manage users",
		Grants: anywhere(RoleAdministrator), DualControl: true,
		Note: "enabling an account is dual-controlled; adding an account without roles, disabling it and resetting the password of a user who cannot approve requests apply at once"},
	{Action: ActionRoleGrant, Verb: "grant roles",
		Grants: anywhere(RoleAdministrator), DualControl: true,
		Note: "roles, sectors and clearance; revoking applies at once"},
	{Action: ActionAuditRead, Verb: "read the audit trail",
		Grants: append(anywhere(RoleAdministrator), sectorGrants(RoleCommander)...)},
	{Action: ActionCustodyWrite, Verb: "record evidence custody",
		Grants: sectorGrants(RoleOperator, RoleSupervisor, RoleCommander)},
	{Action: ActionCustodyCorrect, Verb: "correct evidence custody",
		Grants: sectorGrants(RoleSupervisor, RoleCommander), DualControl: true,
		Note: "a correction takes effect once a second person approves"},
}

var ruleIndex = func() map[Action]*Rule {
	m := make(map[Action]*Rule, len(Matrix))
	for i := range Matrix {
		m[Matrix[i].Action] = &Matrix[i]
	}
	return m
}()

// RuleOf returns the matrix row of an action.
func RuleOf(a Action) (Rule, bool) {
	r, ok := ruleIndex[a]
	if !ok {
		return Rule{}, false
	}
	return *r, true
}

// Authorize checks that the context's principal may perform the action on
// an object in the sector ("" for an object in no sector, which only
// principals holding every sector pass for a sector-scoped grant). It
// returns errs.Unauthorized without a principal and errs.Forbidden with a
// message naming who may not do what where.
func Authorize(ctx context.Context, action Action, sector string) error {
	p := principalFrom(ctx)
	if p == nil {
		return errs.E(errs.Unauthorized, "sign in required")
	}
	return p.Can(action, sector)
}

// AuthorizeIngest checks that the context's principal may submit data of
// the sensor: the ingest action, and, for a token bound to one sensor,
// that sensor.
func AuthorizeIngest(ctx context.Context, sensor string) error {
	if err := Authorize(ctx, ActionIngest, ""); err != nil {
		return err
	}
	p := principalFrom(ctx)
	if p.Sensor != "" && p.Sensor != sensor {
		return errs.E(errs.Forbidden, "%s may not submit data of sensor %q", p, sensor)
	}
	return nil
}

// mayEver reports whether the principal holds a role the action is
// granted to anywhere; it lets a service refuse before it looks anything
// up.
func (p *Principal) mayEver(action Action) bool {
	if p.system {
		return true
	}
	r, ok := ruleIndex[action]
	if !ok {
		return false
	}
	for _, g := range r.Grants {
		if p.HasRole(g.Role) {
			return true
		}
	}
	return false
}

// Can is Authorize for a principal in hand.
func (p *Principal) Can(action Action, sector string) error {
	r, ok := ruleIndex[action]
	if !ok {
		return errs.E(errs.Internal, "authorize: unknown action %q", action)
	}
	if p.system {
		return nil
	}
	if p.MustChange {
		return errs.E(errs.Forbidden, "%s must change the password first", p.User)
	}
	// The best reason to give: a role that may, out of sector or short of
	// clearance, says more than "no role may".
	roleOK, sectorOK, need := false, false, ClearanceNone
	for _, g := range r.Grants {
		if !p.HasRole(g.Role) {
			continue
		}
		roleOK = true
		if g.Scope == InSectors && !p.Sectors.Contains(sector) {
			continue
		}
		sectorOK = true
		if p.Clearance < g.Clearance {
			if need == ClearanceNone || g.Clearance < need {
				need = g.Clearance
			}
			continue
		}
		return nil
	}
	where := ""
	if sector != "" {
		where = " in sector " + sector
	}
	switch {
	case roleOK && sectorOK:
		return errs.E(errs.Forbidden, "%s may not %s%s: %s clearance required", p, r.Verb, where, need)
	case roleOK && sector == "":
		return errs.E(errs.Forbidden, "%s may not %s outside a named sector", p, r.Verb)
	}
	return errs.E(errs.Forbidden, "%s may not %s%s", p, r.Verb, where)
}
