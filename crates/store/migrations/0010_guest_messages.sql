-- Guest messages: the outbox of confirmations, changes, cancellations and reminders, the
-- guest's self-service links, WhatsApp consent, and the settings that steer them.

-- Reminder lead (0 = no reminders), how late a guest may still cancel on their own, the local
-- time of the team's digest, and the restaurant's own short paragraph per message kind
-- ({"confirmation": {"de": "...", "en": "..."}}).
ALTER TABLE restaurant_settings
  ADD COLUMN reminder_hours integer NOT NULL DEFAULT 24 CHECK (reminder_hours BETWEEN 0 AND 168),
  ADD COLUMN cancel_cutoff_minutes integer NOT NULL DEFAULT 120 CHECK (cancel_cutoff_minutes BETWEEN 0 AND 10080),
  ADD COLUMN digest_time time NOT NULL DEFAULT '09:00',
  ADD COLUMN message_paragraphs jsonb NOT NULL DEFAULT '{}'::jsonb
    CHECK (jsonb_typeof(message_paragraphs) = 'object' AND length(message_paragraphs::text) <= 20000);

-- A hard bounce marks an address as not deliverable (no more mail to it until it changes);
-- WhatsApp messages need the guest's opt-in, recorded with its time and channel.
ALTER TABLE guests
  ADD COLUMN email_undeliverable_at timestamptz,
  ADD COLUMN whatsapp_opt_in_at timestamptz,
  ADD COLUMN whatsapp_opt_in_channel text CHECK (length(whatsapp_opt_in_channel) <= 30),
  ADD COLUMN whatsapp_opt_out_at timestamptz;

-- The calendar file's SEQUENCE: raised with every change the guest is told about, so their
-- calendar replaces the earlier version (RFC 5545 3.8.7.4).
ALTER TABLE reservations ADD COLUMN sequence integer NOT NULL DEFAULT 0;

-- Links to the guest's self-service page, one per message that carries one. The token is
-- 128 random bits in the link and only its SHA-256 here; it works until the reservation ends.
CREATE TABLE guest_links (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  reservation_id uuid NOT NULL,
  token_hash bytea NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (restaurant_id, id),
  FOREIGN KEY (restaurant_id, reservation_id) REFERENCES reservations (restaurant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX guest_links_token ON guest_links (restaurant_id, token_hash);
CREATE INDEX guest_links_reservation ON guest_links (restaurant_id, reservation_id);
SELECT make_tenant_table('guest_links');

-- One message to a guest (or a member of the team), written in the transaction of the change
-- that causes it and sent by a queue job. `params` holds the facts at the time of the change
-- (code, date, time, party size, sequence); the rendered texts are written at the first send
-- attempt and purged after 30 days (`body_purged_at`), the metadata stays.
CREATE TABLE messages (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  reservation_id uuid,
  guest_id uuid,
  user_id uuid REFERENCES users ON DELETE SET NULL,
  recipient text NOT NULL CHECK (recipient IN ('guest', 'team')),
  channel text NOT NULL CHECK (channel IN ('email', 'whatsapp')),
  kind text NOT NULL CHECK (kind IN ('confirmation', 'pending', 'approved', 'declined', 'changed',
                                     'cancelled', 'reminder', 'transcript', 'digest', 'test')),
  language text NOT NULL CHECK (language IN ('de', 'en')),
  to_address text CHECK (length(to_address) <= 254),
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  subject text CHECK (length(subject) <= 300),
  body_text text CHECK (length(body_text) <= 100000),
  body_html text CHECK (length(body_html) <= 200000),
  provider text CHECK (length(provider) <= 30),
  provider_message_id text CHECK (length(provider_message_id) <= 200),
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'sent', 'delivered', 'bounced', 'failed', 'read', 'skipped')),
  -- Why it failed or was skipped, as the provider said it (shown to the team).
  reason text CHECK (length(reason) <= 1000),
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  sent_at timestamptz,
  delivered_at timestamptz,
  read_at timestamptz,
  failed_at timestamptz,
  updated_at timestamptz NOT NULL,
  body_purged_at timestamptz,
  PRIMARY KEY (restaurant_id, id),
  FOREIGN KEY (restaurant_id, reservation_id) REFERENCES reservations (restaurant_id, id) ON DELETE SET NULL (reservation_id),
  FOREIGN KEY (restaurant_id, guest_id) REFERENCES guests (restaurant_id, id) ON DELETE SET NULL (guest_id)
);
CREATE INDEX messages_reservation ON messages (restaurant_id, reservation_id, created_at);
CREATE INDEX messages_guest ON messages (restaurant_id, guest_id, created_at);
CREATE INDEX messages_failed ON messages (restaurant_id, created_at) WHERE status = 'failed';
CREATE INDEX messages_bodies ON messages (created_at) WHERE body_purged_at IS NULL;
SELECT make_tenant_table('messages');

-- Delivery webhooks name a message by the provider's id and nothing else: this platform table
-- finds its restaurant (ids only, no personal data).
CREATE TABLE message_refs (
  provider text NOT NULL,
  provider_message_id text NOT NULL,
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  message_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (provider, provider_message_id)
);
CREATE INDEX message_refs_created ON message_refs (created_at);

-- Webhook deliveries already processed, by the provider's event id: a replay does nothing.
CREATE TABLE webhook_events (
  provider text NOT NULL,
  event_id text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 200),
  received_at timestamptz NOT NULL,
  PRIMARY KEY (provider, event_id)
);
CREATE INDEX webhook_events_received ON webhook_events (received_at);

