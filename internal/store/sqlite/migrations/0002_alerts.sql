-- Alerts, their append-only history, the operators' suppressions and the
-- pipeline cursor stored with them. Times are Unix nanoseconds, UTC.
CREATE TABLE alerts (
    id                 INTEGER PRIMARY KEY,
    key                TEXT    NOT NULL,
    rule               TEXT    NOT NULL,
    severity           TEXT    NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    severity_rank      INTEGER NOT NULL CHECK (severity_rank BETWEEN 0 AND 4),
    state              TEXT    NOT NULL CHECK (state IN ('new', 'acknowledged', 'assigned', 'resolved', 'dismissed')),
    track              TEXT    NOT NULL,
    members            TEXT    NOT NULL DEFAULT '[]', -- JSON array of track ids
    sector             TEXT    NOT NULL DEFAULT '',
    lat                REAL    NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon                REAL    NOT NULL CHECK (lon BETWEEN -180 AND 180),
    chainage_m         REAL    NOT NULL DEFAULT 0,
    distance_m         REAL    NOT NULL DEFAULT 0,
    class              TEXT    NOT NULL DEFAULT '',
    count              INTEGER NOT NULL DEFAULT 0,
    zone               TEXT    NOT NULL DEFAULT '',
    barrier            TEXT    NOT NULL DEFAULT '',
    crossing           TEXT    NOT NULL DEFAULT '',
    predicted_crossing INTEGER,
    summary            TEXT    NOT NULL DEFAULT '',
    active             INTEGER NOT NULL CHECK (active IN (0, 1)),
    raised             INTEGER NOT NULL,
    updated            INTEGER NOT NULL,
    updates            INTEGER NOT NULL CHECK (updates >= 0),
    group_id           INTEGER NOT NULL,
    escalated          INTEGER NOT NULL DEFAULT 0 CHECK (escalated >= 0),
    escalate_at        INTEGER,
    ack_by             TEXT    NOT NULL DEFAULT '',
    ack_at             INTEGER,
    assigned_to        TEXT    NOT NULL DEFAULT '',
    assigned_at        INTEGER,
    resolved_by        TEXT    NOT NULL DEFAULT '',
    resolved_at        INTEGER,
    note               TEXT    NOT NULL DEFAULT '',
    dismiss_reason     TEXT    NOT NULL DEFAULT '',
    evidence           TEXT    NOT NULL DEFAULT '[]', -- JSON array of {sensor, seq, time}
    exercise           INTEGER NOT NULL CHECK (exercise IN (0, 1)),
    CHECK (state <> 'dismissed' OR dismiss_reason <> '')
);
-- One open alert per key.
CREATE UNIQUE INDEX alerts_open_key ON alerts (key) WHERE state IN ('new', 'acknowledged', 'assigned');
CREATE INDEX alerts_by_state ON alerts (state, id);
CREATE INDEX alerts_by_sector ON alerts (sector, id);
CREATE INDEX alerts_by_rule ON alerts (rule, id);
CREATE INDEX alerts_by_track ON alerts (track, id);
CREATE INDEX alerts_by_group ON alerts (group_id, id);
CREATE INDEX alerts_by_raised ON alerts (raised);
CREATE INDEX alerts_by_severity ON alerts (severity_rank, id);

CREATE TABLE alert_changes (
    id         INTEGER PRIMARY KEY,
    alert_id   INTEGER NOT NULL REFERENCES alerts (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('raised', 'updated', 'acknowledged', 'assigned', 'resolved', 'dismissed', 'escalated')),
    at         INTEGER NOT NULL,
    by_user    TEXT    NOT NULL DEFAULT '',
    from_state TEXT    NOT NULL DEFAULT '' CHECK (from_state IN ('', 'new', 'acknowledged', 'assigned')),
    alert      TEXT    NOT NULL -- JSON snapshot of the alert after the change, without its evidence
);
CREATE INDEX alert_changes_by_alert ON alert_changes (alert_id, id);
CREATE TRIGGER alert_changes_no_update BEFORE UPDATE ON alert_changes
BEGIN
    SELECT RAISE(ABORT, 'alert_changes is append-only');
END;
CREATE TRIGGER alert_changes_no_delete BEFORE DELETE ON alert_changes
BEGIN
    SELECT RAISE(ABORT, 'alert_changes is append-only');
END;

CREATE TABLE alert_suppressions (
    id            INTEGER PRIMARY KEY,
    center_lat    REAL CHECK (center_lat BETWEEN -90 AND 90),
    center_lon    REAL CHECK (center_lon BETWEEN -180 AND 180),
    radius_m      REAL    NOT NULL DEFAULT 0 CHECK (radius_m >= 0),
    sector        TEXT    NOT NULL DEFAULT '',
    rules         TEXT    NOT NULL DEFAULT '[]', -- JSON array
    classes       TEXT    NOT NULL DEFAULT '[]', -- JSON array
    daylight_only INTEGER NOT NULL CHECK (daylight_only IN (0, 1)),
    until         INTEGER NOT NULL,
    reason        TEXT    NOT NULL CHECK (reason <> ''),
    by_user       TEXT    NOT NULL CHECK (by_user <> ''),
    created       INTEGER NOT NULL,
    hits          INTEGER NOT NULL DEFAULT 0 CHECK (hits >= 0),
    CHECK ((center_lat IS NULL) = (center_lon IS NULL)),
    CHECK (center_lat IS NOT NULL OR sector <> '')
);
CREATE INDEX alert_suppressions_by_until ON alert_suppressions (until);

CREATE TABLE pipeline_cursor (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    cursor INTEGER NOT NULL CHECK (cursor >= 0)
);
