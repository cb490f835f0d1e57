package postgres_test

import (
	"context"
	"testing"

	"raqib/internal/errs"
	"raqib/internal/store/postgres"
	"raqib/internal/store/postgres/pgtest"
	"raqib/internal/store/storetest"
	"raqib/internal/theater"
)

// open returns a migrated store in a fresh schema.
func open(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.DSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	pgtest.Require(t)
	storetest.TheaterState(t, func(t *testing.T) theater.StateStore { return open(t) })
}

func TestMigrationsIdempotent(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	for i := 0; i < 2; i++ {
		db, err := postgres.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil || v < 4 {
			t.Fatalf("schema version %d %v", v, err)
		}
		db.Close()
	}
}

func TestOpenRefusesBadURL(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range []string{"", "postgres://%zz"} {
		if _, err := postgres.Open(ctx, dsn, nil); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Open(%q) = %v, want invalid", dsn, err)
		}
	}
}

func TestOpenUnreachable(t *testing.T) {
	ctx := context.Background()
	// Port 1 on the loopback refuses at once.
	_, err := postgres.Open(ctx, "postgres://raqib@127.0.0.1:1/raqib?sslmode=disable&connect_timeout=2", nil)
	if errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("Open on a closed port = %v (code %q), want unavailable", err, errs.CodeOf(err))
	}
}
