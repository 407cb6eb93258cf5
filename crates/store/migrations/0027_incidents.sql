-- The processor's registers (issue 15, item 6), first the incidents (DPA § 7.3: a breach is
-- notified to each affected restaurant within 24 hours of the operator learning of it).
-- Platform tables: only platform admins reach them; each restaurant sees its own notices
-- through `incident_notices`, a tenant table.

-- Every action in the platform admin area, for the operator's own accountability.
CREATE TABLE admin_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL CHECK (length(actor) <= 100),
  action text NOT NULL CHECK (action ~ '^[a-z_.]{3,60}$'),
  target text NOT NULL CHECK (length(target) <= 200)
);
CREATE INDEX admin_log_at ON admin_log (at DESC);
REVOKE UPDATE, DELETE ON admin_log FROM {{app}};

CREATE TABLE incidents (
  id uuid PRIMARY KEY,
  -- When the operator learned of the breach: the 24 hours run from here.
  learned_at timestamptz NOT NULL,
  contact text NOT NULL CHECK (length(contact) BETWEEN 1 AND 500),
  description text NOT NULL CHECK (length(description) BETWEEN 1 AND 5000),
  data_categories text NOT NULL CHECK (length(data_categories) BETWEEN 1 AND 2000),
  subjects_approx integer NOT NULL CHECK (subjects_approx >= 0),
  records_approx integer NOT NULL CHECK (records_approx >= 0),
  consequences text NOT NULL CHECK (length(consequences) BETWEEN 1 AND 5000),
  measures_taken text NOT NULL CHECK (length(measures_taken) BETWEEN 1 AND 5000),
  measures_planned text NOT NULL CHECK (length(measures_planned) BETWEEN 1 AND 5000),
  -- The restaurants it affects (each also holds its own row in `incident_notices`).
  restaurant_ids uuid[] NOT NULL CHECK (cardinality(restaurant_ids) >= 1),
  created_by text NOT NULL CHECK (length(created_by) <= 100),
  created_at timestamptz NOT NULL,
  closed_at timestamptz
);

-- Which restaurants an incident affects, and when their owners were told.
CREATE TABLE incident_notices (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  incident_id uuid NOT NULL REFERENCES incidents ON DELETE CASCADE,
  notified_at timestamptz,
  PRIMARY KEY (restaurant_id, incident_id)
);
SELECT make_tenant_table('incident_notices');
