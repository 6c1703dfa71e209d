//! The database goes away under a running server and comes back: requests
//! that need it fail fast with 503 instead of hanging, what is cached keeps
//! authenticating, and the same process recovers without a restart.
//!
//! PostgreSQL only, on a private cluster this test stops and starts itself
//! (the shared server behind KEYWARD_TEST_POSTGRES_URL is never touched).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{
    error_body, keys_path, read_reply, secret_of, spawn_app_on, AppSettings, Backend, Reply,
    TestApp, TestDatabase,
};

/// Where Debian-style packages put the server binaries, one folder a version.
const PG_LIB: &str = "/usr/lib/postgresql";

/// Longest initdb, `pg_ctl start` or `pg_ctl stop` may take before the test
/// gives up on it (pg_ctl is also told `-t 30`).
const CLUSTER_TIMEOUT: Duration = Duration::from_secs(60);

/// Longest any one HTTP request may take before it counts as unanswered:
/// keeps a hanging server from hanging the test.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

// The bounds below check that the server fails fast instead of waiting on a
// dead database; they are not speed requirements. Each is the requirement
// plus a margin for a loaded CI machine.

/// `/readyz` while the database is down (requirement: 1 s).
const READYZ_DOWN_BOUND: Duration = Duration::from_millis(1500);
/// A request that needs the database while it is down (requirement: 2 s).
const NEEDS_DB_DOWN_BOUND: Duration = Duration::from_millis(2500);
/// How long after the cluster is back `/readyz` must answer 200.
const RECOVERY_BOUND: Duration = Duration::from_secs(15);
/// How long cached authentication is exercised during the outage.
const CACHED_AUTH_SPAN: Duration = Duration::from_secs(3);

