package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/auth/audit"
	"raqib/internal/errs"
	"raqib/internal/geo"
	"raqib/internal/rules"
	"raqib/internal/store/postgres/pgtest"
	"raqib/internal/theater"

	"github.com/jackc/pgx/v5"
)

func openInternal(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), pgtest.DSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestAppendOnly checks that the triggers refuse to change or remove the
// audit trail and the alert history, and that the refusal is a conflict.
func TestAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := openInternal(t)
	t0 := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	seal := func(e *audit.Entry) error {
		e.Time = t0
		e.Hash = audit.HashEntry(e)
		return nil
	}
	if _, err := db.AppendAudit(ctx, audit.Entry{Actor: "op1", Action: "a", Outcome: audit.OutcomeOK}, seal); err != nil {
		t.Fatal(err)
	}
	if err := db.AddAuditCheckpoint(ctx, audit.Checkpoint{Size: 1, Time: t0, Note: "n"}); err != nil {
		t.Fatal(err)
	}
	a := alert.Alert{Key: "k", Rule: rules.RuleInbound, Severity: rules.SeverityHigh, State: alert.StateNew,
		Track: "T1", Position: geo.LatLon{Lat: 34.38, Lon: 40.95}, Raised: t0, Updated: t0}
	if _, err := db.ApplyAlerts(ctx, []alert.Change{{Kind: alert.KindRaised, At: t0, Alert: a}}, 1); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"UPDATE audit_entries SET actor = 'mallory'",
		"DELETE FROM audit_entries",
		"TRUNCATE audit_entries",
		"UPDATE audit_checkpoints SET note = 'x'",
		"DELETE FROM audit_checkpoints",
		"UPDATE alert_changes SET by_user = 'mallory'",
		"DELETE FROM alert_changes",
		// An entry that does not extend the chain.
		`INSERT INTO audit_entries (seq, at, actor, action, outcome, prev_hash, hash)
			VALUES (5, 0, 'm', 'a', 'ok', '\x` + zeros(64) + `', '\x` + zeros(64) + `')`,
		`INSERT INTO audit_entries (seq, at, actor, action, outcome, prev_hash, hash)
			VALUES (2, 0, 'm', 'a', 'ok', '\x` + zeros(64) + `', '\x` + zeros(64) + `')`,
	} {
		_, err := db.pool.Exec(ctx, stmt)
		if code := errs.CodeOf(translate("tamper", err)); code != errs.Conflict {
			t.Errorf("%s: %v (code %q), want a conflict", stmt, err, code)
		}
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

// TestAlertPositionGeography checks that an alert's position is kept as a
// PostGIS geography that agrees with its lat/lon and that the GiST index
// answers a distance query.
func TestAlertPositionGeography(t *testing.T) {
	ctx := context.Background()
	db := openInternal(t)
	t0 := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	var changes []alert.Change
	for i, p := range []geo.LatLon{{Lat: 34.3790, Lon: 40.9990}, {Lat: 36.8067, Lon: 42.0861}} {
		a := alert.Alert{Key: string(rune('a' + i)), Rule: rules.RuleInbound, Severity: rules.SeverityHigh,
			State: alert.StateNew, Track: "T1", Position: p, Raised: t0, Updated: t0}
		changes = append(changes, alert.Change{Kind: alert.KindRaised, At: t0, Alert: a})
	}
	stored, err := db.ApplyAlerts(ctx, changes, 2)
	if err != nil {
		t.Fatal(err)
	}
	var lat, lon float64
	err = db.pool.QueryRow(ctx, "SELECT ST_Y(position::geometry), ST_X(position::geometry) FROM alerts WHERE id = $1",
		stored[0].ID).Scan(&lat, &lon)
	if err != nil || lat != 34.3790 || lon != 40.9990 {
		t.Fatalf("position = %v %v (%v), want 34.379 40.999", lat, lon, err)
	}
	// al-Qa'im to within 1 km finds only the first.
	rows, err := db.pool.Query(ctx, `SELECT id FROM alerts
		WHERE ST_DWithin(position, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, 1000) ORDER BY id`, 40.995, 34.38)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != stored[0].ID {
		t.Fatalf("alerts within 1 km = %v, want [%d]", ids, stored[0].ID)
	}
}

// TestHistoryAppendsSerialised appends to one crossing from several pools
// at once: each append either extends the history or is refused as a
// conflict, so in insertion order the times only grow.
func TestHistoryAppendsSerialised(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	const pools, each = 4, 20
	dbs := make([]*DB, pools)
	for i := range dbs {
		db, err := Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	t0 := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for w, db := range dbs {
		wg.Go(func() {
			for i := range each {
				// Interleaved times: the pools race for the same slots.
				at := t0.Add(time.Duration(i*pools+(pools-1-w)) * time.Second)
				err := db.AddCrossingChange(ctx, theater.CrossingChange{CrossingID: "X1", Status: "open", At: at})
				switch errs.CodeOf(err) {
				case "":
					mu.Lock()
					ok++
					mu.Unlock()
				case errs.Conflict:
				default:
					t.Errorf("append: %v", err)
				}
			}
		})
	}
	wg.Wait()
	rows, err := dbs[0].pool.Query(ctx, "SELECT at FROM crossing_status WHERE crossing_id = 'X1' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	ats, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	if len(ats) != ok || ok == 0 {
		t.Fatalf("%d entries stored, %d appends succeeded", len(ats), ok)
	}
	for i := 1; i < len(ats); i++ {
		if ats[i] <= ats[i-1] {
			t.Fatalf("entry %d at %d follows one at %d: a stale check let it in", i, ats[i], ats[i-1])
		}
	}
}
