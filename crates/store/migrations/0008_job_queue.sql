-- The job queue, a platform table: ids, kinds, timing and errors, never personal data (a job
-- names the rows it works on by id). A job is enqueued in the same transaction as the change
-- that causes it (transactional outbox): a rolled-back change enqueues nothing, a committed
-- one is never forgotten. Workers claim due jobs with FOR UPDATE SKIP LOCKED and hold them
-- under a lease they renew while running; a job whose worker died is claimed again once its
-- lease has run out. A job that runs in a restaurant's transaction names the restaurant; it
-- is marked done in that same transaction, so its writes and its completion commit together.
CREATE TABLE jobs (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 60),
  restaurant_id uuid REFERENCES restaurants (id) ON DELETE CASCADE,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Jobs with the same kind and dedup key are enqueued once (a night's retention run, a
  -- reminder for one reservation), however many processes ask.
  dedup_key text CHECK (length(dedup_key) BETWEEN 1 AND 200),
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  run_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  last_error text,
  locked_until timestamptz,
  created_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE UNIQUE INDEX jobs_dedup_key ON jobs (kind, dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_failed ON jobs (finished_at) WHERE state = 'failed';

-- Wakes idle workers at commit; polling is the fallback.
CREATE FUNCTION notify_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hs_jobs', '');
  RETURN NULL;
END $$;
CREATE TRIGGER notify_job AFTER INSERT ON jobs FOR EACH STATEMENT EXECUTE FUNCTION notify_job();

-- Nightly runs are claimed through the queue now (dedup key per night).
DROP TABLE job_runs;
