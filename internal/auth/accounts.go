package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"raqib/internal/errs"
)

// Accounts manages users and signs them in. Privileges are granted under
// dual control (Grant, Enable propose requests); taking them away applies
// at once.
type Accounts struct {
	store    Store
	cfg      Config
	rec      *recorder
	logger   *slog.Logger
	sessions *Sessions
	requests *Requests
	limiter  *addrLimiter
	slots    chan struct{} // password hashes in progress

	dummyOnce sync.Once
	dummy     string // a hash for unknown users to cost the same
}

// Privileges are what Grant adds and Revoke takes away.
type Privileges struct {
	Roles   []Role  `json:"roles,omitempty"`
	Sectors Sectors `json:"sectors"`
	// Clearance: Grant raises the user's clearance to it; Revoke lowers a
	// clearance at or above it to the level below.
	Clearance Clearance `json:"clearance,omitempty"`
}

func (p Privileges) String() string {
	var parts []string
	if len(p.Roles) > 0 {
		parts = append(parts, "roles "+rolesString(p.Roles))
	}
	if !p.Sectors.Empty() {
		parts = append(parts, p.Sectors.String())
	}
	if p.Clearance != ClearanceNone {
		parts = append(parts, "clearance "+p.Clearance.String())
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "; ")
}

func (p *Privileges) normalize() error {
	roles, err := normalizeRoles("roles", p.Roles)
	if err != nil {
		return err
	}
	p.Roles = roles
	if !p.Clearance.Valid() {
		return errs.E(errs.Invalid, "clearance: %d is not a known level", p.Clearance)
	}
	if len(p.Roles) == 0 && p.Sectors.Empty() && p.Clearance == ClearanceNone {
		return errs.E(errs.Invalid, "privileges: name at least one role, sector or clearance")
	}
	return nil
}

// userPayload is the payload of the account kinds of request.
type userPayload struct {
	User string `json:"user"`
	Privileges
}

func decodePayload(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.E(errs.Invalid, "payload: %v", err)
	}
	return nil
}

func (a *Accounts) registerKinds() error {
	if err := a.requests.Register(KindGrant, Handler{Action: ActionRoleGrant, Check: a.checkGrant, Apply: a.applyGrant}); err != nil {
		return err
	}
	return a.requests.Register(KindEnable, Handler{Action: ActionUserManage, Check: a.checkEnable, Apply: a.applyEnable})
}

// requirePrincipal returns the context's principal after checking the
// action.
func requirePrincipal(ctx context.Context, action Action) (*Principal, error) {
	p := principalFrom(ctx)
	if p == nil {
		return nil, errs.E(errs.Unauthorized, "sign in required")
	}
	return p, p.Can(action, "")
}

// Bootstrap creates the first administrator, of the joc, with a random
// one-time password returned once, which must be changed at the first
// sign-in. It refuses (errs.Conflict) once any user exists; it needs no
// principal and is for the command line only.
func (a *Accounts) Bootstrap(ctx context.Context, name string) (User, string, error) {
	if err := ValidateName(name); err != nil {
		return User{}, "", err
	}
	var password string
	for i := 0; ; i++ {
		var err error
		if password, err = oneTimePassword(a.cfg.Rand); err != nil {
			return User{}, "", err
		}
		if err = CheckPassword(name, password); err == nil {
			break
		}
		if i == 100 {
			return User{}, "", fmt.Errorf("bootstrap %s: one-time password: %w", name, err)
		}
	}
	hash, err := a.hash(ctx, password)
	if err != nil {
		return User{}, "", err
	}
	now := a.cfg.Now().UTC()
	u, err := a.store.CreateFirstUser(ctx, User{Name: name, DisplayName: name, Force: ForceJOC,
		Roles: []Role{RoleAdministrator}, PasswordHash: hash, MustChange: true, Created: now, Updated: now})
	if errs.Is(err, errs.Conflict) {
		return User{}, "", errs.E(errs.Conflict, "bootstrap: users exist already; it is only for an empty database")
	}
	if err != nil {
		return User{}, "", fmt.Errorf("bootstrap %s: %w", name, err)
	}
	e := actorEvent(ctx, AuditBootstrap, "user/"+name, OutcomeSuccess, map[string]string{"roles": string(RoleAdministrator)})
	if e.Actor == "" {
		e.Actor = "bootstrap"
	}
	a.rec.record(ctx, e)
	return u, password, nil
}

