package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"time"

	"raqib/internal/errs"
)

// A session token is 32 random bytes in unpadded base64url: 43
// characters, the cookie's value. The store keeps only the hex SHA-256 of
// the 32 bytes, which is the session's id.
const (
	tokenBytes      = 32
	SessionTokenLen = 43
	// SessionIDLen is the length of a session id (hex SHA-256).
	SessionIDLen = 64
	// MaxRemoteAddrLen bounds the remote address kept with a session.
	MaxRemoteAddrLen = 64
)

var b64url = base64.RawURLEncoding.Strict()

// DecodeSessionToken checks a cookie value and returns the session id it
// stands for. Only canonical 43-character unpadded base64url is accepted.
func DecodeSessionToken(s string) (string, error) {
	if len(s) != SessionTokenLen {
		return "", errs.E(errs.Unauthorized, "session token: %d characters, want %d", len(s), SessionTokenLen)
	}
	var raw [tokenBytes]byte
	n, err := b64url.Decode(raw[:], []byte(s))
	if err != nil || n != tokenBytes {
		return "", errs.E(errs.Unauthorized, "session token: not unpadded base64url")
	}
	return sessionID(raw[:]), nil
}

func sessionID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// newSecret returns n random bytes and their base64url encoding.
func newSecret(rand io.Reader) ([]byte, string, error) {
	raw := make([]byte, tokenBytes)
	if _, err := io.ReadFull(rand, raw); err != nil {
		return nil, "", fmt.Errorf("random token: %w", err)
	}
	return raw, b64url.EncodeToString(raw), nil
}

// Session is a signed-in browser.
type Session struct {
	ID   string `json:"id"` // hex SHA-256 of the token
	User string `json:"user"`
	// CSRF is the session's anti-forgery token: the browser sends it back
	// in a header with every unsafe request (CheckCSRF).
	CSRF       string    `json:"-"`
	Created    time.Time `json:"created"`
	LastSeen   time.Time `json:"last_seen"`
	Expires    time.Time `json:"expires"` // the absolute end
	Revoked    time.Time `json:"revoked"` // zero if not
	RemoteAddr string    `json:"remote_addr"`
}

// check says why a session is no longer valid at now, nil if it is.
func (s Session) check(now time.Time, idle time.Duration) error {
	switch {
	case !s.Revoked.IsZero():
		return errs.E(errs.Unauthorized, "session: signed out at %s", s.Revoked.Format(time.RFC3339))
	case !now.Before(s.Expires):
		return errs.E(errs.Unauthorized, "session: expired at %s; sign in again", s.Expires.Format(time.RFC3339))
	case now.Sub(s.LastSeen) >= idle:
		return errs.E(errs.Unauthorized, "session: expired after %v without use; sign in again", idle)
	}
	return nil
}

// CheckCSRF compares the anti-forgery token a request presents with the
// session's, in constant time.
func CheckCSRF(s Session, presented string) error {
	if presented == "" {
		return errs.E(errs.Forbidden, "csrf token: missing")
	}
	if s.CSRF == "" || subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(presented)) != 1 {
		return errs.E(errs.Forbidden, "csrf token: does not match the session")
	}
	return nil
}

// Sessions signs browsers in and out.
type Sessions struct {
	store  Store
	cfg    Config
	rec    *recorder
	logger *slog.Logger
}

// Create starts a session for a user that Accounts.Authenticate returned
// and gives the cookie value, shown once and never stored.
func (s *Sessions) Create(ctx context.Context, u User, remoteAddr string) (string, Session, error) {
	if u.Disabled {
		return "", Session{}, errs.E(errs.Unauthorized, "account %s is disabled", u.Name)
	}
	raw, token, err := newSecret(s.cfg.Rand)
	if err != nil {
		return "", Session{}, err
	}
	_, csrf, err := newSecret(s.cfg.Rand)
	if err != nil {
		return "", Session{}, err
	}
	now := s.cfg.Now().UTC()
	sess := Session{ID: sessionID(raw), User: u.Name, CSRF: csrf, Created: now, LastSeen: now,
		Expires: now.Add(s.cfg.SessionAbsolute), RemoteAddr: addrKey(remoteAddr)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", Session{}, fmt.Errorf("create session for %s: %w", u.Name, err)
	}
	return token, sess, nil
}

