//! The background work of a process: the job worker and the scheduler of recurring jobs, run
//! inside `hostsystem serve` by default and alone as `hostsystem worker`.

use crate::config::{Config, MailTransport};
use hs_channels::mail::{FileMailer, Mailer};
use hs_service::jobs::{JobContext, Worker, WorkerOptions};
use hs_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The configured mail transport.
pub fn mailer(cfg: &Config) -> anyhow::Result<Arc<dyn Mailer>> {
    let expose = |s: &Option<crate::config::Secret>| {
        s.as_ref()
            .map(|s| s.expose().to_string())
            .unwrap_or_default()
    };
    Ok(match cfg.mail_transport {
        MailTransport::File => Arc::new(FileMailer::new(
            cfg.data_dir.join("mail"),
            cfg.mail_from.clone(),
        )),
        MailTransport::Resend => Arc::new(hs_channels::resend::Resend::new(
            &cfg.resend_url,
            &expose(&cfg.resend_api_key),
            &cfg.mail_from,
        )),
        MailTransport::Smtp => Arc::new(hs_channels::smtp::Smtp::from_url(
            &expose(&cfg.smtp_url),
            &cfg.mail_from,
        )?),
    })
}

/// The chat agent as the jobs reach it (it answers guests' WhatsApp messages).
pub struct AgentChat(pub hs_agent::call::Agents);

impl hs_service::jobs::ChatEngine for AgentChat {
    fn reply<'a>(
        &'a self,
        tx: &'a mut hs_store::TenantTx,
        channel: &'a str,
        sender: &'a str,
        text: &'a str,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<(String, String), hs_store::StoreError>>
                + Send
                + 'a,
        >,
    > {
        Box::pin(async move {
            let fresh = chrono::Duration::hours(hs_service::whatsapp::CONVERSATION_FRESH_HOURS);
            let (_, r) = self.0.reply_in(tx, channel, sender, text, fresh).await?;
            Ok((r.text, r.language))
        })
    }
}

/// What jobs reach: the store, the mailer, the public URL, the chat agent.
pub fn context(store: &Store, cfg: &Config) -> anyhow::Result<JobContext> {
    Ok(JobContext {
        store: store.clone(),
        mailer: mailer(cfg)?,
        whatsapp: hs_channels::whatsapp::CloudApi::new(&cfg.whatsapp_graph_url),
        highlevel: hs_channels::gohighlevel::HighLevel::new(&cfg.ghl_url),
        resend_url: cfg.resend_url.clone(),
        mail_from: cfg.mail_from.clone(),
        public_url: cfg.public_url().trim_end_matches('/').to_string(),
        chat: Some(Arc::new(AgentChat(crate::agents(cfg, store)))),
    })
}

/// A worker for every kind of job, with the configured lease.
pub fn worker(store: &Store, cfg: &Config) -> anyhow::Result<Worker> {
    let options = WorkerOptions {
        lease: Duration::from_secs(cfg.job_lease_secs),
        ..WorkerOptions::default()
    };
    Ok(Worker::new(
        context(store, cfg)?,
        hs_service::registry(),
        options,
    ))
}

/// The worker and the scheduler, running until [`Background::stop`].
pub struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts the worker and the scheduler.
    pub fn start(store: &Store, cfg: &Config) -> anyhow::Result<Background> {
        let (stop, rx) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(worker(store, cfg)?.run(rx.clone())),
            tokio::spawn(hs_service::scheduler(store.clone()).run(rx)),
        ];
        Ok(Background { stop, tasks })
    }

    /// Stops claiming jobs and waits for the running one (within the worker's grace).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}
