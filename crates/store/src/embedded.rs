//! A private PostgreSQL cluster under a data directory, started from the PostgreSQL binaries on
//! the machine. Used by `hostsystem serve` when no `DATABASE_URL` is given and by the test
//! harness. The cluster listens only on a Unix socket inside the data directory (no TCP), runs as
//! an unprivileged OS user when we are root (PostgreSQL refuses to run as root), and is stopped
//! with a fast shutdown when the owning [`EmbeddedCluster`] is stopped or this process dies.
#![allow(unsafe_code)] // geteuid, kill and prctl: each use is commented below.

use anyhow::{bail, Context, Result};
use std::fs;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Port number in the socket's file name; no TCP port is opened.
pub const SOCKET_PORT: u16 = 5432;
/// The bootstrap superuser initdb creates.
pub const SUPERUSER: &str = "postgres";

/// How the cluster is tuned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Normal crash safety (serve).
    Durable,
    /// fsync off: only for throwaway test clusters.
    Throwaway,
}

/// A running cluster, possibly started by another process (then we do not stop it).
pub struct EmbeddedCluster {
    pub data_dir: PathBuf,
    pub socket_dir: PathBuf,
    /// The supervisor of a postmaster we started.
    supervisor: Option<Arc<Supervisor>>,
}

impl std::fmt::Debug for EmbeddedCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedCluster")
            .field("data_dir", &self.data_dir)
            .field("pid", &self.supervisor.as_ref().map(|s| s.pid()))
            .finish()
    }
}

/// Keeps a postmaster we started running: when it exits without being asked to (killed,
/// crashed), it is started again with backoff, and PostgreSQL's crash recovery replays the WAL.
struct Supervisor {
    pid: AtomicI32,
    stopping: AtomicBool,
    /// Exits not asked for, since the start.
    exits: AtomicU32,
    /// Called on each such exit (the store uses it to refuse requests fast at once).
    on_exit: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
}

impl Supervisor {
    fn pid(&self) -> i32 {
        self.pid.load(Ordering::Acquire)
    }
}

/// Tries of a start whose postmaster keeps exiting before it is ready.
const START_TRIES: u32 = 5;

