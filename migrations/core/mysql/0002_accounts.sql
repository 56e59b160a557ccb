-- Accounts: users, sessions (refresh tokens), API tokens, the security
-- audit trail and failed sign-in records (for rate limits shared by every
-- instance). Indexes are declared inside CREATE TABLE IF NOT EXISTS so the
-- step stays safe to run again (MySQL DDL commits as it goes).
CREATE TABLE IF NOT EXISTS users (
    id                   BIGINT       NOT NULL AUTO_INCREMENT,
    username             VARCHAR(100) NOT NULL,
    display_name         VARCHAR(200) NOT NULL,
    email                VARCHAR(254) NULL,
    role                 VARCHAR(16)  NOT NULL,
    source               VARCHAR(16)  NOT NULL,
    password_hash        VARCHAR(255) NULL,
    must_change_password TINYINT      NOT NULL,
    disabled             TINYINT      NOT NULL,
    token_version        BIGINT       NOT NULL,
    directory_dn         TEXT         NULL,
    last_login_at        DATETIME(6)  NULL,
    created_at           DATETIME(6)  NOT NULL,
    updated_at           DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY users_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS refresh_tokens (
    id          BIGINT      NOT NULL AUTO_INCREMENT,
    user_id     BIGINT      NOT NULL,
    family      VARCHAR(64) NOT NULL,
    token_hash  CHAR(64)    NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    expires_at  DATETIME(6) NOT NULL,
    rotated_at  DATETIME(6) NULL,
    revoked_at  DATETIME(6) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY refresh_tokens_hash (token_hash),
    KEY refresh_tokens_family (family),
    KEY refresh_tokens_user (user_id),
    CONSTRAINT refresh_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS api_tokens (
    id           BIGINT       NOT NULL AUTO_INCREMENT,
    user_id      BIGINT       NOT NULL,
    name         VARCHAR(100) NOT NULL,
    prefix       VARCHAR(16)  NOT NULL,
    token_hash   CHAR(64)     NOT NULL,
    role         VARCHAR(16)  NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    expires_at   DATETIME(6)  NULL,
    last_used_at DATETIME(6)  NULL,
    revoked_at   DATETIME(6)  NULL,
    PRIMARY KEY (id),
    UNIQUE KEY api_tokens_hash (token_hash),
    KEY api_tokens_user (user_id),
    CONSTRAINT api_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS audit_events (
    id          BIGINT       NOT NULL AUTO_INCREMENT,
    at          DATETIME(6)  NOT NULL,
    actor_id    BIGINT       NULL,
    actor       VARCHAR(100) NULL,
    action      VARCHAR(64)  NOT NULL,
    target      VARCHAR(255) NULL,
    client_addr VARCHAR(64)  NULL,
    request_id  VARCHAR(128) NULL,
    detail      TEXT         NULL,
    PRIMARY KEY (id),
    KEY audit_events_at (at),
    KEY audit_events_action (action, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS auth_failures (
    id        BIGINT       NOT NULL AUTO_INCREMENT,
    kind      VARCHAR(8)   NOT NULL,
    subject   VARCHAR(191) NOT NULL,
    failed_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    KEY auth_failures_lookup (kind, subject, failed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
