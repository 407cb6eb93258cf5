-- Offboarding (issue 15, item 5; DPA § 11.2–11.3): the operator ends a restaurant's contract
-- (`contract_ended_at`, which existed unused); 30 days later (`deletion_due_at`) every row of
-- the restaurant is deleted in batches, its files too; only the restaurant's row (id, name,
-- dates) and its deletion protocol with the confirmation remain. `offboarding_notices` lists
-- the mails already sent to its owners (notice, reminder_7, reminder_1, done).
ALTER TABLE restaurants
  ADD COLUMN deletion_due_at timestamptz,
  ADD COLUMN deleted_at timestamptz,
  ADD COLUMN offboarding_notices text[] NOT NULL DEFAULT '{}',
  ADD CONSTRAINT restaurants_deletion_after_end CHECK (deletion_due_at IS NULL OR contract_ended_at IS NOT NULL);

-- The audit log is not the app's to delete: once the restaurant is due, this removes its rows
-- (the tenant of the transaction only, as row-level security still applies to the owner).
CREATE FUNCTION purge_restaurant_audit() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM restaurants WHERE id = app_tenant() AND deletion_due_at <=
       coalesce(nullif(current_setting('app.now', true), '')::timestamptz, now())) THEN
    RAISE EXCEPTION 'the restaurant is not due for deletion' USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM audit_log WHERE restaurant_id = app_tenant();
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
REVOKE ALL ON FUNCTION purge_restaurant_audit() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_restaurant_audit() TO {{app}};

-- The confirmation of a restaurant's deletion is a protocol row of its own reason.
ALTER TABLE deletion_protocol DROP CONSTRAINT deletion_protocol_reason_check;
ALTER TABLE deletion_protocol ADD CONSTRAINT deletion_protocol_reason_check
  CHECK (reason IN ('retention', 'erasure', 'anonymise', 'delete', 'export', 'offboarding'));
