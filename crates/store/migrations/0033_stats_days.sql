-- Statistics' daily sums (issue 16): one row per restaurant and local day that is over, holding
-- that day's reservations summed up by `hs_domain::stats::Day` (serialised) and the ids of the
-- guests with a counted visit. A year's page reads 730 of these instead of 67,000
-- reservations (bench/stats.sh). A derived table, so:
-- - kept current by invalidation in the same transaction: any insert, delete, or change of a
--   counted column of a reservation deletes the sums of the days its old and new start may
--   fall on, whatever code path made the change (trigger below). Figures never show a sum
--   that a committed change has made stale;
-- - refilled by a queue job (`stats_days`, enqueued by the statistics page when it had to sum
--   days that are over from the reservations), never by the page itself, so reads stay reads;
-- - a sum is kept with the key of the hours it was summed under (`rules_key`,
--   `hs_domain::stats::day_key`); a sum under other hours is summed again;
-- - not audited: its rows are sums of rows whose every change is audited on those rows.
CREATE TABLE stats_days (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  day date NOT NULL,
  -- The local day's first instant and the next day's, in the zone the sum was made in.
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
  rules_key text NOT NULL CHECK (length(rules_key) <= 2000),
  summary json NOT NULL,
  guests uuid[] NOT NULL,
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (restaurant_id, day)
);
SELECT make_tenant_table('stats_days');
DROP TRIGGER audit ON stats_days;

-- The sums a reservation's start at `t` can belong to: the day rows around its UTC date whose
-- instants hold it (a zone is at most 14 hours from UTC), found by the primary key.
CREATE FUNCTION stats_days_stale() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  rid uuid := coalesce(NEW.restaurant_id, OLD.restaurant_id);
  t timestamptz;
BEGIN
  -- Shared with every other writer, exclusive for the refilling job: a job's sums are read
  -- and written while no reservation of the restaurant changes, so a change committed in
  -- between can never leave a sum behind that it should have removed.
  PERFORM pg_advisory_xact_lock_shared(hashtextextended('stats_days ' || rid::text, 0));
  FOREACH t IN ARRAY ARRAY[OLD.starts_at, NEW.starts_at] LOOP
    CONTINUE WHEN t IS NULL;
    DELETE FROM stats_days
     WHERE restaurant_id = rid
       AND day BETWEEN (t AT TIME ZONE 'UTC')::date - 1 AND (t AT TIME ZONE 'UTC')::date + 1
       AND starts_at <= t AND t < ends_at;
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER stats_days_stale AFTER INSERT OR DELETE ON reservations
  FOR EACH ROW EXECUTE FUNCTION stats_days_stale();
CREATE TRIGGER stats_days_stale_update AFTER UPDATE ON reservations
  FOR EACH ROW
  WHEN ((OLD.starts_at, OLD.ends_at, OLD.created_at, OLD.party_size, OLD.status, OLD.channel, OLD.guest_id)
        IS DISTINCT FROM
        (NEW.starts_at, NEW.ends_at, NEW.created_at, NEW.party_size, NEW.status, NEW.channel, NEW.guest_id))
  EXECUTE FUNCTION stats_days_stale();
