package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"raqib/internal/errs"
)

// Kind names a kind of dual-controlled change.
type Kind string

// The kinds the account service registers; other services register
// their own (sector thresholds, custody corrections).
const (
	KindGrant  Kind = "role.grant"  // roles, sectors, clearance
	KindEnable Kind = "user.enable" // re-enable a disabled account
)

// RequestState is where a request is in its life.
type RequestState string

// The states. A request is pending until a second principal approves
// (approved, then applied or failed once the change ran) or someone
// rejects it. A pending request past its expiry can only be rejected.
const (
	RequestPending  RequestState = "pending"
	RequestApproved RequestState = "approved"
	RequestApplied  RequestState = "applied"
	RequestFailed   RequestState = "failed"
	RequestRejected RequestState = "rejected"
)

// RequestStates lists every state.
var RequestStates = []RequestState{RequestPending, RequestApproved, RequestApplied, RequestFailed, RequestRejected}

// Valid reports whether s is a known state.
func (s RequestState) Valid() bool { return slices.Contains(RequestStates, s) }

// MaxPayloadLen bounds a request's payload, in bytes.
const MaxPayloadLen = 64 << 10

// Request is a proposed change waiting for, or past, a second person.
type Request struct {
	ID         int64           `json:"id"`
	Kind       Kind            `json:"kind"`
	Payload    json.RawMessage `json:"payload"`
	Sector     string          `json:"sector"`
	Summary    string          `json:"summary"`
	ProposedBy string          `json:"proposed_by"`
	Proposed   time.Time       `json:"proposed"`
	Expires    time.Time       `json:"expires"`
	State      RequestState    `json:"state"`
	DecidedBy  string          `json:"decided_by"`
	Decided    time.Time       `json:"decided"` // zero while pending
	Detail     string          `json:"detail"`  // the rejection reason or the failure
}

// Expired reports whether a pending request can no longer be approved.
func (r Request) Expired(now time.Time) bool {
	return r.State == RequestPending && !now.Before(r.Expires)
}

// Decision is a move of a request out of pending or approved.
type Decision struct {
	State  RequestState
	By     string
	At     time.Time
	Detail string
}

// Handler carries out one kind of request.
type Handler struct {
	// Action is the policy action both the proposer and the approver must
	// be allowed, in the request's sector.
	Action Action
	// Check decodes and validates a payload against the current state and
	// returns the sector the change applies to ("" for none) and a line
	// for the approver. It runs at proposal and again at approval.
	Check func(ctx context.Context, payload json.RawMessage) (sector, summary string, err error)
	// Apply makes the change. Its context carries the approver.
	Apply func(ctx context.Context, r Request) error
}

// Requests is dual control: one principal proposes a change, a different
// one allowed the same action approves it, and only then is it applied.
type Requests struct {
	store  Store
	cfg    Config
	rec    *recorder
	logger *slog.Logger

	mu       sync.RWMutex
	handlers map[Kind]Handler
}

// Register sets the handler of a kind, once, before use.
func (q *Requests) Register(kind Kind, h Handler) error {
	if kind == "" || h.Check == nil || h.Apply == nil {
		return errs.E(errs.Invalid, "register %q: kind, check and apply are required", kind)
	}
	if _, ok := ruleIndex[h.Action]; !ok {
		return errs.E(errs.Invalid, "register %q: action %q is not in the policy", kind, h.Action)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, dup := q.handlers[kind]; dup {
		return errs.E(errs.Conflict, "register %q: already registered", kind)
	}
	q.handlers[kind] = h
	return nil
}

func (q *Requests) handler(kind Kind) (Handler, error) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	h, ok := q.handlers[kind]
	if !ok {
		return Handler{}, errs.E(errs.Invalid, "kind: %q is not one of %v", kind, slices.Sorted(maps.Keys(q.handlers)))
	}
	return h, nil
}

func requestObject(id int64) string { return "request/" + strconv.FormatInt(id, 10) }

// requestEvent is an audit event about a request in a sector.
func requestEvent(ctx context.Context, action, object, sector string, outcome Outcome, detail map[string]string) Event {
	e := actorEvent(ctx, action, object, outcome, detail)
	e.Sector = sector
	return e
}