#[test]
fn database_outage_fails_fast_and_recovers() {
    // Declared first, so dropped last: the server and its database go first.
    let Some(mut cluster) = PrivateCluster::create() else {
        return;
    };
    cluster.start();
    let app = spawn_app_on(
        TestDatabase::on_postgres(&cluster.admin_url()),
        Backend::Postgres,
        AppSettings::default(),
    );
    let client = Client::new(&app);
    let mut violations = Violations::default();

    // 1. Up: an account, a terminal key, and a key nobody will use before the
    // outage. The owner and terminal keys are used once so they are cached.
    let account = app.create_account("Acme");
    let keys_path = keys_path(&account);
    let till = app.create_key(&account, "Till1", "merchant-terminal");
    let till_key = secret_of(&till);
    let spare = app.create_key(&account, "Till2", "merchant-terminal");
    let spare_key = secret_of(&spare);

    let owner_me = client.call(
        &mut violations,
        "GET",
        "/api/me",
        Some(&account.owner_key),
        None,
    );
    assert_eq!(owner_me.status(), Some(200), "{owner_me}");
    let till_me = client.call(&mut violations, "GET", "/api/me", Some(&till_key), None);
    assert_eq!(till_me.status(), Some(200), "{till_me}");
    let till_me_body = till_me.reply.as_ref().unwrap().body.clone();
    assert_eq!(till_me_body["name"], json!("Till1"), "{till_me}");
    assert!(violations.0.is_empty(), "{violations}");

    // 2. The database goes away without warning.
    cluster.stop();

    // 3. Down.
    for _ in 0..3 {
        let readyz = client.call(&mut violations, "GET", "/readyz", None, None);
        violations.expect(&readyz, 503, Some(READYZ_DOWN_BOUND));
        if let Some(reply) = &readyz.reply {
            let json_type = reply
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/json"));
            violations.check(
                json_type && reply.body.is_object(),
                format!("{readyz}: the not-ready answer is not a JSON object"),
            );
        }
    }

    let listed = client.call(
        &mut violations,
        "GET",
        &keys_path,
        Some(&account.owner_key),
        None,
    );
    violations.expect(&listed, 503, Some(NEEDS_DB_DOWN_BOUND));
    if let Some(reply) = listed.reply.as_ref().filter(|r| r.status == 503) {
        violations.check(
            reply.body == error_body(503, "Service Unavailable", "SERVICE_UNAVAILABLE"),
            format!("{listed}: not the native 503 body"),
        );
    }

    let verified = client.call(
        &mut violations,
        "POST",
        "/api/verify",
        None,
        Some(&json!({ "key": spare_key })),
    );
    violations.expect(&verified, 503, Some(NEEDS_DB_DOWN_BOUND));

    let created = client.call(
        &mut violations,
        "POST",
        &keys_path,
        Some(&account.owner_key),
        Some(&json!({ "name": "Till9", "role": "merchant-terminal" })),
    );
    violations.expect(&created, 503, Some(NEEDS_DB_DOWN_BOUND));

    // Authentication from cached state needs no database.
    let started = Instant::now();
    let mut asked = 0;
    while asked < 3 || started.elapsed() < CACHED_AUTH_SPAN {
        let me = client.call(&mut violations, "GET", "/api/me", Some(&till_key), None);
        violations.expect(&me, 200, None);
        if let Some(reply) = me.reply.as_ref().filter(|r| r.status == 200) {
            violations.check(
                reply.body == till_me_body,
                format!("{me}: expected the usual body {till_me_body}"),
            );
        }
        asked += 1;
        std::thread::sleep(Duration::from_millis(500));
    }

    // 4. Back, with the same server process.
    cluster.start();
    let deadline = Instant::now() + RECOVERY_BOUND;
    let last_readyz = loop {
        let readyz = client.call(&mut violations, "GET", "/readyz", None, None);
        if readyz.status() == Some(200) || Instant::now() >= deadline {
            break readyz;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    violations.check(
        last_readyz.status() == Some(200),
        format!("/readyz not 200 within {RECOVERY_BOUND:?} of the database coming back; last: {last_readyz}"),
    );

    let listed = client.call(
        &mut violations,
        "GET",
        &keys_path,
        Some(&account.owner_key),
        None,
    );
    violations.expect(&listed, 200, None);
    let created = client.call(
        &mut violations,
        "POST",
        &keys_path,
        Some(&account.owner_key),
        Some(&json!({ "name": "Till3", "role": "merchant-terminal" })),
    );
    violations.expect(&created, 200, None);
    let verified = client.call(
        &mut violations,
        "POST",
        "/api/verify",
        None,
        Some(&json!({ "key": spare_key })),
    );
    violations.expect(&verified, 200, None);
    if let Some(reply) = verified.reply.as_ref().filter(|r| r.status == 200) {
        violations.check(
            reply.body["valid"] == json!(true)
                && reply.body["code"] == json!("VALID")
                && reply.body["name"] == json!("Till2"),
            format!("{verified}: the never-used key did not verify as valid"),
        );
    }

    assert!(violations.0.is_empty(), "{violations}");
}

/// Contract breaches, collected so one run reports all of them.
#[derive(Default)]
struct Violations(Vec<String>);

impl Violations {
    fn check(&mut self, ok: bool, message: String) {
        if !ok {
            println!("VIOLATION: {message}");
            self.0.push(message);
        }
    }

    /// `outcome` answered `status`, within `bound` when one is given.
    fn expect(&mut self, outcome: &Outcome, status: u16, bound: Option<Duration>) {
        if let Some(reply) = &outcome.reply {
            self.check(
                reply.status == status,
                format!("{outcome}: expected {status}"),
            );
        }
        if let Some(bound) = bound {
            self.check(
                outcome.took <= bound,
                format!("{outcome}: expected an answer within {bound:?}"),
            );
        }
    }
}

impl std::fmt::Display for Violations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} contract violation(s):", self.0.len())?;
        for message in &self.0 {
            writeln!(f, "  - {message}")?;
        }
        Ok(())
    }
}

/// One request and what came of it.
struct Outcome {
    label: String,
    /// None: no HTTP answer at all (connection closed, refused, timed out).
    reply: Option<Reply>,
    took: Duration,
}

impl Outcome {
    fn status(&self) -> Option<u16> {
        self.reply.as_ref().map(|r| r.status)
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.reply {
            Some(reply) => write!(
                f,
                "{} -> {} {} in {:.3}s",
                self.label,
                reply.status,
                reply.body,
                self.took.as_secs_f64()
            ),
            None => write!(
                f,
                "{} -> no answer after {:.3}s",
                self.label,
                self.took.as_secs_f64()
            ),
        }
    }
}

