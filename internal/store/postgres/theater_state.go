package postgres

import (
	"context"
	"slices"
	"time"

	"raqib/internal/errs"
	"raqib/internal/theater"

	"github.com/jackc/pgx/v5"
)

var _ theater.StateStore = (*DB)(nil)

func unixNano(t time.Time) int64 { return t.UTC().UnixNano() }

func fromUnixNano(n int64) time.Time { return time.Unix(0, n).UTC() }

// history describes one append-only history table: the crossing statuses
// or the barrier progress entries.
type history[T any] struct {
	what   string // "crossing", "barrier": for messages
	table  string
	idCol  string
	id     func(T) string
	at     func(T) time.Time
	valid  func(T) error
	insert func(context.Context, pgx.Tx, T) error
}

var crossingHistory = history[theater.CrossingChange]{
	what: "crossing", table: "crossing_status", idCol: "crossing_id",
	id:     func(c theater.CrossingChange) string { return c.CrossingID },
	at:     func(c theater.CrossingChange) time.Time { return c.At },
	valid:  validCrossingChange,
	insert: insertCrossing,
}

var barrierHistory = history[theater.BarrierChange]{
	what: "barrier", table: "barrier_progress", idCol: "barrier_id",
	id:     func(c theater.BarrierChange) string { return c.BarrierID },
	at:     func(c theater.BarrierChange) time.Time { return c.At },
	valid:  validBarrierChange,
	insert: insertBarrier,
}

// lockHistoryID serialises the writers of one id's history until the
// transaction ends, so a check of the newest entry holds until the insert.
func lockHistoryID(ctx context.Context, tx pgx.Tx, table, id string) error {
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", lockHistory, table+":"+id)
	return err
}

