//! The `hostsystem` command: serve, migrate, demo and admin subcommands over one
//! configuration. `main.rs` only calls [`run`].

pub mod chat_cli;
pub mod config;
pub mod demo;
pub mod jobs;
pub mod logging;
pub mod privacy_cli;
pub mod runtime;
pub mod voice_sim;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use config::Config;
use hs_domain::Role;
use hs_store::accounts::NewUser;
use hs_store::Actor;
use runtime::Runtime;
use std::path::PathBuf;
use uuid::Uuid;

/// HostSystem: reservations, AI agents and GDPR for restaurants.
#[derive(Parser, Debug)]
#[command(name = "hostsystem", version, about)]
pub struct Cli {
    /// Configuration file (default: ./hostsystem.toml when present, or HOSTSYSTEM_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (with the embedded PostgreSQL unless DATABASE_URL is set).
    Serve {
        /// Create the demo restaurant at start and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Create (idempotently) the demo restaurant with one user per role and print its logins.
    Demo {
        /// Print JSON (base_url, restaurant_id, users, api_token, voice).
        #[arg(long)]
        json: bool,
    },
    /// Administer restaurants, users, members and API tokens.
    #[command(subcommand)]
    Admin(Admin),
    /// Run the job worker and the scheduler alone (no web server), until SIGTERM.
    Worker,
    /// The job queue: run the nightly job now, list jobs, retry a failed one.
    #[command(subcommand)]
    Jobs(Jobs),
    /// Voice-AI tools for support staff.
    #[command(subcommand)]
    Voice(Voice),
    /// Chat with a restaurant's built-in agent in the terminal, or replay scripted dialogues.
    Chat(chat_cli::Chat),
    /// Find, export, anonymise or delete a person's data (the privacy toolkit, for scripts).
    #[command(subcommand)]
    Privacy(privacy_cli::Privacy),
    /// A restaurant leaving the platform: end its contract, export all its data.
    #[command(subcommand)]
    Tenant(privacy_cli::Tenant),
}

/// The job queue by hand.
#[derive(Subcommand, Debug)]
pub enum Jobs {
    /// The nightly retention run, now: anonymise old voice calls, delete old webhook logs and
    /// expired idempotency records; prints what it did as JSON.
    Retention,
    /// List jobs as JSON (queued ones by default).
    List {
        /// Jobs that failed their last attempt.
        #[arg(long, conflicts_with = "state")]
        failed: bool,
        /// queued, running, done or failed.
        #[arg(long, value_parser = ["queued", "running", "done", "failed"])]
        state: Option<String>,
    },
    /// Queue a failed job again now, its attempts counted from zero.
    Retry {
        /// The job's id (from `jobs list --failed`).
        id: Uuid,
    },
    /// Run every due job now and exit.
    Run,
    /// The nightly offboarding run, now: notices, reminders, and the deletion of every
    /// restaurant whose 30 days after the contract's end are over.
    Offboarding,
}

/// Voice subcommands.
#[derive(Subcommand, Debug)]
pub enum Voice {
    /// Replay a scripted call (provider format, tool calls, end-of-call report) against a
    /// running server and print what the agent answered.
    Simulate(voice_sim::Simulate),
}

/// Admin subcommands.
#[derive(Subcommand, Debug)]
pub enum Admin {
    /// Create a restaurant and print its id.
    CreateRestaurant {
        /// The restaurant's name.
        #[arg(long)]
        name: String,
    },
    /// Create a user; the password is read from standard input (one line) or generated.
    CreateUser(CreateUser),
    /// Add an existing user to a restaurant with a role.
    AddMember {
        #[arg(long)]
        email: String,
        #[arg(long, value_name = "UUID")]
        restaurant: Uuid,
        /// owner, manager or staff.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Create an API token for a restaurant; it is printed once.
    CreateApiToken {
        #[arg(long, value_name = "UUID")]
        restaurant: Uuid,
        /// owner, manager or staff.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A label, e.g. the system that uses it.
        #[arg(long)]
        name: String,
    },
    /// List all restaurants.
    ListRestaurants {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of `admin create-user`.
#[derive(Args, Debug)]
pub struct CreateUser {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    /// de or en.
    #[arg(long, default_value = "de")]
    pub language: String,
    /// May administer the platform.
    #[arg(long)]
    pub platform_admin: bool,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("unknown role {s:?}: use owner, manager or staff"))
}

/// Runs the command line.
pub async fn run(cli: Cli) -> Result<()> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let cfg = Config::load(cli.config.clone(), &env)?;
    logging::init(&cfg);
    match cli.command {
        Command::Serve { demo } => serve(cfg, demo).await,
        Command::Migrate => {
            let rt = Runtime::open(&cfg).await?;
            rt.close().await;
            println!("migrations applied");
            Ok(())
        }
        Command::Demo { json } => {
            let rt = Runtime::open(&cfg).await?;
            let info = demo::ensure(&rt.store, &cfg.public_url()).await;
            rt.close().await;
            print_demo(&info?, json)
        }
        Command::Admin(a) => {
            let rt = Runtime::open(&cfg).await?;
            let r = admin(&rt, a).await;
            rt.close().await;
            r
        }
        Command::Worker => work(cfg).await,
        Command::Jobs(j) => {
            let rt = Runtime::open(&cfg).await?;
            let r = queue(&rt, &cfg, j).await;
            rt.close().await;
            r
        }
        Command::Voice(Voice::Simulate(s)) => voice_sim::run(s).await,
        Command::Chat(c) => chat_cli::run(&cfg, c).await,
        Command::Privacy(p) => privacy_cli::run(&cfg, p).await,
        Command::Tenant(t) => privacy_cli::run_tenant(&cfg, t).await,
    }
}

fn print_demo(info: &demo::DemoInfo, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(info)?);
    } else {
        println!(
            "HostSystem demo: {} ({})",
            info.base_url, info.restaurant_name
        );
        println!(
            "  Demo credentials, printed once at this start: for trying HostSystem only. Anyone \
             who reads them can sign in; never keep real restaurant data in the demo."
        );
        for u in &info.users {
            println!(
                "  {:<8} {}  password: {}",
                u.role.as_str(),
                u.email,
                u.password
            );
        }
        println!("  API token (manager): {}", info.api_token);
        println!("  Restaurant id: {}", info.restaurant_id);
        println!("  Voice secret: {}", info.voice.secret);
        println!("  Retell key (demo): {}", info.voice.retell_key);
        println!("  Vapi server URL: {}", info.voice.vapi_url);
        println!("  Generic tools:   {}", info.voice.tools_url);
        println!("  Retell functions: {}", info.voice.retell_url);
        println!(
            "  Chat agent (OpenAI-compatible): base URL {}  key {}",
            info.agent.base_url, info.agent.key
        );
        println!("  Website widget: {}", info.widget.snippet);
        println!("  Booking page: {}", info.widget.booking_page);
    }
    Ok(())
}

