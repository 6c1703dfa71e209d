//! The built `keyward` binary as a child process: a hermetic command, running
//! one to its end, creating an account with it, and starting `keyward serve`
//! until it says where it listens.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const KEYWARD: &str = env!("CARGO_BIN_EXE_keyward");

/// Longest a command may run, or a server take to start listening.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// Kills the child (SIGKILL) when dropped, so that no test leaves a process
/// behind.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `keyward ARGS`, with an environment that cannot leak in from the caller's.
pub fn keyward(args: &[&str]) -> Command {
    let mut cmd = Command::new(KEYWARD);
    cmd.args(args)
        .env("RUST_LOG", "info")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env_remove("DATABASE_URL")
        .env_remove("KEYWARD_BIND")
        .env_remove("KEYWARD_NO_BOOTSTRAP")
        .env_remove("KEYWARD_WORKERS")
        .env_remove("KEYWARD_POOL_SIZE")
        .env_remove("KEYWARD_ARGON2_MEMORY_KIB")
        .env_remove("KEYWARD_ARGON2_ITERATIONS")
        .stdin(Stdio::null());
    cmd
}

/// A command that ran to its end.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to its end, killing it (and failing) after [`TIMEOUT`].
pub fn run(mut cmd: Command) -> Finished {
    let shown = format!("{cmd:?}");
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = Killed(cmd.spawn().expect("spawn keyward"));
    let stdout = read_all_in_thread(child.0.stdout.take().expect("stdout"));
    let stderr = read_all_in_thread(child.0.stderr.take().expect("stderr"));
    let status = wait_until(&mut child.0, TIMEOUT)
        .unwrap_or_else(|| panic!("{shown} did not finish within {TIMEOUT:?}"));
    Finished {
        status,
        stdout: stdout
            .recv_timeout(TIMEOUT)
            .expect("stdout of a finished process"),
        stderr: stderr
            .recv_timeout(TIMEOUT)
            .expect("stderr of a finished process"),
    }
}

fn read_all_in_thread(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    rx
}

/// Polls `child` until it exits or `limit` passes.
pub fn wait_until(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for keyward") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `keyward accounts create --name Acme --database-url URL EXTRA...`, run to
/// its end.
pub fn accounts_create(url: &str, extra: &[&str]) -> Finished {
    let mut args = vec![
        "accounts",
        "create",
        "--name",
        "Acme",
        "--database-url",
        url,
    ];
    args.extend_from_slice(extra);
    run(keyward(&args))
}

/// A new account "Acme" on `url`, made by the command line: (account id,
/// owner secret).
pub fn create_account(url: &str) -> (String, String) {
    let created = accounts_create(url, &[]);
    assert!(created.status.success(), "accounts create: {created:#?}");
    let body: Value = serde_json::from_str(&created.stdout)
        .unwrap_or_else(|e| panic!("accounts create prints JSON ({e}): {created:#?}"));
    (
        body["accountId"].as_str().expect("accountId").to_owned(),
        body["apiKey"]["secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    )
}

/// Polls `output` (everything a starting `keyward serve` wrote so far) until
/// it holds a "listening on ADDR" line; returns `http://ADDR`. Fails if
/// `child` ends first or [`TIMEOUT`] passes.
pub fn wait_listening(child: &mut Child, output: impl Fn() -> String) -> String {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let text = output();
        if let Some((_, rest)) = text.split_once("listening on ") {
            let addr = rest.lines().next().unwrap_or_default().trim();
            return format!("http://{addr}");
        }
        if let Some(status) = child.try_wait().expect("wait for keyward") {
            panic!("server ended ({status}) before listening:\n{}", output());
        }
        assert!(
            Instant::now() < deadline,
            "server did not start within {TIMEOUT:?}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `cmd` (a `keyward serve --bind 127.0.0.1:0 ...`) started with stdout to
/// nowhere and stderr to the file `log`, once it listens: the process and
/// its base URL.
pub fn serve_logging_to(mut cmd: Command, log: &std::path::Path) -> (Killed, String) {
    let file = std::fs::File::create(log).expect("create the server log");
    cmd.stdout(Stdio::null()).stderr(file);
    let mut server = Killed(cmd.spawn().expect("spawn keyward serve"));
    let base = wait_listening(&mut server.0, || {
        std::fs::read_to_string(log).expect("read the server log")
    });
    (server, base)
}

/// A listening `keyward serve` child whose stderr is read line by line.
pub struct PipedServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Every stderr line up to and including the "listening on" one.
    pub startup: Vec<String>,
    lines: Arc<Mutex<Vec<String>>>,
    pub child: Killed,
}

impl PipedServer {
    /// Starts `cmd` (a `keyward serve ...`) with stdout to nowhere and
    /// stderr piped, and waits for "listening on ADDR".
    pub fn start(mut cmd: Command) -> Self {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = Killed(cmd.spawn().expect("spawn keyward serve"));
        let stderr = child.0.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        read_lines_in_thread(stderr, Arc::clone(&lines));
        let base = wait_listening(&mut child.0, || lines.lock().unwrap().join("\n"));
        let startup = {
            let lines = lines.lock().unwrap();
            let end = lines
                .iter()
                .position(|line| line.contains("listening on "))
                .expect("the listening line");
            lines[..=end].to_vec()
        };
        Self {
            base,
            startup,
            lines,
            child,
        }
    }

    /// Every stderr line read so far.
    pub fn stderr(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }
}

/// Keeps reading after start-up, so the server never blocks on a full pipe;
/// ends when the process does.
fn read_lines_in_thread(stderr: ChildStderr, lines: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            lines.lock().unwrap().push(line);
        }
    });
}
