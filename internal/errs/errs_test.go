package errs_test

import (
	"errors"
	"fmt"
	"testing"

	"raqib/internal/errs"
)

func TestCodeAndMessage(t *testing.T) {
	base := errs.E(errs.NotFound, "unknown sector %q", "S99")
	wrapped := fmt.Errorf("get sector: %w", base)
	cases := []struct {
		err  error
		code errs.Code
		msg  string
	}{
		{nil, "", ""},
		{base, errs.NotFound, `unknown sector "S99"`},
		{wrapped, errs.NotFound, `unknown sector "S99"`},
		{errors.New("pq: relation does not exist"), errs.Internal, "internal error"},
		{fmt.Errorf("op: %w: %w", errs.E(errs.Conflict, "already exists"), errors.New("driver text")), errs.Conflict, "already exists"},
	}
	for _, tc := range cases {
		if got := errs.CodeOf(tc.err); got != tc.code {
			t.Errorf("CodeOf(%v) = %q, want %q", tc.err, got, tc.code)
		}
		if got := errs.MessageOf(tc.err); got != tc.msg {
			t.Errorf("MessageOf(%v) = %q, want %q", tc.err, got, tc.msg)
		}
	}
	if !errs.Is(wrapped, errs.NotFound) || errs.Is(wrapped, errs.Invalid) || errs.Is(nil, errs.Internal) {
		t.Error("Is disagrees with CodeOf")
	}
	if base.Error() != `not_found: unknown sector "S99"` {
		t.Errorf("Error() = %q", base.Error())
	}
}
