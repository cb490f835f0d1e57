package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"raqib/internal/auth/audit"
	"raqib/internal/errs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var _ audit.Store = (*DB)(nil)

const auditColumns = "seq, at, actor, force, action, object, sector, outcome, detail, prev_hash, hash"

// auditPage is how many rows a scan reads per query. Scans call back
// between queries, holding no cursor, so a callback may use the database.
const auditPage = 512

// AppendAudit appends an audit entry as audit.Store describes, in one
// transaction that holds the audit advisory lock from reading the tail to
// the commit, so concurrent appends, from this process or another, queue
// and never fork the chain.
func (db *DB) AppendAudit(ctx context.Context, e audit.Entry, seal func(*audit.Entry) error) (audit.Entry, error) {
	err := db.inTx(ctx, "append audit entry", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, 0)", lockAudit); err != nil {
			return err
		}
		var last int64
		var prev []byte
		err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1").Scan(&last, &prev)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			last, prev = 0, make([]byte, audit.HashSize)
		case err != nil:
			return err
		case len(prev) != audit.HashSize:
			return errs.E(errs.Conflict, "audit entry %d: stored hash is %d bytes: the trail is damaged; verify it", last, len(prev))
		}
		e.Seq = uint64(last) + 1
		copy(e.PrevHash[:], prev)
		if err := seal(&e); err != nil {
			return err
		}
		if e.Seq != uint64(last)+1 || [audit.HashSize]byte(prev) != e.PrevHash {
			return errs.E(errs.Internal, "audit entry %d: seal changed the sequence number or the previous hash", last+1)
		}
		_, err = tx.Exec(ctx, "INSERT INTO audit_entries ("+auditColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
			int64(e.Seq), unixNano(e.Time), e.Actor, e.Force, e.Action, e.Object, e.Sector, string(e.Outcome),
			string(e.Detail), e.PrevHash[:], e.Hash[:])
		return refusedByTrigger(err, e.Seq)
	})
	if err != nil {
		return audit.Entry{}, err
	}
	return e, nil
}

// refusedByTrigger codes the refusal of the audit tables' triggers.
func refusedByTrigger(err error, seq uint64) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == sqlNotExtending {
		return fmt.Errorf("%w: %w", errs.E(errs.Conflict, "audit entry %d: refused: it does not extend the chain", seq), err)
	}
	return err
}

// ScanAudit calls fn for the entries after a sequence number, in order.
func (db *DB) ScanAudit(ctx context.Context, after uint64, fn func(audit.Entry) error) error {
	return db.scanAudit(ctx, "scan audit entries", after, math.MaxInt64, "", nil, fn)
}

// AuditRange calls fn for the entries whose time is in [from, to), in
// sequence order; a zero bound is open.
func (db *DB) AuditRange(ctx context.Context, from, to time.Time, fn func(audit.Entry) error) error {
	const op = "audit range"
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !from.IsZero() {
		lo = unixNano(from)
	}
	if !to.IsZero() {
		hi = unixNano(to)
	}
	if lo >= hi {
		return nil
	}
	// Bound the sequence numbers first through the index on time, so the
	// pages below read a range of the table, not all of it.
	var first, last *int64
	err := db.pool.QueryRow(ctx, "SELECT min(seq), max(seq) FROM audit_entries WHERE at >= $1 AND at < $2", lo, hi).
		Scan(&first, &last)
	if err != nil {
		return translate(op, err)
	}
	if first == nil || last == nil {
		return nil
	}
	after := uint64(0)
	if *first > 1 {
		after = uint64(*first - 1)
	}
	return db.scanAudit(ctx, op, after, *last, "AND at >= $3 AND at < $4", []any{lo, hi}, fn)
}

