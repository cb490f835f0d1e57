// Package postgres implements Raqib's stores on PostgreSQL with PostGIS
// (github.com/jackc/pgx/v5, pgxpool). It applies the embedded, versioned
// migrations on open, under an advisory lock so that servers starting
// together migrate once.
//
// Times are stored as BIGINT Unix nanoseconds, UTC, as in the SQLite
// store: the audit chain hashes entry times to the nanosecond, and
// TIMESTAMPTZ keeps only microseconds. The main tables also carry
// TIMESTAMPTZ columns generated from those times (at_time, raised_time)
// for people reading the database.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"raqib/internal/errs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Advisory lock keys (the first of the two-key form): one space per
// thing serialised.
const (
	lockMigrate   = 0x52510001 // schema migrations
	lockAudit     = 0x52510002 // appends to the audit chain
	lockHistory   = 0x52510003 // one theater history id (second key: hashtext of table:id)
	lockFirstUser = 0x52510004 // the first user
)

// DB is an open Raqib database.
type DB struct {
	pool   *pgxpool.Pool
	logger *slog.Logger

	// Now is the clock; tests replace it.
	Now func() time.Time
}

// Open connects to the database the DSN names (a postgres:// URL or a
// libpq key=value string) and migrates it to the newest schema.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if dsn == "" {
		return nil, errs.E(errs.Invalid, "postgres: database URL is empty")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN and its password: leave it out.
		return nil, errs.E(errs.Invalid, "postgres: database URL cannot be parsed")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, translate("open postgres", err)
	}
	db := &DB{pool: pool, logger: logger.With("component", "store"), Now: time.Now}
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the connection pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping checks that the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return translate("ping", err)
	}
	return nil
}

// SchemaVersion returns the newest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v *int64
	if err := db.pool.QueryRow(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, translate("schema version", err)
	}
	if v == nil {
		return 0, nil
	}
	return int(*v), nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and '_'", e.Name())
		}
		body, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies every migration newer than the database's schema in one
// transaction that holds the migration lock, together with their
// schema_migrations rows.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	var applied []migration
	err = db.inTx(ctx, "migrate", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, 0)", lockMigrate); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&current); err != nil {
			return err
		}
		if current > len(ms) {
			return errs.E(errs.Conflict, "database schema version %d is newer than this program knows (%d)", current, len(ms))
		}
		for _, m := range ms[current:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.version, m.name, db.Now().UTC().UnixNano()); err != nil {
				return err
			}
			applied = append(applied, m)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range applied {
		db.logger.Info("migration applied", "version", m.version, "name", m.name)
	}
	return nil
}

// inTx runs fn in a read-committed transaction, committing on success and
// translating the error on failure. Methods that read before they write
// take a row lock or an advisory lock first, as SQLite's immediate
// transactions serialise them.
func (db *DB) inTx(ctx context.Context, op string, fn func(pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return translate(op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx)
		return translate(op, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return translate(op, err)
	}
	return nil
}

// SQLSTATE codes the stores act on; see PostgreSQL's "Errors and
// Messages" appendix.
const (
	sqlUniqueViolation     = "23505"
	sqlForeignKeyViolation = "23503"
	sqlCheckViolation      = "23514"
	sqlNotNullViolation    = "23502"
	sqlSerialization       = "40001"
	sqlDeadlock            = "40P01"
	sqlLockNotAvailable    = "55P03"
	sqlDiskFull            = "53100"
	sqlOutOfMemory         = "53200"
	sqlTooManyConnections  = "53300"
	sqlAdminShutdown       = "57P01"
	sqlCannotConnectNow    = "57P03"
	// sqlAppendOnly is raised by the triggers that keep the audit trail and
	// the alert history append-only (migrations 0002 and 0003).
	sqlAppendOnly = "RQ001"
	// sqlNotExtending is raised by the trigger that refuses an audit entry
	// that does not extend the chain.
	sqlNotExtending = "RQ002"
)

// translate turns a driver error into a coded error by SQLSTATE, keeping
// the driver's text out of the message shown to users.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	var coded *errs.Error
	if errors.As(err, &coded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, errs.E(errs.NotFound, "%s: not found", op))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		var code errs.Code
		var msg string
		switch pe.Code {
		case sqlUniqueViolation:
			code, msg = errs.Conflict, "already exists"
		case sqlForeignKeyViolation:
			code, msg = errs.Invalid, "refers to a record that does not exist"
		case sqlCheckViolation, sqlNotNullViolation:
			code, msg = errs.Invalid, "value not allowed"
		case sqlAppendOnly:
			code, msg = errs.Conflict, "records are append-only"
		case sqlNotExtending:
			code, msg = errs.Conflict, "entry does not extend the chain"
		case sqlDiskFull, sqlOutOfMemory:
			code, msg = errs.Unavailable, "database is out of space"
		case sqlSerialization, sqlDeadlock, sqlLockNotAvailable:
			code, msg = errs.Unavailable, "database is busy"
		case sqlTooManyConnections, sqlAdminShutdown, sqlCannotConnectNow:
			code, msg = errs.Unavailable, "database is unavailable"
		default:
			if strings.HasPrefix(pe.Code, "08") { // connection exception
				code, msg = errs.Unavailable, "database is unavailable"
			} else {
				code, msg = errs.Internal, "database error"
			}
		}
		return fmt.Errorf("%s: %w: %w", op, errs.E(code, "%s: %s", op, msg), err)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) {
		return fmt.Errorf("%s: %w: %w", op, errs.E(errs.Unavailable, "%s: database is unavailable", op), err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
