-- Editable theater state: append-only histories, newest entry current.
CREATE TABLE crossing_status (
    id          INTEGER PRIMARY KEY,
    crossing_id TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'closed', 'restricted')),
    note        TEXT    NOT NULL DEFAULT '',
    at          INTEGER NOT NULL, -- Unix nanoseconds, UTC
    by_user     TEXT    NOT NULL DEFAULT '',
    UNIQUE (crossing_id, at)
);
CREATE INDEX crossing_status_by_crossing ON crossing_status (crossing_id, at);

CREATE TABLE barrier_progress (
    id           INTEGER PRIMARY KEY,
    barrier_id   TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('planned', 'under_construction', 'complete')),
    progress_pct REAL    NOT NULL CHECK (progress_pct >= 0 AND progress_pct <= 100),
    note         TEXT    NOT NULL DEFAULT '',
    at           INTEGER NOT NULL,
    by_user      TEXT    NOT NULL DEFAULT '',
    UNIQUE (barrier_id, at)
);
CREATE INDEX barrier_progress_by_barrier ON barrier_progress (barrier_id, at);