/// An HTTP client that opens a new connection for every request, so a
/// connection the server drops is seen (never retried away on a pooled one),
/// and that gives up after REQUEST_TIMEOUT.
struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    fn new(app: &TestApp) -> Self {
        Self {
            agent: ureq::AgentBuilder::new()
                .max_idle_connections(0)
                .timeout(REQUEST_TIMEOUT)
                .build(),
            base: app.addr.clone(),
        }
    }

    /// Sends the request, timing it; records no answer and 500s as violations.
    fn call(
        &self,
        violations: &mut Violations,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Outcome {
        let label = format!("{method} {path}");
        let mut request = self.agent.request(method, &format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.set("x-api-key", key);
        }
        let started = Instant::now();
        let result = match body {
            Some(body) => request
                .set("content-type", "application/json")
                .send_string(&body.to_string()),
            None => request.call(),
        };
        let reply = read_reply(result);
        let took = started.elapsed();
        let outcome = Outcome {
            label,
            reply: reply.as_ref().ok().cloned(),
            took,
        };
        println!("{outcome}");
        match &reply {
            Err(e) => violations.check(false, format!("{outcome}: {e}")),
            Ok(reply) => violations.check(reply.status != 500, format!("{outcome}: a 500")),
        }
        outcome
    }
}

/// A throwaway PostgreSQL cluster in a temp dir, on a free port of
/// 127.0.0.1 with trust authentication for `postgres`, that a test may stop
/// (`-m immediate`, as in a crash) and start again on the same port.
///
/// Uses the highest version under /usr/lib/postgresql. Its binaries refuse
/// to run as root, so when we are root they run as the `postgres` OS user
/// (runuser, else su). Every wait is bounded. Dropping it stops the server
/// (also while a test panics) and removes the directory.
struct PrivateCluster {
    pg_ctl: PathBuf,
    run_as: RunAs,
    data: PathBuf,
    log: PathBuf,
    port: u16,
    /// Last, so the directory goes only after the server has stopped.
    dir: tempfile::TempDir,
}

impl PrivateCluster {
    /// A new, stopped cluster; None (the test passes without running) when
    /// no server binaries are installed, which is a failure under CI.
    fn create() -> Option<Self> {
        let Some(bin) = newest_server_binaries() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "no PostgreSQL server binaries (initdb, pg_ctl) under {PG_LIB}/<version>/bin: \
                 install them (.ci/postgres.sh does) to run the outage test"
            );
            eprintln!("skipped: no PostgreSQL server binaries under {PG_LIB}");
            return None;
        };
        let run_as = RunAs::detect();
        let dir = tempfile::Builder::new()
            .prefix("keyward-pg-")
            .tempdir()
            .expect("temp dir for the cluster");
        run_as.give(dir.path());
        let data = dir.path().join("data");
        let log = dir.path().join("postgres.log");

        let initdb = bin.join("initdb");
        let help = run_bounded(
            run_as.command(&initdb, &["--help".into()], dir.path()),
            "initdb --help",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut args: Vec<String> = vec![
            "-D".into(),
            data.display().to_string(),
            "-A".into(),
            "trust".into(),
            "-U".into(),
            "postgres".into(),
            "-E".into(),
            "UTF8".into(),
            "--locale=C".into(),
            "--no-sync".into(),
        ];
        if help.contains("--no-instructions") {
            args.push("--no-instructions".into());
        }
        run_bounded(run_as.command(&initdb, &args, dir.path()), "initdb")
            .unwrap_or_else(|e| panic!("{e}"));

        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().expect("port").port()
        };
        Some(Self {
            pg_ctl: bin.join("pg_ctl"),
            run_as,
            data,
            log,
            port,
            dir,
        })
    }

    fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits (bounded) until it accepts connections.
    fn start(&mut self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            sh_quote(&self.dir.path().display().to_string())
        );
        self.pg_ctl(&[
            "-l".into(),
            self.log.display().to_string(),
            "-o".into(),
            options,
            "start".into(),
        ])
        .unwrap_or_else(|e| panic!("{e}\n{}", self.log_tail()));
    }

    /// Stops the server the hard way, as a crash would.
    fn stop(&mut self) {
        self.pg_ctl(&["-m".into(), "immediate".into(), "stop".into()])
            .unwrap_or_else(|e| panic!("{e}\n{}", self.log_tail()));
    }

    /// `pg_ctl -D DATA -w -t 30 ARGS`.
    fn pg_ctl(&self, args: &[String]) -> Result<String, String> {
        let mut all = vec![
            "-D".into(),
            self.data.display().to_string(),
            "-w".into(),
            "-t".into(),
            "30".into(),
        ];
        all.extend_from_slice(args);
        let what = format!("pg_ctl {}", args.last().map_or("", String::as_str));
        run_bounded(
            self.run_as.command(&self.pg_ctl, &all, self.dir.path()),
            &what,
        )
    }

    fn postmaster_pid(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.data.join("postmaster.pid")).ok()?;
        let pid = text.lines().next()?.trim().to_owned();
        (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then_some(pid)
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        format!(
            "server log ({}), last lines:\n{}",
            self.log.display(),
            lines[lines.len().saturating_sub(20)..].join("\n")
        )
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if self.postmaster_pid().is_none() {
            return;
        }
        if let Err(e) = self.pg_ctl(&["-m".into(), "immediate".into(), "stop".into()]) {
            eprintln!("stopping the private cluster: {e}");
        }
        // Last resort: the postmaster this cluster started, by its pid.
        if let Some(pid) = self.postmaster_pid() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// `<PG_LIB>/<highest version>/bin`, if it holds initdb and pg_ctl.
fn newest_server_binaries() -> Option<PathBuf> {
    let version_key = |name: &str| -> Option<Vec<u32>> {
        name.split('.').map(|part| part.parse().ok()).collect()
    };
    std::fs::read_dir(PG_LIB)
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let key = version_key(entry.file_name().to_str()?)?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((key, bin))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, bin)| bin)
}

