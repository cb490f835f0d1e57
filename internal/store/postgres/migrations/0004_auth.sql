-- Accounts, sessions, API tokens and dual-control requests. Times are Unix
-- nanoseconds, UTC; NULL where a time is absent. No secret is stored in
-- the clear: passwords as argon2id hash strings, session tokens and API
-- token secrets as their hex SHA-256.
CREATE TABLE users (
    name          TEXT    PRIMARY KEY CHECK (length(name) BETWEEN 3 AND 32),
    display_name  TEXT    NOT NULL DEFAULT '',
    force         TEXT    NOT NULL CHECK (force IN ('army', 'border_guards', 'pmf', 'reserves', 'peshmerga', 'joc')),
    roles         JSONB   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(roles) = 'array'), -- sorted
    all_sectors   BOOLEAN NOT NULL DEFAULT false,
    sectors       JSONB   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(sectors) = 'array'), -- sorted; empty when all_sectors
    clearance     INTEGER NOT NULL DEFAULT 0 CHECK (clearance >= 0),
    password_hash TEXT    NOT NULL DEFAULT '',   -- $argon2id$v=19$m=...,t=...,p=...$salt$hash, or '' for none
    must_change   BOOLEAN NOT NULL DEFAULT false,
    disabled      BOOLEAN NOT NULL DEFAULT false,
    failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    first_failure BIGINT,
    locked_until  BIGINT,
    last_login    BIGINT,
    created       BIGINT  NOT NULL,
    updated       BIGINT  NOT NULL,
    version       BIGINT  NOT NULL CHECK (version >= 1),
    CHECK (NOT all_sectors OR sectors = '[]'::jsonb)
);

CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY CHECK (length(id) = 64), -- hex SHA-256 of the token
    user_name   TEXT    NOT NULL REFERENCES users (name),
    csrf        TEXT    NOT NULL CHECK (csrf <> ''),
    created     BIGINT  NOT NULL,
    last_seen   BIGINT  NOT NULL,
    expires     BIGINT  NOT NULL,
    revoked     BIGINT,
    remote_addr TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions (user_name, created);
CREATE INDEX sessions_by_expires ON sessions (expires);

CREATE TABLE api_tokens (
    id          TEXT    PRIMARY KEY CHECK (length(id) = 16),
    owner       TEXT    NOT NULL REFERENCES users (name),
    label       TEXT    NOT NULL DEFAULT '',
    roles       JSONB   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(roles) = 'array'),
    all_sectors BOOLEAN NOT NULL DEFAULT false,
    sectors     JSONB   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(sectors) = 'array'),
    clearance   INTEGER NOT NULL DEFAULT 0 CHECK (clearance >= 0),
    sensor      TEXT    NOT NULL DEFAULT '',
    secret_hash TEXT    NOT NULL CHECK (length(secret_hash) = 64), -- hex SHA-256 of the secret
    created     BIGINT  NOT NULL,
    expires     BIGINT  NOT NULL,
    revoked     BIGINT,
    last_used   BIGINT
);
CREATE INDEX api_tokens_by_owner ON api_tokens (owner, created);

-- The payload is JSON, not JSONB: it is shown and applied as proposed,
-- byte for byte.
CREATE TABLE change_requests (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind <> ''),
    payload     JSON    NOT NULL,
    sector      TEXT    NOT NULL DEFAULT '',
    summary     TEXT    NOT NULL DEFAULT '',
    proposed_by TEXT    NOT NULL CHECK (proposed_by <> ''),
    proposed    BIGINT  NOT NULL,
    expires     BIGINT  NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'applied', 'failed', 'rejected')),
    decided_by  TEXT    NOT NULL DEFAULT '',
    decided     BIGINT,
    detail      TEXT    NOT NULL DEFAULT '',
    CHECK ((state = 'pending') = (decided IS NULL)),
    CHECK (state = 'pending' OR decided_by <> ''),
    -- Nobody approves their own proposal.
    CHECK (state NOT IN ('approved', 'applied', 'failed') OR decided_by <> proposed_by)
);
CREATE INDEX change_requests_by_state ON change_requests (state, id);
