-- The privacy module's shredders (crates/store/src/privacy). Audit rows are never deleted:
-- when the data a row speaks of is anonymised or deleted, the row is marked shredded, so the
-- trail still proves what happened without pointing at data that is gone.
ALTER TABLE audit_log ADD COLUMN shredded_at timestamptz;

-- The app role may not write the audit log; this marks rows of the current tenant (the owner
-- runs under FORCE ROW LEVEL SECURITY too) and nothing else.
CREATE FUNCTION mark_audit_shredded(p_table text, p_row_ids text[], p_at timestamptz) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  WITH marked AS (
    UPDATE audit_log SET shredded_at = p_at
     WHERE table_name = p_table AND row_id = ANY (p_row_ids) AND shredded_at IS NULL
    RETURNING 1)
  SELECT count(*) FROM marked
$$;
REVOKE ALL ON FUNCTION mark_audit_shredded(text, text[], timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mark_audit_shredded(text, text[], timestamptz) TO {{app}};

-- Why a protocol row was written: the nightly retention run, or a data subject's erasure.
ALTER TABLE deletion_protocol
  ADD COLUMN reason text NOT NULL DEFAULT 'retention' CHECK (reason IN ('retention', 'erasure'));
