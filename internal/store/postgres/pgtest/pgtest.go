// Package pgtest gives tests a private, empty PostgreSQL schema on the
// server that RAQIB_TEST_POSTGRES names.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable that holds the test server's URL,
// for example postgres://raqib:raqib@127.0.0.1:5432/raqib_test?sslmode=disable.
const EnvDSN = "RAQIB_TEST_POSTGRES"

// Require returns RAQIB_TEST_POSTGRES. Without it the test is skipped,
// or fails when CI is set: CI runs the PostgreSQL tests.
func Require(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDSN)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(EnvDSN + " must be set under CI")
		}
		t.Skip(EnvDSN + " is not set: skipping the PostgreSQL tests (see docs/postgres.md)")
	}
	return base
}

// DSN returns the URL of a new schema, dropped when the test ends, that
// is first on the connections' search_path (public, where PostGIS lives,
// follows it). Without RAQIB_TEST_POSTGRES the test is skipped, or fails
// when CI is set.
func DSN(t testing.TB) string {
	t.Helper()
	base := Require(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s: want a postgres:// URL", EnvDSN)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvDSN, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}