// seedHistory stores the entries of every id that has no history yet, in
// one transaction; one invalid entry refuses the whole seed.
func seedHistory[T any](ctx context.Context, db *DB, h history[T], seed []T) (int, error) {
	n := 0
	for _, c := range seed {
		if err := h.valid(c); err != nil {
			return 0, err
		}
	}
	// Lock the ids in sorted order, so that two seeds never wait for each
	// other's locks.
	var ids []string
	seeded := map[string]bool{}
	for _, c := range seed {
		if _, ok := seeded[h.id(c)]; !ok {
			seeded[h.id(c)] = false
			ids = append(ids, h.id(c))
		}
	}
	slices.Sort(ids)
	err := db.inTx(ctx, "seed "+h.what+" history", func(tx pgx.Tx) error {
		for _, id := range ids {
			if err := lockHistoryID(ctx, tx, h.table, id); err != nil {
				return err
			}
			var has bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+h.table+" WHERE "+h.idCol+" = $1)", id).Scan(&has); err != nil {
				return err
			}
			seeded[id] = has
		}
		for _, c := range seed {
			if seeded[h.id(c)] {
				continue
			}
			if err := h.insert(ctx, tx, c); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// appendHistory appends one entry, refusing one not newer than the newest.
func appendHistory[T any](ctx context.Context, db *DB, h history[T], c T) error {
	if err := h.valid(c); err != nil {
		return err
	}
	return db.inTx(ctx, "add "+h.what+" history", func(tx pgx.Tx) error {
		if err := lockHistoryID(ctx, tx, h.table, h.id(c)); err != nil {
			return err
		}
		var newest *int64
		if err := tx.QueryRow(ctx, "SELECT max(at) FROM "+h.table+" WHERE "+h.idCol+" = $1", h.id(c)).Scan(&newest); err != nil {
			return err
		}
		if newest != nil && unixNano(h.at(c)) <= *newest {
			return errs.E(errs.Conflict, "%s %s: an entry at or after %s already exists",
				h.what, h.id(c), fromUnixNano(*newest).Format(time.RFC3339))
		}
		return h.insert(ctx, tx, c)
	})
}

// SeedCrossings stores the seed history of crossings that have none.
func (db *DB) SeedCrossings(ctx context.Context, seed []theater.CrossingChange) (int, error) {
	return seedHistory(ctx, db, crossingHistory, seed)
}

// AddCrossingChange appends one status entry to a crossing's history.
func (db *DB) AddCrossingChange(ctx context.Context, c theater.CrossingChange) error {
	return appendHistory(ctx, db, crossingHistory, c)
}

func validCrossingChange(c theater.CrossingChange) error {
	switch {
	case c.CrossingID == "":
		return errs.E(errs.Invalid, "crossing_id is empty")
	case !c.Status.Valid():
		return errs.E(errs.Invalid, "status: %q is not one of %v", c.Status, theater.CrossingStatuses)
	case c.At.IsZero():
		return errs.E(errs.Invalid, "at: time is missing")
	}
	return nil
}

func insertCrossing(ctx context.Context, tx pgx.Tx, c theater.CrossingChange) error {
	_, err := tx.Exec(ctx,
		"INSERT INTO crossing_status (crossing_id, status, note, at, by_user) VALUES ($1, $2, $3, $4, $5)",
		c.CrossingID, string(c.Status), c.Note, unixNano(c.At), c.By)
	return err
}

const crossingColumns = "crossing_id, status, note, at, by_user"

func scanCrossings(rows pgx.Rows) ([]theater.CrossingChange, error) {
	defer rows.Close()
	var out []theater.CrossingChange
	for rows.Next() {
		var c theater.CrossingChange
		var at int64
		if err := rows.Scan(&c.CrossingID, &c.Status, &c.Note, &at, &c.By); err != nil {
			return nil, err
		}
		c.At = fromUnixNano(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CrossingHistory returns a crossing's history, oldest first.
func (db *DB) CrossingHistory(ctx context.Context, crossingID string) ([]theater.CrossingChange, error) {
	rows, err := db.pool.Query(ctx,
		"SELECT "+crossingColumns+" FROM crossing_status WHERE crossing_id = $1 ORDER BY at", crossingID)
	if err != nil {
		return nil, translate("crossing history", err)
	}
	out, err := scanCrossings(rows)
	if err != nil {
		return nil, translate("crossing history", err)
	}
	return out, nil
}

// CurrentCrossings returns the newest entry of every crossing.
func (db *DB) CurrentCrossings(ctx context.Context) (map[string]theater.CrossingChange, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT ON (crossing_id) `+crossingColumns+`
		FROM crossing_status ORDER BY crossing_id, at DESC`)
	if err != nil {
		return nil, translate("current crossings", err)
	}
	list, err := scanCrossings(rows)
	if err != nil {
		return nil, translate("current crossings", err)
	}
	out := make(map[string]theater.CrossingChange, len(list))
	for _, c := range list {
		out[c.CrossingID] = c
	}
	return out, nil
}

// SeedBarriers stores the seed history of barriers that have none.
func (db *DB) SeedBarriers(ctx context.Context, seed []theater.BarrierChange) (int, error) {
	return seedHistory(ctx, db, barrierHistory, seed)
}

// AddBarrierChange appends one progress entry to a barrier's history.
func (db *DB) AddBarrierChange(ctx context.Context, c theater.BarrierChange) error {
	return appendHistory(ctx, db, barrierHistory, c)
}

func validBarrierChange(c theater.BarrierChange) error {
	switch {
	case c.BarrierID == "":
		return errs.E(errs.Invalid, "barrier_id is empty")
	case !c.Status.Valid():
		return errs.E(errs.Invalid, "status: %q is not one of %v", c.Status, theater.BarrierStatuses)
	case !(c.ProgressPct >= 0 && c.ProgressPct <= 100):
		return errs.E(errs.Invalid, "progress_pct: %v is out of range [0, 100]", c.ProgressPct)
	case c.At.IsZero():
		return errs.E(errs.Invalid, "at: time is missing")
	}
	return nil
}

func insertBarrier(ctx context.Context, tx pgx.Tx, c theater.BarrierChange) error {
	_, err := tx.Exec(ctx,
		"INSERT INTO barrier_progress (barrier_id, status, progress_pct, note, at, by_user) VALUES ($1, $2, $3, $4, $5, $6)",
		c.BarrierID, string(c.Status), c.ProgressPct, c.Note, unixNano(c.At), c.By)
	return err
}

const barrierColumns = "barrier_id, status, progress_pct, note, at, by_user"

func scanBarriers(rows pgx.Rows) ([]theater.BarrierChange, error) {
	defer rows.Close()
	var out []theater.BarrierChange
	for rows.Next() {
		var c theater.BarrierChange
		var at int64
		if err := rows.Scan(&c.BarrierID, &c.Status, &c.ProgressPct, &c.Note, &at, &c.By); err != nil {
			return nil, err
		}
		c.At = fromUnixNano(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// BarrierHistory returns a barrier's progress history, oldest first.
func (db *DB) BarrierHistory(ctx context.Context, barrierID string) ([]theater.BarrierChange, error) {
	rows, err := db.pool.Query(ctx,
		"SELECT "+barrierColumns+" FROM barrier_progress WHERE barrier_id = $1 ORDER BY at", barrierID)
	if err != nil {
		return nil, translate("barrier history", err)
	}
	out, err := scanBarriers(rows)
	if err != nil {
		return nil, translate("barrier history", err)
	}
	return out, nil
}

// CurrentBarriers returns the newest entry of every barrier.
func (db *DB) CurrentBarriers(ctx context.Context) (map[string]theater.BarrierChange, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT ON (barrier_id) `+barrierColumns+`
		FROM barrier_progress ORDER BY barrier_id, at DESC`)
	if err != nil {
		return nil, translate("current barriers", err)
	}
	list, err := scanBarriers(rows)
	if err != nil {
		return nil, translate("current barriers", err)
	}
	out := make(map[string]theater.BarrierChange, len(list))
	for _, c := range list {
		out[c.BarrierID] = c
	}
	return out, nil
}
