-- Reservations: restaurant setup, tables, guests, reservations with an exclusion constraint
-- that makes double-booking a table impossible, and idempotency records.

CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE restaurant_settings
  ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/Berlin',
  ADD COLUMN languages text[] NOT NULL DEFAULT '{de,en}',
  ADD COLUMN street text NOT NULL DEFAULT '',
  ADD COLUMN postcode text NOT NULL DEFAULT '',
  ADD COLUMN city text NOT NULL DEFAULT '',
  ADD COLUMN country text NOT NULL DEFAULT 'DE' CHECK (country ~ '^[A-Z]{2}$'),
  ADD COLUMN phone text NOT NULL DEFAULT '',
  ADD COLUMN email text NOT NULL DEFAULT '',
  ADD COLUMN website text NOT NULL DEFAULT '',
  ADD COLUMN slot_minutes integer NOT NULL DEFAULT 15 CHECK (slot_minutes IN (5, 10, 15, 20, 30, 60)),
  ADD COLUMN horizon_days integer NOT NULL DEFAULT 90 CHECK (horizon_days BETWEEN 1 AND 730),
  ADD COLUMN lead_minutes integer NOT NULL DEFAULT 60 CHECK (lead_minutes BETWEEN 0 AND 10080),
  ADD COLUMN pacing_covers integer CHECK (pacing_covers > 0),
  ADD COLUMN approval_above integer NOT NULL DEFAULT 8 CHECK (approval_above > 0),
  ADD COLUMN staff_read_special boolean NOT NULL DEFAULT false;

CREATE TABLE service_periods (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  weekday smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),  -- 0 = Monday
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  start_time time NOT NULL,
  end_time time NOT NULL,
  last_seating time NOT NULL,
  PRIMARY KEY (restaurant_id, id)
);
SELECT make_tenant_table('service_periods');

-- Days with their own hours (holidays, events): these periods replace the weekday's.
CREATE TABLE special_days (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  day date NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  start_time time NOT NULL,
  end_time time NOT NULL,
  last_seating time NOT NULL,
  PRIMARY KEY (restaurant_id, id)
);
SELECT make_tenant_table('special_days');

CREATE TABLE closures (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  first_day date NOT NULL,
  last_day date NOT NULL,
  reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
  PRIMARY KEY (restaurant_id, id),
  CHECK (first_day <= last_day)
);
SELECT make_tenant_table('closures');

CREATE TABLE turn_times (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  min_party integer NOT NULL CHECK (min_party >= 1),
  max_party integer CHECK (max_party >= min_party),
  minutes integer NOT NULL CHECK (minutes BETWEEN 15 AND 720),
  PRIMARY KEY (restaurant_id, id)
);
SELECT make_tenant_table('turn_times');

CREATE TABLE areas (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  position integer NOT NULL DEFAULT 0,
  PRIMARY KEY (restaurant_id, id),
  CONSTRAINT areas_name_key UNIQUE (restaurant_id, name)
);
SELECT make_tenant_table('areas');

CREATE TABLE tables (
  restaurant_id uuid NOT NULL,
  id uuid NOT NULL,
  area_id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 30),
  min_seats integer NOT NULL CHECK (min_seats >= 1),
  max_seats integer NOT NULL CHECK (max_seats >= min_seats AND max_seats <= 50),
  bookable_online boolean NOT NULL DEFAULT true,
  position integer NOT NULL DEFAULT 0,
  PRIMARY KEY (restaurant_id, id),
  CONSTRAINT tables_name_key UNIQUE (restaurant_id, name),
  FOREIGN KEY (restaurant_id, area_id) REFERENCES areas (restaurant_id, id)
);
SELECT make_tenant_table('tables');

CREATE TABLE table_combinations (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  min_seats integer NOT NULL CHECK (min_seats >= 1),
  max_seats integer NOT NULL CHECK (max_seats >= min_seats AND max_seats <= 100),
  PRIMARY KEY (restaurant_id, id),
  CONSTRAINT table_combinations_name_key UNIQUE (restaurant_id, name)
);
SELECT make_tenant_table('table_combinations');

