//! The background work of a process: the job worker and the scheduler of recurring jobs, run
//! inside `hostsystem serve` by default and alone as `hostsystem worker`.

use crate::config::Config;
use hs_channels::mail::FileMailer;
use hs_service::jobs::{JobContext, Worker, WorkerOptions};
use hs_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What jobs reach: the store, the mailer, the public URL.
pub fn context(store: &Store, cfg: &Config) -> JobContext {
    JobContext {
        store: store.clone(),
        mailer: Arc::new(FileMailer::new(
            cfg.data_dir.join("mail"),
            cfg.mail_from.clone(),
        )),
        public_url: cfg.public_url().trim_end_matches('/').to_string(),
    }
}

/// A worker for every kind of job, with the configured lease.
pub fn worker(store: &Store, cfg: &Config) -> Worker {
    let options = WorkerOptions {
        lease: Duration::from_secs(cfg.job_lease_secs),
        ..WorkerOptions::default()
    };
    Worker::new(context(store, cfg), hs_service::registry(), options)
}

/// The worker and the scheduler, running until [`Background::stop`].
pub struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts the worker and the scheduler.
    pub fn start(store: &Store, cfg: &Config) -> Background {
        let (stop, rx) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(worker(store, cfg).run(rx.clone())),
            tokio::spawn(hs_service::scheduler(store.clone()).run(rx)),
        ];
        Background { stop, tasks }
    }

    /// Stops claiming jobs and waits for the running one (within the worker's grace).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}
