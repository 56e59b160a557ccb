-- Search blocks (ADR 0006): a search reads the blocks holding the text
-- first (one row per 64 assets), then only those blocks' assets.
--
-- The per-asset texts are clustered by block (asset_id DIV 64) and carry
-- the tag, so a search sorted by tag is paged without reading `assets`.
-- One ALTER, so the step is applied whole or not at all.
ALTER TABLE asset_search
    ADD COLUMN block BIGINT NOT NULL DEFAULT 0 FIRST,
    ADD COLUMN tag VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '' AFTER asset_id,
    DROP PRIMARY KEY,
    ADD PRIMARY KEY (block, asset_id),
    ADD UNIQUE KEY asset_search_asset (asset_id);

UPDATE asset_search s JOIN assets a ON a.id = s.asset_id
SET s.block = s.asset_id DIV 64, s.tag = a.tag;

-- Each block's texts joined by newlines. A block holds every text of its
-- assets (never fewer: a search would miss them); writes rebuild their
-- blocks before they commit.
CREATE TABLE IF NOT EXISTS asset_search_blocks (
    block BIGINT     NOT NULL,
    body  MEDIUMBLOB NOT NULL,
    PRIMARY KEY (block)
) ENGINE=InnoDB;

-- 64 texts of at most 4,000 bytes; the session limit is set here too, so
-- the step never depends on the connection's setup.
SET SESSION group_concat_max_len = 16777216;

DELETE FROM asset_search_blocks;

INSERT INTO asset_search_blocks (block, body)
SELECT block, GROUP_CONCAT(body ORDER BY asset_id SEPARATOR '\n')
FROM asset_search
GROUP BY block;
