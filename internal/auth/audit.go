package auth

import (
	"context"
	"log/slog"
	"time"

	"raqib/internal/errs"
)

// Auditor records security events. The services call it for every
// sign-in, lockout, change of an account, credential and dual-control
// request; a failure to record is logged and does not undo the operation.
type Auditor interface {
	Record(ctx context.Context, e Event) error
}

// Outcome is how an audited attempt ended.
type Outcome string

// The outcomes.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure" // wrong credentials, a change that failed
	OutcomeDenied  Outcome = "denied"  // refused by policy, lockout or limit
)

// Event is one audited event.
type Event struct {
	At time.Time
	// Actor is the principal's user, or for a sign-in the name tried;
	// Force and Via are the principal's, when there is one.
	Actor   string
	Force   Force
	Via     Via
	Action  string // one of the Audit* constants
	Object  string // "user/alice", "session/<id>", "token/<id>", "request/12"
	Sector  string // the sector of a request, if any
	Outcome Outcome
	Detail  map[string]string
}

// The audited actions.
const (
	AuditLogin          = "auth.login"
	AuditLocked         = "auth.locked" // the failure that locked an account
	AuditBootstrap      = "auth.bootstrap"
	AuditUserAdd        = "auth.user.add"
	AuditUserDisable    = "auth.user.disable"
	AuditUserEnable     = "auth.user.enable"
	AuditUserUnlock     = "auth.user.unlock"
	AuditPasswordChange = "auth.password.change"
	AuditPasswordReset  = "auth.password.reset"
	AuditRoleGrant      = "auth.role.grant"
	AuditRoleRevoke     = "auth.role.revoke"
	AuditSessionRevoke  = "auth.session.revoke"
	AuditTokenIssue     = "auth.token.issue"
	AuditTokenRevoke    = "auth.token.revoke"
	AuditTokenRefused   = "auth.token.refused" // a revoked or expired token presented
	AuditRequestPropose = "auth.request.propose"
	AuditRequestApprove = "auth.request.approve"
	AuditRequestReject  = "auth.request.reject"
)

// recorder stamps and sends events, logging what the auditor refuses.
type recorder struct {
	auditor Auditor
	now     func() time.Time
	logger  *slog.Logger
}

// record stamps e with the time and the context's principal and sends it.
// It returns the auditor's error, already logged: where the event is a
// change that must not be reported done unrecorded (a sign-in, a new
// account, a token, an approval), the caller passes it on through
// unrecorded.
func (r *recorder) record(ctx context.Context, e Event) error {
	if r.auditor == nil {
		return nil
	}
	if e.At.IsZero() {
		e.At = r.now().UTC()
	}
	if e.Actor == "" {
		if p := principalFrom(ctx); p != nil {
			e.Actor, e.Force, e.Via = p.User, p.Force, p.Via
		}
	}
	if err := r.auditor.Record(ctx, e); err != nil {
		r.logger.Error("audit record failed", "action", e.Action, "actor", e.Actor, "object", e.Object, "err", err)
		return err
	}
	return nil
}

// unrecorded is the error of a change made but not written to the trail.
func unrecorded(action, object string, err error) error {
	return errs.E(errs.Unavailable, "%s %s was done but could not be written to the audit trail: %v", action, object, err)
}

// actorEvent is an event by the context's principal.
func actorEvent(ctx context.Context, action, object string, outcome Outcome, detail map[string]string) Event {
	e := Event{Action: action, Object: object, Outcome: outcome, Detail: detail}
	if p := principalFrom(ctx); p != nil {
		e.Actor, e.Force, e.Via = p.User, p.Force, p.Via
	}
	return e
}

// Record appends a successful change of state by the context's principal
// to the trail through a: action names it ("alert.acknowledge"), object
// what it changed ("alert/42"), sector where. Unlike the account events,
// a change of the picture is reported done only once it is in the trail,
// so the error is returned (as unavailable) for the caller to pass on.
func Record(ctx context.Context, a Auditor, action, object, sector string, detail map[string]string) error {
	if a == nil {
		return nil
	}
	e := actorEvent(ctx, action, object, OutcomeSuccess, detail)
	e.Sector = sector
	if err := a.Record(ctx, e); err != nil {
		return errs.E(errs.Unavailable, "%s %s was done but could not be written to the audit trail: %v", action, object, err)
	}
	return nil
}

// MayEver checks, before anything is looked up, that the context's
// principal holds a role granted the action somewhere; the sector check
// comes later, with the object.
func MayEver(ctx context.Context, action Action) error {
	p := principalFrom(ctx)
	if p == nil {
		return errs.E(errs.Unauthorized, "sign in required")
	}
	if p.MustChange && !p.system {
		return errs.E(errs.Forbidden, "%s must change the password first", p.User)
	}
	if !p.mayEver(action) {
		verb := string(action)
		if r, ok := ruleIndex[action]; ok {
			verb = r.Verb
		}
		return errs.E(errs.Forbidden, "%s may not %s", p, verb)
	}
	return nil
}
