package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"

	"github.com/jackc/pgx/v5"
)

var _ auth.Store = (*DB)(nil)

// authTime stores an optional time: NULL for the zero time.
func authTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return unixNano(t)
}

// authTimeOf reads an optional time.
func authTimeOf(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return fromUnixNano(*n)
}

func encodeSectors(s auth.Sectors) (bool, string, error) {
	if s.All {
		return true, "[]", nil
	}
	ids, err := jsonArray(s.IDs)
	return false, ids, err
}

func decodeSectors(all bool, ids string) (auth.Sectors, error) {
	if all {
		return auth.AllSectors(), nil
	}
	var s auth.Sectors
	if err := json.Unmarshal([]byte(ids), &s.IDs); err != nil {
		return s, fmt.Errorf("sectors: %w", err)
	}
	if len(s.IDs) == 0 {
		s.IDs = nil
	}
	return s, nil
}

func decodeRoles(text string) ([]auth.Role, error) {
	var roles []auth.Role
	if err := json.Unmarshal([]byte(text), &roles); err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	if len(roles) == 0 {
		return nil, nil
	}
	return roles, nil
}

// Users.

const userColumns = `name, display_name, force, roles, all_sectors, sectors, clearance, password_hash,
	must_change, disabled, failures, first_failure, locked_until, last_login, created, updated, version`

func scanUser(r rowScanner) (auth.User, error) {
	var u auth.User
	var roles, sectors string
	var all bool
	var firstFailure, lockedUntil, lastLogin *int64
	var created, updated int64
	err := r.Scan(&u.Name, &u.DisplayName, &u.Force, &roles, &all, &sectors, &u.Clearance, &u.PasswordHash,
		&u.MustChange, &u.Disabled, &u.Login.Failures, &firstFailure, &lockedUntil, &lastLogin, &created, &updated, &u.Version)
	if err != nil {
		return u, err
	}
	if u.Roles, err = decodeRoles(roles); err != nil {
		return u, fmt.Errorf("user %s: %w", u.Name, err)
	}
	if u.Sectors, err = decodeSectors(all, sectors); err != nil {
		return u, fmt.Errorf("user %s: %w", u.Name, err)
	}
	u.Login.FirstFailure, u.Login.LockedUntil, u.Login.LastLogin = authTimeOf(firstFailure), authTimeOf(lockedUntil), authTimeOf(lastLogin)
	u.Created, u.Updated = fromUnixNano(created), fromUnixNano(updated)
	return u, nil
}

// userArgs are the values of every column but name, created and version.
func userArgs(u auth.User) ([]any, error) {
	if err := auth.ValidateName(u.Name); err != nil {
		return nil, err
	}
	if !u.Force.Valid() {
		return nil, errs.E(errs.Invalid, "force: %q is not one of %v", u.Force, auth.Forces)
	}
	if !u.Clearance.Valid() {
		return nil, errs.E(errs.Invalid, "clearance: %d is not a known level", u.Clearance)
	}
	roles, err := jsonArray(u.Roles)
	if err != nil {
		return nil, err
	}
	all, sectors, err := encodeSectors(u.Sectors)
	if err != nil {
		return nil, err
	}
	return []any{u.DisplayName, u.Force, roles, all, sectors, u.Clearance, u.PasswordHash, u.MustChange, u.Disabled,
		u.Login.Failures, authTime(u.Login.FirstFailure), authTime(u.Login.LockedUntil), authTime(u.Login.LastLogin),
		unixNano(u.Updated)}, nil
}

func insertUser(ctx context.Context, tx pgx.Tx, u auth.User) (auth.User, error) {
	args, err := userArgs(u)
	if err != nil {
		return auth.User{}, err
	}
	args = append([]any{u.Name, unixNano(u.Created)}, args...)
	return scanUser(tx.QueryRow(ctx, `INSERT INTO users (name, created, display_name, force, roles,
		all_sectors, sectors, clearance, password_hash, must_change, disabled, failures, first_failure,
		locked_until, last_login, updated, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1) RETURNING `+userColumns, args...))
}

// CreateUser stores a new user with version 1.
func (db *DB) CreateUser(ctx context.Context, u auth.User) (auth.User, error) {
	var out auth.User
	err := db.inTx(ctx, "create user "+u.Name, func(tx pgx.Tx) error {
		var err error
		out, err = insertUser(ctx, tx, u)
		return err
	})
	return out, err
}

