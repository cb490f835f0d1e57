-- Editable theater state: append-only histories, newest entry current.
-- Times are Unix nanoseconds, UTC (see the package comment); the *_time
-- columns show them as timestamps.
CREATE TABLE crossing_status (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    crossing_id TEXT   NOT NULL,
    status      TEXT   NOT NULL CHECK (status IN ('open', 'closed', 'restricted')),
    note        TEXT   NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    at_time     TIMESTAMPTZ GENERATED ALWAYS AS (to_timestamp(at::double precision / 1e9)) STORED,
    by_user     TEXT   NOT NULL DEFAULT '',
    UNIQUE (crossing_id, at)
);

CREATE TABLE barrier_progress (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    barrier_id   TEXT   NOT NULL,
    status       TEXT   NOT NULL CHECK (status IN ('planned', 'under_construction', 'complete')),
    progress_pct DOUBLE PRECISION NOT NULL CHECK (progress_pct >= 0 AND progress_pct <= 100),
    note         TEXT   NOT NULL DEFAULT '',
    at           BIGINT NOT NULL,
    at_time      TIMESTAMPTZ GENERATED ALWAYS AS (to_timestamp(at::double precision / 1e9)) STORED,
    by_user      TEXT   NOT NULL DEFAULT '',
    UNIQUE (barrier_id, at)
);
