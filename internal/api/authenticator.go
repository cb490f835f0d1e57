package api

import (
	"context"
	"fmt"

	"raqib/internal/auth"
)

// Authenticator signs people in and recognises the credentials requests
// carry. ServiceAuthenticator implements it over the auth services.
type Authenticator interface {
	// Login checks a name and password sent from remoteAddr and starts a
	// browser session. It returns the cookie value (shown once), the
	// principal and the session, whose CSRF token the browser sends back
	// with unsafe requests. A refused sign-in is an *auth.LoginError.
	Login(ctx context.Context, name, password, remoteAddr string) (cookie string, p auth.Principal, s auth.Session, err error)
	// Session returns the principal of a session cookie's value, read
	// afresh, and the session. Unknown, ended and expired sessions are
	// errs.Unauthorized.
	Session(ctx context.Context, cookie string) (auth.Principal, auth.Session, error)
	// Token returns the principal of an API token ("rqb_…"). Malformed,
	// unknown, revoked and expired tokens are errs.Unauthorized.
	Token(ctx context.Context, token string) (auth.Principal, error)
	// Logout ends the session with the id for the principal ctx carries.
	Logout(ctx context.Context, sessionID string) error
	// ChangePassword changes the password of the principal ctx carries,
	// signed in by session, given the current one.
	ChangePassword(ctx context.Context, current, next string) error
}

// ServiceAuthenticator is the Authenticator of the auth services: what
// cmd/raqib passes as Config.Auth.
type ServiceAuthenticator struct {
	Service *auth.Service
}

var _ Authenticator = ServiceAuthenticator{}

// Login implements Authenticator.
func (a ServiceAuthenticator) Login(ctx context.Context, name, password, remoteAddr string) (string, auth.Principal, auth.Session, error) {
	u, err := a.Service.Accounts.Authenticate(ctx, name, password, remoteAddr)
	if err != nil {
		return "", auth.Principal{}, auth.Session{}, err
	}
	cookie, sess, err := a.Service.Sessions.Create(ctx, u, remoteAddr)
	if err != nil {
		return "", auth.Principal{}, auth.Session{}, fmt.Errorf("sign in %s: %w", u.Name, err)
	}
	p := auth.PrincipalOf(u, auth.ViaSession)
	p.Session = sess.ID
	return cookie, p, sess, nil
}

// Session implements Authenticator.
func (a ServiceAuthenticator) Session(ctx context.Context, cookie string) (auth.Principal, auth.Session, error) {
	return a.Service.Sessions.Authenticate(ctx, cookie)
}

// Token implements Authenticator.
func (a ServiceAuthenticator) Token(ctx context.Context, token string) (auth.Principal, error) {
	return a.Service.Tokens.Authenticate(ctx, token)
}

// Logout implements Authenticator.
func (a ServiceAuthenticator) Logout(ctx context.Context, sessionID string) error {
	return a.Service.Sessions.Revoke(ctx, sessionID)
}

// ChangePassword implements Authenticator.
func (a ServiceAuthenticator) ChangePassword(ctx context.Context, current, next string) error {
	return a.Service.Accounts.ChangePassword(ctx, current, next)
}
