-- The register of sub-processors (issue 15, item 6; DPA § 9.2–9.3): who processes data for the
-- operator, what for, where, on which transfer basis. An addition is announced to every
-- restaurant's owners and takes effect 14 days later, except for restaurants that objected;
-- a removal takes effect at once (less processing needs no consent).
CREATE TABLE sub_processor_changes (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('add', 'remove')),
  key text NOT NULL CHECK (key ~ '^[a-z0-9_]{2,40}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  service text NOT NULL CHECK (length(service) BETWEEN 1 AND 200),
  location text NOT NULL CHECK (length(location) BETWEEN 1 AND 200),
  basis text NOT NULL CHECK (length(basis) BETWEEN 1 AND 200),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  announced_at timestamptz NOT NULL,
  effective_at timestamptz NOT NULL,
  applied_at timestamptz,
  created_by text NOT NULL CHECK (length(created_by) <= 100)
);

CREATE TABLE sub_processors (
  key text PRIMARY KEY CHECK (key ~ '^[a-z0-9_]{2,40}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  service text NOT NULL CHECK (length(service) BETWEEN 1 AND 200),
  location text NOT NULL CHECK (length(location) BETWEEN 1 AND 200),
  basis text NOT NULL CHECK (length(basis) BETWEEN 1 AND 200),
  -- Used for a restaurant only when it enables the feature (its DPA's Anlage 3 says which).
  optional boolean NOT NULL DEFAULT true,
  -- The announced addition that brought it (restaurants that objected to it are left out).
  added_by uuid REFERENCES sub_processor_changes,
  added_at timestamptz NOT NULL
);

-- A restaurant's objection to an announced change, with its reason; before it takes effect.
CREATE TABLE sub_processor_objections (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  change_id uuid NOT NULL REFERENCES sub_processor_changes ON DELETE CASCADE,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  objected_by text NOT NULL CHECK (length(objected_by) <= 100),
  at timestamptz NOT NULL,
  PRIMARY KEY (restaurant_id, change_id)
);
SELECT make_tenant_table('sub_processor_objections');

-- The operator sees every restaurant's objections to a change. Row-level security keeps the
-- app role to one restaurant; this policy lets only the tables' owner read across, which the
-- app role reaches through the function below and nothing else.
CREATE POLICY operator_reads_objections ON sub_processor_objections FOR SELECT
  USING (current_user = (SELECT tableowner FROM pg_tables
                         WHERE schemaname = 'public' AND tablename = 'sub_processor_objections'));
CREATE FUNCTION sub_processor_objections_to(p_change uuid)
RETURNS TABLE (restaurant_id uuid, restaurant text, reason text, objected_by text, at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT o.restaurant_id, r.name, o.reason, o.objected_by, o.at
    FROM sub_processor_objections o JOIN restaurants r ON r.id = o.restaurant_id
   WHERE o.change_id = p_change ORDER BY o.at
$$;
REVOKE ALL ON FUNCTION sub_processor_objections_to(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sub_processor_objections_to(uuid) TO {{app}};

-- Seeded with what HostSystem actually uses (the seed's Anlage 3 adapted: no hosted database or
-- hosting provider, as HostSystem runs on the operator's own server with its PostgreSQL).
INSERT INTO sub_processors (key, name, service, location, basis, optional, added_at) VALUES
  ('resend', 'Resend, Inc.', 'E-Mail-Versand / sending email', 'USA', 'SCC (Art. 46(2)(c) GDPR)', true, now()),
  ('meta_whatsapp', 'Meta Platforms Ireland Ltd. (WhatsApp Business Cloud API)', 'WhatsApp', 'EU (Ireland) / USA', 'EU-US DPF (Art. 45 GDPR), SCC', true, now()),
  ('gohighlevel', 'HighLevel, Inc. (LeadConnector)', 'WhatsApp, Voice-AI', 'USA', 'SCC (Art. 46(2)(c) GDPR)', true, now()),
  ('vapi', 'Vapi, Inc.', 'Voice-AI', 'USA', 'SCC (Art. 46(2)(c) GDPR)', true, now()),
  ('retell', 'Retell AI, Inc.', 'Voice-AI', 'USA', 'SCC (Art. 46(2)(c) GDPR)', true, now()),
  ('openai', 'OpenAI Ireland Ltd. / OpenAI, L.L.C.', 'Sprachmodell / language model', 'USA', 'EU-US DPF (Art. 45 GDPR), SCC', true, now()),
  ('aws_s3', 'Amazon Web Services EMEA SARL (S3)', 'Dateien / files', 'EU (region as configured)', 'no transfer (EU region)', true, now());