// Propose records a change for a second principal to approve. The
// proposer must be allowed the kind's action in its sector. payload is
// marshalled to JSON.
func (q *Requests) Propose(ctx context.Context, kind Kind, payload any) (Request, error) {
	p := principalFrom(ctx)
	if p == nil {
		return Request{}, errs.E(errs.Unauthorized, "sign in required")
	}
	h, err := q.handler(kind)
	if err != nil {
		return Request{}, err
	}
	if !p.mayEver(h.Action) {
		// Refuse before the payload is checked, which could tell what
		// exists.
		return Request{}, p.Can(h.Action, "")
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return Request{}, errs.E(errs.Invalid, "payload: %v", err)
	}
	if len(raw) > MaxPayloadLen {
		return Request{}, errs.E(errs.TooLarge, "payload: %d bytes, at most %d", len(raw), MaxPayloadLen)
	}
	sector, summary, err := h.Check(ctx, raw)
	if err != nil {
		return Request{}, fmt.Errorf("propose %s: %w", kind, err)
	}
	if err := p.Can(h.Action, sector); err != nil {
		q.rec.record(ctx, requestEvent(ctx, AuditRequestPropose, string(kind), sector, OutcomeDenied,
			map[string]string{"summary": summary, "reason": errs.MessageOf(err)}))
		return Request{}, err
	}
	now := q.cfg.Now().UTC()
	r, err := q.store.CreateRequest(ctx, Request{Kind: kind, Payload: raw, Sector: sector, Summary: summary,
		ProposedBy: p.User, Proposed: now, Expires: now.Add(q.cfg.RequestTTL), State: RequestPending})
	if err != nil {
		return Request{}, fmt.Errorf("propose %s: %w", kind, err)
	}
	q.rec.record(ctx, requestEvent(ctx, AuditRequestPropose, requestObject(r.ID), sector, OutcomeSuccess,
		map[string]string{"kind": string(kind), "summary": summary}))
	return r, nil
}

// Approve applies a pending request. The approver must be a different
// principal from the proposer and allowed the kind's action in its
// sector; an expired, decided or already approved request is refused.
func (q *Requests) Approve(ctx context.Context, id int64) (Request, error) {
	p := principalFrom(ctx)
	if p == nil {
		return Request{}, errs.E(errs.Unauthorized, "sign in required")
	}
	r, err := q.store.Request(ctx, id)
	if err != nil {
		return Request{}, fmt.Errorf("approve request %d: %w", id, err)
	}
	now := q.cfg.Now().UTC()
	deny := func(err error) (Request, error) {
		q.rec.record(ctx, requestEvent(ctx, AuditRequestApprove, requestObject(id), r.Sector, OutcomeDenied,
			map[string]string{"kind": string(r.Kind), "reason": errs.MessageOf(err)}))
		return Request{}, err
	}
	switch {
	case r.State != RequestPending:
		return deny(errs.E(errs.Conflict, "request %d is already %s by %s", id, r.State, r.DecidedBy))
	case r.Expired(now):
		return deny(errs.E(errs.Conflict, "request %d expired at %s; propose it again", id, r.Expires.Format(time.RFC3339)))
	case r.ProposedBy == p.User:
		return deny(errs.E(errs.Forbidden, "request %d was proposed by %s: another person must approve it", id, p.User))
	}
	h, err := q.handler(r.Kind)
	if err != nil {
		return Request{}, fmt.Errorf("approve request %d: %w", id, err)
	}
	if !p.mayEver(h.Action) {
		return deny(p.Can(h.Action, r.Sector))
	}
	sector, _, err := h.Check(ctx, r.Payload)
	if err != nil {
		return Request{}, fmt.Errorf("approve request %d: %w", id, err)
	}
	if err := p.Can(h.Action, sector); err != nil {
		return deny(err)
	}
	claimed, err := q.store.DecideRequest(ctx, id, RequestPending, Decision{State: RequestApproved, By: p.User, At: now})
	if err != nil {
		return Request{}, fmt.Errorf("approve request %d: %w", id, err)
	}
	detail := map[string]string{"kind": string(r.Kind), "proposed_by": r.ProposedBy, "summary": r.Summary}
	if applyErr := h.Apply(ctx, claimed); applyErr != nil {
		detail["error"] = errs.MessageOf(applyErr)
		q.rec.record(ctx, requestEvent(ctx, AuditRequestApprove, requestObject(id), r.Sector, OutcomeFailure, detail))
		if _, err := q.store.DecideRequest(ctx, id, RequestApproved,
			Decision{State: RequestFailed, By: p.User, At: now, Detail: errs.MessageOf(applyErr)}); err != nil {
			q.logger.Error("request outcome not stored", "request", id, "state", RequestFailed, "err", err)
		}
		return Request{}, fmt.Errorf("apply request %d: %w", id, applyErr)
	}
	if err := q.rec.record(ctx, requestEvent(ctx, AuditRequestApprove, requestObject(id), r.Sector, OutcomeSuccess, detail)); err != nil {
		return Request{}, unrecorded(AuditRequestApprove, requestObject(id), err)
	}
	done, err := q.store.DecideRequest(ctx, id, RequestApproved, Decision{State: RequestApplied, By: p.User, At: now})
	if err != nil {
		// The change is made; only its bookkeeping failed.
		q.logger.Error("request outcome not stored", "request", id, "state", RequestApplied, "err", err)
		claimed.State = RequestApplied
		return claimed, nil
	}
	return done, nil
}

