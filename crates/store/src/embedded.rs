//! A private PostgreSQL cluster under a data directory, started from the PostgreSQL binaries on
//! the machine. Used by `hostsystem serve` when no `DATABASE_URL` is given and by the test
//! harness. The cluster listens only on a Unix socket inside the data directory (no TCP), runs as
//! an unprivileged OS user when we are root (PostgreSQL refuses to run as root), and is stopped
//! with a fast shutdown when the owning [`EmbeddedCluster`] is stopped or this process dies.
#![allow(unsafe_code)] // geteuid, kill and prctl: each use is commented below.

use anyhow::{bail, Context, Result};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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
#[derive(Debug)]
pub struct EmbeddedCluster {
    pub data_dir: PathBuf,
    pub socket_dir: PathBuf,
    postmaster_pid: Option<i32>,
}

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
        let cluster = EmbeddedCluster {
            data_dir: data_dir.clone(),
            socket_dir: socket_dir.clone(),
            postmaster_pid: None,
        };
        if cluster.answers() {
            tracing::info!(dir = %data_dir.display(), "embedded PostgreSQL already running; attaching");
            return Ok(cluster);
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
            .open(&log)?;
        if let Some(u) = &run_as {
            std::os::unix::fs::chown(&log, Some(u.uid), Some(u.gid))?;
        }
        let mut cmd = Command::new(bin.join("postgres"));
        cmd.arg("-D").arg(&data_dir);
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
            cmd.arg("-c").arg(s);
        }
        cmd.stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .current_dir(root);
        let pid = spawn_tied_to_process(cmd, run_as.as_ref())?;
        let mut cluster = cluster;
        cluster.postmaster_pid = Some(pid);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !cluster.answers() {
            if !process_alive(pid) {
                bail!(
                    "embedded PostgreSQL exited during start; last log lines:\n{}",
                    tail(&log, 15)
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "embedded PostgreSQL did not start within 60 s; see {}",
                    log.display()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        tracing::info!(dir = %data_dir.display(), pid, "embedded PostgreSQL started");
        Ok(cluster)
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
        self.postmaster_pid.is_some()
    }

    /// Fast shutdown (SIGINT) of a server we started, waiting up to 30 s for it to exit.
    pub fn stop(&mut self) {
        let Some(pid) = self.postmaster_pid.take() else {
            return;
        };
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

/// Spawns the postmaster so that it receives SIGINT (fast shutdown) when this process dies,
/// however it dies. The parent-death signal fires when the spawning *thread* exits, so the
/// spawn happens on a thread that lives as long as the process.
fn spawn_tied_to_process(mut cmd: Command, user: Option<&OsUser>) -> Result<i32> {
    as_user(&mut cmd, user);
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
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("postgres-parent".into())
        .spawn(move || {
            let child = cmd.spawn();
            match child {
                Ok(mut c) => {
                    let _ = tx.send(Ok(c.id() as i32));
                    // Reap the postmaster when it exits, then keep the thread alive anyway.
                    let _ = c.wait();
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        })?;
    let pid = rx
        .recv()
        .context("postgres spawner thread ended")?
        .context("starting postgres")?;
    Ok(pid)
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
