package postgres_test

import (
	"testing"

	"raqib/internal/auth"
	"raqib/internal/store/postgres/pgtest"
	"raqib/internal/store/storetest"
)

func TestAuthConformance(t *testing.T) {
	pgtest.Require(t)
	storetest.Auth(t, func(t *testing.T) auth.Store { return open(t) })
}
