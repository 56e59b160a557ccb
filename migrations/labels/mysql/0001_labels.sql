-- Labels plugin (docs/PLUGINS.md): label templates, the print queue and
-- what was last printed per asset. Tables are prefixed with the plugin id;
-- rows that reference an asset go with it (ON DELETE CASCADE), so a
-- disabled plugin's tables never block a core delete. Indexes are declared
-- inside CREATE TABLE IF NOT EXISTS so the step is safe to run again.

-- Sizes in millimetres. A template with page_width_mm/page_height_mm lays
-- labels out on sheets (columns x rows, margins, gaps); without, each label
-- is its own page (label printers).
CREATE TABLE IF NOT EXISTS labels_templates (
    id             BIGINT       NOT NULL AUTO_INCREMENT,
    `key`          VARCHAR(64)  NOT NULL,
    name           VARCHAR(200) NOT NULL,
    builtin        TINYINT      NOT NULL,
    width_mm       DOUBLE       NOT NULL,
    height_mm      DOUBLE       NOT NULL,
    page_width_mm  DOUBLE       NULL,
    page_height_mm DOUBLE       NULL,
    sheet_columns  INT          NOT NULL,
    sheet_rows     INT          NOT NULL,
    margin_top_mm  DOUBLE       NOT NULL,
    margin_left_mm DOUBLE       NOT NULL,
    gap_x_mm       DOUBLE       NOT NULL,
    gap_y_mm       DOUBLE       NOT NULL,
    show_tag       TINYINT      NOT NULL,
    show_name      TINYINT      NOT NULL,
    show_location  TINYINT      NOT NULL,
    show_qr        TINYINT      NOT NULL,
    version        BIGINT       NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    updated_at     DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY labels_templates_key (`key`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Assets whose label needs printing: new ones, and printed ones whose
-- tag, name or location changed since.
CREATE TABLE IF NOT EXISTS labels_queue (
    asset_id  BIGINT       NOT NULL,
    reason    VARCHAR(32)  NOT NULL,
    queued_at DATETIME(6)  NOT NULL,
    queued_by VARCHAR(200) NULL,
    PRIMARY KEY (asset_id),
    KEY labels_queue_queued (queued_at),
    CONSTRAINT labels_queue_asset_fk FOREIGN KEY (asset_id) REFERENCES assets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What the label on the asset says: the values at its last print.
CREATE TABLE IF NOT EXISTS labels_printed (
    asset_id      BIGINT       NOT NULL,
    template_key  VARCHAR(64)  NOT NULL,
    tag           VARCHAR(64)  NOT NULL,
    name          TEXT         NOT NULL,
    location_path TEXT         NULL,
    printed_at    DATETIME(6)  NOT NULL,
    printed_by    VARCHAR(200) NULL,
    PRIMARY KEY (asset_id),
    CONSTRAINT labels_printed_asset_fk FOREIGN KEY (asset_id) REFERENCES assets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The presets (read-only: builtin = 1).
INSERT IGNORE INTO labels_templates
    (`key`, name, builtin, width_mm, height_mm, page_width_mm, page_height_mm, sheet_columns, sheet_rows,
     margin_top_mm, margin_left_mm, gap_x_mm, gap_y_mm, show_tag, show_name, show_location, show_qr,
     version, created_at, updated_at)
VALUES
    ('50x25', '50 × 25 mm label', 1, 50, 25, NULL, NULL, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('62x29', '62 × 29 mm label (Brother DK-11209)', 1, 62, 29, NULL, NULL, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('4x6in', '4 × 6 in shipping label (101.6 × 152.4 mm)', 1, 101.6, 152.4, NULL, NULL, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('a4-21', 'A4 sheet, 21 labels (3 × 7 of 70 × 42.3 mm)', 1, 70, 42.3, 210, 297, 3, 7, 0.45, 0, 0, 0, 1, 1, 1, 1, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