/// How the server binaries are run.
#[derive(Clone, Copy)]
enum RunAs {
    /// We are not root: as ourselves.
    Myself,
    /// Root: `runuser -u postgres -- …`.
    Runuser,
    /// Root without runuser: `su postgres -s /bin/sh -c '…'`.
    Su,
}

impl RunAs {
    fn detect() -> Self {
        if id(&["-u"]) != "0" {
            return Self::Myself;
        }
        let postgres = Command::new("id").arg("postgres").output();
        assert!(
            postgres.is_ok_and(|o| o.status.success()),
            "running as root, but there is no `postgres` OS user to run the PostgreSQL server as"
        );
        if find_program("runuser").is_some() {
            Self::Runuser
        } else {
            Self::Su
        }
    }

    /// Hands `path` to the user the binaries run as.
    fn give(self, path: &Path) {
        if let Self::Myself = self {
            return;
        }
        let uid = id(&["-u", "postgres"]).parse().expect("uid of postgres");
        let gid = id(&["-g", "postgres"]).parse().expect("gid of postgres");
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .unwrap_or_else(|e| panic!("chown {} to postgres: {e}", path.display()));
    }

    /// `program args`, as the right user, in `cwd` (which that user can enter).
    fn command(self, program: &Path, args: &[String], cwd: &Path) -> Command {
        let mut command = match self {
            Self::Myself => {
                let mut command = Command::new(program);
                command.args(args);
                command
            }
            Self::Runuser => {
                let mut command = Command::new(find_program("runuser").expect("runuser"));
                command
                    .args(["-u", "postgres", "--"])
                    .arg(program)
                    .args(args);
                command
            }
            Self::Su => {
                let line = std::iter::once(program.display().to_string())
                    .chain(args.iter().cloned())
                    .map(|word| sh_quote(&word))
                    .collect::<Vec<_>>()
                    .join(" ");
                let mut command = Command::new("su");
                command.args(["postgres", "-s", "/bin/sh", "-c", &line]);
                command
            }
        };
        command.current_dir(cwd);
        command
    }
}

/// `id ARGS`, trimmed.
fn id(args: &[&str]) -> String {
    let output = Command::new("id")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("id {args:?}: {e}"));
    assert!(output.status.success(), "id {args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// `name` on PATH or in the sbin folders root's PATH may lack.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Runs `command` to its end, at most CLUSTER_TIMEOUT (killed after), and
/// returns its output (stdout and stderr together), or why it failed.
fn run_bounded(mut command: Command, what: &str) -> Result<String, String> {
    // A file, not a pipe: nothing can block on a full pipe, and a server the
    // command leaves running cannot keep us waiting for end of file.
    let mut output = tempfile::tempfile().map_err(|e| format!("{what}: output file: {e}"))?;
    let out = output.try_clone().map_err(|e| format!("{what}: {e}"))?;
    let err = output.try_clone().map_err(|e| format!("{what}: {e}"))?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .map_err(|e| format!("{what}: cannot run {command:?}: {e}"))?;
    let deadline = Instant::now() + CLUSTER_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("did not finish within {CLUSTER_TIMEOUT:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => break Err(e.to_string()),
        }
    };
    let text = read_all(&mut output);
    match status {
        Ok(status) if status.success() => Ok(text),
        Ok(status) => Err(format!("{what} failed ({status}):\n{text}")),
        Err(e) => Err(format!("{what}: {e}:\n{text}")),
    }
}

fn read_all(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut text);
    text
}
