package auth

import (
	"context"
	"time"
)

// Store keeps accounts, sessions, API tokens and dual-control requests.
// Every method owns its transaction. Errors carry errs codes: NotFound for
// an unknown record, Conflict for a duplicate or a stale version, Invalid
// for a record that refers to an unknown user. internal/store/storetest
// checks implementations.
type Store interface {
	UserStore
	SessionStore
	TokenStore
	RequestStore
}

// UserStore keeps accounts.
type UserStore interface {
	// CreateUser stores a new user with Version 1; Conflict if the name is
	// taken.
	CreateUser(ctx context.Context, u User) (User, error)
	// CreateFirstUser is CreateUser that refuses (Conflict) if any user
	// exists, atomically.
	CreateFirstUser(ctx context.Context, u User) (User, error)
	User(ctx context.Context, name string) (User, error)
	// Users returns every user by name.
	Users(ctx context.Context) ([]User, error)
	// UpdateUser replaces every field but the name and creation time if
	// u.Version is the stored version (Conflict if not) and returns the
	// record with its new version.
	UpdateUser(ctx context.Context, u User) (User, error)
}

// SessionStore keeps sessions, by the hash of their token.
type SessionStore interface {
	// CreateSession stores a session; Conflict for a duplicate id.
	CreateSession(ctx context.Context, s Session) error
	Session(ctx context.Context, id string) (Session, error)
	// Sessions returns a user's sessions, newest first.
	Sessions(ctx context.Context, user string) ([]Session, error)
	// TouchSession sets a session's last-seen time.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// RevokeSession marks a session revoked at at; a revoked session keeps
	// the first time.
	RevokeSession(ctx context.Context, id string, at time.Time) error
	// RevokeSessions revokes a user's unrevoked sessions and counts them.
	RevokeSessions(ctx context.Context, user string, at time.Time) (int, error)
	// DeleteSessions deletes the sessions whose absolute expiry is before
	// the time and counts them.
	DeleteSessions(ctx context.Context, before time.Time) (int, error)
}

// TokenStore keeps API tokens, by id, with the hash of their secret.
type TokenStore interface {
	// CreateToken stores a token; Conflict for a duplicate id.
	CreateToken(ctx context.Context, t APIToken) error
	Token(ctx context.Context, id string) (APIToken, error)
	// Tokens returns an owner's tokens, newest first.
	Tokens(ctx context.Context, owner string) ([]APIToken, error)
	// TouchToken sets a token's last-use time.
	TouchToken(ctx context.Context, id string, at time.Time) error
	// RevokeToken marks a token revoked at at; a revoked token keeps the
	// first time.
	RevokeToken(ctx context.Context, id string, at time.Time) error
}

// RequestStore keeps dual-control requests.
type RequestStore interface {
	// CreateRequest stores a pending request and returns it with its id.
	CreateRequest(ctx context.Context, r Request) (Request, error)
	Request(ctx context.Context, id int64) (Request, error)
	// Requests returns the requests in a state ("" for any), newest
	// first, at most limit.
	Requests(ctx context.Context, state RequestState, limit int) ([]Request, error)
	// DecideRequest moves a request from one state to the decision's,
	// Conflict if it is not in from. Approving (approved, applied, failed)
	// by the proposer is Invalid.
	DecideRequest(ctx context.Context, id int64, from RequestState, d Decision) (Request, error)
}
