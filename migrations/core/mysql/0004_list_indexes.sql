-- Indexes for list pages (docs/PERFORMANCE.md, "Inventory").
--
-- Lists filter by location, type and status together and sort by
-- updated_at: one index answers the filter (and the count) without
-- reading rows. It starts with location_id, so it replaces the
-- location-only index (the location foreign key uses the new one).
-- "All in-service assets", sorted by tag (the default sort): read in
-- order from (status, tag) and stopped after one page.
-- One statement, so the step is applied whole or not at all.
ALTER TABLE assets
    ADD INDEX assets_location_type (location_id, type_id, status, updated_at),
    DROP INDEX assets_location,
    ADD INDEX assets_status_tag (status, tag),
    DROP INDEX assets_status;
