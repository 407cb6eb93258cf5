-- WhatsApp through Meta's Cloud API, per restaurant: the sender's phone number id, the access
-- token and app secret (sealed with the restaurant's data key, never shown again), the
-- verify token of the webhook subscription (only its SHA-256), and the names and language
-- codes of the templates the restaurant had approved at Meta.
CREATE TABLE whatsapp_settings (
  restaurant_id uuid PRIMARY KEY REFERENCES restaurants ON DELETE CASCADE,
  phone_number_id text NOT NULL CHECK (phone_number_id ~ '^[0-9]{1,30}$'),
  access_token_enc text NOT NULL,
  app_secret_enc text NOT NULL,
  verify_token_hash bytea NOT NULL,
  -- {"confirmation": "booking_confirmed", "reminder": "booking_reminder", "cancellation": "booking_cancelled"}
  templates jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(templates) = 'object'),
  -- Our language to Meta's code: {"de": "de", "en": "en_US"}.
  languages jsonb NOT NULL DEFAULT '{"de": "de", "en": "en"}'::jsonb CHECK (jsonb_typeof(languages) = 'object'),
  updated_at timestamptz NOT NULL
);
SELECT make_tenant_table('whatsapp_settings');

-- When a guest last wrote to the restaurant on WhatsApp: free-form text may be sent for
-- 24 hours after that (Meta's customer-service window); templates at any time.
ALTER TABLE guests ADD COLUMN whatsapp_last_inbound_at timestamptz;

-- Messages guests send (WhatsApp today): kept for the team's view of the guest until the chat
-- agent answers them. The text is personal data, purged with the guest's other messages.
CREATE TABLE inbound_messages (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  guest_id uuid,
  channel text NOT NULL CHECK (channel IN ('whatsapp')),
  provider_message_id text NOT NULL CHECK (length(provider_message_id) <= 200),
  from_address text NOT NULL CHECK (length(from_address) <= 40),
  body text CHECK (length(body) <= 10000),
  kind text NOT NULL CHECK (length(kind) <= 30),
  received_at timestamptz NOT NULL,
  body_purged_at timestamptz,
  PRIMARY KEY (restaurant_id, id),
  FOREIGN KEY (restaurant_id, guest_id) REFERENCES guests (restaurant_id, id) ON DELETE SET NULL (guest_id)
);
CREATE UNIQUE INDEX inbound_messages_provider ON inbound_messages (restaurant_id, channel, provider_message_id);
CREATE INDEX inbound_messages_guest ON inbound_messages (restaurant_id, guest_id, received_at);
SELECT make_tenant_table('inbound_messages');

-- Guests' messages are purged like ours (crates/store/src/privacy/messages.rs).
ALTER TABLE deletion_protocol DROP CONSTRAINT deletion_protocol_category_check;
ALTER TABLE deletion_protocol ADD CONSTRAINT deletion_protocol_category_check
  CHECK (category IN ('voice_calls_anonymised', 'voice_events_deleted', 'idempotency_records_deleted',
                      'message_bodies_purged', 'guest_links_deleted', 'inbound_messages_purged'));
