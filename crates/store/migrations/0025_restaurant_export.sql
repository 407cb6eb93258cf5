-- The restaurant's own export (issue 15, item 4): all its data as one ZIP, made by the
-- `privacy_export` job, which reports its progress here while it runs.
ALTER TABLE privacy_exports
  ADD COLUMN kind text NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'restaurant')),
  ADD COLUMN progress integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  ALTER COLUMN subject_hash DROP NOT NULL,
  ADD CONSTRAINT privacy_exports_subject CHECK (kind = 'restaurant' OR subject_hash IS NOT NULL);