// scanAudit pages through the entries after a sequence number up to last
// that match cond, calling fn between queries. The sequence bounds are
// arguments $1 and $2, cond's from $3, and the page size follows them.
func (db *DB) scanAudit(ctx context.Context, op string, after uint64, last int64, cond string, args []any,
	fn func(audit.Entry) error) error {
	q := fmt.Sprintf("SELECT %s FROM audit_entries WHERE seq > $1 AND seq <= $2 %s ORDER BY seq LIMIT $%d",
		auditColumns, cond, 3+len(args))
	for after < uint64(last) {
		page, bad, err := db.auditPage(ctx, q, append(append([]any{int64(after), last}, args...), auditPage))
		if err != nil {
			return translate(op, err)
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if bad != nil {
			return bad
		}
		if len(page) < auditPage {
			return nil
		}
		after = page[len(page)-1].Seq
	}
	return nil
}

// auditPage reads one page; a row that cannot be read as an entry ends it
// with a *audit.MalformedError.
func (db *DB) auditPage(ctx context.Context, q string, args []any) ([]audit.Entry, *audit.MalformedError, error) {
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var page []audit.Entry
	for rows.Next() {
		e, err := scanAuditEntry(rows)
		var bad *audit.MalformedError
		if errors.As(err, &bad) {
			return page, bad, nil
		}
		if err != nil {
			return nil, nil, err
		}
		page = append(page, e)
	}
	return page, nil, rows.Err()
}

// scanAuditEntry reads a row. PostgreSQL keeps every column's type, so
// what can be damaged is a hash's length (if a check was dropped) or a
// sequence number: those are reported as a *audit.MalformedError.
func scanAuditEntry(r rowScanner) (audit.Entry, error) {
	var e audit.Entry
	var seq, at int64
	var detail string
	var prev, hash []byte
	if err := r.Scan(&seq, &at, &e.Actor, &e.Force, &e.Action, &e.Object, &e.Sector, &e.Outcome,
		&detail, &prev, &hash); err != nil {
		return audit.Entry{}, err
	}
	if seq < 1 {
		return e, &audit.MalformedError{Field: "seq", Problem: fmt.Sprintf("%d is not a sequence number", seq)}
	}
	e.Seq = uint64(seq)
	e.Time = fromUnixNano(at)
	if detail != "" {
		e.Detail = []byte(detail)
	}
	for _, h := range [...]struct {
		name string
		b    []byte
		dst  *audit.Hash
	}{{"prev_hash", prev, &e.PrevHash}, {"hash", hash, &e.Hash}} {
		if len(h.b) != audit.HashSize {
			return e, &audit.MalformedError{Seq: e.Seq, Field: h.name,
				Problem: fmt.Sprintf("holds %d bytes, not %d bytes", len(h.b), audit.HashSize)}
		}
		copy(h.dst[:], h.b)
	}
	return e, nil
}

// AuditTail returns the last audit entry.
func (db *DB) AuditTail(ctx context.Context) (audit.Entry, bool, error) {
	e, err := scanAuditEntry(db.pool.QueryRow(ctx, "SELECT "+auditColumns+" FROM audit_entries ORDER BY seq DESC LIMIT 1"))
	if errors.Is(err, pgx.ErrNoRows) {
		return audit.Entry{}, false, nil
	}
	var bad *audit.MalformedError
	if errors.As(err, &bad) {
		return audit.Entry{}, false, fmt.Errorf("audit tail: %w", err)
	}
	if err != nil {
		return audit.Entry{}, false, translate("audit tail", err)
	}
	return e, true, nil
}

// AddAuditCheckpoint stores a checkpoint.
func (db *DB) AddAuditCheckpoint(ctx context.Context, cp audit.Checkpoint) error {
	switch {
	case cp.Size < 1 || cp.Size > math.MaxInt64:
		return errs.E(errs.Invalid, "size: %d is not a sequence number", cp.Size)
	case cp.Note == "":
		return errs.E(errs.Invalid, "note: required")
	}
	op := fmt.Sprintf("add audit checkpoint %d", cp.Size)
	return db.inTx(ctx, op, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO audit_checkpoints (size, hash, at, note) VALUES ($1, $2, $3, $4)",
			int64(cp.Size), cp.Hash[:], unixNano(cp.Time), cp.Note)
		return err
	})
}

// AuditCheckpoints calls fn for every checkpoint in order of size. A
// tampered column is read as best it can be: the verifier compares the
// stored fields with the signed note and names the difference.
func (db *DB) AuditCheckpoints(ctx context.Context, fn func(audit.Checkpoint) error) error {
	const op = "audit checkpoints"
	after := int64(0)
	for {
		page, err := db.checkpointPage(ctx, after)
		if err != nil {
			return translate(op, err)
		}
		for _, cp := range page {
			if err := fn(cp); err != nil {
				return err
			}
		}
		if len(page) < auditPage {
			return nil
		}
		after = int64(page[len(page)-1].Size)
	}
}

func (db *DB) checkpointPage(ctx context.Context, after int64) ([]audit.Checkpoint, error) {
	rows, err := db.pool.Query(ctx, "SELECT size, hash, at, note FROM audit_checkpoints WHERE size > $1 ORDER BY size LIMIT $2",
		after, auditPage)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []audit.Checkpoint
	for rows.Next() {
		var size, at int64
		var h []byte
		var cp audit.Checkpoint
		if err := rows.Scan(&size, &h, &at, &cp.Note); err != nil {
			return nil, err
		}
		cp.Size, cp.Time = uint64(size), fromUnixNano(at)
		copy(cp.Hash[:], h)
		page = append(page, cp)
	}
	return page, rows.Err()
}
