package auth

import (
	"time"
	"unicode/utf8"

	"raqib/internal/errs"
)

// User is an account: a person, or a sensor or program that signs in with
// API tokens only.
type User struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Force       Force     `json:"force"`
	Roles       []Role    `json:"roles"` // sorted, without duplicates
	Sectors     Sectors   `json:"sectors"`
	Clearance   Clearance `json:"clearance"`
	// PasswordHash is the argon2id hash string; empty for an account that
	// cannot sign in with a password.
	PasswordHash string `json:"-"`
	// MustChange is set for one-time and reset passwords.
	MustChange bool       `json:"must_change"`
	Disabled   bool       `json:"disabled"`
	Login      LoginState `json:"login"`
	Created    time.Time  `json:"created"`
	Updated    time.Time  `json:"updated"`
	// Version counts the stored record's changes; UpdateUser refuses a
	// record whose version is not the stored one.
	Version int64 `json:"version"`
}

// LoginState is the sign-in record of a user: failures within the current
// window, the lock they caused, the last success.
type LoginState struct {
	Failures     int       `json:"failures"`
	FirstFailure time.Time `json:"first_failure"` // start of the window; zero if none
	LockedUntil  time.Time `json:"locked_until"`  // zero if never locked
	LastLogin    time.Time `json:"last_login"`    // zero if never
}

// Locked reports whether the account is locked at now.
func (l LoginState) Locked(now time.Time) bool { return now.Before(l.LockedUntil) }

// NewUser is what an administrator supplies to add an account. Roles,
// sectors and clearance are granted afterwards, under dual control.
type NewUser struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Force       Force  `json:"force"`
	// Password is the initial password, which the user must change at the
	// first sign-in; empty for an account that signs in with API tokens
	// only.
	Password string `json:"password"`
}

// validate checks the fields of a new user.
func (n NewUser) validate() error {
	if err := ValidateName(n.Name); err != nil {
		return err
	}
	if err := validateDisplayName(n.DisplayName); err != nil {
		return err
	}
	if !n.Force.Valid() {
		return errs.E(errs.Invalid, "force: %q is not one of %v", n.Force, Forces)
	}
	if n.Password != "" {
		return CheckPassword(n.Name, n.Password)
	}
	return nil
}

func validateDisplayName(s string) error {
	if len(s) > MaxDisplayNameLen {
		return errs.E(errs.Invalid, "display_name: %d bytes, at most %d", len(s), MaxDisplayNameLen)
	}
	if !utf8.ValidString(s) {
		return errs.E(errs.Invalid, "display_name: not valid UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return errs.E(errs.Invalid, "display_name: contains a control character")
		}
	}
	return nil
}