async fn admin(rt: &Runtime, a: Admin) -> Result<()> {
    let store = &rt.store;
    match a {
        Admin::CreateRestaurant { name } => {
            let r = store.create_restaurant(&name, &Actor::Cli).await?;
            println!("{}", r.id);
        }
        Admin::CreateUser(u) => {
            let (password, generated) = if u.password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("reading the password from standard input")?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (hs_store::secret::random_token()[..24].to_string(), true)
            };
            let user = store
                .create_user(
                    NewUser {
                        email: &u.email,
                        name: &u.name,
                        password: &password,
                        language: &u.language,
                        platform_admin: u.platform_admin,
                    },
                    &Actor::Cli,
                )
                .await?;
            println!("{}", user.id);
            if generated {
                println!("password: {password}");
            }
        }
        Admin::AddMember {
            email,
            restaurant,
            role,
        } => {
            let Some(user) = store.user_by_email(&email).await? else {
                bail!("no user with email {email}");
            };
            let mut tx = store.tenant(restaurant, &Actor::Cli).await?;
            tx.restaurant()
                .await
                .with_context(|| format!("no restaurant {restaurant}"))?;
            tx.add_member(user.id, role).await?;
            tx.commit().await?;
            println!("{} is now {} of {restaurant}", user.email, role.as_str());
        }
        Admin::CreateApiToken {
            restaurant,
            role,
            name,
        } => {
            let mut tx = store.tenant(restaurant, &Actor::Cli).await?;
            tx.restaurant()
                .await
                .with_context(|| format!("no restaurant {restaurant}"))?;
            let (_, token) = tx.create_api_token(&name, role, None).await?;
            tx.commit().await?;
            println!("{token}");
        }
        Admin::ListRestaurants { json } => {
            let all = store.all_restaurants().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for r in all {
                    println!("{}  {}", r.id, r.name);
                }
            }
        }
    }
    Ok(())
}

async fn queue(rt: &Runtime, cfg: &Config, j: Jobs) -> Result<()> {
    match j {
        Jobs::Retention => {
            let done = rt.store.run_retention(rt.clock.now()).await?;
            println!("{}", serde_json::to_string_pretty(&done)?);
        }
        Jobs::List { failed, state } => {
            let state = if failed {
                "failed".into()
            } else {
                state.unwrap_or_else(|| "queued".into())
            };
            let jobs = rt.store.jobs_in_state(&state).await?;
            println!("{}", serde_json::to_string_pretty(&jobs)?);
        }
        Jobs::Retry { id } => {
            rt.store
                .retry_job(id)
                .await
                .with_context(|| format!("no failed job {id}"))?;
            println!("job {id} queued again");
        }
        Jobs::Run => {
            let n = jobs::worker(&rt.store, cfg)?.run_pending().await?;
            println!("{n} jobs run");
        }
        Jobs::Offboarding => {
            // A key of its own, so it runs even when tonight's run already has.
            let night = rt.clock.now().date_naive();
            let job = hs_service::offboarding::OffboardingRun { night };
            let mut new = hs_service::jobs::Job::to_new_job(&job, rt.clock.now());
            new.dedup_key = Some(format!("{night}:{}", Uuid::new_v4()));
            rt.store.enqueue(&new).await?;
            let n = jobs::worker(&rt.store, cfg)?.run_pending().await?;
            println!("{n} jobs run");
        }
    }
    Ok(())
}