impl EmbeddedCluster {
    /// Initialises the cluster under `root/postgres` if needed and starts it, unless a server
    /// already answers on its socket (another `hostsystem` process of the same data directory).
    pub fn start(root: &Path, durability: Durability) -> Result<Self> {
        let bin = find_bin_dir()?;
        let data_dir = root.join("postgres");
        let socket_dir = root.join("run");
        check_socket_path(&socket_dir)?;
        let run_as = if is_root() {
            Some(unprivileged_user()?)
        } else {
            None
        };
        fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
        for dir in [&data_dir, &socket_dir] {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
            if let Some(u) = &run_as {
                std::os::unix::fs::chown(dir, Some(u.uid), Some(u.gid))
                    .with_context(|| format!("handing {} to user {}", dir.display(), u.name))?;
            }
        }
        if let Some(u) = &run_as {
            check_reachable(root, u)?;
        }
        let mut cluster = EmbeddedCluster {
            data_dir: data_dir.clone(),
            socket_dir: socket_dir.clone(),
            supervisor: None,
        };
        // A postmaster of this data dir that is still shutting down (its hostsystem was
        // killed) or starting holds the lock file: wait for it. One whose process is gone, or
        // is no postmaster of this data dir, left a stale lock file: clear it.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if cluster.answers() {
                tracing::info!(dir = %data_dir.display(), "embedded PostgreSQL already running; attaching");
                return Ok(cluster);
            }
            match lock_holder(&data_dir) {
                Lock::Free => break,
                Lock::Stale(pid) => {
                    tracing::warn!(pid, "removing a stale postmaster.pid");
                    let _ = fs::remove_file(data_dir.join("postmaster.pid"));
                    break;
                }
                Lock::Live(pid) if Instant::now() > deadline => bail!(
                    "PostgreSQL (pid {pid}) holds {} but did not become ready or exit within 60 s",
                    data_dir.display()
                ),
                Lock::Live(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        if !data_dir.join("PG_VERSION").exists() {
            let mut cmd = Command::new(bin.join("initdb"));
            cmd.arg("-D")
                .arg(&data_dir)
                .args(["-U", SUPERUSER, "-E", "UTF8", "--no-locale"])
                .args(["--auth-local=trust", "--auth-host=reject"]);
            if durability == Durability::Throwaway {
                cmd.arg("--no-sync");
            }
            run_checked(cmd, run_as.as_ref(), "initdb")?;
        }
        let log = root.join("postgres.log");
        let log_file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&log)?;
        if let Some(u) = &run_as {
            std::os::unix::fs::chown(&log, Some(u.uid), Some(u.gid))?;
        }
        let mut args: Vec<std::ffi::OsString> = vec!["-D".into(), data_dir.clone().into()];
        let mut settings = vec![
            "listen_addresses=".to_string(),
            format!("unix_socket_directories={}", socket_dir.display()),
            "unix_socket_permissions=0700".to_string(),
            format!("port={SOCKET_PORT}"),
            "max_connections=200".to_string(),
            "shared_buffers=32MB".to_string(),
        ];
        if durability == Durability::Throwaway {
            settings.extend(
                [
                    "fsync=off",
                    "synchronous_commit=off",
                    "full_page_writes=off",
                ]
                .map(String::from),
            );
        }
        for s in &settings {
            args.push("-c".into());
            args.push(s.into());
        }
        let postgres = bin.join("postgres");
        let root_dir = root.to_path_buf();
        let make = move || -> Result<Command> {
            let mut cmd = Command::new(&postgres);
            cmd.args(&args)
                .stdin(Stdio::null())
                .stdout(log_file.try_clone()?)
                .stderr(log_file.try_clone()?)
                .current_dir(&root_dir);
            as_user(&mut cmd, run_as.as_ref());
            Ok(cmd)
        };
        let supervisor = supervise(make, data_dir.clone())?;
        cluster.supervisor = Some(supervisor.clone());
        let deadline = Instant::now() + Duration::from_secs(60);
        while !cluster.answers() {
            let exits = supervisor.exits.load(Ordering::Acquire);
            if exits >= START_TRIES {
                cluster.stop();
                bail!(
                    "embedded PostgreSQL exited during start {exits} times; last log lines:\n{}",
                    tail(&log, 15)
                );
            }
            if Instant::now() > deadline {
                cluster.stop();
                bail!(
                    "embedded PostgreSQL did not start within 60 s; see {}",
                    log.display()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        tracing::info!(dir = %data_dir.display(), pid = supervisor.pid(), "embedded PostgreSQL started");
        Ok(cluster)
    }

    /// Calls `f` whenever the postmaster we started exits without being asked to (before it
    /// is started again). Nothing happens for a cluster another process started.
    pub fn on_exit(&self, f: impl Fn() + Send + Sync + 'static) {
        if let Some(s) = &self.supervisor {
            *s.on_exit.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(f));
        }
    }

    /// The postmaster's pid, when we started it.
    pub fn pid(&self) -> Option<i32> {
        self.supervisor.as_ref().map(|s| s.pid())
    }

    /// Whether the server accepts sessions: its socket answers and `postmaster.pid` says
    /// "ready" (a starting postmaster answers the socket but refuses logins).
    pub fn answers(&self) -> bool {
        // Line 8 of postmaster.pid is the status pg_ctl waits on (PostgreSQL 10+).
        let ready = fs::read_to_string(self.data_dir.join("postmaster.pid"))
            .ok()
            .and_then(|s| s.lines().nth(7).map(|l| l.trim() == "ready"))
            .unwrap_or(false);
        ready && self.socket_answers()
    }

    fn socket_answers(&self) -> bool {
        // A real protocol exchange: connect and send an SSLRequest; a live postmaster answers 'N'.
        use std::io::{Read, Write};
        let path = self.socket_dir.join(format!(".s.PGSQL.{SOCKET_PORT}"));
        let Ok(mut s) = std::os::unix::net::UnixStream::connect(path) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let ssl_request = [0u8, 0, 0, 8, 4, 210, 22, 47];
        let mut b = [0u8; 1];
        s.write_all(&ssl_request).is_ok() && s.read_exact(&mut b).is_ok() && b[0] == b'N'
    }

    /// Whether this process started the server (and so stops it).
    pub fn owned(&self) -> bool {
        self.supervisor.is_some()
    }

    /// Fast shutdown (SIGINT) of a server we started, waiting up to 30 s for it to exit.
    pub fn stop(&mut self) {
        let Some(sup) = self.supervisor.take() else {
            return;
        };
        sup.stopping.store(true, Ordering::Release);
        let pid = sup.pid();
        // SAFETY: kill(2) with a pid we spawned; no memory is touched.
        unsafe { libc::kill(pid, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while process_alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if process_alive(pid) {
            // SAFETY: as above; immediate shutdown as the last resort.
            unsafe { libc::kill(pid, libc::SIGQUIT) };
        }
        tracing::info!("embedded PostgreSQL stopped");
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An OS account to run PostgreSQL as.
#[derive(Clone, Debug)]
pub struct OsUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The account PostgreSQL runs as when we are root: `postgres` (Debian's packages create it),
/// else `nobody`.
pub fn unprivileged_user() -> Result<OsUser> {
    let passwd = fs::read_to_string("/etc/passwd").context("reading /etc/passwd")?;
    for wanted in ["postgres", "nobody"] {
        for line in passwd.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() >= 4 && f[0] == wanted {
                if let (Ok(uid), Ok(gid)) = (f[2].parse(), f[3].parse()) {
                    return Ok(OsUser {
                        name: wanted.to_string(),
                        uid,
                        gid,
                    });
                }
            }
        }
    }
    bail!("running as root, but there is no 'postgres' or 'nobody' user to run PostgreSQL as")
}

/// Finds the directory with `initdb` and `postgres`: `HOSTSYSTEM_PG_BIN_DIR` if set (and only
/// there), else the newest `/usr/lib/postgresql/*/bin`, else PATH.
pub fn find_bin_dir() -> Result<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("HOSTSYSTEM_PG_BIN_DIR") {
        let dir = PathBuf::from(dir);
        if dir.join("initdb").is_file() && dir.join("postgres").is_file() {
            return Ok(dir);
        }
        bail!(
            "HOSTSYSTEM_PG_BIN_DIR={} holds no initdb and postgres. Install PostgreSQL with: \
             apt-get install postgresql   (or set DATABASE_URL to use an existing server)",
            dir.display()
        );
    }
    let mut versioned: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .collect();
    versioned.sort();
    // Debian's /usr/bin wrappers need a cluster registry; the real binaries are versioned.
    candidates.extend(versioned.into_iter().rev().map(|(_, p)| p));
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    for dir in candidates {
        let postgres = dir.join("postgres");
        if dir.join("initdb").is_file() && postgres.is_file() {
            // PATH may hold pg_ctlcluster-style wrappers; resolve to the real binary's dir.
            let real = fs::canonicalize(&postgres).unwrap_or(postgres);
            let real_dir = real.parent().map(Path::to_path_buf).unwrap_or(dir);
            if real_dir.join("initdb").is_file() {
                return Ok(real_dir);
            }
        }
    }
    bail!(
        "PostgreSQL server binaries (initdb, postgres) not found in PATH or /usr/lib/postgresql/*/bin. \
         Install them with: apt-get install postgresql   (or set DATABASE_URL to use an existing server)"
    )
}

fn check_socket_path(socket_dir: &Path) -> Result<()> {
    // sun_path holds 107 bytes plus NUL.
    let len = socket_dir.as_os_str().len() + format!("/.s.PGSQL.{SOCKET_PORT}").len();
    if len > 107 {
        bail!(
            "data directory path is too long for a Unix socket ({len} > 107 bytes): {}; \
             choose a shorter HOSTSYSTEM_DATA_DIR",
            socket_dir.display()
        );
    }
    Ok(())
}

/// As root, every directory above the data dir must be searchable by the PostgreSQL user.
fn check_reachable(root: &Path, user: &OsUser) -> Result<()> {
    let abs = fs::canonicalize(root)?;
    for dir in abs.ancestors().skip(1) {
        let meta = fs::metadata(dir)?;
        let mode = meta.permissions().mode();
        use std::os::unix::fs::MetadataExt;
        let ok = mode & 0o001 != 0
            || (meta.uid() == user.uid && mode & 0o100 != 0)
            || (meta.gid() == user.gid && mode & 0o010 != 0);
        if !ok {
            bail!(
                "PostgreSQL runs as user '{}', which cannot enter {} (mode {:o}); \
                 set HOSTSYSTEM_DATA_DIR to a directory outside it, e.g. /var/lib/hostsystem",
                user.name,
                dir.display(),
                mode & 0o777
            );
        }
    }
    Ok(())
}

fn as_user(cmd: &mut Command, user: Option<&OsUser>) {
    if let Some(u) = user {
        cmd.uid(u.uid).gid(u.gid);
        cmd.env("HOME", "/tmp")
            .env("USER", &u.name)
            .env("LOGNAME", &u.name);
    }
}

fn run_checked(mut cmd: Command, user: Option<&OsUser>, what: &str) -> Result<()> {
    as_user(&mut cmd, user);
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Starts the postmaster and keeps it running: a thread that lives as long as the process
/// spawns it (so the parent-death signal, which fires when the spawning *thread* exits, only
/// fires when this process dies), waits for it and, unless it was asked to stop, starts it
/// again after a backoff of 100 ms doubling to 5 s (back to 100 ms after a run of 30 s).
fn supervise(
    make: impl Fn() -> Result<Command> + Send + 'static,
    data_dir: PathBuf,
) -> Result<Arc<Supervisor>> {
    let sup = Arc::new(Supervisor {
        pid: AtomicI32::new(0),
        stopping: AtomicBool::new(false),
        exits: AtomicU32::new(0),
        on_exit: Mutex::new(None),
    });
    let (tx, rx) = std::sync::mpsc::channel();
    let shared = sup.clone();
    std::thread::Builder::new()
        .name("postgres-supervisor".into())
        .spawn(move || {
            let sup = shared;
            let mut first = Some(tx);
            let mut backoff = Duration::from_millis(100);
            loop {
                let started = Instant::now();
                match make().and_then(|cmd| spawn_with_death_signal(cmd).map_err(Into::into)) {
                    Ok(mut child) => {
                        sup.pid.store(child.id() as i32, Ordering::Release);
                        if let Some(tx) = first.take() {
                            let _ = tx.send(Ok(()));
                        }
                        let status = child.wait();
                        if sup.stopping.load(Ordering::Acquire) {
                            break;
                        }
                        sup.exits.fetch_add(1, Ordering::AcqRel);
                        if let Some(f) = &*sup.on_exit.lock().unwrap_or_else(|e| e.into_inner()) {
                            f();
                        }
                        tracing::warn!(status = ?status.ok(), ?backoff, "embedded PostgreSQL exited; restarting it");
                    }
                    Err(e) => {
                        if let Some(tx) = first.take() {
                            let _ = tx.send(Err(e));
                            return;
                        }
                        tracing::error!(error = %format!("{e:#}"), ?backoff, "cannot start embedded PostgreSQL; retrying");
                    }
                }
                if started.elapsed() > Duration::from_secs(30) {
                    backoff = Duration::from_millis(100);
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(5));
                if sup.stopping.load(Ordering::Acquire) {
                    break;
                }
                if let Lock::Stale(pid) = lock_holder(&data_dir) {
                    tracing::warn!(pid, "removing a stale postmaster.pid");
                    let _ = fs::remove_file(data_dir.join("postmaster.pid"));
                }
            }
            // Stay alive: the parent-death signal of a running postmaster is tied to this thread.
            loop {
                std::thread::park();
            }
        })?;
    rx.recv()
        .context("postgres supervisor thread ended")?
        .context("starting postgres")?;
    Ok(sup)
}

/// Spawns the postmaster so that it receives SIGINT (fast shutdown) when this process dies,
/// however it dies.
fn spawn_with_death_signal(mut cmd: Command) -> std::io::Result<std::process::Child> {
    // SAFETY: prctl(2) is async-signal-safe and touches no memory of the parent. std runs
    // pre_exec after setuid, so the setting survives the credential change.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn()
}

/// Who holds a data directory's `postmaster.pid`.
#[derive(Debug, PartialEq, Eq)]
enum Lock {
    Free,
    /// A live postmaster of this data directory (starting, running or shutting down).
    Live(i32),
    /// The file names a process that is gone, or one that is no postmaster of this directory
    /// (its pid was reused after a `kill -9`).
    Stale(i32),
}

fn lock_holder(data_dir: &Path) -> Lock {
    let Ok(text) = fs::read_to_string(data_dir.join("postmaster.pid")) else {
        return Lock::Free;
    };
    let Some(pid) = text
        .lines()
        .next()
        .and_then(|l| l.trim().parse::<i32>().ok())
    else {
        // Half-written by a postmaster that is starting right now, or garbage: look again.
        return if text.is_empty() {
            Lock::Live(0)
        } else {
            Lock::Stale(0)
        };
    };
    // The lock file's second line is the data directory the postmaster was started with.
    let dir_line = text.lines().nth(1).map(str::trim).unwrap_or("");
    let own_dir = fs::canonicalize(data_dir).ok();
    let names_this_dir = own_dir.as_deref().is_some_and(|d| {
        Path::new(dir_line) == d || fs::canonicalize(dir_line).ok().as_deref() == Some(d)
    });
    if process_alive(pid) && names_this_dir && is_postmaster_of(pid, own_dir.as_deref()) {
        Lock::Live(pid)
    } else {
        Lock::Stale(pid)
    }
}

/// Whether a live process is a `postgres` started with `-D` on this data directory.
fn is_postmaster_of(pid: i32, data_dir: Option<&Path>) -> bool {
    let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    let is_postgres = args
        .first()
        .is_some_and(|a| a.ends_with(b"postgres") || a.starts_with(b"postgres"));
    let dir = data_dir.map(|d| d.as_os_str().as_encoded_bytes());
    is_postgres
        && args.windows(2).any(|w| {
            w[0] == b"-D"
                && (dir == Some(w[1])
                    || fs::canonicalize(
                        <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(w[1]),
                    )
                    .ok()
                    .as_deref()
                    .map(|p| p.as_os_str().as_encoded_bytes())
                        == dir)
        })
}

fn process_alive(pid: i32) -> bool {
    // A reaped child no longer exists; a zombie shows state Z.
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
        Err(_) => false,
    }
}

fn tail(path: &Path, n: usize) -> String {
    let s = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
