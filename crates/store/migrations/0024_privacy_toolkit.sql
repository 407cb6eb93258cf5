-- The privacy toolkit (issue 15): a person's data found, exported, anonymised or deleted on
-- request, with a protocol row per category that names no one.

-- An anonymised guest card keeps counts for the statistics, nothing that identifies.
ALTER TABLE guests ADD COLUMN anonymised_at timestamptz;

-- The protocol names the subject only by a salted hash (so a second request for the same
-- person can be recognised) and says who asked; categories are checked by shape, as every
-- shredder names its own (crates/store/src/privacy/).
ALTER TABLE deletion_protocol DROP CONSTRAINT deletion_protocol_category_check;
ALTER TABLE deletion_protocol ADD CONSTRAINT deletion_protocol_category_check
  CHECK (category ~ '^[a-z_]{3,60}$');
ALTER TABLE deletion_protocol DROP CONSTRAINT deletion_protocol_reason_check;
ALTER TABLE deletion_protocol ADD CONSTRAINT deletion_protocol_reason_check
  CHECK (reason IN ('retention', 'erasure', 'anonymise', 'delete', 'export'));
ALTER TABLE deletion_protocol
  ADD COLUMN subject_hash text CHECK (subject_hash ~ '^[0-9a-f]{64}$'),
  ADD COLUMN actor text CHECK (length(actor) <= 100);

-- A person's export (Art. 15 and 20 GDPR): asked for in the dashboard, made by the
-- `privacy_export` job into the file store, downloaded once through a link that expires.
-- Whom it is about is sealed and cleared once the file is made; the file goes once it was
-- downloaded or expired.
CREATE TABLE privacy_exports (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'ready', 'downloaded', 'expired', 'failed')),
  subject_enc text,
  subject_hash text NOT NULL CHECK (subject_hash ~ '^[0-9a-f]{64}$'),
  requested_by text NOT NULL CHECK (length(requested_by) <= 100),
  object_key text CHECK (length(object_key) <= 300),
  token_hash bytea,
  rows_exported integer,
  size integer,
  created_at timestamptz NOT NULL,
  ready_at timestamptz,
  expires_at timestamptz NOT NULL,
  downloaded_at timestamptz,
  PRIMARY KEY (restaurant_id, id)
);
CREATE INDEX privacy_exports_created ON privacy_exports (restaurant_id, created_at DESC);
SELECT make_tenant_table('privacy_exports');