/// `hostsystem worker`: the job worker and the scheduler, without the web server.
async fn work(cfg: Config) -> Result<()> {
    let rt = Runtime::open(&cfg).await?;
    let watch = tokio::spawn(rt.store.clone().watch());
    let background = jobs::Background::start(&rt.store, &cfg)?;
    println!("HostSystem worker is running  (stop with Ctrl-C)");
    shutdown_signal().await;
    tracing::info!("worker shutting down");
    background.stop().await;
    watch.abort();
    rt.close().await;
    Ok(())
}

/// Builds the web state for a runtime and configuration.
pub fn web_state(rt: &Runtime, cfg: &Config) -> hs_web::AppState {
    let web = hs_web::WebConfig {
        public_url: cfg.public_url(),
        body_limit: cfg.body_limit_bytes,
        request_timeout: std::time::Duration::from_secs(cfg.request_timeout_secs),
        api_rate_per_minute: cfg.api_rate_per_minute,
        voice_rate_per_minute: cfg.voice_rate_per_minute,
        trust_proxy: cfg.trust_proxy,
        metrics_token: cfg.metrics_token.as_ref().map(|t| t.expose().to_string()),
        resend_webhook_secret: cfg
            .resend_webhook_secret
            .as_ref()
            .map(|t| t.expose().to_string()),
        ghl_public_key: cfg.ghl_webhook_public_key.clone(),
        platform: hs_domain::dpa::Platform {
            mail: match cfg.mail_transport {
                config::MailTransport::File => "file",
                config::MailTransport::Resend => "resend",
                config::MailTransport::Smtp => "smtp",
            }
            .into(),
            model_host: cfg
                .model_base_url
                .as_deref()
                .and_then(hs_domain::dpa::host_of),
            file_store: cfg.s3_bucket.as_ref().map(|_| {
                cfg.s3_endpoint
                    .as_deref()
                    .and_then(hs_domain::dpa::host_of)
                    .unwrap_or_else(|| format!("s3.{}.amazonaws.com", cfg.s3_region))
            }),
            virus_scan: cfg.clamd_socket.is_some(),
        },
    };
    hs_web::AppState::new(
        hs_service::Services::new(rt.store.clone()),
        agents(cfg, &rt.store),
        web,
    )
}

/// The agents, with the platform's chat model when one is configured.
pub fn agents(cfg: &Config, store: &hs_store::Store) -> hs_agent::call::Agents {
    let platform = match (&cfg.model_base_url, &cfg.model_name) {
        (Some(base_url), Some(model)) => Some(hs_channels::openai::Model {
            base_url: base_url.clone(),
            model: model.clone(),
            key: cfg
                .model_key
                .as_ref()
                .map(|k| k.expose().to_string())
                .unwrap_or_default(),
        }),
        _ => None,
    };
    hs_agent::call::Agents::with_model(
        store.clone(),
        platform,
        hs_channels::openai::Limits {
            first_token: std::time::Duration::from_secs(cfg.model_first_token_secs),
            whole: std::time::Duration::from_secs(cfg.model_turn_secs),
        },
    )
    .with_clamd(cfg.clamd_socket.clone())
}

async fn serve(cfg: Config, demo: bool) -> Result<()> {
    let rt = Runtime::open(&cfg).await?;
    let listener = match tokio::net::TcpListener::bind(cfg.bind).await {
        Ok(l) => l,
        Err(e) => {
            rt.close().await;
            bail!("cannot listen on {}: {e}", cfg.bind);
        }
    };
    if demo {
        match demo::ensure(&rt.store, &cfg.public_url()).await {
            Ok(info) => print_demo(&info, false)?,
            Err(e) => {
                rt.close().await;
                return Err(e);
            }
        }
    }
    let url = cfg.public_url();
    println!("HostSystem is listening on {url}  (stop with Ctrl-C)");
    tracing::info!(bind = %cfg.bind, "listening");
    let state = web_state(&rt, &cfg);
    let background = jobs::Background::start(&rt.store, &cfg)?;
    let watch = tokio::spawn(rt.store.clone().watch());
    let result = hs_web::serve(listener, state, shutdown_signal()).await;
    background.stop().await;
    watch.abort();
    tracing::info!("shutting down");
    rt.close().await;
    result.context("serving HTTP")
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
