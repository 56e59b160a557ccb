-- Run before anything else on every start; must stay idempotent.
-- The migration runner's own bookkeeping: one row per applied step.
CREATE TABLE IF NOT EXISTS schema_migrations (
    scope       VARCHAR(64)  NOT NULL,
    version     INT          NOT NULL,
    name        VARCHAR(255) NOT NULL,
    checksum    CHAR(64)     NOT NULL,
    state       VARCHAR(16)  NOT NULL,
    started_at  DATETIME(6)  NOT NULL,
    applied_at  DATETIME(6)  NULL,
    PRIMARY KEY (scope, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
