-- The hosted booking page /book/<slug>: a restaurant's readable, unique address part, made
-- from its name ("Trattoria Demo" -> trattoria-demo; a second restaurant of the same name gets
-- a piece of its id appended). New restaurants get theirs from the application (same rule).
ALTER TABLE restaurants ADD COLUMN slug text;
WITH base AS (
  SELECT id,
         coalesce(nullif(btrim(left(btrim(regexp_replace(
           replace(replace(replace(replace(lower(name), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss'),
           '[^a-z0-9]+', '-', 'g'), '-'), 50), '-'), ''), 'restaurant') AS slug
  FROM restaurants
), numbered AS (
  SELECT id, slug, row_number() OVER (PARTITION BY slug ORDER BY id) AS n FROM base
)
UPDATE restaurants r
   SET slug = CASE WHEN numbered.n = 1 THEN numbered.slug
                   ELSE numbered.slug || '-' || substr(replace(r.id::text, '-', ''), 1, 6) END
  FROM numbered WHERE numbered.id = r.id;
ALTER TABLE restaurants
  ALTER COLUMN slug SET NOT NULL,
  ADD CONSTRAINT restaurants_slug_key UNIQUE (slug),
  ADD CONSTRAINT restaurants_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60);

-- Bookings a guest makes on the hosted page or in the widget's form: their own channel.
ALTER TABLE reservations DROP CONSTRAINT reservations_channel_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_channel_check
  CHECK (channel IN ('phone_ai', 'chat', 'whatsapp', 'email', 'dashboard', 'walk_in', 'api', 'online'));
