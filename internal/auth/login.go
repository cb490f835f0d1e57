package auth

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"raqib/internal/errs"
)

// LoginReason says why a sign-in was refused.
type LoginReason string

// The reasons.
const (
	LoginWrong     LoginReason = "wrong"     // unknown name or wrong password
	LoginLocked    LoginReason = "locked"    // too many failures for the account
	LoginThrottled LoginReason = "throttled" // too many failures from the address
	LoginDisabled  LoginReason = "disabled"
)

// LoginError is a refused sign-in: errs.Unauthorized, with the reason and,
// for a lock or a throttle, when to try again (for a Retry-After header).
type LoginError struct {
	Reason LoginReason
	Until  time.Time
	err    *errs.Error
}

func (e *LoginError) Error() string { return e.err.Error() }

// Unwrap gives the coded error.
func (e *LoginError) Unwrap() error { return e.err }

func loginError(reason LoginReason, until time.Time, format string, args ...any) *LoginError {
	return &LoginError{Reason: reason, Until: until, err: errs.E(errs.Unauthorized, format, args...)}
}

// Authenticate checks a name and password from remoteAddr (the client's
// address, host or host:port) and returns the account. Every outcome is
// audited. It refuses with a *LoginError:
//   - an address with Config.AddrMaxFailures failures in its window, at
//     once, without hashing;
//   - a locked account, even with the right password, without hashing;
//   - an unknown name or a wrong password, after the same work (an unknown
//     name hashes against a dummy); the Config.MaxFailures-th failure
//     within Config.FailureWindow locks the account for Config.LockFor,
//     and the lock is audited as AuditLocked;
//   - a disabled account, once the password proved right.
//
// A success clears the account's failures. A user whose MustChange is set
// signs in, but its principal is authorized nothing until
// ChangePassword.
func (a *Accounts) Authenticate(ctx context.Context, name, password, remoteAddr string) (User, error) {
	now := a.cfg.Now().UTC()
	addr := addrKey(remoteAddr)
	audit := func(outcome Outcome, detail map[string]string) error {
		detail["remote_addr"] = addr
		return a.rec.record(ctx, Event{At: now, Actor: clip(name, MaxNameLen), Via: ViaSession, Action: AuditLogin,
			Object: "user/" + clip(name, MaxNameLen), Outcome: outcome, Detail: detail})
	}
	if until, limited := a.limiter.limited(addr, now); limited {
		audit(OutcomeDenied, map[string]string{"reason": string(LoginThrottled)})
		return User{}, loginError(LoginThrottled, until, "too many failed sign-ins from %s: try again after %s",
			addr, until.Format(time.RFC3339))
	}
	if len(password) > MaxPasswordLen {
		return User{}, errs.E(errs.Invalid, "password: %d bytes, at most %d", len(password), MaxPasswordLen)
	}
	release, err := a.acquireHash(ctx)
	if err != nil {
		return User{}, err
	}
	defer release()

	wrong := loginError(LoginWrong, time.Time{}, "name or password is wrong")
	var u User
	if ValidateName(name) == nil {
		u, err = a.store.User(ctx, name)
	} else {
		err = errs.E(errs.NotFound, "no such user")
	}
	if errs.Is(err, errs.NotFound) {
		a.verifyDummy(password)
		a.limiter.fail(addr, now)
		audit(OutcomeFailure, map[string]string{"reason": "unknown user"})
		return User{}, wrong
	}
	if err != nil {
		return User{}, fmt.Errorf("sign in %s: %w", name, err)
	}
	if u.Login.Locked(now) {
		a.limiter.fail(addr, now)
		audit(OutcomeDenied, map[string]string{"reason": string(LoginLocked), "until": u.Login.LockedUntil.Format(time.RFC3339)})
		return User{}, loginError(LoginLocked, u.Login.LockedUntil, "account %s is locked after repeated failures until %s",
			name, u.Login.LockedUntil.Format(time.RFC3339))
	}
	ok, h, err := a.verify(u, password)
	if err != nil {
		return User{}, fmt.Errorf("sign in %s: %w", name, err)
	}
	if !ok {
		a.limiter.fail(addr, now)
		locked, err := a.recordFailure(ctx, name, now)
		if err != nil {
			return User{}, fmt.Errorf("sign in %s: %w", name, err)
		}
		audit(OutcomeFailure, map[string]string{"reason": "wrong password"})
		if !locked.IsZero() {
			a.rec.record(ctx, Event{At: now, Actor: name, Via: ViaSession, Action: AuditLocked, Object: "user/" + name,
				Outcome: OutcomeDenied, Detail: map[string]string{"remote_addr": addr, "until": locked.Format(time.RFC3339),
					"failures": strconv.Itoa(a.cfg.MaxFailures)}})
			return User{}, loginError(LoginLocked, locked, "name or password is wrong; account %s is locked until %s",
				name, locked.Format(time.RFC3339))
		}
		return User{}, wrong
	}
	if u.Disabled {
		audit(OutcomeDenied, map[string]string{"reason": string(LoginDisabled)})
		return User{}, loginError(LoginDisabled, time.Time{}, "account %s is disabled", name)
	}
	u, err = a.recordSuccess(ctx, name, now, password, u.PasswordHash, h)
	if err != nil {
		return User{}, fmt.Errorf("sign in %s: %w", name, err)
	}
	// A sign-in the trail does not hold does not happen.
	if err := audit(OutcomeSuccess, map[string]string{}); err != nil {
		return User{}, unrecorded(AuditLogin, "user/"+name, err)
	}
	return u, nil
}

