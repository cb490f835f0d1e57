package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"raqib/internal/store/sqlite"
	"raqib/internal/store/storetest"
	"raqib/internal/theater"
)

func open(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "raqib.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.TheaterState(t, func(t *testing.T) theater.StateStore { return open(t) })
}

func TestMigrationsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "raqib.db")
	for i := 0; i < 2; i++ {
		db, err := sqlite.Open(ctx, path, nil)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("schema version %d %v", v, err)
		}
		db.Close()
	}
}

func TestPragmas(t *testing.T) {
	db := open(t)
	got := db.Pragmas(context.Background())
	want := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("pragma %s = %q, want %q", k, got[k], v)
		}
	}
}

func TestMemory(t *testing.T) {
	db, err := sqlite.Open(context.Background(), ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}
