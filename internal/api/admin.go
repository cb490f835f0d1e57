package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"raqib/internal/auth"
	"raqib/internal/auth/audit"
	"raqib/internal/errs"
)

// AuditTrail is what GET /api/v1/audit reads the audit trail from;
// internal/store/sqlite implements it.
type AuditTrail interface {
	// ScanAudit calls fn for every entry with a sequence number above
	// after, in sequence order, until fn returns an error.
	ScanAudit(ctx context.Context, after uint64, fn func(audit.Entry) error) error
	// AuditRange calls fn for the entries whose time is in [from, to), in
	// sequence order; a zero bound is open.
	AuditRange(ctx context.Context, from, to time.Time, fn func(audit.Entry) error) error
}

// The limits of the administration lists.
const (
	defaultAdminLimit = 100
	maxAdminLimit     = 1000
)

// adminServices are the account and request services behind the
// administration routes: cfg.Admin, else those of a ServiceAuthenticator.
func adminServices(cfg Config) *auth.Service {
	if cfg.Admin != nil {
		return cfg.Admin
	}
	switch a := cfg.Auth.(type) {
	case ServiceAuthenticator:
		return a.Service
	case *ServiceAuthenticator:
		if a != nil {
			return a.Service
		}
	}
	return nil
}

// needAdmin answers 503 when the account services are not configured.
func (s *Server) needAdmin(w http.ResponseWriter, r *http.Request) bool {
	if s.admin == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "account administration is not configured"))
		return false
	}
	return true
}

