-- Run before anything else on every start; must stay idempotent.
-- The migration runner's own bookkeeping: one row per applied step.
CREATE TABLE IF NOT EXISTS schema_migrations (
    scope       TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    checksum    TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    applied_at  TEXT,
    PRIMARY KEY (scope, version)
);