CREATE TABLE combination_tables (
  restaurant_id uuid NOT NULL,
  combination_id uuid NOT NULL,
  table_id uuid NOT NULL,
  PRIMARY KEY (restaurant_id, combination_id, table_id),
  FOREIGN KEY (restaurant_id, combination_id) REFERENCES table_combinations (restaurant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (restaurant_id, table_id) REFERENCES tables (restaurant_id, id) ON DELETE CASCADE
);
SELECT make_tenant_table('combination_tables');

CREATE TABLE guests (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  salutation text NOT NULL DEFAULT '' CHECK (length(salutation) <= 30),
  phone text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
  email text CHECK (length(email) <= 254),
  language text NOT NULL DEFAULT 'de' CHECK (language IN ('de', 'en')),
  tags text[] NOT NULL DEFAULT '{}',
  notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  -- Special-category notes (Art. 9 GDPR: allergies, pregnancy, religious diet,
  -- accessibility), sealed with the restaurant's data key; never in clear in the database.
  special_enc text,
  visit_count integer NOT NULL DEFAULT 0,
  no_show_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (restaurant_id, id)
);
CREATE INDEX guests_phone_idx ON guests (restaurant_id, phone);
CREATE INDEX guests_email_idx ON guests (restaurant_id, email);
CREATE INDEX guests_name_idx ON guests (restaurant_id, lower(name) text_pattern_ops);
SELECT make_tenant_table('guests');

CREATE TABLE reservations (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  code text NOT NULL CHECK (code ~ '^[A-Z0-9]{6}$'),
  guest_id uuid,
  party_size integer NOT NULL CHECK (party_size BETWEEN 1 AND 100),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'seated', 'completed', 'cancelled', 'no_show')),
  channel text NOT NULL CHECK (channel IN ('phone_ai', 'chat', 'whatsapp', 'email', 'dashboard', 'walk_in', 'api')),
  notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  special_enc text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (restaurant_id, id),
  CONSTRAINT reservations_code_key UNIQUE (restaurant_id, code),
  FOREIGN KEY (restaurant_id, guest_id) REFERENCES guests (restaurant_id, id),
  CHECK (starts_at < ends_at)
);
CREATE INDEX reservations_day_idx ON reservations (restaurant_id, starts_at);
SELECT make_tenant_table('reservations');

-- The last guarantee: a table is never held by two reservations at once. `holds` is true for
-- pending, confirmed and seated reservations and is cleared when one ends otherwise.
CREATE TABLE reservation_tables (
  restaurant_id uuid NOT NULL,
  reservation_id uuid NOT NULL,
  table_id uuid NOT NULL,
  during tstzrange NOT NULL,
  holds boolean NOT NULL DEFAULT true,
  PRIMARY KEY (restaurant_id, reservation_id, table_id),
  FOREIGN KEY (restaurant_id, reservation_id) REFERENCES reservations (restaurant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (restaurant_id, table_id) REFERENCES tables (restaurant_id, id),
  CONSTRAINT reservation_tables_no_overlap
    EXCLUDE USING gist (restaurant_id WITH =, table_id WITH =, during WITH &&) WHERE (holds)
);
SELECT make_tenant_table('reservation_tables');

-- Idempotency of creating requests: the same key returns the stored response for 24 h.
CREATE TABLE idempotency_records (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  scope text NOT NULL,
  request_hash bytea NOT NULL,
  status_code integer NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (restaurant_id, scope, key)
);
SELECT make_tenant_table('idempotency_records');

-- The restaurant's data key, wrapped (encrypted) with the installation's master key.
CREATE TABLE tenant_keys (
  restaurant_id uuid PRIMARY KEY REFERENCES restaurants ON DELETE CASCADE,
  wrapped_key text NOT NULL,
  created_at timestamptz NOT NULL
);
SELECT make_tenant_table('tenant_keys');
