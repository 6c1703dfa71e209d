//! The `keyward` binary as a user runs it: subcommands, flags, environment,
//! exit codes, what goes to stdout and stderr, and a served database.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::helpers::{self, crn, Backend, Reply, TestDatabase};
use crate::process::{accounts_create, keyward, run, Finished, PipedServer, TIMEOUT};

/// Explicit argon2id flags, given after the subcommand here and before it in
/// `global_flags_before_the_subcommand`: both places must take them.
const HASHING: [&str; 4] = ["--argon2-memory-kib", "128", "--argon2-iterations", "1"];

/// `keyward ARGS` followed by the argon2 flags.
fn keyward_hashing(args: &[&str]) -> Command {
    let mut cmd = keyward(args);
    cmd.args(HASHING);
    cmd
}

/// A `keyward serve` child process, listening.
struct Server {
    process: PipedServer,
    agent: ureq::Agent,
}

impl Server {
    /// Starts `cmd` (a `keyward serve ...`) and waits for "listening on ADDR".
    fn start(cmd: Command) -> Self {
        let process = PipedServer::start(cmd);
        let addr = process.base.trim_start_matches("http://");
        assert!(
            addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
            "unexpected listening address {addr:?}"
        );
        Self {
            process,
            agent: ureq::AgentBuilder::new().timeout(TIMEOUT).build(),
        }
    }

    /// Every stderr line up to and including the "listening on" one.
    fn startup(&self) -> &[String] {
        &self.process.startup
    }

    fn get(&self, path: &str, key: Option<&str>) -> Reply {
        let req = self.agent.get(&format!("{}{path}", self.process.base));
        helpers::send(helpers::with_key(req, key), None)
    }

    /// Startup lines that show a bootstrap key.
    fn shown_once_lines(&self) -> Vec<&String> {
        self.startup()
            .iter()
            .filter(|line| line.contains("shown once"))
            .collect()
    }
}

/// `keyward serve --bind 127.0.0.1:0 --database-url URL EXTRA...`.
fn serve(url: &str, extra: &[&str]) -> Server {
    let mut args = vec!["serve", "--bind", "127.0.0.1:0", "--database-url", url];
    args.extend_from_slice(extra);
    Server::start(keyward_hashing(&args))
}

/// Row count of `table`, through the library's own store.
fn count_rows(url: &str, table: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let db = keyward::store::Database::open(url, 1).expect("open database");
    let mut conn = db.get().expect("connection");
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(&mut *conn)
        .expect("count")
        .n
}

/// Migration directories of `backend`, sorted.
fn migration_count(backend: Backend) -> usize {
    let dir = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .filter(|entry| entry.as_ref().expect("dir entry").path().is_dir())
        .count()
}

