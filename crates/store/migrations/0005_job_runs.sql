-- Which scheduled job ran for which night. A server claims a run by inserting its row, so with
-- several server processes on one database each nightly job runs once a night. A platform
-- table: jobs span all restaurants and carry no personal data.
CREATE TABLE job_runs (
  job text NOT NULL CHECK (length(job) BETWEEN 1 AND 60),
  run_on date NOT NULL,
  claimed_at timestamptz NOT NULL,
  finished_at timestamptz,
  PRIMARY KEY (job, run_on)
);