// userView is an account as the API shows it: never its password hash.
type userView struct {
	Name         string       `json:"name"`
	DisplayName  string       `json:"display_name"`
	Force        auth.Force   `json:"force"`
	Roles        []auth.Role  `json:"roles"`
	Sectors      auth.Sectors `json:"sectors"`
	Clearance    string       `json:"clearance"`
	Password     bool         `json:"password"` // signs in with a password, not only with tokens
	MustChange   bool         `json:"must_change"`
	Disabled     bool         `json:"disabled"`
	Locked       bool         `json:"locked"`
	LockedUntil  *time.Time   `json:"locked_until,omitempty"`
	FailedLogins int          `json:"failed_logins"`
	LastLogin    *time.Time   `json:"last_login,omitempty"`
	Created      time.Time    `json:"created"`
	Updated      time.Time    `json:"updated"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) userView(u auth.User) userView {
	roles := u.Roles
	if roles == nil {
		roles = []auth.Role{}
	}
	return userView{Name: u.Name, DisplayName: u.DisplayName, Force: u.Force, Roles: roles, Sectors: u.Sectors,
		Clearance: u.Clearance.String(), Password: u.PasswordHash != "", MustChange: u.MustChange, Disabled: u.Disabled,
		Locked: u.Login.Locked(s.now()), LockedUntil: timePtr(u.Login.LockedUntil), FailedLogins: u.Login.Failures,
		LastLogin: timePtr(u.Login.LastLogin), Created: u.Created, Updated: u.Updated}
}

// userName parses the {name} of a user route.
func userName(r *http.Request) (string, error) {
	name := r.PathValue("name")
	if err := auth.ValidateName(name); err != nil {
		return "", errs.E(errs.Invalid, "user %s", errs.MessageOf(err))
	}
	return name, nil
}

// requestID parses the {id} of a request route.
func requestID(r *http.Request) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.Invalid, "id: %q is not a request id (a positive integer)", raw)
	}
	return id, nil
}

// limitParam reads ?limit=, 1 to maxAdminLimit.
func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return defaultAdminLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxAdminLimit {
		return 0, errs.E(errs.Invalid, "limit: %q is not 1 to %d", v, maxAdminLimit)
	}
	return n, nil
}

// handleUserList lists every account.
func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	if !s.needAdmin(w, r) {
		return
	}

	us, err := s.admin.Accounts.Users(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	out := make([]userView, len(us))
	for i, u := range us {
		out[i] = s.userView(u)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"users": out, "count": len(out)})
}

// newUserBody is the body of POST /api/v1/users.
type newUserBody struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Force       string `json:"force"`
	Password    string `json:"password"`
}

// handleUserAdd adds an account without roles. With a password, it is a
// one-time password the user must change at the first sign-in; without,
// the account signs in with API tokens only.
func (s *Server) handleUserAdd(w http.ResponseWriter, r *http.Request) {
	var body newUserBody
	if err := decodeBody(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	switch {
	case body.Name == "":
		s.writeError(w, r, errs.E(errs.Invalid, "name: required"))
		return
	case body.Force == "":
		s.writeError(w, r, errs.E(errs.Invalid, "force: required (one of %v)", auth.Forces))
		return
	}
	if !s.needAdmin(w, r) {
		return
	}

	u, err := s.admin.Accounts.AddUser(r.Context(), auth.NewUser{Name: body.Name, DisplayName: body.DisplayName,
		Force: auth.Force(body.Force), Password: body.Password})
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	w.Header().Set("Location", "/api/v1/users/"+u.Name)
	writeJSON(w, http.StatusCreated, s.userView(u))
}

// userChange runs an account change that applies at once, then answers
// with the account as it now stands.
func (s *Server) userChange(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, name string) error) {
	name, err := userName(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.needAdmin(w, r) {
		return
	}

	if err := op(r.Context(), name); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.admin.Accounts.User(r.Context(), name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, s.userView(u))
}

// handleUserDisable disables an account at once and ends its sessions.
func (s *Server) handleUserDisable(w http.ResponseWriter, r *http.Request) {
	s.userChange(w, r, func(ctx context.Context, name string) error { return s.admin.Accounts.Disable(ctx, name) })
}

// handleUserUnlock lifts the lock of repeated failed sign-ins.
func (s *Server) handleUserUnlock(w http.ResponseWriter, r *http.Request) {
	s.userChange(w, r, func(ctx context.Context, name string) error { return s.admin.Accounts.Unlock(ctx, name) })
}

// handleUserEnable proposes re-enabling a disabled account; a second
// person approves it.
func (s *Server) handleUserEnable(w http.ResponseWriter, r *http.Request) {
	name, err := userName(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.needAdmin(w, r) {
		return
	}

	req, err := s.admin.Accounts.Enable(r.Context(), name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusAccepted, req)
}

// setPasswordBody is the body of POST /api/v1/users/{name}/password.
type setPasswordBody struct {
	Password string `json:"password"`
}

// handleUserSetPassword sets another user's one-time password: the user
// must change it at the next sign-in, and the user's sessions end.
func (s *Server) handleUserSetPassword(w http.ResponseWriter, r *http.Request) {
	name, err := userName(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body setPasswordBody
	if err := decodeBody(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.Password == "" {
		s.writeError(w, r, errs.E(errs.Invalid, "password: required"))
		return
	}
	if !s.needAdmin(w, r) {
		return
	}

	if err := s.admin.Accounts.SetPassword(r.Context(), name, body.Password); err != nil {
		s.writeError(w, r, err)
		return
	}

	w.WriteHeader(http.StatusNoContent)
}

// privilegesBody is the body of grant and revoke.
type privilegesBody struct {
	Roles   []auth.Role     `json:"roles"`
	Sectors json.RawMessage `json:"sectors"`
	// Clearance is "restricted", or "" or "none" for no change.
	Clearance string `json:"clearance"`
}

// privileges checks the body, naming the bad field.
func (b privilegesBody) privileges() (auth.Privileges, error) {
	var p auth.Privileges
	for i, role := range b.Roles {
		if !role.Valid() {
			return p, errs.E(errs.Invalid, "roles[%d]: %q is not one of %v", i, role, auth.Roles)
		}
	}
	p.Roles = b.Roles
	if len(b.Sectors) > 0 && string(b.Sectors) != "null" {
		if err := p.Sectors.UnmarshalJSON(b.Sectors); err != nil {
			msg := errs.MessageOf(err)
			if !strings.HasPrefix(msg, "sector") {
				msg = "sectors: " + msg
			}
			return p, errs.E(errs.Invalid, "%s", msg)
		}
	}
	switch b.Clearance {
	case "", auth.ClearanceNone.String():
	case auth.ClearanceRestricted.String():
		p.Clearance = auth.ClearanceRestricted
	default:
		return p, errs.E(errs.Invalid, "clearance: %q is not restricted or none", b.Clearance)
	}
	if len(p.Roles) == 0 && p.Sectors.Empty() && p.Clearance == auth.ClearanceNone {
		return p, errs.E(errs.Invalid, "roles, sectors, clearance: name at least one")
	}
	return p, nil
}

// privilegeArgs reads the user and the privileges of grant and revoke.
func privilegeArgs(w http.ResponseWriter, r *http.Request) (string, auth.Privileges, error) {
	name, err := userName(r)
	if err != nil {
		return "", auth.Privileges{}, err
	}
	var body privilegesBody
	if err := decodeBody(w, r, &body); err != nil {
		return "", auth.Privileges{}, err
	}
	p, err := body.privileges()
	return name, p, err
}

// handleUserGrant proposes adding privileges to a user; they take effect
// once a second person approves the request.
func (s *Server) handleUserGrant(w http.ResponseWriter, r *http.Request) {
	name, priv, err := privilegeArgs(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.needAdmin(w, r) {
		return
	}

	req, err := s.admin.Accounts.Grant(r.Context(), name, priv)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusAccepted, req)
}

// handleUserRevoke takes privileges away from a user at once.
func (s *Server) handleUserRevoke(w http.ResponseWriter, r *http.Request) {
	name, priv, err := privilegeArgs(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.needAdmin(w, r) {
		return
	}

	u, err := s.admin.Accounts.Revoke(r.Context(), name, priv)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, s.userView(u))
}

// handleRequestList lists the dual-control requests waiting for a second
// person, newest first.
func (s *Server) handleRequestList(w http.ResponseWriter, r *http.Request) {
	if st := r.URL.Query().Get("state"); st != "" && st != string(auth.RequestPending) {
		s.writeError(w, r, errs.E(errs.Invalid, "state: %q: only pending requests are listed", st))
		return
	}
	limit, err := limitParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.needAdmin(w, r) {
		return
	}

	list, err := s.admin.Requests.Pending(r.Context(), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	if list == nil {
		list = []auth.Request{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": list, "count": len(list)})
}

// handleRequestApprove approves and applies a request proposed by someone
// else.
func (s *Server) handleRequestApprove(w http.ResponseWriter, r *http.Request) {
	id, err := requestID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.needAdmin(w, r) {
		return
	}

	req, err := s.admin.Requests.Approve(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, req)
}

// rejectBody is the body of POST /api/v1/requests/{id}/reject.
type rejectBody struct {
	Reason string `json:"reason"`
}

// handleRequestReject closes a pending request without applying it.
func (s *Server) handleRequestReject(w http.ResponseWriter, r *http.Request) {
	id, err := requestID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body rejectBody
	if err := decodeBody(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if strings.TrimSpace(body.Reason) == "" {
		s.writeError(w, r, errs.E(errs.Invalid, "reason: required"))
		return
	}
	if !s.needAdmin(w, r) {
		return
	}

	req, err := s.admin.Requests.Reject(r.Context(), id, body.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	writeJSON(w, http.StatusOK, req)
}

// errEnough ends an audit scan once a page is full.
var errEnough = errors.New("page full")

// handleAuditList lists entries of the audit trail in sequence order:
// those whose time is in [from, to), after the sequence number after, at
// most limit. The principal sees the entries of the sectors it may read the
// trail in; entries of no sector need audit.read everywhere. more tells
// that further entries follow: ask again with after set to the last seq.
func (s *Server) handleAuditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err := parseTimeParam("from", q.Get("from"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to, err := parseTimeParam("to", q.Get("to"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		s.writeError(w, r, errs.E(errs.Invalid, "to: %s is not after from %s", q.Get("to"), q.Get("from")))
		return
	}
	var after uint64
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			s.writeError(w, r, errs.E(errs.Invalid, "after: %q is not a sequence number", v))
			return
		}
	}
	limit, err := limitParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.audit == nil {
		s.writeError(w, r, errs.E(errs.Unavailable, "the audit trail is not configured"))
		return
	}

	ctx := r.Context()
	entries := []audit.Entry{}
	more := false
	visit := func(e audit.Entry) error {
		if e.Seq <= after || !from.IsZero() && e.Time.Before(from) || !to.IsZero() && !e.Time.Before(to) {
			return nil
		}
		if auth.Authorize(ctx, auth.ActionAuditRead, e.Sector) != nil {
			return nil
		}
		if len(entries) == limit {
			more = true
			return errEnough
		}
		entries = append(entries, e)
		return nil
	}
	if after > 0 {
		err = s.audit.ScanAudit(ctx, after, visit)
	} else {
		err = s.audit.AuditRange(ctx, from, to, visit)
	}
	if err != nil && !errors.Is(err, errEnough) {
		s.writeError(w, r, err)
		return
	}

	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries, "count": len(entries), "more": more})
}
