-- Indexes for list pages (docs/PERFORMANCE.md, "Inventory").
--
-- Lists filter by location, type and status together and sort by
-- updated_at: one index answers the filter (and the count) without
-- reading rows. It starts with location_id, so it replaces the
-- location-only index.
CREATE INDEX IF NOT EXISTS assets_location_type ON assets (location_id, type_id, status, updated_at);
DROP INDEX IF EXISTS assets_location;
-- "All in-service assets", sorted by tag (the default sort): read in
-- order from the index and stopped after one page, instead of sorting
-- every match.
CREATE INDEX IF NOT EXISTS assets_status_tag ON assets (status, tag);
DROP INDEX IF EXISTS assets_status;
