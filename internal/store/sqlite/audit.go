package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"raqib/internal/auth/audit"
	"raqib/internal/errs"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var _ audit.Store = (*DB)(nil)

const auditColumns = "seq, at, actor, force, action, object, sector, outcome, detail, prev_hash, hash"

// auditPage is how many rows a scan reads per query. Scans call back
// between queries, holding no cursor, so a callback may use the database.
const auditPage = 512

// AppendAudit appends an audit entry as audit.Store describes, in one
// immediate (write-locked) transaction, so concurrent appends queue and
// never fork the chain.
func (db *DB) AppendAudit(ctx context.Context, e audit.Entry, seal func(*audit.Entry) error) (audit.Entry, error) {
	err := db.inTx(ctx, "append audit entry", func(tx *sql.Tx) error {
		var last int64
		var prev []byte
		err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1").Scan(&last, &prev)
		switch {
		case errors.Is(err, sql.ErrNoRows):
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
		_, err = tx.ExecContext(ctx, "INSERT INTO audit_entries ("+auditColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_TRIGGER {
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
	var first, last sql.NullInt64
	err := db.db.QueryRowContext(ctx, "SELECT min(seq), max(seq) FROM audit_entries WHERE at >= ? AND at < ?", lo, hi).
		Scan(&first, &last)
	if err != nil {
		return translate(op, err)
	}
	if !first.Valid {
		return nil
	}
	after := uint64(0)
	if first.Int64 > 1 {
		after = uint64(first.Int64 - 1)
	}
	return db.scanAudit(ctx, op, after, last.Int64, "AND at >= ? AND at < ?", []any{lo, hi}, fn)
}

// scanAudit pages through the entries after a sequence number up to last
// that match cond, calling fn between queries.
func (db *DB) scanAudit(ctx context.Context, op string, after uint64, last int64, cond string, args []any,
	fn func(audit.Entry) error) error {
	q := "SELECT " + auditColumns + " FROM audit_entries WHERE seq > ? AND seq <= ? " + cond + " ORDER BY seq LIMIT ?"
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
	rows, err := db.db.QueryContext(ctx, q, args...)
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

// scanAuditEntry reads a row whatever the types its columns hold, so that
// a tampered column is reported by name rather than failing the scan.
func scanAuditEntry(r rowScanner) (audit.Entry, error) {
	var v [11]any
	if err := r.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10]); err != nil {
		return audit.Entry{}, err
	}
	var e audit.Entry
	seq, ok := v[0].(int64)
	if !ok || seq < 1 {
		return e, &audit.MalformedError{Field: "seq", Problem: fmt.Sprintf("%v is not a sequence number", v[0])}
	}
	e.Seq = uint64(seq)
	bad := func(field, problem string) error {
		return &audit.MalformedError{Seq: e.Seq, Field: field, Problem: problem}
	}
	at, ok := v[1].(int64)
	if !ok {
		return e, bad("time", "holds "+sqlType(v[1])+", not an integer")
	}
	e.Time = fromUnixNano(at)
	texts := [...]struct {
		name string
		dst  *string
	}{{"actor", &e.Actor}, {"force", &e.Force}, {"action", &e.Action}, {"object", &e.Object},
		{"sector", &e.Sector}, {"outcome", (*string)(&e.Outcome)}, {"detail", nil}}
	for i, t := range texts {
		var s string
		switch x := v[2+i].(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		default:
			return e, bad(t.name, "holds "+sqlType(v[2+i])+", not text")
		}
		if t.dst != nil {
			*t.dst = s
		} else if s != "" {
			e.Detail = []byte(s)
		}
	}
	for i, h := range [...]struct {
		name string
		dst  *audit.Hash
	}{{"prev_hash", &e.PrevHash}, {"hash", &e.Hash}} {
		b, ok := v[9+i].([]byte)
		if !ok || len(b) != audit.HashSize {
			return e, bad(h.name, fmt.Sprintf("holds %s of %d bytes, not %d bytes", sqlType(v[9+i]), len(b), audit.HashSize))
		}
		copy(h.dst[:], b)
	}
	return e, nil
}

// sqlType names the storage class of a scanned value.
func sqlType(v any) string {
	switch v.(type) {
	case nil:
		return "NULL"
	case int64:
		return "an integer"
	case float64:
		return "a real"
	case string:
		return "text"
	case []byte:
		return "a blob"
	}
	return fmt.Sprintf("%T", v)
}

// AuditTail returns the last audit entry.
func (db *DB) AuditTail(ctx context.Context) (audit.Entry, bool, error) {
	e, err := scanAuditEntry(db.db.QueryRowContext(ctx, "SELECT "+auditColumns+" FROM audit_entries ORDER BY seq DESC LIMIT 1"))
	if errors.Is(err, sql.ErrNoRows) {
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
	return db.inTx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO audit_checkpoints (size, hash, at, note) VALUES (?, ?, ?, ?)",
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
	rows, err := db.db.QueryContext(ctx, "SELECT size, hash, at, note FROM audit_checkpoints WHERE size > ? ORDER BY size LIMIT ?",
		after, auditPage)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []audit.Checkpoint
	for rows.Next() {
		var size int64
		var h, at, note any
		if err := rows.Scan(&size, &h, &at, &note); err != nil {
			return nil, err
		}
		cp := audit.Checkpoint{Size: uint64(size)}
		switch x := h.(type) {
		case []byte:
			copy(cp.Hash[:], x)
		case string:
			copy(cp.Hash[:], x)
		}
		if n, ok := at.(int64); ok {
			cp.Time = fromUnixNano(n)
		}
		switch x := note.(type) {
		case string:
			cp.Note = x
		case []byte:
			cp.Note = string(x)
		}
		page = append(page, cp)
	}
	return page, rows.Err()
}