// CreateFirstUser stores a new user if there is none.
func (db *DB) CreateFirstUser(ctx context.Context, u auth.User) (auth.User, error) {
	var out auth.User
	err := db.inTx(ctx, "create first user", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, 0)", lockFirstUser); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "create first user: %d users exist", n)
		}
		var err error
		out, err = insertUser(ctx, tx, u)
		return err
	})
	return out, err
}

// User returns one user.
func (db *DB) User(ctx context.Context, name string) (auth.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE name = $1", name))
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.User{}, errs.E(errs.NotFound, "user %q: not found", name)
	}
	if err != nil {
		return auth.User{}, translate("user "+name, err)
	}
	return u, nil
}

// Users returns every user by name.
func (db *DB) Users(ctx context.Context) ([]auth.User, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+userColumns+" FROM users ORDER BY name")
	if err != nil {
		return nil, translate("users", err)
	}
	defer rows.Close()
	var out []auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, translate("users", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("users", err)
	}
	return out, nil
}

// UpdateUser replaces a user's record if its version is the stored one.
func (db *DB) UpdateUser(ctx context.Context, u auth.User) (auth.User, error) {
	args, err := userArgs(u)
	if err != nil {
		return auth.User{}, err
	}
	args = append(args, u.Name, u.Version)
	var out auth.User
	err = db.inTx(ctx, "update user "+u.Name, func(tx pgx.Tx) error {
		var err error
		out, err = scanUser(tx.QueryRow(ctx, `UPDATE users SET display_name = $1, force = $2, roles = $3,
			all_sectors = $4, sectors = $5, clearance = $6, password_hash = $7, must_change = $8, disabled = $9,
			failures = $10, first_failure = $11, locked_until = $12, last_login = $13, updated = $14, version = version + 1
			WHERE name = $15 AND version = $16 RETURNING `+userColumns, args...))
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var version int64
		err = tx.QueryRow(ctx, "SELECT version FROM users WHERE name = $1", u.Name).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.E(errs.NotFound, "user %q: not found", u.Name)
		}
		if err != nil {
			return err
		}
		return errs.E(errs.Conflict, "user %s: changed meanwhile (version %d, not %d)", u.Name, version, u.Version)
	})
	return out, err
}

// Sessions.

const sessionColumns = "id, user_name, csrf, created, last_seen, expires, revoked, remote_addr"

func scanSession(r rowScanner) (auth.Session, error) {
	var s auth.Session
	var created, lastSeen, expires int64
	var revoked *int64
	if err := r.Scan(&s.ID, &s.User, &s.CSRF, &created, &lastSeen, &expires, &revoked, &s.RemoteAddr); err != nil {
		return s, err
	}
	s.Created, s.LastSeen, s.Expires, s.Revoked = fromUnixNano(created), fromUnixNano(lastSeen), fromUnixNano(expires), authTimeOf(revoked)
	return s, nil
}

// CreateSession stores a session.
func (db *DB) CreateSession(ctx context.Context, s auth.Session) error {
	if len(s.ID) != auth.SessionIDLen {
		return errs.E(errs.Invalid, "session id: %d characters, want %d", len(s.ID), auth.SessionIDLen)
	}
	return db.inTx(ctx, "create session", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO sessions ("+sessionColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			s.ID, s.User, s.CSRF, unixNano(s.Created), unixNano(s.LastSeen), unixNano(s.Expires), authTime(s.Revoked), s.RemoteAddr)
		return err
	})
}

// Session returns one session.
func (db *DB) Session(ctx context.Context, id string) (auth.Session, error) {
	s, err := scanSession(db.pool.QueryRow(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.Session{}, errs.E(errs.NotFound, "session: not found")
	}
	if err != nil {
		return auth.Session{}, translate("session", err)
	}
	return s, nil
}

// Sessions returns a user's sessions, newest first.
func (db *DB) Sessions(ctx context.Context, user string) ([]auth.Session, error) {
	rows, err := db.pool.Query(ctx,
		"SELECT "+sessionColumns+" FROM sessions WHERE user_name = $1 ORDER BY created DESC, id", user)
	if err != nil {
		return nil, translate("sessions", err)
	}
	defer rows.Close()
	var out []auth.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, translate("sessions", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("sessions", err)
	}
	return out, nil
}

// execOne runs a statement that must change one row, NotFound if none.
func (db *DB) execOne(ctx context.Context, op, what string, query string, args ...any) error {
	return db.inTx(ctx, op, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errs.E(errs.NotFound, "%s: not found", what)
		}
		return nil
	})
}

// TouchSession moves a session's last-seen time forward.
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	return db.execOne(ctx, "touch session", "session",
		"UPDATE sessions SET last_seen = greatest(last_seen, $1) WHERE id = $2", unixNano(at), id)
}

