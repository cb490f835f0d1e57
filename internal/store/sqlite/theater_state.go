package sqlite

import (
	"context"
	"database/sql"
	"time"

	"raqib/internal/errs"
	"raqib/internal/theater"
)

var _ theater.StateStore = (*DB)(nil)

func unixNano(t time.Time) int64 { return t.UTC().UnixNano() }

func fromUnixNano(n int64) time.Time { return time.Unix(0, n).UTC() }

// SeedCrossings stores the seed history of crossings that have none.
func (db *DB) SeedCrossings(ctx context.Context, seed []theater.CrossingChange) (int, error) {
	n := 0
	err := db.inTx(ctx, "seed crossings", func(tx *sql.Tx) error {
		seeded := map[string]bool{}
		for _, c := range seed {
			if err := validCrossingChange(c); err != nil {
				return err
			}
			has, ok := seeded[c.CrossingID]
			if !ok {
				var count int
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM crossing_status WHERE crossing_id = ?", c.CrossingID).Scan(&count); err != nil {
					return err
				}
				has = count > 0
				seeded[c.CrossingID] = has
			}
			if has {
				continue
			}
			if err := insertCrossing(ctx, tx, c); err != nil {
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

// AddCrossingChange appends one status entry to a crossing's history.
func (db *DB) AddCrossingChange(ctx context.Context, c theater.CrossingChange) error {
	if err := validCrossingChange(c); err != nil {
		return err
	}
	return db.inTx(ctx, "add crossing status", func(tx *sql.Tx) error {
		var newest sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT max(at) FROM crossing_status WHERE crossing_id = ?", c.CrossingID).Scan(&newest); err != nil {
			return err
		}
		if newest.Valid && unixNano(c.At) <= newest.Int64 {
			return errs.E(errs.Conflict, "crossing %s: a status entry at or after %s already exists",
				c.CrossingID, fromUnixNano(newest.Int64).Format(time.RFC3339))
		}
		return insertCrossing(ctx, tx, c)
	})
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

func insertCrossing(ctx context.Context, tx *sql.Tx, c theater.CrossingChange) error {
	_, err := tx.ExecContext(ctx,
		"INSERT INTO crossing_status (crossing_id, status, note, at, by_user) VALUES (?, ?, ?, ?, ?)",
		c.CrossingID, c.Status, c.Note, unixNano(c.At), c.By)
	return err
}

const crossingColumns = "crossing_id, status, note, at, by_user"

func scanCrossings(rows *sql.Rows) ([]theater.CrossingChange, error) {
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
	rows, err := db.db.QueryContext(ctx,
		"SELECT "+crossingColumns+" FROM crossing_status WHERE crossing_id = ? ORDER BY at", crossingID)
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
	rows, err := db.db.QueryContext(ctx, `SELECT `+crossingColumns+` FROM crossing_status c
		WHERE at = (SELECT max(at) FROM crossing_status WHERE crossing_id = c.crossing_id)`)
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
	n := 0
	err := db.inTx(ctx, "seed barriers", func(tx *sql.Tx) error {
		seeded := map[string]bool{}
		for _, c := range seed {
			if err := validBarrierChange(c); err != nil {
				return err
			}
			has, ok := seeded[c.BarrierID]
			if !ok {
				var count int
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM barrier_progress WHERE barrier_id = ?", c.BarrierID).Scan(&count); err != nil {
					return err
				}
				has = count > 0
				seeded[c.BarrierID] = has
			}
			if has {
				continue
			}
			if err := insertBarrier(ctx, tx, c); err != nil {
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

// AddBarrierChange appends one progress entry to a barrier's history.
func (db *DB) AddBarrierChange(ctx context.Context, c theater.BarrierChange) error {
	if err := validBarrierChange(c); err != nil {
		return err
	}
	return db.inTx(ctx, "add barrier progress", func(tx *sql.Tx) error {
		var newest sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT max(at) FROM barrier_progress WHERE barrier_id = ?", c.BarrierID).Scan(&newest); err != nil {
			return err
		}
		if newest.Valid && unixNano(c.At) <= newest.Int64 {
			return errs.E(errs.Conflict, "barrier %s: a progress entry at or after %s already exists",
				c.BarrierID, fromUnixNano(newest.Int64).Format(time.RFC3339))
		}
		return insertBarrier(ctx, tx, c)
	})
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

func insertBarrier(ctx context.Context, tx *sql.Tx, c theater.BarrierChange) error {
	_, err := tx.ExecContext(ctx,
		"INSERT INTO barrier_progress (barrier_id, status, progress_pct, note, at, by_user) VALUES (?, ?, ?, ?, ?, ?)",
		c.BarrierID, c.Status, c.ProgressPct, c.Note, unixNano(c.At), c.By)
	return err
}

const barrierColumns = "barrier_id, status, progress_pct, note, at, by_user"

func scanBarriers(rows *sql.Rows) ([]theater.BarrierChange, error) {
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
	rows, err := db.db.QueryContext(ctx,
		"SELECT "+barrierColumns+" FROM barrier_progress WHERE barrier_id = ? ORDER BY at", barrierID)
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
	rows, err := db.db.QueryContext(ctx, `SELECT `+barrierColumns+` FROM barrier_progress b
		WHERE at = (SELECT max(at) FROM barrier_progress WHERE barrier_id = b.barrier_id)`)
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
