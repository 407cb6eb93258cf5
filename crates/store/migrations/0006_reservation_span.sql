-- A reservation lasts at most a day (turn times are at most 12 hours). With this bound the
-- availability read of a day scans the index on (restaurant_id, starts_at) from both sides
-- instead of every earlier reservation of the restaurant.
ALTER TABLE reservations ADD CONSTRAINT reservations_span_max CHECK (ends_at - starts_at <= interval '1 day');
