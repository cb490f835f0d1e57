-- Accounts, sessions, API tokens and dual-control requests. Times are Unix
-- nanoseconds, UTC; NULL where a time is absent. No secret is stored in
-- the clear: passwords as argon2id hash strings, session tokens and API
-- token secrets as their hex SHA-256.
CREATE TABLE users (
    name          TEXT    PRIMARY KEY CHECK (length(name) BETWEEN 3 AND 32),
    display_name  TEXT    NOT NULL DEFAULT '',
    force         TEXT    NOT NULL CHECK (force IN ('army', 'border_guards', 'pmf', 'reserves', 'peshmerga', 'joc')),
    roles         TEXT    NOT NULL DEFAULT '[]', -- JSON array, sorted
    all_sectors   INTEGER NOT NULL DEFAULT 0 CHECK (all_sectors IN (0, 1)),
    sectors       TEXT    NOT NULL DEFAULT '[]', -- JSON array, sorted; empty when all_sectors
    clearance     INTEGER NOT NULL DEFAULT 0 CHECK (clearance >= 0),
    password_hash TEXT    NOT NULL DEFAULT '',   -- $argon2id$v=19$m=...,t=...,p=...$salt$hash, or '' for none
    must_change   INTEGER NOT NULL DEFAULT 0 CHECK (must_change IN (0, 1)),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    first_failure INTEGER,
    locked_until  INTEGER,
    last_login    INTEGER,
    created       INTEGER NOT NULL,
    updated       INTEGER NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    CHECK (all_sectors = 0 OR sectors = '[]')
);

CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY CHECK (length(id) = 64), -- hex SHA-256 of the token
    user_name   TEXT    NOT NULL REFERENCES users (name),
    csrf        TEXT    NOT NULL CHECK (csrf <> ''),
    created     INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    expires     INTEGER NOT NULL,
    revoked     INTEGER,
    remote_addr TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions (user_name, created);
CREATE INDEX sessions_by_expires ON sessions (expires);

CREATE TABLE api_tokens (
    id          TEXT    PRIMARY KEY CHECK (length(id) = 16),
    owner       TEXT    NOT NULL REFERENCES users (name),
    label       TEXT    NOT NULL DEFAULT '',
    roles       TEXT    NOT NULL DEFAULT '[]',
    all_sectors INTEGER NOT NULL DEFAULT 0 CHECK (all_sectors IN (0, 1)),
    sectors     TEXT    NOT NULL DEFAULT '[]',
    clearance   INTEGER NOT NULL DEFAULT 0 CHECK (clearance >= 0),
    sensor      TEXT    NOT NULL DEFAULT '',
    secret_hash TEXT    NOT NULL CHECK (length(secret_hash) = 64), -- hex SHA-256 of the secret
    created     INTEGER NOT NULL,
    expires     INTEGER NOT NULL,
    revoked     INTEGER,
    last_used   INTEGER
);
CREATE INDEX api_tokens_by_owner ON api_tokens (owner, created);

CREATE TABLE change_requests (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind <> ''),
    payload     TEXT    NOT NULL, -- JSON
    sector      TEXT    NOT NULL DEFAULT '',
    summary     TEXT    NOT NULL DEFAULT '',
    proposed_by TEXT    NOT NULL CHECK (proposed_by <> ''),
    proposed    INTEGER NOT NULL,
    expires     INTEGER NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'applied', 'failed', 'rejected')),
    decided_by  TEXT    NOT NULL DEFAULT '',
    decided     INTEGER,
    detail      TEXT    NOT NULL DEFAULT '',
    CHECK ((state = 'pending') = (decided IS NULL)),
    CHECK (state = 'pending' OR decided_by <> ''),
    -- Nobody approves their own proposal.
    CHECK (state NOT IN ('approved', 'applied', 'failed') OR decided_by <> proposed_by)
);
CREATE INDEX change_requests_by_state ON change_requests (state, id);
