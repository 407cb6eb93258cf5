-- The last two registers (issue 15, item 6). Data-subject and authority requests the operator
-- receives are recorded for the restaurant they concern and forwarded to its owners at once
-- (DPA § 10.3), due one month after receipt (Art. 12(3) GDPR); who asked and what they asked
-- are sealed. Instructions (Weisungen, DPA § 3.3): written ones given by owners in the
-- dashboard, oral ones recorded by the operator with date, time and persons; each can name
-- the action that carried it out.
CREATE TABLE privacy_requests (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('access', 'rectification', 'erasure', 'restriction', 'portability',
                                     'objection', 'authority', 'other')),
  channel text NOT NULL CHECK (channel IN ('widget', 'email', 'phone', 'letter')),
  requester_enc text NOT NULL,
  details_enc text NOT NULL,
  received_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  forwarded_at timestamptz,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'rejected')),
  actions text NOT NULL DEFAULT '' CHECK (length(actions) <= 5000),
  recorded_by text NOT NULL CHECK (length(recorded_by) <= 100),
  closed_at timestamptz,
  PRIMARY KEY (restaurant_id, id)
);
CREATE INDEX privacy_requests_due ON privacy_requests (restaurant_id, status, due_at);
SELECT make_tenant_table('privacy_requests');

CREATE TABLE instructions (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  form text NOT NULL CHECK (form IN ('written', 'oral')),
  given_at timestamptz NOT NULL,
  -- For an oral instruction: who gave and who took it (§ 3.3).
  persons text NOT NULL DEFAULT '' CHECK (length(persons) <= 500),
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  recorded_by text NOT NULL CHECK (length(recorded_by) <= 100),
  created_at timestamptz NOT NULL,
  carried_out text NOT NULL DEFAULT '' CHECK (length(carried_out) <= 1000),
  carried_out_at timestamptz,
  CHECK (form = 'written' OR length(persons) > 0),
  PRIMARY KEY (restaurant_id, id)
);
SELECT make_tenant_table('instructions');
