-- The chat agent's conversations (web chat, WhatsApp, the API, the terminal): the engine's
-- state and every message sealed with the restaurant's data key (they hold names, numbers and
-- possibly special-category words), the outcome and intents in clear for the analysis.
CREATE TABLE conversations (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  channel text NOT NULL CHECK (channel IN ('web', 'whatsapp', 'api', 'cli')),
  language text CHECK (language IN ('de', 'en')),
  state_enc text NOT NULL,
  outcome text CHECK (outcome IN ('booked', 'changed', 'cancelled', 'informed', 'handed_over', 'abandoned')),
  intents text[] NOT NULL DEFAULT '{}',
  engine text NOT NULL DEFAULT 'builtin' CHECK (engine IN ('builtin', 'model')),
  tokens integer NOT NULL DEFAULT 0,
  turns integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  anonymised_at timestamptz,
  PRIMARY KEY (restaurant_id, id)
);
CREATE INDEX conversations_updated ON conversations (restaurant_id, updated_at);
SELECT make_tenant_table('conversations');

CREATE TABLE conversation_messages (
  restaurant_id uuid NOT NULL,
  id uuid NOT NULL,
  conversation_id uuid NOT NULL,
  -- The order within the conversation (two per turn: the guest's, then the agent's).
  position integer NOT NULL,
  role text NOT NULL CHECK (role IN ('guest', 'agent', 'team')),
  body_enc text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (restaurant_id, id),
  FOREIGN KEY (restaurant_id, conversation_id) REFERENCES conversations (restaurant_id, id) ON DELETE CASCADE
);
CREATE INDEX conversation_messages_conversation ON conversation_messages (restaurant_id, conversation_id, position);
SELECT make_tenant_table('conversation_messages');
