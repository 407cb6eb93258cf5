-- The chat agent's model (any OpenAI-compatible endpoint; the key sealed with the data key)
-- and the restaurant's own questions and answers, which both engines use.
CREATE TABLE agent_settings (
  restaurant_id uuid PRIMARY KEY REFERENCES restaurants ON DELETE CASCADE,
  model_base_url text CHECK (model_base_url ~ '^https?://' AND length(model_base_url) <= 300),
  model_name text CHECK (length(model_name) BETWEEN 1 AND 100),
  model_key_enc text,
  updated_at timestamptz NOT NULL
);
SELECT make_tenant_table('agent_settings');

CREATE TABLE faq_entries (
  restaurant_id uuid NOT NULL REFERENCES restaurants ON DELETE CASCADE,
  id uuid NOT NULL,
  position integer NOT NULL,
  question_de text NOT NULL CHECK (length(question_de) <= 300),
  answer_de text NOT NULL CHECK (length(answer_de) <= 2000),
  question_en text NOT NULL CHECK (length(question_en) <= 300),
  answer_en text NOT NULL CHECK (length(answer_en) <= 2000),
  PRIMARY KEY (restaurant_id, id)
);
SELECT make_tenant_table('faq_entries');

-- A client of the OpenAI-compatible endpoint sends the whole history each time; the
-- conversation it continues is found by a hash of that history (what the last answer ended).
ALTER TABLE conversations ADD COLUMN thread_key bytea;
CREATE UNIQUE INDEX conversations_thread ON conversations (restaurant_id, thread_key) WHERE thread_key IS NOT NULL;
-- A guest's message the agent could not answer (the analysis lists them to grow the FAQ).
ALTER TABLE conversation_messages ADD COLUMN unanswered boolean NOT NULL DEFAULT false;
CREATE INDEX conversation_messages_unanswered ON conversation_messages (restaurant_id, created_at) WHERE unanswered;

-- The chat agent answers guests' WhatsApp messages: its answer is a message of its own kind.
ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check
  CHECK (kind IN ('confirmation', 'pending', 'approved', 'declined', 'changed',
                  'cancelled', 'reminder', 'transcript', 'digest', 'test', 'reply'));
