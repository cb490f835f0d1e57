-- The tamper-evident audit trail (internal/auth/audit): entries chained by
-- SHA-256 and the signed checkpoints of the chain. Times are Unix
-- nanoseconds, UTC. Both tables are append-only: the triggers refuse
-- updates, deletes and any insert that does not extend the chain. They
-- guard against mistakes, not against someone who can rewrite the file:
-- the hashes and signatures do that.
CREATE TABLE audit_entries (
    seq       INTEGER PRIMARY KEY CHECK (seq >= 1),
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    force     TEXT    NOT NULL DEFAULT '',
    action    TEXT    NOT NULL,
    object    TEXT    NOT NULL DEFAULT '',
    sector    TEXT    NOT NULL DEFAULT '',
    outcome   TEXT    NOT NULL CHECK (outcome IN ('ok', 'refused')),
    detail    TEXT    NOT NULL DEFAULT '{}', -- canonical JSON object
    prev_hash BLOB    NOT NULL CHECK (length(prev_hash) = 32),
    hash      BLOB    NOT NULL CHECK (length(hash) = 32)
);

CREATE INDEX audit_entries_at ON audit_entries (at);

CREATE TRIGGER audit_entries_extend BEFORE INSERT ON audit_entries
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit_entries)
  OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM audit_entries WHERE seq = NEW.seq - 1), zeroblob(32))
BEGIN
    SELECT RAISE(ABORT, 'audit entry does not extend the chain');
END;

CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;

CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;

CREATE TABLE audit_checkpoints (
    size INTEGER PRIMARY KEY CHECK (size >= 1),
    hash BLOB    NOT NULL CHECK (length(hash) = 32),
    at   INTEGER NOT NULL,
    note TEXT    NOT NULL -- the signed note
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
