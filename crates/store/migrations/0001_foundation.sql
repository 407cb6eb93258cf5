-- HostSystem foundation: platform tables (users, restaurants, memberships, sessions), tenant
-- tables under row-level security, and the audit trail.
--
-- `{{app}}` is replaced by the app role's quoted name. The app role owns nothing and gets only
-- the privileges granted here (default privileges cover tables added later).

ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {{app}};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {{app}};
GRANT USAGE ON SCHEMA public TO {{app}};

-- The tenant the current transaction works for; NULL when none is set. A transaction-local
-- setting leaves '' behind on the connection once the transaction ends, hence the nullif.
CREATE FUNCTION app_tenant() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.restaurant_id', true), '')::uuid $$;

-- Writes one audit row per changed row: who, when, which table and row, which columns; never
-- the values. SECURITY DEFINER so the app role can read the audit log but never write it; the
-- owner is itself under FORCE ROW LEVEL SECURITY, so the row must belong to the current tenant.
CREATE FUNCTION audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  newj jsonb;
  oldj jsonb;
  rid uuid;
  cols text[];
BEGIN
  IF TG_OP <> 'INSERT' THEN oldj := to_jsonb(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN newj := to_jsonb(NEW); END IF;
  rid := coalesce(newj, oldj)->>'restaurant_id';
  IF TG_OP = 'UPDATE' THEN
    SELECT array_agg(n.key ORDER BY n.key) INTO cols
      FROM jsonb_each(newj) n WHERE n.value IS DISTINCT FROM oldj->n.key;
    IF cols IS NULL THEN RETURN NULL; END IF;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(k ORDER BY k) INTO cols FROM jsonb_object_keys(newj) k;
  END IF;
  INSERT INTO audit_log (restaurant_id, at, actor, table_name, row_id, action, changed_columns)
  VALUES (
    rid,
    coalesce(nullif(current_setting('app.now', true), '')::timestamptz, now()),
    coalesce(nullif(current_setting('app.actor', true), ''), 'unknown'),
    TG_TABLE_NAME,
    coalesce(newj->>'id', oldj->>'id', newj->>'user_id', oldj->>'user_id', rid::text),
    lower(TG_OP),
    coalesce(cols, '{}')
  );
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION audit_row() FROM PUBLIC;

-- Puts a tenant table under isolation and audit: ENABLE + FORCE row-level security, one policy
-- for reads and writes, and the audit trigger. Every tenant table calls this once.
CREATE FUNCTION make_tenant_table(t regclass) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
  EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (restaurant_id = (SELECT app_tenant())) '
                 'WITH CHECK (restaurant_id = (SELECT app_tenant()))', t);
  EXECUTE format('CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON %s '
                 'FOR EACH ROW EXECUTE FUNCTION audit_row()', t);
END $$;

------------------------------------------------------------------------------------------------
-- Platform tables: outside row-level security, reached only through platform services.

CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  password_hash text NOT NULL,
  is_platform_admin boolean NOT NULL DEFAULT false,
  language text NOT NULL DEFAULT 'de' CHECK (language IN ('de', 'en')),
  totp_secret_enc text,          -- 2FA on when set; encrypted with the master key
  totp_pending_enc text,         -- during setup, until the first code is confirmed
  totp_last_step bigint,         -- a code's step is accepted once only
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE user_recovery_codes (
  user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  code_hash bytea NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE restaurants (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL,
  contract_ended_at timestamptz
);

CREATE TABLE sessions (
  id uuid PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  mfa_pending boolean NOT NULL,
  current_restaurant uuid REFERENCES restaurants ON DELETE SET NULL,
  csrf_token text NOT NULL,
  user_agent text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE password_resets (
  token_hash bytea PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

------------------------------------------------------------------------------------------------
-- Tenant tables.

-- Memberships join users to restaurants. They are a tenant table like any other: the team page
-- reads them in the restaurant's transaction. See `own_memberships` at the end for the one read
-- across restaurants.
CREATE TABLE memberships (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'manager', 'staff')),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (restaurant_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);
SELECT make_tenant_table('memberships');

CREATE TABLE restaurant_settings (
  restaurant_id uuid PRIMARY KEY REFERENCES restaurants ON DELETE CASCADE,
  require_owner_2fa boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL
);
SELECT make_tenant_table('restaurant_settings');

CREATE TABLE api_tokens (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  role text NOT NULL CHECK (role IN ('owner', 'manager', 'staff')),
  token_hash bytea NOT NULL,
  created_by uuid REFERENCES users ON DELETE SET NULL,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (restaurant_id, id)
);
SELECT make_tenant_table('api_tokens');

CREATE TABLE invites (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  email text NOT NULL,
  role text NOT NULL CHECK (role IN ('owner', 'manager', 'staff')),
  token_hash bytea NOT NULL,
  invited_by uuid REFERENCES users ON DELETE SET NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (restaurant_id, id),
  UNIQUE (restaurant_id, token_hash)
);
SELECT make_tenant_table('invites');

-- The audit trail: append-only for everyone but the trigger. No foreign key to restaurants, so
-- that deleting a restaurant's data can keep (redacted) proof of what was done.
CREATE TABLE audit_log (
  restaurant_id uuid NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  table_name text NOT NULL,
  row_id text NOT NULL,
  action text NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
  changed_columns text[] NOT NULL,
  PRIMARY KEY (restaurant_id, id)
);
CREATE INDEX audit_log_at_idx ON audit_log (restaurant_id, at DESC);
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log
  USING (restaurant_id = (SELECT app_tenant()))
  WITH CHECK (restaurant_id = (SELECT app_tenant()));
REVOKE INSERT, UPDATE, DELETE ON audit_log FROM {{app}};

-- A user sees their own memberships in every restaurant (for login and the restaurant switcher)
-- when the store sets `app.user_id` for that one read; policies are OR-ed, so this adds exactly
-- those rows and nothing of any other user.
CREATE POLICY own_memberships ON memberships FOR SELECT
  USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