// RevokeSession marks a session revoked, keeping an earlier revocation.
func (db *DB) RevokeSession(ctx context.Context, id string, at time.Time) error {
	return db.execOne(ctx, "revoke session", "session",
		"UPDATE sessions SET revoked = coalesce(revoked, $1) WHERE id = $2", unixNano(at), id)
}

// RevokeSessions revokes a user's unrevoked sessions.
func (db *DB) RevokeSessions(ctx context.Context, user string, at time.Time) (int, error) {
	return db.execCount(ctx, "revoke sessions of "+user,
		"UPDATE sessions SET revoked = $1 WHERE user_name = $2 AND revoked IS NULL", unixNano(at), user)
}

// DeleteSessions deletes the sessions whose absolute expiry is before the
// time.
func (db *DB) DeleteSessions(ctx context.Context, before time.Time) (int, error) {
	return db.execCount(ctx, "delete sessions", "DELETE FROM sessions WHERE expires < $1", unixNano(before))
}

func (db *DB) execCount(ctx context.Context, op, query string, args ...any) (int, error) {
	var n int64
	err := db.inTx(ctx, op, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		return nil
	})
	return int(n), err
}

// API tokens.

const tokenColumns = `id, owner, label, roles, all_sectors, sectors, clearance, sensor, secret_hash, created,
	expires, revoked, last_used`

func scanToken(r rowScanner) (auth.APIToken, error) {
	var t auth.APIToken
	var roles, sectors string
	var all bool
	var created, expires int64
	var revoked, lastUsed *int64
	err := r.Scan(&t.ID, &t.Owner, &t.Label, &roles, &all, &sectors, &t.Scope.Clearance, &t.Scope.Sensor,
		&t.SecretHash, &created, &expires, &revoked, &lastUsed)
	if err != nil {
		return t, err
	}
	if t.Scope.Roles, err = decodeRoles(roles); err != nil {
		return t, fmt.Errorf("token %s: %w", t.ID, err)
	}
	if t.Scope.Sectors, err = decodeSectors(all, sectors); err != nil {
		return t, fmt.Errorf("token %s: %w", t.ID, err)
	}
	t.Created, t.Expires = fromUnixNano(created), fromUnixNano(expires)
	t.Revoked, t.LastUsed = authTimeOf(revoked), authTimeOf(lastUsed)
	return t, nil
}

// CreateToken stores an API token.
func (db *DB) CreateToken(ctx context.Context, t auth.APIToken) error {
	roles, err := jsonArray(t.Scope.Roles)
	if err != nil {
		return err
	}
	all, sectors, err := encodeSectors(t.Scope.Sectors)
	if err != nil {
		return err
	}
	return db.inTx(ctx, "create token", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO api_tokens ("+tokenColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
			t.ID, t.Owner, t.Label, roles, all, sectors, t.Scope.Clearance, t.Scope.Sensor, t.SecretHash,
			unixNano(t.Created), unixNano(t.Expires), authTime(t.Revoked), authTime(t.LastUsed))
		return err
	})
}

// Token returns one API token.
func (db *DB) Token(ctx context.Context, id string) (auth.APIToken, error) {
	t, err := scanToken(db.pool.QueryRow(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.APIToken{}, errs.E(errs.NotFound, "api token %q: not found", id)
	}
	if err != nil {
		return auth.APIToken{}, translate("api token "+id, err)
	}
	return t, nil
}

// Tokens returns an owner's API tokens, newest first.
func (db *DB) Tokens(ctx context.Context, owner string) ([]auth.APIToken, error) {
	rows, err := db.pool.Query(ctx,
		"SELECT "+tokenColumns+" FROM api_tokens WHERE owner = $1 ORDER BY created DESC, id", owner)
	if err != nil {
		return nil, translate("api tokens", err)
	}
	defer rows.Close()
	var out []auth.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, translate("api tokens", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("api tokens", err)
	}
	return out, nil
}

// TouchToken moves a token's last-use time forward.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	return db.execOne(ctx, "touch api token", "api token "+id,
		"UPDATE api_tokens SET last_used = greatest(last_used, $1) WHERE id = $2", unixNano(at), id)
}

// RevokeToken marks a token revoked, keeping an earlier revocation.
func (db *DB) RevokeToken(ctx context.Context, id string, at time.Time) error {
	return db.execOne(ctx, "revoke api token", "api token "+id,
		"UPDATE api_tokens SET revoked = coalesce(revoked, $1) WHERE id = $2", unixNano(at), id)
}

// Dual-control requests.

