-- The inventory: locations, asset types with their custom field
-- definitions, assets, relations, the change log and the search index.

-- A tree. `lineage` is the chain of ids from the root to this node
-- ("/1/5/9/"), so a subtree is one prefix match and a move is one update;
-- `path` is the same chain as names ("Plant 1 / Hall B / Cell 4").
CREATE TABLE IF NOT EXISTS locations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id   INTEGER REFERENCES locations (id),
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    lineage     TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    depth       INTEGER NOT NULL,
    floor_x     REAL,
    floor_y     REAL,
    notes       TEXT,
    version     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS locations_parent ON locations (parent_id, name);
CREATE INDEX IF NOT EXISTS locations_lineage ON locations (lineage);

CREATE TABLE IF NOT EXISTS asset_types (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    description TEXT,
    builtin     INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS asset_types_key ON asset_types (key);

-- Custom field definitions, owned by one type. `choices` and
-- `default_value` are JSON text.
CREATE TABLE IF NOT EXISTS asset_type_fields (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    type_id       INTEGER NOT NULL REFERENCES asset_types (id) ON DELETE CASCADE,
    key           TEXT    NOT NULL,
    label         TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    required      INTEGER NOT NULL,
    unique_values INTEGER NOT NULL,
    pattern       TEXT,
    min_value     REAL,
    max_value     REAL,
    choices       TEXT,
    default_value TEXT,
    help          TEXT,
    position      INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS asset_type_fields_key ON asset_type_fields (type_id, key);

CREATE TABLE IF NOT EXISTS assets (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tag           TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    type_id       INTEGER NOT NULL REFERENCES asset_types (id),
    status        TEXT    NOT NULL,
    location_id   INTEGER REFERENCES locations (id),
    parent_id     INTEGER REFERENCES assets (id),
    manufacturer  TEXT,
    model         TEXT,
    serial        TEXT,
    hostname      TEXT,
    ip            TEXT,
    mac           TEXT,
    owner         TEXT,
    department    TEXT,
    purchase_date TEXT,
    warranty_end  TEXT,
    notes         TEXT,
    custom_fields TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    created_by    TEXT,
    updated_at    TEXT    NOT NULL,
    updated_by    TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS assets_tag ON assets (tag);
CREATE INDEX IF NOT EXISTS assets_serial ON assets (serial);
CREATE INDEX IF NOT EXISTS assets_type ON assets (type_id, status);
CREATE INDEX IF NOT EXISTS assets_status ON assets (status);
CREATE INDEX IF NOT EXISTS assets_location ON assets (location_id);
CREATE INDEX IF NOT EXISTS assets_parent ON assets (parent_id);
CREATE INDEX IF NOT EXISTS assets_updated ON assets (updated_at);
CREATE INDEX IF NOT EXISTS assets_hostname ON assets (hostname);
CREATE INDEX IF NOT EXISTS assets_ip ON assets (ip);
CREATE INDEX IF NOT EXISTS assets_manufacturer ON assets (manufacturer, model);
CREATE INDEX IF NOT EXISTS assets_model ON assets (model);
CREATE INDEX IF NOT EXISTS assets_name ON assets (name);

-- Custom field values, one row per set value, for `cf_<field>` filters and
-- uniqueness within a type. `unique_key` carries the value only when the
-- field is unique, so the database enforces it.
CREATE TABLE IF NOT EXISTS asset_field_values (
    asset_id   INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    field_id   INTEGER NOT NULL REFERENCES asset_type_fields (id) ON DELETE CASCADE,
    value      TEXT    NOT NULL,
    unique_key TEXT,
    PRIMARY KEY (asset_id, field_id)
);
CREATE INDEX IF NOT EXISTS asset_field_values_value ON asset_field_values (field_id, value);
CREATE UNIQUE INDEX IF NOT EXISTS asset_field_values_unique ON asset_field_values (field_id, unique_key);

CREATE TABLE IF NOT EXISTS asset_relations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT    NOT NULL,
    source_id  INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    target_id  INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    note       TEXT,
    created_at TEXT    NOT NULL,
    created_by TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS asset_relations_edge ON asset_relations (source_id, kind, target_id);
CREATE INDEX IF NOT EXISTS asset_relations_target ON asset_relations (target_id);

-- Append-only history of inventory changes. `changes` is JSON text:
-- {"field": {"before": …, "after": …}}. No foreign keys: history outlives
-- what it describes.
CREATE TABLE IF NOT EXISTS change_log (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at               TEXT    NOT NULL,
    actor_id         INTEGER,
    actor            TEXT,
    request_id       TEXT,
    entity           TEXT    NOT NULL,
    entity_id        INTEGER NOT NULL,
    asset_id         INTEGER,
    related_asset_id INTEGER,
    action           TEXT    NOT NULL,
    summary          TEXT    NOT NULL,
    changes          TEXT    NOT NULL,
    reverts_id       INTEGER
);
CREATE INDEX IF NOT EXISTS change_log_entity ON change_log (entity, entity_id, id);
CREATE INDEX IF NOT EXISTS change_log_asset ON change_log (asset_id, id);
CREATE INDEX IF NOT EXISTS change_log_related ON change_log (related_asset_id, id);
CREATE INDEX IF NOT EXISTS change_log_at ON change_log (at);
CREATE INDEX IF NOT EXISTS change_log_actor ON change_log (actor_id, id);

-- Substring search (ADR 0006): a trigram FTS5 index of each asset's
-- searchable text; rowid = asset id.
CREATE VIRTUAL TABLE IF NOT EXISTS asset_search USING fts5 (body, tokenize = 'trigram');

INSERT OR IGNORE INTO asset_types (key, name, description, builtin, version, created_at, updated_at)
VALUES
    ('machine', 'Machine', 'Production machines: CNC, presses, robots, lines.', 1, 1,
     strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000'),
    ('computer', 'Computer', 'PCs, controller PCs, HMIs, servers, laptops.', 1, 1,
     strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000'),
    ('printer', 'Printer', 'Office and label printers.', 1, 1,
     strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000'),
    ('network_device', 'Network device', 'Switches, routers, access points, firewalls.', 1, 1,
     strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000'),
    ('other', 'Other', 'Anything else worth tracking.', 1, 1,
     strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000');
