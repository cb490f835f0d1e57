package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"raqib/internal/errs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestTranslate(t *testing.T) {
	cases := []struct {
		err  error
		code errs.Code
	}{
		{&pgconn.PgError{Code: sqlUniqueViolation}, errs.Conflict},
		{&pgconn.PgError{Code: sqlForeignKeyViolation}, errs.Invalid},
		{&pgconn.PgError{Code: sqlCheckViolation}, errs.Invalid},
		{&pgconn.PgError{Code: sqlNotNullViolation}, errs.Invalid},
		{&pgconn.PgError{Code: sqlAppendOnly}, errs.Conflict},
		{&pgconn.PgError{Code: sqlNotExtending}, errs.Conflict},
		{&pgconn.PgError{Code: sqlSerialization}, errs.Unavailable},
		{&pgconn.PgError{Code: sqlDeadlock}, errs.Unavailable},
		{&pgconn.PgError{Code: sqlDiskFull}, errs.Unavailable},
		{&pgconn.PgError{Code: "08006"}, errs.Unavailable},
		{&pgconn.PgError{Code: "42P01"}, errs.Internal},
		{fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: sqlUniqueViolation}), errs.Conflict},
		{pgx.ErrNoRows, errs.NotFound},
		{errs.E(errs.Invalid, "bad"), errs.Invalid},
	}
	for _, tc := range cases {
		err := translate("op", tc.err)
		if got := errs.CodeOf(err); got != tc.code {
			t.Errorf("translate(%v) code %q, want %q", tc.err, got, tc.code)
		}
	}
	if err := translate("op", nil); err != nil {
		t.Errorf("translate(nil) = %v", err)
	}
	if err := translate("op", context.Canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("translate(canceled) = %v, want it kept", err)
	}
	// The user's message carries no driver text.
	err := translate("create user", &pgconn.PgError{Code: sqlUniqueViolation, Message: "duplicate key value violates unique constraint \"users_pkey\""})
	var coded *errs.Error
	if !errors.As(err, &coded) || coded.Message != "create user: already exists" {
		t.Errorf("coded message = %+v", coded)
	}
}