// hash hashes a password in one of the hashing slots.
func (a *Accounts) hash(ctx context.Context, password string) (string, error) {
	release, err := a.acquireHash(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(password, a.cfg.Hash, a.cfg.Rand)
}

// AddUser creates an account without roles, sectors or clearance (grant
// them with Grant). With a password, the user must change it at the first
// sign-in; without, the account signs in with API tokens only.
func (a *Accounts) AddUser(ctx context.Context, n NewUser) (User, error) {
	if _, err := requirePrincipal(ctx, ActionUserManage); err != nil {
		return User{}, err
	}
	if err := n.validate(); err != nil {
		return User{}, err
	}
	var hash string
	if n.Password != "" {
		var err error
		if hash, err = a.hash(ctx, n.Password); err != nil {
			return User{}, err
		}
	}
	now := a.cfg.Now().UTC()
	u, err := a.store.CreateUser(ctx, User{Name: n.Name, DisplayName: n.DisplayName, Force: n.Force,
		PasswordHash: hash, MustChange: hash != "", Created: now, Updated: now})
	if err != nil {
		return User{}, fmt.Errorf("add user %s: %w", n.Name, err)
	}
	if err := a.rec.record(ctx, actorEvent(ctx, AuditUserAdd, "user/"+n.Name, OutcomeSuccess,
		map[string]string{"force": string(n.Force), "password": fmt.Sprint(hash != "")})); err != nil {
		return User{}, unrecorded(AuditUserAdd, "user/"+n.Name, err)
	}
	return u, nil
}

// User returns an account: the principal's own, or anyone's for a
// principal allowed to manage users.
func (a *Accounts) User(ctx context.Context, name string) (User, error) {
	p := principalFrom(ctx)
	if p == nil {
		return User{}, errs.E(errs.Unauthorized, "sign in required")
	}
	if p.User != name {
		if err := p.Can(ActionUserManage, ""); err != nil {
			return User{}, err
		}
	}
	u, err := a.store.User(ctx, name)
	if err != nil {
		return User{}, fmt.Errorf("user %s: %w", name, err)
	}
	return u, nil
}

// Users returns every account, by name.
func (a *Accounts) Users(ctx context.Context) ([]User, error) {
	if _, err := requirePrincipal(ctx, ActionUserManage); err != nil {
		return nil, err
	}
	us, err := a.store.Users(ctx)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return us, nil
}

// approver reports whether a user holds a role that approves dual-control
// requests of its own accord.
func approver(u User) bool {
	return slices.Contains(u.Roles, RoleAdministrator) || slices.Contains(u.Roles, RoleCommander)
}

// SetPassword resets another user's password; the user must change it at
// the next sign-in, and every session of the user ends. The lock of the
// account is lifted. Whoever resets a password can sign in as its holder,
// so the passwords of administrators and commanders, who approve dual
// control, are reset from the command line only.
func (a *Accounts) SetPassword(ctx context.Context, name, password string) error {
	p, err := requirePrincipal(ctx, ActionUserManage)
	if err != nil {
		return err
	}
	if p.User == name {
		return errs.E(errs.Invalid, "name: change your own password with the current one")
	}
	if err := CheckPassword(name, password); err != nil {
		return err
	}
	hash, err := a.hash(ctx, password)
	if err != nil {
		return err
	}
	now := a.cfg.Now().UTC()
	_, err = a.updateUser(ctx, name, func(u *User) error {
		if approver(*u) && !p.system {
			return errs.E(errs.Forbidden, "the password of %s (%s) can only be reset from the command line",
				name, rolesString(u.Roles))
		}
		u.PasswordHash, u.MustChange, u.Updated = hash, true, now
		u.Login = LoginState{LastLogin: u.Login.LastLogin}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reset password of %s: %w", name, err)
	}
	n, err := a.store.RevokeSessions(ctx, name, now)
	if err != nil {
		return fmt.Errorf("reset password of %s: end sessions: %w", name, err)
	}
	a.rec.record(ctx, actorEvent(ctx, AuditPasswordReset, "user/"+name, OutcomeSuccess,
		map[string]string{"sessions_ended": fmt.Sprint(n)}))
	return nil
}

// ChangePassword changes the principal's own password, given the current
// one; it clears MustChange and ends the user's other sessions. A wrong
// current password counts towards the lockout.
func (a *Accounts) ChangePassword(ctx context.Context, current, next string) error {
	p := principalFrom(ctx)
	if p == nil {
		return errs.E(errs.Unauthorized, "sign in required")
	}
	if p.Via != ViaSession {
		return errs.E(errs.Forbidden, "a password is changed by its holder, signed in")
	}
	if err := CheckPassword(p.User, next); err != nil {
		return err
	}
	if next == current {
		return errs.E(errs.Invalid, "password: the new password must differ from the current one")
	}
	if len(current) > MaxPasswordLen {
		return errs.E(errs.Invalid, "current password: %d bytes, at most %d", len(current), MaxPasswordLen)
	}
	release, err := a.acquireHash(ctx)
	if err != nil {
		return err
	}
	defer release()
	now := a.cfg.Now().UTC()
	u, err := a.store.User(ctx, p.User)
	if err != nil {
		return fmt.Errorf("change password of %s: %w", p.User, err)
	}
	if u.Login.Locked(now) {
		return loginError(LoginLocked, u.Login.LockedUntil, "account %s is locked after repeated failures until %s",
			u.Name, u.Login.LockedUntil.Format(time.RFC3339))
	}
	ok, _, err := a.verify(u, current)
	if err != nil {
		return fmt.Errorf("change password of %s: %w", p.User, err)
	}
	if !ok {
		locked, err := a.recordFailure(ctx, u.Name, now)
		if err != nil {
			return fmt.Errorf("change password of %s: %w", p.User, err)
		}
		a.rec.record(ctx, actorEvent(ctx, AuditPasswordChange, "user/"+u.Name, OutcomeFailure,
			map[string]string{"reason": "wrong current password"}))
		if !locked.IsZero() {
			a.rec.record(ctx, actorEvent(ctx, AuditLocked, "user/"+u.Name, OutcomeDenied,
				map[string]string{"until": locked.Format(time.RFC3339)}))
			return loginError(LoginLocked, locked, "current password is wrong; account %s is locked until %s",
				u.Name, locked.Format(time.RFC3339))
		}
		return loginError(LoginWrong, time.Time{}, "current password is wrong")
	}
	hash, err := HashPassword(next, a.cfg.Hash, a.cfg.Rand)
	if err != nil {
		return err
	}
	verified := u.PasswordHash
	_, err = a.updateUser(ctx, u.Name, func(u *User) error {
		if u.PasswordHash != verified {
			return errs.E(errs.Conflict, "password of %s changed meanwhile", u.Name)
		}
		u.PasswordHash, u.MustChange, u.Updated = hash, false, now
		u.Login = LoginState{LastLogin: u.Login.LastLogin}
		return nil
	})
	if err != nil {
		return fmt.Errorf("change password of %s: %w", p.User, err)
	}
	ended, err := a.endOtherSessions(ctx, u.Name, p.Session, now)
	if err != nil {
		return fmt.Errorf("change password of %s: %w", p.User, err)
	}
	a.rec.record(ctx, actorEvent(ctx, AuditPasswordChange, "user/"+u.Name, OutcomeSuccess,
		map[string]string{"sessions_ended": fmt.Sprint(ended)}))
	return nil
}

func (a *Accounts) endOtherSessions(ctx context.Context, user, keep string, now time.Time) (int, error) {
	ss, err := a.store.Sessions(ctx, user)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range ss {
		if s.ID == keep || !s.Revoked.IsZero() {
			continue
		}
		if err := a.store.RevokeSession(ctx, s.ID, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Unlock lifts the lock of an account locked by failed sign-ins.
func (a *Accounts) Unlock(ctx context.Context, name string) error {
	if _, err := requirePrincipal(ctx, ActionUserManage); err != nil {
		return err
	}
	now := a.cfg.Now().UTC()
	_, err := a.updateUser(ctx, name, func(u *User) error {
		u.Login = LoginState{LastLogin: u.Login.LastLogin}
		u.Updated = now
		return nil
	})
	if err != nil {
		return fmt.Errorf("unlock %s: %w", name, err)
	}
	a.rec.record(ctx, actorEvent(ctx, AuditUserUnlock, "user/"+name, OutcomeSuccess, nil))
	return nil
}

// Disable disables an account at once and ends its sessions; its API
// tokens stop working. Re-enabling goes through Enable, under dual
// control. The last enabled administrator is disabled from the command
// line only.
func (a *Accounts) Disable(ctx context.Context, name string) error {
	p, err := requirePrincipal(ctx, ActionUserManage)
	if err != nil {
		return err
	}
	now := a.cfg.Now().UTC()
	_, err = a.updateUser(ctx, name, func(u *User) error {
		if !p.system && slices.Contains(u.Roles, RoleAdministrator) {
			if err := a.keepAnAdministrator(ctx, name); err != nil {
				return err
			}
		}
		u.Disabled, u.Updated = true, now
		return nil
	})
	if err != nil {
		return fmt.Errorf("disable %s: %w", name, err)
	}
	n, err := a.store.RevokeSessions(ctx, name, now)
	if err != nil {
		return fmt.Errorf("disable %s: end sessions: %w", name, err)
	}
	a.rec.record(ctx, actorEvent(ctx, AuditUserDisable, "user/"+name, OutcomeSuccess,
		map[string]string{"sessions_ended": fmt.Sprint(n)}))
	return nil
}

// keepAnAdministrator refuses a change that would leave no enabled
// administrator other than name.
func (a *Accounts) keepAnAdministrator(ctx context.Context, name string) error {
	us, err := a.store.Users(ctx)
	if err != nil {
		return err
	}
	for _, u := range us {
		if u.Name != name && !u.Disabled && slices.Contains(u.Roles, RoleAdministrator) {
			return nil
		}
	}
	return errs.E(errs.Conflict, "%s is the last enabled administrator; do this from the command line", name)
}

// Enable proposes re-enabling a disabled account.
func (a *Accounts) Enable(ctx context.Context, name string) (Request, error) {
	return a.requests.Propose(ctx, KindEnable, userPayload{User: name})
}

func (a *Accounts) checkEnable(ctx context.Context, raw json.RawMessage) (string, string, error) {
	var pl userPayload
	if err := decodePayload(raw, &pl); err != nil {
		return "", "", err
	}
	u, err := a.store.User(ctx, pl.User)
	if err != nil {
		return "", "", fmt.Errorf("user %q: %w", pl.User, err)
	}
	if !u.Disabled {
		return "", "", errs.E(errs.Conflict, "user %s is not disabled", u.Name)
	}
	return "", fmt.Sprintf("enable %s (%s, %s)", u.Name, u.Force, rolesString(u.Roles)), nil
}

func (a *Accounts) applyEnable(ctx context.Context, r Request) error {
	var pl userPayload
	if err := decodePayload(r.Payload, &pl); err != nil {
		return err
	}
	now := a.cfg.Now().UTC()
	if _, err := a.updateUser(ctx, pl.User, func(u *User) error {
		u.Disabled, u.Updated = false, now
		return nil
	}); err != nil {
		return err
	}
	a.rec.record(ctx, actorEvent(ctx, AuditUserEnable, "user/"+pl.User, OutcomeSuccess,
		map[string]string{"request": fmt.Sprint(r.ID), "proposed_by": r.ProposedBy}))
	return nil
}

// Grant proposes adding privileges to a user; a second principal allowed
// to grant roles approves it through Requests.
func (a *Accounts) Grant(ctx context.Context, name string, priv Privileges) (Request, error) {
	return a.requests.Propose(ctx, KindGrant, userPayload{User: name, Privileges: priv})
}

func (a *Accounts) checkGrant(ctx context.Context, raw json.RawMessage) (string, string, error) {
	var pl userPayload
	if err := decodePayload(raw, &pl); err != nil {
		return "", "", err
	}
	if err := pl.normalize(); err != nil {
		return "", "", err
	}
	u, err := a.store.User(ctx, pl.User)
	if err != nil {
		return "", "", fmt.Errorf("user %q: %w", pl.User, err)
	}
	if err := a.checkSectorsForForce(u, pl.Sectors); err != nil {
		return "", "", err
	}
	return "", fmt.Sprintf("grant %s (%s): %s", u.Name, u.Force, pl.Privileges), nil
}

func (a *Accounts) applyGrant(ctx context.Context, r Request) error {
	var pl userPayload
	if err := decodePayload(r.Payload, &pl); err != nil {
		return err
	}
	if err := pl.normalize(); err != nil {
		return err
	}
	now := a.cfg.Now().UTC()
	u, err := a.updateUser(ctx, pl.User, func(u *User) error {
		if err := a.checkSectorsForForce(*u, pl.Sectors); err != nil {
			return err
		}
		roles, _ := normalizeRoles("roles", append(slices.Clone(u.Roles), pl.Roles...))
		u.Roles, u.Sectors, u.Clearance = roles, u.Sectors.Union(pl.Sectors), max(u.Clearance, pl.Clearance)
		u.Updated = now
		return nil
	})
	if err != nil {
		return err
	}
	a.rec.record(ctx, actorEvent(ctx, AuditRoleGrant, "user/"+pl.User, OutcomeSuccess, map[string]string{
		"granted": pl.Privileges.String(), "request": fmt.Sprint(r.ID), "proposed_by": r.ProposedBy,
		"roles": rolesString(u.Roles), "sectors": u.Sectors.String(), "clearance": u.Clearance.String()}))
	return nil
}

// checkSectorsForForce applies Config.SectorForce to sectors granted to a
// user.
func (a *Accounts) checkSectorsForForce(u User, s Sectors) error {
	if a.cfg.SectorForce == nil {
		return nil
	}
	if s.All && u.Force != ForceJOC {
		return errs.E(errs.Forbidden, "sectors: %s serves in the %s; only joc accounts hold every sector", u.Name, u.Force)
	}
	for _, id := range s.IDs {
		f, ok := a.cfg.SectorForce(id)
		if !ok {
			return errs.E(errs.Invalid, "sector %s: not in the theater", id)
		}
		if u.Force != ForceJOC && f != u.Force {
			return errs.E(errs.Forbidden, "sector %s is held by the %s; %s serves in the %s", id, f, u.Name, u.Force)
		}
	}
	return nil
}

// Revoke takes privileges away from a user at once. Sectors cannot be
// taken one by one from a user holding every sector: revoke all, then
// grant the ones to keep. The administrator role of the last enabled
// administrator is revoked from the command line only.
func (a *Accounts) Revoke(ctx context.Context, name string, priv Privileges) (User, error) {
	p, err := requirePrincipal(ctx, ActionRoleGrant)
	if err != nil {
		return User{}, err
	}
	if err := priv.normalize(); err != nil {
		return User{}, err
	}
	now := a.cfg.Now().UTC()
	u, err := a.updateUser(ctx, name, func(u *User) error {
		if u.Sectors.All && !priv.Sectors.All && len(priv.Sectors.IDs) > 0 {
			return errs.E(errs.Invalid, "sectors: %s holds every sector; revoke all, then grant the ones to keep", name)
		}
		if !p.system && slices.Contains(priv.Roles, RoleAdministrator) && slices.Contains(u.Roles, RoleAdministrator) && !u.Disabled {
			if err := a.keepAnAdministrator(ctx, name); err != nil {
				return err
			}
		}
		u.Roles = slices.DeleteFunc(u.Roles, func(r Role) bool { return slices.Contains(priv.Roles, r) })
		u.Sectors = u.Sectors.Without(priv.Sectors)
		if priv.Clearance != ClearanceNone && u.Clearance >= priv.Clearance {
			u.Clearance = priv.Clearance - 1
		}
		u.Updated = now
		return nil
	})
	if err != nil {
		return User{}, fmt.Errorf("revoke from %s: %w", name, err)
	}
	a.rec.record(ctx, actorEvent(ctx, AuditRoleRevoke, "user/"+name, OutcomeSuccess, map[string]string{
		"revoked": priv.String(), "roles": rolesString(u.Roles), "sectors": u.Sectors.String(),
		"clearance": u.Clearance.String()}))
	return u, nil
}

// GrantAsSystem adds privileges to a user at once, without a second
// person: for system and command-line principals only (setting up the
// first accounts, recovery). It is audited as a bypass of dual control.
func (a *Accounts) GrantAsSystem(ctx context.Context, name string, priv Privileges) error {
	return a.requests.ApplyAsSystem(ctx, KindGrant, userPayload{User: name, Privileges: priv})
}
