-- Audit ids came from one counter across all restaurants, so a tenant could watch the gaps
-- and see how busy the others were. The counter stays as the internal order (`seq`, never
-- shown); the id the API shows is a random UUID that says nothing.
ALTER TABLE audit_log RENAME COLUMN id TO seq;
ALTER TABLE audit_log ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX audit_log_id_key ON audit_log (restaurant_id, id);
