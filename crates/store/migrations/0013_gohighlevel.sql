-- The second WhatsApp route: GoHighLevel (API 2.0) with a private integration token (sealed)
-- and the location id. A restaurant picks one route; the Meta fields are needed only for Meta.
ALTER TABLE whatsapp_settings
  ADD COLUMN route text NOT NULL DEFAULT 'meta' CHECK (route IN ('meta', 'gohighlevel')),
  ADD COLUMN ghl_token_enc text,
  ADD COLUMN ghl_location_id text CHECK (length(ghl_location_id) BETWEEN 1 AND 100),
  ALTER COLUMN phone_number_id DROP NOT NULL,
  ALTER COLUMN access_token_enc DROP NOT NULL,
  ALTER COLUMN app_secret_enc DROP NOT NULL,
  ALTER COLUMN verify_token_hash DROP NOT NULL,
  ADD CONSTRAINT whatsapp_route_complete CHECK (
    (route = 'meta' AND phone_number_id IS NOT NULL AND access_token_enc IS NOT NULL
       AND app_secret_enc IS NOT NULL AND verify_token_hash IS NOT NULL)
    OR (route = 'gohighlevel' AND ghl_token_enc IS NOT NULL AND ghl_location_id IS NOT NULL));

-- The guest's contact at HighLevel, remembered when we first write to them there, so the
-- messages HighLevel reports (by contact) find their guest.
ALTER TABLE guests ADD COLUMN ghl_contact_id text CHECK (length(ghl_contact_id) <= 100);
CREATE INDEX guests_ghl_contact ON guests (restaurant_id, ghl_contact_id) WHERE ghl_contact_id IS NOT NULL;
