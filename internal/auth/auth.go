// Package auth holds Raqib's accounts, roles, sessions, API tokens, the
// authorization policy and dual control.
//
// Who is acting travels in the request context as a Principal
// (WithPrincipal, PrincipalFrom); services call Authorize(ctx, action,
// sector) before they act. The policy is one table, Matrix, documented in
// docs/security.md. Changes that raise privileges go through Requests: one
// principal proposes, a different one allowed the same action approves,
// and only then is the change applied.
//
// The package declares the Store it needs; internal/store/sqlite
// implements it and internal/store/storetest checks implementations.
package auth

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"time"

	"raqib/internal/errs"
)

// Config tunes the services. Zero fields take the defaults.
type Config struct {
	// Hash are the argon2id parameters of new password hashes.
	Hash Params // DefaultParams()
	// MaxFailures wrong passwords within FailureWindow lock an account for
	// LockFor.
	MaxFailures   int           // 5
	FailureWindow time.Duration // 15m
	LockFor       time.Duration // 15m
	// AddrMaxFailures failed sign-ins from one remote address within
	// AddrWindow refuse further attempts from it until the window ends;
	// AddrEntries bounds the addresses remembered.
	AddrMaxFailures int           // 20
	AddrWindow      time.Duration // 15m
	AddrEntries     int           // 10000
	// MaxConcurrentHashes bounds the password hashes computed at once
	// (each takes Hash.Memory KiB).
	MaxConcurrentHashes int // 2
	// SessionIdle and SessionAbsolute end a session that was not used for
	// SessionIdle or that began SessionAbsolute ago.
	SessionIdle     time.Duration // 12h
	SessionAbsolute time.Duration // 24h
	// TouchEvery is how stale a session's or token's last-use time may get
	// before a request writes it (the precision of the idle timeout).
	TouchEvery time.Duration // 1m
	// TokenMaxTTL bounds an API token's lifetime.
	TokenMaxTTL time.Duration // 366 days
	// RequestTTL is how long a dual-control request may wait for approval.
	RequestTTL time.Duration // 24h
	// SectorForce, if set, says which force holds a sector and whether the
	// sector exists. Granting then refuses unknown sectors, sectors of
	// another force (except to joc accounts) and every sector (except to
	// joc accounts).
	SectorForce func(sector string) (Force, bool)
	// Now is the clock; Rand the source of salts, tokens and passwords.
	Now  func() time.Time
	Rand io.Reader
}

// The defaults.
const (
	DefaultMaxFailures         = 5
	DefaultFailureWindow       = 15 * time.Minute
	DefaultLockFor             = 15 * time.Minute
	DefaultAddrMaxFailures     = 20
	DefaultAddrWindow          = 15 * time.Minute
	DefaultAddrEntries         = 10000
	DefaultMaxConcurrentHashes = 2
	DefaultSessionIdle         = 12 * time.Hour
	DefaultSessionAbsolute     = 24 * time.Hour
	DefaultTouchEvery          = time.Minute
	DefaultTokenMaxTTL         = 366 * 24 * time.Hour
	DefaultRequestTTL          = 24 * time.Hour
)

func (c Config) withDefaults() Config {
	if c.Hash == (Params{}) {
		c.Hash = DefaultParams()
	}
	setDefault(&c.MaxFailures, DefaultMaxFailures)
	setDefault(&c.FailureWindow, DefaultFailureWindow)
	setDefault(&c.LockFor, DefaultLockFor)
	setDefault(&c.AddrMaxFailures, DefaultAddrMaxFailures)
	setDefault(&c.AddrWindow, DefaultAddrWindow)
	setDefault(&c.AddrEntries, DefaultAddrEntries)
	setDefault(&c.MaxConcurrentHashes, DefaultMaxConcurrentHashes)
	setDefault(&c.SessionIdle, DefaultSessionIdle)
	setDefault(&c.SessionAbsolute, DefaultSessionAbsolute)
	setDefault(&c.TouchEvery, DefaultTouchEvery)
	setDefault(&c.TokenMaxTTL, DefaultTokenMaxTTL)
	setDefault(&c.RequestTTL, DefaultRequestTTL)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	return c
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// Validate checks the configuration after defaults are applied.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := c.Hash.Validate(); err != nil {
		return fmt.Errorf("auth config: hash: %w", err)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"max_failures", c.MaxFailures}, {"addr_max_failures", c.AddrMaxFailures}, {"addr_entries", c.AddrEntries},
		{"max_concurrent_hashes", c.MaxConcurrentHashes}} {
		if f.v < 1 {
			return errs.E(errs.Invalid, "auth config: %s: %d, want at least 1", f.name, f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"failure_window", c.FailureWindow}, {"lock_for", c.LockFor}, {"addr_window", c.AddrWindow},
		{"session_idle", c.SessionIdle}, {"session_absolute", c.SessionAbsolute}, {"touch_every", c.TouchEvery},
		{"token_max_ttl", c.TokenMaxTTL}, {"request_ttl", c.RequestTTL}} {
		if f.v <= 0 {
			return errs.E(errs.Invalid, "auth config: %s: %v, want a positive duration", f.name, f.v)
		}
	}
	if c.SessionIdle > c.SessionAbsolute {
		return errs.E(errs.Invalid, "auth config: session_idle: %v is longer than session_absolute %v", c.SessionIdle, c.SessionAbsolute)
	}
	if c.TouchEvery >= c.SessionIdle {
		return errs.E(errs.Invalid, "auth config: touch_every: %v, want less than session_idle %v", c.TouchEvery, c.SessionIdle)
	}
	return nil
}

// Service bundles the services over one store, with the account kinds of
// dual-control request registered.
type Service struct {
	Accounts *Accounts
	Sessions *Sessions
	Tokens   *Tokens
	Requests *Requests
}

// New returns the services. auditor and logger may be nil.
func New(store Store, auditor Auditor, cfg Config, logger *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "auth")
	if cfg.Hash.Memory < 19*1024 { // the least OWASP recommends for argon2id
		logger.Warn("password hash parameters are weak", "m", cfg.Hash.Memory, "t", cfg.Hash.Time, "p", cfg.Hash.Threads)
	}
	rec := &recorder{auditor: auditor, now: cfg.Now, logger: logger}
	sessions := &Sessions{store: store, cfg: cfg, rec: rec, logger: logger}
	requests := &Requests{store: store, cfg: cfg, rec: rec, logger: logger, handlers: map[Kind]Handler{}}
	accounts := &Accounts{
		store: store, cfg: cfg, rec: rec, logger: logger, sessions: sessions, requests: requests,
		limiter: newAddrLimiter(cfg.AddrMaxFailures, cfg.AddrWindow, cfg.AddrEntries),
		slots:   make(chan struct{}, cfg.MaxConcurrentHashes),
	}
	if err := accounts.registerKinds(); err != nil {
		return nil, err
	}
	tokens := &Tokens{store: store, cfg: cfg, rec: rec, logger: logger}
	return &Service{Accounts: accounts, Sessions: sessions, Tokens: tokens, Requests: requests}, nil
}
