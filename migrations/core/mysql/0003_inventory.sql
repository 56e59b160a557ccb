-- The inventory: locations, asset types with their custom field
-- definitions, assets, relations, the change log and the search table.
-- Indexes are declared inside CREATE TABLE IF NOT EXISTS so the step stays
-- safe to run again (MySQL DDL commits as it goes).

-- A tree. `lineage` is the chain of ids from the root to this node
-- ("/1/5/9/"), so a subtree is one prefix match and a move is one update;
-- `path` is the same chain as names ("Plant 1 / Hall B / Cell 4").
CREATE TABLE IF NOT EXISTS locations (
    id          BIGINT        NOT NULL AUTO_INCREMENT,
    parent_id   BIGINT        NULL,
    name        VARCHAR(200)  NOT NULL,
    kind        VARCHAR(32)   NOT NULL,
    lineage     VARCHAR(600)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    path        TEXT          NOT NULL,
    depth       INT           NOT NULL,
    floor_x     DOUBLE        NULL,
    floor_y     DOUBLE        NULL,
    notes       TEXT          NULL,
    version     BIGINT        NOT NULL,
    created_at  DATETIME(6)   NOT NULL,
    updated_at  DATETIME(6)   NOT NULL,
    PRIMARY KEY (id),
    KEY locations_parent (parent_id, name),
    KEY locations_lineage (lineage),
    CONSTRAINT locations_parent_fk FOREIGN KEY (parent_id) REFERENCES locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS asset_types (
    id          BIGINT       NOT NULL AUTO_INCREMENT,
    `key`       VARCHAR(64)  NOT NULL,
    name        VARCHAR(200) NOT NULL,
    description TEXT         NULL,
    builtin     TINYINT      NOT NULL,
    version     BIGINT       NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY asset_types_key (`key`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Custom field definitions, owned by one type. `choices` and
-- `default_value` are JSON text.
CREATE TABLE IF NOT EXISTS asset_type_fields (
    id            BIGINT       NOT NULL AUTO_INCREMENT,
    type_id       BIGINT       NOT NULL,
    `key`         VARCHAR(64)  NOT NULL,
    label         VARCHAR(200) NOT NULL,
    kind          VARCHAR(16)  NOT NULL,
    required      TINYINT      NOT NULL,
    unique_values TINYINT      NOT NULL,
    pattern       TEXT         NULL,
    min_value     DOUBLE       NULL,
    max_value     DOUBLE       NULL,
    choices       TEXT         NULL,
    default_value TEXT         NULL,
    help          TEXT         NULL,
    position      INT          NOT NULL,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY asset_type_fields_key (type_id, `key`),
    CONSTRAINT asset_type_fields_type_fk FOREIGN KEY (type_id) REFERENCES asset_types (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS assets (
    id            BIGINT       NOT NULL AUTO_INCREMENT,
    tag           VARCHAR(64)  NOT NULL,
    name          VARCHAR(200) NOT NULL,
    type_id       BIGINT       NOT NULL,
    status        VARCHAR(16)  NOT NULL,
    location_id   BIGINT       NULL,
    parent_id     BIGINT       NULL,
    manufacturer  VARCHAR(200) NULL,
    model         VARCHAR(200) NULL,
    serial        VARCHAR(200) NULL,
    hostname      VARCHAR(253) NULL,
    ip            VARCHAR(45)  NULL,
    mac           VARCHAR(17)  NULL,
    owner         VARCHAR(200) NULL,
    department    VARCHAR(200) NULL,
    purchase_date CHAR(10)     NULL,
    warranty_end  CHAR(10)     NULL,
    notes         TEXT         NULL,
    custom_fields TEXT         NOT NULL,
    version       BIGINT       NOT NULL,
    created_at    DATETIME(6)  NOT NULL,
    created_by    VARCHAR(100) NULL,
    updated_at    DATETIME(6)  NOT NULL,
    updated_by    VARCHAR(100) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY assets_tag (tag),
    KEY assets_serial (serial),
    KEY assets_type (type_id, status),
    KEY assets_status (status),
    KEY assets_location (location_id),
    KEY assets_parent (parent_id),
    KEY assets_updated (updated_at),
    KEY assets_hostname (hostname),
    KEY assets_ip (ip),
    KEY assets_manufacturer (manufacturer, model),
    KEY assets_model (model),
    KEY assets_name (name),
    CONSTRAINT assets_type_fk FOREIGN KEY (type_id) REFERENCES asset_types (id),
    CONSTRAINT assets_location_fk FOREIGN KEY (location_id) REFERENCES locations (id),
    CONSTRAINT assets_parent_fk FOREIGN KEY (parent_id) REFERENCES assets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Custom field values, one row per set value, for `cf_<field>` filters and
-- uniqueness within a type. `unique_key` carries the value only when the
-- field is unique, so the database enforces it.
CREATE TABLE IF NOT EXISTS asset_field_values (
    asset_id   BIGINT        NOT NULL,
    field_id   BIGINT        NOT NULL,
    value      VARCHAR(1000) NOT NULL,
    unique_key VARCHAR(700)  NULL,
    PRIMARY KEY (asset_id, field_id),
    KEY asset_field_values_value (field_id, value(190)),
    UNIQUE KEY asset_field_values_unique (field_id, unique_key),
    CONSTRAINT asset_field_values_asset_fk FOREIGN KEY (asset_id) REFERENCES assets (id) ON DELETE CASCADE,
    CONSTRAINT asset_field_values_field_fk FOREIGN KEY (field_id) REFERENCES asset_type_fields (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS asset_relations (
    id         BIGINT       NOT NULL AUTO_INCREMENT,
    kind       VARCHAR(32)  NOT NULL,
    source_id  BIGINT       NOT NULL,
    target_id  BIGINT       NOT NULL,
    note       TEXT         NULL,
    created_at DATETIME(6)  NOT NULL,
    created_by VARCHAR(100) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY asset_relations_edge (source_id, kind, target_id),
    KEY asset_relations_target (target_id),
    CONSTRAINT asset_relations_source_fk FOREIGN KEY (source_id) REFERENCES assets (id) ON DELETE CASCADE,
    CONSTRAINT asset_relations_target_fk FOREIGN KEY (target_id) REFERENCES assets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Append-only history of inventory changes. `changes` is JSON text:
-- {"field": {"before": …, "after": …}}. No foreign keys: history outlives
-- what it describes.
CREATE TABLE IF NOT EXISTS change_log (
    id               BIGINT       NOT NULL AUTO_INCREMENT,
    at               DATETIME(6)  NOT NULL,
    actor_id         BIGINT       NULL,
    actor            VARCHAR(100) NULL,
    request_id       VARCHAR(100) NULL,
    entity           VARCHAR(32)  NOT NULL,
    entity_id        BIGINT       NOT NULL,
    asset_id         BIGINT       NULL,
    related_asset_id BIGINT       NULL,
    action           VARCHAR(32)  NOT NULL,
    summary          VARCHAR(500) NOT NULL,
    changes          MEDIUMTEXT   NOT NULL,
    reverts_id       BIGINT       NULL,
    PRIMARY KEY (id),
    KEY change_log_entity (entity, entity_id, id),
    KEY change_log_asset (asset_id, id),
    KEY change_log_related (related_asset_id, id),
    KEY change_log_at (at),
    KEY change_log_actor (actor_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Substring search (ADR 0006): each asset's searchable text, lowercased
-- UTF-8 (at most 4000 bytes), in a narrow table. VARBINARY: LIKE compares
-- bytes, about twice as fast a scan as a utf8mb4_bin column, and the same
-- answer since both sides are lower case.
CREATE TABLE IF NOT EXISTS asset_search (
    asset_id BIGINT        NOT NULL,
    body     VARBINARY(4000) NOT NULL,
    PRIMARY KEY (asset_id),
    CONSTRAINT asset_search_asset_fk FOREIGN KEY (asset_id) REFERENCES assets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT IGNORE INTO asset_types (`key`, name, description, builtin, version, created_at, updated_at)
VALUES
    ('machine', 'Machine', 'Production machines: CNC, presses, robots, lines.', 1, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('computer', 'Computer', 'PCs, controller PCs, HMIs, servers, laptops.', 1, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('printer', 'Printer', 'Office and label printers.', 1, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('network_device', 'Network device', 'Switches, routers, access points, firewalls.', 1, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('other', 'Other', 'Anything else worth tracking.', 1, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
