-- Site-wide key/value settings (e.g. the generated JWT secret).
CREATE TABLE IF NOT EXISTS settings (
    setting_key VARCHAR(191) NOT NULL PRIMARY KEY,
    value       TEXT         NOT NULL,
    updated_at  DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
