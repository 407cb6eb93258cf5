-- The website widget. A guest's browser arrives knowing only the id in the script tag, so the
-- restaurant's public id lives on the platform table (random, stable, not its internal id).
ALTER TABLE restaurants ADD COLUMN public_id text;
UPDATE restaurants SET public_id = 'w' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 15);
ALTER TABLE restaurants
  ALTER COLUMN public_id SET DEFAULT 'w' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 15),
  ALTER COLUMN public_id SET NOT NULL,
  ADD CONSTRAINT restaurants_public_id_key UNIQUE (public_id),
  ADD CONSTRAINT restaurants_public_id_check CHECK (public_id ~ '^w[0-9a-f]{15}$');

-- What the restaurant sets for its widget: the website origins allowed to embed it, colour,
-- position, greeting and the privacy link shown before the first message.
CREATE TABLE widget_settings (
  restaurant_id uuid PRIMARY KEY REFERENCES restaurants ON DELETE CASCADE,
  origins text[] NOT NULL DEFAULT '{}' CHECK (cardinality(origins) <= 20),
  colour text NOT NULL DEFAULT '#8a3b12' CHECK (colour ~ '^#[0-9a-f]{6}$'),
  position text NOT NULL DEFAULT 'right' CHECK (position IN ('right', 'left')),
  greeting_de text NOT NULL DEFAULT '' CHECK (length(greeting_de) <= 300),
  greeting_en text NOT NULL DEFAULT '' CHECK (length(greeting_en) <= 300),
  privacy_url text CHECK (privacy_url ~ '^https?://' AND length(privacy_url) <= 300),
  updated_at timestamptz NOT NULL
);
SELECT make_tenant_table('widget_settings');

-- A widget conversation is found by the hash of the guest's token (the token stays in the
-- guest's browser).
ALTER TABLE conversations ADD COLUMN guest_token_hash bytea;
CREATE UNIQUE INDEX conversations_guest_token ON conversations (restaurant_id, guest_token_hash)
  WHERE guest_token_hash IS NOT NULL;
