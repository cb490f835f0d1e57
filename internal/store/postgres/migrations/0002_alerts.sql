-- Alerts, their append-only history, the operators' suppressions and the
-- pipeline cursor stored with them. Times are Unix nanoseconds, UTC.
-- Positions are kept as lat/lon, which the domain reads, and as a PostGIS
-- geography generated from them for spatial queries.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE alerts (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key                TEXT    NOT NULL,
    rule               TEXT    NOT NULL,
    severity           TEXT    NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    severity_rank      INTEGER NOT NULL CHECK (severity_rank BETWEEN 0 AND 4),
    state              TEXT    NOT NULL CHECK (state IN ('new', 'acknowledged', 'assigned', 'resolved', 'dismissed')),
    track              TEXT    NOT NULL,
    members            JSONB   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(members) = 'array'),
    sector             TEXT    NOT NULL DEFAULT '',
    lat                DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon                DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),
    position           geography(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED,
    chainage_m         DOUBLE PRECISION NOT NULL DEFAULT 0,
    distance_m         DOUBLE PRECISION NOT NULL DEFAULT 0,
    class              TEXT    NOT NULL DEFAULT '',
    count              INTEGER NOT NULL DEFAULT 0,
    zone               TEXT    NOT NULL DEFAULT '',
    barrier            TEXT    NOT NULL DEFAULT '',
    crossing           TEXT    NOT NULL DEFAULT '',
    predicted_crossing BIGINT,
    summary            TEXT    NOT NULL DEFAULT '',
    active             BOOLEAN NOT NULL,
    raised             BIGINT  NOT NULL,
    raised_time        TIMESTAMPTZ GENERATED ALWAYS AS (to_timestamp(raised::double precision / 1e9)) STORED,
    updated            BIGINT  NOT NULL,
    updates            INTEGER NOT NULL CHECK (updates >= 0),
    group_id           BIGINT  NOT NULL,
    escalated          INTEGER NOT NULL DEFAULT 0 CHECK (escalated >= 0),
    escalate_at        BIGINT,
    ack_by             TEXT    NOT NULL DEFAULT '',
    ack_at             BIGINT,
    assigned_to        TEXT    NOT NULL DEFAULT '',
    assigned_at        BIGINT,
    resolved_by        TEXT    NOT NULL DEFAULT '',
    resolved_at        BIGINT,
    note               TEXT    NOT NULL DEFAULT '',
    dismiss_reason     TEXT    NOT NULL DEFAULT '',
    evidence           JSONB   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(evidence) = 'array'),
    exercise           BOOLEAN NOT NULL,
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
CREATE INDEX alerts_by_position ON alerts USING GIST (position);

-- Refuses any change to an append-only table.
CREATE FUNCTION raqib_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'RQ001';
END;
$$;

CREATE TABLE alert_changes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id   BIGINT NOT NULL REFERENCES alerts (id),
    kind       TEXT   NOT NULL CHECK (kind IN ('raised', 'updated', 'acknowledged', 'assigned', 'resolved', 'dismissed', 'escalated')),
    at         BIGINT NOT NULL,
    at_time    TIMESTAMPTZ GENERATED ALWAYS AS (to_timestamp(at::double precision / 1e9)) STORED,
    by_user    TEXT   NOT NULL DEFAULT '',
    from_state TEXT   NOT NULL DEFAULT '' CHECK (from_state IN ('', 'new', 'acknowledged', 'assigned')),
    alert      JSONB  NOT NULL -- snapshot of the alert after the change, without its evidence
);
CREATE INDEX alert_changes_by_alert ON alert_changes (alert_id, id);
CREATE TRIGGER alert_changes_append_only BEFORE UPDATE OR DELETE ON alert_changes
    FOR EACH ROW EXECUTE FUNCTION raqib_append_only();
CREATE TRIGGER alert_changes_no_truncate BEFORE TRUNCATE ON alert_changes
    FOR EACH STATEMENT EXECUTE FUNCTION raqib_append_only();

CREATE TABLE alert_suppressions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    center_lat    DOUBLE PRECISION CHECK (center_lat BETWEEN -90 AND 90),
    center_lon    DOUBLE PRECISION CHECK (center_lon BETWEEN -180 AND 180),
    center        geography(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(center_lon, center_lat), 4326)::geography) STORED,
    radius_m      DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (radius_m >= 0),
    sector        TEXT    NOT NULL DEFAULT '',
    rules         JSONB   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(rules) = 'array'),
    classes       JSONB   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(classes) = 'array'),
    daylight_only BOOLEAN NOT NULL,
    until         BIGINT  NOT NULL,
    reason        TEXT    NOT NULL CHECK (reason <> ''),
    by_user       TEXT    NOT NULL CHECK (by_user <> ''),
    created       BIGINT  NOT NULL,
    hits          INTEGER NOT NULL DEFAULT 0 CHECK (hits >= 0),
    CHECK ((center_lat IS NULL) = (center_lon IS NULL)),
    CHECK (center_lat IS NOT NULL OR sector <> '')
);
CREATE INDEX alert_suppressions_by_until ON alert_suppressions (until);
CREATE INDEX alert_suppressions_by_center ON alert_suppressions USING GIST (center);

CREATE TABLE pipeline_cursor (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    cursor BIGINT  NOT NULL CHECK (cursor >= 0)
);