// Authenticate checks a cookie value and returns the principal it signs
// in, read afresh from the user's account, and the session for the CSRF
// check. Unknown, revoked and expired sessions and disabled accounts are
// errs.Unauthorized.
func (s *Sessions) Authenticate(ctx context.Context, token string) (Principal, Session, error) {
	id, err := DecodeSessionToken(token)
	if err != nil {
		return Principal{}, Session{}, err
	}
	sess, err := s.store.Session(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return Principal{}, Session{}, errs.E(errs.Unauthorized, "session: unknown; sign in again")
	}
	if err != nil {
		return Principal{}, Session{}, fmt.Errorf("session lookup: %w", err)
	}
	now := s.cfg.Now().UTC()
	if err := sess.check(now, s.cfg.SessionIdle); err != nil {
		return Principal{}, Session{}, err
	}
	u, err := s.store.User(ctx, sess.User)
	if err != nil {
		return Principal{}, Session{}, fmt.Errorf("session of %s: %w", sess.User, err)
	}
	if u.Disabled {
		return Principal{}, Session{}, errs.E(errs.Unauthorized, "account %s is disabled", u.Name)
	}
	if now.Sub(sess.LastSeen) >= s.cfg.TouchEvery {
		if err := s.store.TouchSession(ctx, id, now); err != nil {
			s.logger.Warn("session touch failed", "user", u.Name, "err", err)
		} else {
			sess.LastSeen = now
		}
	}
	p := PrincipalOf(u, ViaSession)
	p.Session = sess.ID
	return p, sess, nil
}

// Revoke signs a session out: the principal's own, or anyone's for a
// principal allowed to manage users.
func (s *Sessions) Revoke(ctx context.Context, id string) error {
	p := principalFrom(ctx)
	if p == nil {
		return errs.E(errs.Unauthorized, "sign in required")
	}
	sess, err := s.store.Session(ctx, id)
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	if sess.User != p.User {
		if err := p.Can(ActionUserManage, ""); err != nil {
			return err
		}
	}
	if err := s.store.RevokeSession(ctx, id, s.cfg.Now().UTC()); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	s.rec.record(ctx, actorEvent(ctx, AuditSessionRevoke, "session/"+id, OutcomeSuccess,
		map[string]string{"user": sess.User}))
	return nil
}

// RevokeAll signs every session of a user out: the principal's own, or
// anyone's for a principal allowed to manage users.
func (s *Sessions) RevokeAll(ctx context.Context, user string) (int, error) {
	if err := s.selfOrManager(ctx, user); err != nil {
		return 0, err
	}
	n, err := s.store.RevokeSessions(ctx, user, s.cfg.Now().UTC())
	if err != nil {
		return 0, fmt.Errorf("revoke sessions of %s: %w", user, err)
	}
	s.rec.record(ctx, actorEvent(ctx, AuditSessionRevoke, "user/"+user, OutcomeSuccess,
		map[string]string{"sessions": fmt.Sprint(n)}))
	return n, nil
}

// List returns a user's sessions, newest first: the principal's own, or
// anyone's for a principal allowed to manage users.
func (s *Sessions) List(ctx context.Context, user string) ([]Session, error) {
	if err := s.selfOrManager(ctx, user); err != nil {
		return nil, err
	}
	out, err := s.store.Sessions(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("sessions of %s: %w", user, err)
	}
	return out, nil
}

// Prune deletes the sessions past their absolute expiry. It is
// housekeeping for a periodic job and needs no principal.
func (s *Sessions) Prune(ctx context.Context) (int, error) {
	n, err := s.store.DeleteSessions(ctx, s.cfg.Now().UTC())
	if err != nil {
		return 0, fmt.Errorf("prune sessions: %w", err)
	}
	return n, nil
}

func (s *Sessions) selfOrManager(ctx context.Context, user string) error {
	p := principalFrom(ctx)
	if p == nil {
		return errs.E(errs.Unauthorized, "sign in required")
	}
	if p.User == user {
		return nil
	}
	return p.Can(ActionUserManage, "")
}
