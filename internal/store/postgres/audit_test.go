package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"raqib/internal/auth/audit"
	"raqib/internal/store/postgres"
	"raqib/internal/store/postgres/pgtest"
	"raqib/internal/store/storetest"
)

func TestAuditConformance(t *testing.T) {
	pgtest.Require(t)
	storetest.Audit(t, func(t *testing.T) audit.Store { return open(t) })
}

// TestAuditConcurrentAppendsAcrossPools appends through several
// connection pools on one schema at once, as several servers would: the
// advisory lock must queue them so the chain never forks.
func TestAuditConcurrentAppendsAcrossPools(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	const pools, each = 4, 30
	dbs := make([]*postgres.DB, pools)
	for i := range dbs {
		db, err := postgres.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	t0 := time.Date(2026, 3, 1, 6, 0, 0, 123456789, time.UTC)
	var wg sync.WaitGroup
	errc := make(chan error, pools)
	for w, db := range dbs {
		wg.Go(func() {
			for i := range each {
				e := audit.Entry{Actor: fmt.Sprintf("op%d", w), Action: "test.append", Outcome: audit.OutcomeOK,
					Object: fmt.Sprint(i)}
				_, err := db.AppendAudit(ctx, e, func(e *audit.Entry) error {
					e.Time = t0.Add(time.Duration(e.Seq))
					e.Hash = audit.HashEntry(e)
					return nil
				})
				if err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	var prev audit.Hash
	n := uint64(0)
	err := dbs[0].ScanAudit(ctx, 0, func(e audit.Entry) error {
		n++
		if e.Seq != n || e.PrevHash != prev || e.Hash != audit.HashEntry(&e) {
			return fmt.Errorf("entry %d (position %d) does not extend the chain", e.Seq, n)
		}
		prev = e.Hash
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != pools*each {
		t.Fatalf("%d entries, want %d", n, pools*each)
	}
}