/// Checks the JSON of `accounts create` and returns (account id, secret).
fn check_created(finished: &Finished, key_name: &str) -> (String, String) {
    assert!(
        finished.status.success(),
        "accounts create failed: {finished:#?}"
    );
    let body: Value = serde_json::from_str(&finished.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", finished.stdout));
    let account_id = body["accountId"]
        .as_str()
        .unwrap_or_else(|| panic!("no accountId: {body:#}"))
        .to_owned();
    assert_eq!(account_id.len(), 22, "accountId {account_id:?}");
    assert!(
        account_id.bytes().all(|b| b.is_ascii_alphanumeric()),
        "accountId {account_id:?}"
    );
    let key = &body["apiKey"];
    assert_eq!(key["accountId"], account_id.as_str(), "{body:#}");
    assert_eq!(key["name"], key_name, "{body:#}");
    assert_eq!(key["role"], "account-owner", "{body:#}");
    assert_eq!(key["enabled"], true, "{body:#}");
    assert_eq!(key["status"], "active", "{body:#}");
    assert_eq!(key["version"], "1", "{body:#}");
    let crn = format!("crn:{account_id}:cli:keyward");
    assert_eq!(key["createdBy"], crn.as_str(), "{body:#}");
    assert_eq!(key["modifiedBy"], crn.as_str(), "{body:#}");
    assert_eq!(key["revokedAt"], Value::Null, "{body:#}");
    let secret = key["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("no secret: {body:#}"))
        .to_owned();
    assert!(secret.starts_with("kw_"), "secret {secret:?}");
    // The masked form ends like the secret and never holds all of it.
    let hint = key["apiKey"].as_str().expect("apiKey hint");
    assert!(
        hint.starts_with("...") && secret.ends_with(&hint[3..]) && hint.len() < secret.len(),
        "hint {hint:?} for {secret:?}"
    );
    (account_id, secret)
}

/// `/api/me` with `key` answers 200 for the account-owner key `key_name` of `account_id`.
fn assert_me(server: &Server, key: &str, account_id: &str, key_name: &str) {
    let reply = server.get("/api/me", Some(key));
    assert_eq!(reply.status, 200, "/api/me: {:?}", reply.body);
    assert_eq!(reply.body["accountId"], account_id, "{:?}", reply.body);
    assert_eq!(reply.body["name"], key_name, "{:?}", reply.body);
    assert_eq!(reply.body["role"], "account-owner", "{:?}", reply.body);
}

fn accounts_create_prints_a_key_that_serve_accepts(backend: Backend) {
    let db = TestDatabase::new(backend);
    let created = accounts_create(&db.url, &HASHING);
    let (account_id, secret) = check_created(&created, "owner");
    assert!(
        !created.stderr.contains(&secret),
        "the secret belongs on stdout only, stderr:\n{}",
        created.stderr
    );

    let server = serve(&db.url, &["--no-bootstrap"]);
    assert_me(&server, &secret, &account_id, "owner");
    assert_eq!(server.get("/api/me", None).status, 401);
    assert_eq!(count_rows(&db.url, "accounts"), 1);
}

fn database_url_env_var_works_like_the_flag(backend: Backend) {
    let db = TestDatabase::new(backend);
    // Somewhere harmless to notice a fall-back to the default `keyward.db`.
    let cwd = tempfile::tempdir().expect("temp dir");

    let mut create = keyward_hashing(&["accounts", "create", "--name", "Acme"]);
    create.env("DATABASE_URL", &db.url).current_dir(cwd.path());
    let (account_id, secret) = check_created(&run(create), "owner");

    let mut cmd = keyward_hashing(&["serve", "--bind", "127.0.0.1:0", "--no-bootstrap"]);
    cmd.env("DATABASE_URL", &db.url).current_dir(cwd.path());
    let server = Server::start(cmd);
    assert_me(&server, &secret, &account_id, "owner");
    drop(server);

    assert!(
        !cwd.path().join("keyward.db").exists(),
        "DATABASE_URL was ignored: keyward.db created in the working directory"
    );
}

fn key_name_names_the_first_key(backend: Backend) {
    let db = TestDatabase::new(backend);
    let mut flags = vec!["--key-name", "deploy2"];
    flags.extend_from_slice(&HASHING);
    let created = accounts_create(&db.url, &flags);
    let (account_id, secret) = check_created(&created, "deploy2");

    let server = serve(&db.url, &["--no-bootstrap"]);
    let reply = server.get("/api/me", Some(&secret));
    assert_eq!(reply.status, 200, "/api/me: {:?}", reply.body);
    assert_eq!(
        reply.body["crn"],
        crn(&account_id, "deploy2").as_str(),
        "{:?}",
        reply.body
    );
    assert_me(&server, &secret, &account_id, "deploy2");
}

fn invalid_names_are_refused_and_create_nothing(backend: Backend) {
    let db = TestDatabase::new(backend);
    let attempts: [(&[&str], &str); 4] = [
        (&["--name", ""], "account name"),
        (&["--name", "   "], "account name"),
        (
            &["--name", "Acme", "--key-name", "bad name"],
            "name must be",
        ),
        (&["--name", "Acme", "--key-name", ""], "name must be"),
    ];
    for (flags, message) in attempts {
        let mut args = vec!["accounts", "create", "--database-url", &db.url];
        args.extend_from_slice(flags);
        let finished = run(keyward_hashing(&args));
        assert!(
            !finished.status.success(),
            "{flags:?} was accepted: {finished:#?}"
        );
        assert!(
            finished.stderr.contains(message),
            "{flags:?}: stderr does not say {message:?}:\n{}",
            finished.stderr
        );
        assert!(
            !finished.stdout.contains("kw_"),
            "{flags:?}: a key was printed:\n{}",
            finished.stdout
        );
    }
    if let Some(path) = db.sqlite_path() {
        assert!(
            !Path::new(path).exists(),
            "a refused command created the database file {path}"
        );
    }
    // Whatever the commands did to the schema, no account or key came of them.
    let store = keyward::store::Database::open(&db.url, 1).expect("open database");
    keyward::store::run_migrations(&mut store.get().expect("connection")).expect("migrations");
    assert_eq!(count_rows(&db.url, "accounts"), 0);
    assert_eq!(count_rows(&db.url, "api_keys"), 0);
}

/// The bootstrap key in a "shown once" line.
fn bootstrap_key(line: &str) -> String {
    let start = line
        .find("kw_")
        .unwrap_or_else(|| panic!("no kw_ key in {line:?}"));
    line[start..]
        .split_whitespace()
        .next()
        .expect("key")
        .trim_matches('"')
        .to_owned()
}

fn serve_bootstraps_an_empty_database_once(backend: Backend) {
    let db = TestDatabase::new(backend);

    let first = serve(&db.url, &[]);
    let shown = first.shown_once_lines();
    assert_eq!(
        shown.len(),
        1,
        "one \"shown once\" line expected:\n{:#?}",
        first.startup()
    );
    let key = bootstrap_key(shown[0]);
    let reply = first.get("/api/me", Some(&key));
    assert_eq!(reply.status, 200, "/api/me: {:?}", reply.body);
    assert_eq!(reply.body["role"], "account-owner", "{:?}", reply.body);
    assert_eq!(reply.body["name"], "owner", "{:?}", reply.body);
    let account_id = reply.body["accountId"]
        .as_str()
        .expect("accountId")
        .to_owned();
    assert_eq!(account_id.len(), 22, "{account_id:?}");
    // The key is printed, never logged: only the one line holds it.
    let holding: Vec<_> = first
        .startup()
        .iter()
        .filter(|line| line.contains(&key))
        .collect();
    assert_eq!(holding.len(), 1, "key repeated on stderr:\n{holding:#?}");
    drop(first);

    let second = serve(&db.url, &[]);
    assert!(
        second.shown_once_lines().is_empty(),
        "bootstrapped a database that has an account:\n{:#?}",
        second.startup()
    );
    assert!(
        !second.startup().iter().any(|line| line.contains("kw_")),
        "a key on stderr at the second start:\n{:#?}",
        second.startup()
    );
    assert_me(&second, &key, &account_id, "owner");
    assert_eq!(count_rows(&db.url, "accounts"), 1);
}

fn no_bootstrap_leaves_the_database_empty(backend: Backend) {
    let db = TestDatabase::new(backend);
    let server = serve(&db.url, &["--no-bootstrap"]);
    assert!(
        server.shown_once_lines().is_empty(),
        "bootstrapped despite --no-bootstrap:\n{:#?}",
        server.startup()
    );
    assert!(
        !server.startup().iter().any(|line| line.contains("kw_")),
        "a key on stderr despite --no-bootstrap:\n{:#?}",
        server.startup()
    );
    let reply = server.get("/api/me", None);
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    assert_eq!(count_rows(&db.url, "accounts"), 0);
    assert_eq!(count_rows(&db.url, "api_keys"), 0);
}

fn migrate_is_idempotent(backend: Backend) {
    let db = TestDatabase::new(backend);
    let expected = migration_count(backend);

    let first = run(keyward(&["migrate", "--database-url", &db.url]));
    assert!(first.status.success(), "first migrate: {first:#?}");
    assert!(
        first
            .stderr
            .contains(&format!("{expected} migration(s) applied")),
        "first migrate should apply {expected}:\n{}",
        first.stderr
    );

    let second = run(keyward(&["migrate", "--database-url", &db.url]));
    assert!(second.status.success(), "second migrate: {second:#?}");
    assert!(
        second.stderr.contains("0 migration(s) applied"),
        "second migrate should apply none:\n{}",
        second.stderr
    );

    assert_eq!(count_rows(&db.url, "accounts"), 0);
    assert_eq!(count_rows(&db.url, "api_keys"), 0);
    assert_eq!(count_rows(&db.url, "session_tokens"), 0);
}

crate::on_both_backends!(
    accounts_create_prints_a_key_that_serve_accepts,
    database_url_env_var_works_like_the_flag,
    key_name_names_the_first_key,
    invalid_names_are_refused_and_create_nothing,
    serve_bootstraps_an_empty_database_once,
    no_bootstrap_leaves_the_database_empty,
    migrate_is_idempotent,
);

#[test]
fn help_lists_commands_and_environment() {
    let top = run(keyward(&["--help"]));
    assert!(top.status.success(), "{top:#?}");
    for word in ["DATABASE_URL", "serve", "migrate", "accounts"] {
        assert!(
            top.stdout.contains(word),
            "keyward --help does not mention {word}:\n{}",
            top.stdout
        );
    }

    let serve = run(keyward(&["serve", "--help"]));
    assert!(serve.status.success(), "{serve:#?}");
    for word in ["KEYWARD_BIND", "--no-bootstrap"] {
        assert!(
            serve.stdout.contains(word),
            "keyward serve --help does not mention {word}:\n{}",
            serve.stdout
        );
    }
}

/// `--database-url` and the argon2 flags are declared `global`, and
/// `keyward --help` lists them among the top-level options, so a user will
/// write them before the subcommand, as the usual CLI convention allows.
#[test]
fn global_flags_before_the_subcommand() {
    let db = TestDatabase::new(Backend::Sqlite);

    let migrate = run(keyward(&["--database-url", &db.url, "migrate"]));
    assert!(
        migrate.status.success(),
        "`keyward --database-url URL migrate` failed: {migrate:#?}"
    );

    let mut args = vec!["--database-url", db.url.as_str()];
    args.extend_from_slice(&HASHING);
    args.extend_from_slice(&["accounts", "create", "--name", "Acme"]);
    let created = run(keyward(&args));
    check_created(&created, "owner");
}

/// An unreachable PostgreSQL server: the error names the real cause.
#[test]
fn unreachable_postgres_is_reported_plainly() {
    let url = "postgres://postgres:hunter2@127.0.0.1:1/x";
    let finished = run(keyward(&["migrate", "--database-url", url]));
    assert!(
        !finished.status.success(),
        "migrate on a refused port succeeded: {finished:#?}"
    );
    let stderr = &finished.stderr;
    assert!(
        stderr.contains("cannot open database") && stderr.contains("Connection refused"),
        "stderr does not name the refused connection:\n{stderr}"
    );
    assert!(
        !stderr.contains("Invalid connection url"),
        "misleading error:\n{stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "password shown on stderr:\n{stderr}"
    );
    assert!(finished.stdout.is_empty(), "{finished:#?}");
}

/// A PostgreSQL server that is up, but without the named database.
#[test]
fn missing_postgres_database_is_reported_plainly() {
    if helpers::postgres_admin_url().is_none() {
        eprintln!("skipped: KEYWARD_TEST_POSTGRES_URL is not set");
        return;
    }
    let db = TestDatabase::new(Backend::Postgres);
    let (base, query) = match db.url.split_once('?') {
        Some((base, query)) => (base.to_owned(), format!("?{query}")),
        None => (db.url.clone(), String::new()),
    };
    let missing_name = format!("{}_missing", base.rsplit('/').next().expect("name"));
    let missing = format!("{base}_missing{query}");
    let finished = run(keyward(&["migrate", "--database-url", &missing]));
    assert!(
        !finished.status.success(),
        "migrate on a missing database succeeded: {finished:#?}"
    );
    assert!(
        finished.stderr.contains("does not exist") && finished.stderr.contains(&missing_name),
        "stderr does not name the missing database {missing_name}:\n{}",
        finished.stderr
    );
    assert!(
        !finished.stderr.contains("Invalid connection url"),
        "misleading error:\n{}",
        finished.stderr
    );
}
