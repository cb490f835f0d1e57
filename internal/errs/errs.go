// Package errs holds Raqib's one coded error type. Every layer wraps with
// context using %w; the API maps codes to HTTP statuses in one table and
// shows only the message, never a driver's text.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers and for the API.
type Code string

// The short list of codes. Add one only when a caller must act differently.
const (
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Unauthorized Code = "unauthorized"
	Forbidden    Code = "forbidden"
	Unavailable  Code = "unavailable"
	TooLarge     Code = "too_large"
	Internal     Code = "internal"
)

// Codes lists every code, in a stable order (used by the API's table test).
var Codes = []Code{Invalid, NotFound, Conflict, Unauthorized, Forbidden, Unavailable, TooLarge, Internal}

// Error is an application error with a code and a message safe to show to
// the user.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// E returns an *Error with the code and a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// MessageOf returns the user-facing message of err: the message of its
// *Error, or a generic text for anything else so internal details never
// reach a client.
func MessageOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