const requestColumns = `id, kind, payload, sector, summary, proposed_by, proposed, expires, state, decided_by,
	decided, detail`

func scanRequest(r rowScanner) (auth.Request, error) {
	var q auth.Request
	var payload string
	var proposed, expires int64
	var decided *int64
	if err := r.Scan(&q.ID, &q.Kind, &payload, &q.Sector, &q.Summary, &q.ProposedBy, &proposed, &expires,
		&q.State, &q.DecidedBy, &decided, &q.Detail); err != nil {
		return q, err
	}
	q.Payload = json.RawMessage(payload)
	q.Proposed, q.Expires, q.Decided = fromUnixNano(proposed), fromUnixNano(expires), authTimeOf(decided)
	return q, nil
}

// CreateRequest stores a pending request.
func (db *DB) CreateRequest(ctx context.Context, r auth.Request) (auth.Request, error) {
	if r.State != auth.RequestPending {
		return auth.Request{}, errs.E(errs.Invalid, "state: a new request is pending, not %q", r.State)
	}
	if !json.Valid(r.Payload) {
		return auth.Request{}, errs.E(errs.Invalid, "payload: not JSON")
	}
	var out auth.Request
	err := db.inTx(ctx, "create request", func(tx pgx.Tx) error {
		var err error
		out, err = scanRequest(tx.QueryRow(ctx, `INSERT INTO change_requests (kind, payload, sector,
			summary, proposed_by, proposed, expires, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+requestColumns,
			r.Kind, string(r.Payload), r.Sector, r.Summary, r.ProposedBy, unixNano(r.Proposed), unixNano(r.Expires), r.State))
		return err
	})
	return out, err
}

// Request returns one request.
func (db *DB) Request(ctx context.Context, id int64) (auth.Request, error) {
	r, err := scanRequest(db.pool.QueryRow(ctx, "SELECT "+requestColumns+" FROM change_requests WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.Request{}, errs.E(errs.NotFound, "request %d: not found", id)
	}
	if err != nil {
		return auth.Request{}, translate(fmt.Sprintf("request %d", id), err)
	}
	return r, nil
}

// Request list limits.
const (
	defaultRequestLimit = 100
	maxRequestLimit     = 1000
)

// Requests returns the requests in a state ("" for any), newest first.
func (db *DB) Requests(ctx context.Context, state auth.RequestState, limit int) ([]auth.Request, error) {
	if state != "" && !state.Valid() {
		return nil, errs.E(errs.Invalid, "state: %q is not one of %v", state, auth.RequestStates)
	}
	if limit <= 0 {
		limit = defaultRequestLimit
	}
	limit = min(limit, maxRequestLimit)
	rows, err := db.pool.Query(ctx, "SELECT "+requestColumns+
		" FROM change_requests WHERE $1 = '' OR state = $1 ORDER BY id DESC LIMIT $2", string(state), limit)
	if err != nil {
		return nil, translate("requests", err)
	}
	defer rows.Close()
	var out []auth.Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, translate("requests", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("requests", err)
	}
	return out, nil
}

// DecideRequest moves a request from one state to the decision's.
func (db *DB) DecideRequest(ctx context.Context, id int64, from auth.RequestState, d auth.Decision) (auth.Request, error) {
	if !d.State.Valid() || d.State == auth.RequestPending {
		return auth.Request{}, errs.E(errs.Invalid, "state: %q is not a decision", d.State)
	}
	if d.By == "" {
		return auth.Request{}, errs.E(errs.Invalid, "by: required")
	}
	var out auth.Request
	err := db.inTx(ctx, fmt.Sprintf("decide request %d", id), func(tx pgx.Tx) error {
		var state auth.RequestState
		var proposer string
		err := tx.QueryRow(ctx, "SELECT state, proposed_by FROM change_requests WHERE id = $1 FOR UPDATE", id).Scan(&state, &proposer)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.E(errs.NotFound, "request %d: not found", id)
		}
		if err != nil {
			return err
		}
		if state != from {
			return errs.E(errs.Conflict, "request %d is %s, not %s", id, state, from)
		}
		if d.State != auth.RequestRejected && d.By == proposer {
			return errs.E(errs.Invalid, "request %d: %s proposed it and cannot approve it", id, proposer)
		}
		out, err = scanRequest(tx.QueryRow(ctx, `UPDATE change_requests SET state = $1, decided_by = $2,
			decided = $3, detail = $4 WHERE id = $5 RETURNING `+requestColumns, d.State, d.By, unixNano(d.At), d.Detail, id))
		return err
	})
	return out, err
}