// Reject closes a pending request without applying it: the proposer
// withdrawing it, or anyone allowed the kind's action in its sector.
func (q *Requests) Reject(ctx context.Context, id int64, reason string) (Request, error) {
	p := principalFrom(ctx)
	if p == nil {
		return Request{}, errs.E(errs.Unauthorized, "sign in required")
	}
	if len(reason) > MaxDisplayNameLen*4 {
		return Request{}, errs.E(errs.Invalid, "reason: %d bytes, at most %d", len(reason), MaxDisplayNameLen*4)
	}
	r, err := q.store.Request(ctx, id)
	if err != nil {
		return Request{}, fmt.Errorf("reject request %d: %w", id, err)
	}
	if r.State != RequestPending {
		return Request{}, errs.E(errs.Conflict, "request %d is already %s by %s", id, r.State, r.DecidedBy)
	}
	if r.ProposedBy != p.User {
		h, err := q.handler(r.Kind)
		if err != nil {
			return Request{}, fmt.Errorf("reject request %d: %w", id, err)
		}
		if err := p.Can(h.Action, r.Sector); err != nil {
			return Request{}, err
		}
	}
	out, err := q.store.DecideRequest(ctx, id, RequestPending,
		Decision{State: RequestRejected, By: p.User, At: q.cfg.Now().UTC(), Detail: reason})
	if err != nil {
		return Request{}, fmt.Errorf("reject request %d: %w", id, err)
	}
	q.rec.record(ctx, requestEvent(ctx, AuditRequestReject, requestObject(id), r.Sector, OutcomeSuccess,
		map[string]string{"kind": string(r.Kind), "proposed_by": r.ProposedBy, "reason": reason}))
	return out, nil
}

// ApplyAsSystem applies a change at once, without a second person: only
// for system and command-line principals (the first grants after
// Bootstrap, recovery). It is audited as such and leaves no request.
func (q *Requests) ApplyAsSystem(ctx context.Context, kind Kind, payload any) error {
	p := principalFrom(ctx)
	if p == nil {
		return errs.E(errs.Unauthorized, "sign in required")
	}
	if !p.system {
		return errs.E(errs.Forbidden, "%s may not bypass dual control", p)
	}
	h, err := q.handler(kind)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return errs.E(errs.Invalid, "payload: %v", err)
	}
	_, summary, err := h.Check(ctx, raw)
	if err != nil {
		return fmt.Errorf("apply %s: %w", kind, err)
	}
	now := q.cfg.Now().UTC()
	r := Request{Kind: kind, Payload: raw, Summary: summary, ProposedBy: p.User, Proposed: now, Expires: now,
		State: RequestApproved, DecidedBy: p.User, Decided: now}
	detail := map[string]string{"kind": string(kind), "summary": summary, "dual_control": "bypassed by " + p.User}
	if err := h.Apply(ctx, r); err != nil {
		detail["error"] = errs.MessageOf(err)
		q.rec.record(ctx, actorEvent(ctx, AuditRequestApprove, string(kind), OutcomeFailure, detail))
		return fmt.Errorf("apply %s: %w", kind, err)
	}
	if err := q.rec.record(ctx, actorEvent(ctx, AuditRequestApprove, string(kind), OutcomeSuccess, detail)); err != nil {
		return unrecorded(AuditRequestApprove, string(kind), err)
	}
	return nil
}

// Get returns a request to any principal allowed to view.
func (q *Requests) Get(ctx context.Context, id int64) (Request, error) {
	if err := Authorize(ctx, ActionView, ""); err != nil {
		return Request{}, err
	}
	r, err := q.store.Request(ctx, id)
	if err != nil {
		return Request{}, fmt.Errorf("request %d: %w", id, err)
	}
	return r, nil
}

// Pending returns the requests still open for approval, newest first, at
// most limit, to any principal allowed to view.
func (q *Requests) Pending(ctx context.Context, limit int) ([]Request, error) {
	if err := Authorize(ctx, ActionView, ""); err != nil {
		return nil, err
	}
	rs, err := q.store.Requests(ctx, RequestPending, limit)
	if err != nil {
		return nil, fmt.Errorf("pending requests: %w", err)
	}
	now := q.cfg.Now().UTC()
	return slices.DeleteFunc(rs, func(r Request) bool { return r.Expired(now) }), nil
}