// acquireHash waits for one of the Config.MaxConcurrentHashes slots.
func (a *Accounts) acquireHash(ctx context.Context) (func(), error) {
	select {
	case a.slots <- struct{}{}:
		return func() { <-a.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait to hash a password: %w", ctx.Err())
	}
}

// verify checks a password against the user's hash; an account without a
// password costs a dummy hash and never matches.
func (a *Accounts) verify(u User, password string) (bool, Hash, error) {
	if u.PasswordHash == "" {
		a.verifyDummy(password)
		return false, Hash{}, nil
	}
	ok, h, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return false, Hash{}, fmt.Errorf("stored hash of %s: %w", u.Name, err)
	}
	return ok, h, nil
}

// verifyDummy spends the time of a real verification.
func (a *Accounts) verifyDummy(password string) {
	a.dummyOnce.Do(func() {
		h, err := HashPassword("raqib dummy password", a.cfg.Hash, a.cfg.Rand)
		if err != nil {
			a.logger.Error("dummy hash failed", "err", err)
			return
		}
		a.dummy = h
	})
	if a.dummy != "" {
		_, _, _ = VerifyPassword(a.dummy, password)
	}
}

// maxUpdateRetries bounds the retries of a read-modify-write of a user
// that lost a race.
const maxUpdateRetries = 8

// updateUser reads a user, applies fn and writes it back, retrying when a
// concurrent change wins. fn may refuse with an error.
func (a *Accounts) updateUser(ctx context.Context, name string, fn func(*User) error) (User, error) {
	for range maxUpdateRetries {
		u, err := a.store.User(ctx, name)
		if err != nil {
			return User{}, err
		}
		if err := fn(&u); err != nil {
			return User{}, err
		}
		out, err := a.store.UpdateUser(ctx, u)
		if errs.Is(err, errs.Conflict) {
			continue
		}
		return out, err
	}
	return User{}, errs.E(errs.Unavailable, "user %s: changed concurrently too often; try again", name)
}

// recordFailure counts a wrong password and returns the end of the lock it
// caused, zero if none.
func (a *Accounts) recordFailure(ctx context.Context, name string, now time.Time) (time.Time, error) {
	var locked time.Time
	_, err := a.updateUser(ctx, name, func(u *User) error {
		locked = time.Time{}
		l := &u.Login
		if l.Failures == 0 || !now.Before(l.FirstFailure.Add(a.cfg.FailureWindow)) {
			l.Failures, l.FirstFailure = 0, now
		}
		l.Failures++
		if l.Failures >= a.cfg.MaxFailures {
			l.LockedUntil, l.Failures, l.FirstFailure = now.Add(a.cfg.LockFor), 0, time.Time{}
			locked = l.LockedUntil
		}
		return nil
	})
	return locked, err
}

// recordSuccess clears the failures, stamps the sign-in and rehashes a
// password whose hash (verified) has other parameters than the configured
// ones, unless the password changed meanwhile.
func (a *Accounts) recordSuccess(ctx context.Context, name string, now time.Time, password, verified string, h Hash) (User, error) {
	rehash := ""
	if h.Params != a.cfg.Hash {
		var err error
		if rehash, err = HashPassword(password, a.cfg.Hash, a.cfg.Rand); err != nil {
			return User{}, err
		}
	}
	return a.updateUser(ctx, name, func(u *User) error {
		u.Login = LoginState{LastLogin: now}
		if rehash != "" && u.PasswordHash == verified {
			u.PasswordHash = rehash
		}
		return nil
	})
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
