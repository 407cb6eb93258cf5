-- A number that changes with everything an agent turn reads about its restaurant before it asks
-- the model (name, model, FAQ, and the setup: settings, opening hours, special days, closures,
-- turn times, areas, tables, combinations). The server keeps the last profile it read per
-- restaurant under this number and reads it again only when the number moved (hs_store::agent),
-- so the command line or a second server changing a setting is seen at the next turn.
--
-- Kept on the platform row of the restaurant: one row per restaurant already exists, and a bump
-- takes a FOR NO KEY UPDATE lock there, which reservations' foreign-key checks (KEY SHARE) never
-- wait for. The bump runs in the writing transaction, so a number is only ever seen together
-- with what was committed under it; a rolled-back change leaves it as it was.
ALTER TABLE restaurants ADD COLUMN setup_version bigint NOT NULL DEFAULT 0;

-- AFTER row triggers: when a restaurant is deleted and its rows go by cascade, its row is gone
-- already and the UPDATE finds nothing, so the deletion is not disturbed.
CREATE FUNCTION bump_setup_version() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  UPDATE restaurants SET setup_version = setup_version + 1
   WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.restaurant_id ELSE NEW.restaurant_id END;
  IF TG_OP = 'UPDATE' AND OLD.restaurant_id IS DISTINCT FROM NEW.restaurant_id THEN
    UPDATE restaurants SET setup_version = setup_version + 1 WHERE id = OLD.restaurant_id;
  END IF;
  RETURN NULL;
END $$;

-- A transaction of a restaurant takes its row before the first row of its setup: two team
-- members saving the floor plan at once then queue on the restaurant instead of each holding a
-- row the other needs next while waiting for the restaurant's row (a deadlock the row triggers
-- alone would make). Without a tenant (app_tenant() is NULL) this finds nothing, and the row
-- triggers still raise the number.
CREATE FUNCTION lock_setup_version() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  UPDATE restaurants SET setup_version = setup_version + 1 WHERE id = app_tenant();
  RETURN NULL;
END $$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['restaurant_settings', 'service_periods', 'special_days', 'closures',
      'turn_times', 'areas', 'tables', 'table_combinations', 'combination_tables',
      'agent_settings', 'faq_entries'] LOOP
    EXECUTE format('CREATE TRIGGER setup_version AFTER INSERT OR UPDATE OR DELETE ON %I '
                   'FOR EACH ROW EXECUTE FUNCTION bump_setup_version()', t);
    EXECUTE format('CREATE TRIGGER setup_version_first BEFORE INSERT OR UPDATE OR DELETE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION lock_setup_version()', t);
  END LOOP;
END $$;

-- The restaurant's own name is part of what the agent says.
CREATE FUNCTION bump_setup_version_on_name() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.setup_version := OLD.setup_version + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER setup_version BEFORE UPDATE OF name ON restaurants
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION bump_setup_version_on_name();
