-- Voice-AI phone agents: per-restaurant webhook secrets, the call log, its append-only event
-- log, and the deletion protocol the nightly retention job writes.

-- The voice secret is stored as a SHA-256 hash (it is shown once); during a rotation the
-- previous secret stays valid until `previous_until`. The Retell API key signs Retell's
-- requests, so it must be readable: it is sealed with the restaurant's data key.
CREATE TABLE voice_settings (
  restaurant_id uuid PRIMARY KEY REFERENCES restaurants ON DELETE CASCADE,
  secret_hash bytea,
  previous_hash bytea,
  previous_until timestamptz,
  vapi_header text NOT NULL DEFAULT 'x-vapi-secret' CHECK (vapi_header ~ '^[a-z0-9-]{1,64}$'),
  retell_key_enc text,
  retention_days integer NOT NULL DEFAULT 90 CHECK (retention_days BETWEEN 1 AND 90),
  language text NOT NULL DEFAULT 'de' CHECK (language IN ('de', 'en')),
  updated_at timestamptz NOT NULL
);
SELECT make_tenant_table('voice_settings');

-- One row per call. Transcript and summary are sealed with the data key (callers mention
-- allergies and health); after the retention period they, the caller number and the recording
-- link are removed and `anonymised_at` is set, keeping time, duration and outcome.
CREATE TABLE voice_calls (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  provider text NOT NULL CHECK (provider IN ('vapi', 'retell', 'generic')),
  external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
  caller text CHECK (caller ~ '^\+[1-9][0-9]{6,14}$'),
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  duration_seconds integer CHECK (duration_seconds >= 0),
  language text NOT NULL DEFAULT 'de' CHECK (language IN ('de', 'en')),
  outcome text CHECK (outcome IN ('booked', 'changed', 'cancelled', 'informed', 'handed_over', 'failed', 'abandoned')),
  transcript_enc text,
  summary_enc text,
  recording_url text CHECK (length(recording_url) <= 2000),
  ended_reason text CHECK (length(ended_reason) <= 200),
  reservation_id uuid,
  anonymised_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (restaurant_id, id),
  CONSTRAINT voice_calls_external_key UNIQUE (restaurant_id, provider, external_id),
  FOREIGN KEY (restaurant_id, reservation_id) REFERENCES reservations (restaurant_id, id) ON DELETE SET NULL (reservation_id)
);
SELECT make_tenant_table('voice_calls');
CREATE INDEX voice_calls_started_idx ON voice_calls (restaurant_id, started_at DESC);
CREATE INDEX voice_calls_reservation_idx ON voice_calls (restaurant_id, reservation_id) WHERE reservation_id IS NOT NULL;

-- Every tool call and status event of a call, with a minimised payload (no secrets, no
-- transcript). Append-only for the app: rows are never changed, and only the retention job
-- deletes them after 30 days.
CREATE TABLE voice_events (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  call_id uuid NOT NULL,
  at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('tool_call', 'status', 'end_of_call', 'other')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  tool_call_id text CHECK (length(tool_call_id) <= 200),
  ok boolean,
  payload jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (restaurant_id, id),
  FOREIGN KEY (restaurant_id, call_id) REFERENCES voice_calls (restaurant_id, id) ON DELETE CASCADE
);
SELECT make_tenant_table('voice_events');
CREATE INDEX voice_events_call_idx ON voice_events (restaurant_id, call_id, at);
CREATE INDEX voice_events_at_idx ON voice_events (restaurant_id, at);
REVOKE UPDATE ON voice_events FROM {{app}};

-- What each retention run removed, per restaurant and category; restaurants may ask for it
-- (DPA § 11.4). Append-only for the app.
CREATE TABLE deletion_protocol (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  category text NOT NULL CHECK (category IN ('voice_calls_anonymised', 'voice_events_deleted', 'idempotency_records_deleted')),
  rows_affected bigint NOT NULL CHECK (rows_affected >= 0),
  cutoff timestamptz NOT NULL,
  ran_at timestamptz NOT NULL,
  PRIMARY KEY (restaurant_id, id)
);
SELECT make_tenant_table('deletion_protocol');
CREATE INDEX deletion_protocol_ran_idx ON deletion_protocol (restaurant_id, ran_at DESC);
REVOKE UPDATE, DELETE ON deletion_protocol FROM {{app}};
