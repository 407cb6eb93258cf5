-- Live updates: every change to a reservation notifies `hs_reservations` with the restaurant
-- and reservation ids only (no personal data). Servers LISTEN once each and pass an event to
-- the open dashboards of that restaurant; NOTIFY is delivered at commit, never for a rollback.
CREATE FUNCTION notify_reservation() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  PERFORM pg_notify('hs_reservations', r.restaurant_id::text || ' ' || r.id::text);
  RETURN NULL;
END $$;

CREATE TRIGGER notify AFTER INSERT OR UPDATE OR DELETE ON reservations
  FOR EACH ROW EXECUTE FUNCTION notify_reservation();
