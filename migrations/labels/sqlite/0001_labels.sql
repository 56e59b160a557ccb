-- Labels plugin (docs/PLUGINS.md): label templates, the print queue and
-- what was last printed per asset. Tables are prefixed with the plugin id;
-- rows that reference an asset go with it (ON DELETE CASCADE), so a
-- disabled plugin's tables never block a core delete.

-- Sizes in millimetres. A template with page_width_mm/page_height_mm lays
-- labels out on sheets (columns x rows, margins, gaps); without, each label
-- is its own page (label printers).
CREATE TABLE IF NOT EXISTS labels_templates (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    key            TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    builtin        INTEGER NOT NULL,
    width_mm       REAL    NOT NULL,
    height_mm      REAL    NOT NULL,
    page_width_mm  REAL,
    page_height_mm REAL,
    sheet_columns  INTEGER NOT NULL,
    sheet_rows     INTEGER NOT NULL,
    margin_top_mm  REAL    NOT NULL,
    margin_left_mm REAL    NOT NULL,
    gap_x_mm       REAL    NOT NULL,
    gap_y_mm       REAL    NOT NULL,
    show_tag       INTEGER NOT NULL,
    show_name      INTEGER NOT NULL,
    show_location  INTEGER NOT NULL,
    show_qr        INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS labels_templates_key ON labels_templates (key);

-- Assets whose label needs printing: new ones, and printed ones whose
-- tag, name or location changed since.
CREATE TABLE IF NOT EXISTS labels_queue (
    asset_id  INTEGER PRIMARY KEY REFERENCES assets (id) ON DELETE CASCADE,
    reason    TEXT    NOT NULL,
    queued_at TEXT    NOT NULL,
    queued_by TEXT
);
CREATE INDEX IF NOT EXISTS labels_queue_queued ON labels_queue (queued_at);

-- What the label on the asset says: the values at its last print.
CREATE TABLE IF NOT EXISTS labels_printed (
    asset_id      INTEGER PRIMARY KEY REFERENCES assets (id) ON DELETE CASCADE,
    template_key  TEXT    NOT NULL,
    tag           TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    location_path TEXT,
    printed_at    TEXT    NOT NULL,
    printed_by    TEXT
);

-- The presets (read-only: builtin = 1).
INSERT OR IGNORE INTO labels_templates
    (key, name, builtin, width_mm, height_mm, page_width_mm, page_height_mm, sheet_columns, sheet_rows,
     margin_top_mm, margin_left_mm, gap_x_mm, gap_y_mm, show_tag, show_name, show_location, show_qr,
     version, created_at, updated_at)
VALUES
    ('50x25', '50 × 25 mm label', 1, 50, 25, NULL, NULL, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1,
     strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000'),
    ('62x29', '62 × 29 mm label (Brother DK-11209)', 1, 62, 29, NULL, NULL, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1,
     strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000'),
    ('4x6in', '4 × 6 in shipping label (101.6 × 152.4 mm)', 1, 101.6, 152.4, NULL, NULL, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1,
     strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000'),
    ('a4-21', 'A4 sheet, 21 labels (3 × 7 of 70 × 42.3 mm)', 1, 70, 42.3, 210, 297, 3, 7, 0.45, 0, 0, 0, 1, 1, 1, 1, 1,
     strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000');
