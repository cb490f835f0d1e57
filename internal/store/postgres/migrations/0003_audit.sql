-- The tamper-evident audit trail (internal/auth/audit): entries chained by
-- SHA-256 and the signed checkpoints of the chain. Times are Unix
-- nanoseconds, UTC: entries hash their time to the nanosecond. Both tables
-- are append-only: the triggers refuse updates, deletes, truncation and
-- any insert that does not extend the chain. They guard against mistakes,
-- not against a superuser: the hashes and signatures do that. The detail
-- is TEXT, not JSONB, because its exact bytes are hashed.
CREATE TABLE audit_entries (
    seq       BIGINT PRIMARY KEY CHECK (seq >= 1),
    at        BIGINT NOT NULL,
    at_time   TIMESTAMPTZ GENERATED ALWAYS AS (to_timestamp(at::double precision / 1e9)) STORED,
    actor     TEXT   NOT NULL,
    force     TEXT   NOT NULL DEFAULT '',
    action    TEXT   NOT NULL,
    object    TEXT   NOT NULL DEFAULT '',
    sector    TEXT   NOT NULL DEFAULT '',
    outcome   TEXT   NOT NULL CHECK (outcome IN ('ok', 'refused')),
    detail    TEXT   NOT NULL DEFAULT '{}', -- canonical JSON object
    prev_hash BYTEA  NOT NULL CHECK (length(prev_hash) = 32),
    hash      BYTEA  NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX audit_entries_at ON audit_entries (at);

CREATE FUNCTION raqib_audit_extend() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq IS DISTINCT FROM (SELECT coalesce(max(seq), 0) + 1 FROM audit_entries)
       OR NEW.prev_hash IS DISTINCT FROM coalesce(
            (SELECT hash FROM audit_entries WHERE seq = NEW.seq - 1), '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
    THEN
        RAISE EXCEPTION 'audit entry % does not extend the chain', NEW.seq USING ERRCODE = 'RQ002';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_entries_extend BEFORE INSERT ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION raqib_audit_extend();
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION raqib_append_only();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION raqib_append_only();

CREATE TABLE audit_checkpoints (
    size BIGINT PRIMARY KEY CHECK (size >= 1),
    hash BYTEA  NOT NULL CHECK (length(hash) = 32),
    at   BIGINT NOT NULL,
    note TEXT   NOT NULL -- the signed note
);
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION raqib_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION raqib_append_only();
