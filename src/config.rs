//! Command-line flags and environment variables: the only way to configure Keyward.

use clap::{Args, Parser, Subcommand};

use crate::http::client::TrustedProxies;
use crate::secret::HashCost;
use std::time::Duration;

use crate::service::password_gate::{self, PasswordSettings};
use crate::service::throttle::{SignInSettings, ThrottleSettings};
use crate::service::{Limits, Tuning};

/// Keyward: account-scoped API keys over HTTP.
///
/// With no subcommand, `keyward` runs `serve` configured from the
/// environment (`KEYWARD_BIND`, …) and defaults.
#[derive(Debug, Parser)]
#[command(name = "keyward", version)]
pub struct Cli {
    /// Database: a SQLite file path (`keyward.db`, `sqlite://path`) or a
    /// `postgres://user@host/db` URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "keyward.db",
        global = true,
        // The URL may hold a password: never echo it in --help.
        hide_env_values = true
    )]
    pub database_url: String,

    #[command(flatten)]
    pub hashing: HashArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `serve`'s flags alone, to read them from the environment when no
/// subcommand is given.
#[derive(Debug, Parser)]
struct ServeFromEnvironment {
    #[command(flatten)]
    args: ServeArgs,
}

impl ServeArgs {
    /// The settings `keyward` with no subcommand runs with.
    pub fn from_environment() -> Self {
        ServeFromEnvironment::parse_from(["keyward"]).args
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations, then serve the HTTP API (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Manage the people who sign in to the dashboard.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Find Keyward API keys and session tokens (whole, with a valid
    /// checksum) in files; prints `path:line:` and a masked form of each,
    /// and exits with status 1 when it finds any. No database is read.
    Scan {
        /// Files and directories to scan. Directories are walked, without
        /// entering `.git` or `target`; binary files and files over 1 MiB
        /// are skipped.
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create an account and its first account-owner key; prints JSON
    /// `{"accountId", "account", "apiKey": {..., "secret"}}` on stdout.
    Create {
        /// A human-readable name for the account.
        #[arg(long)]
        name: String,
        /// The name of the first key (1-64 ASCII letters or digits).
        #[arg(long, default_value = "owner")]
        key_name: String,
        /// Create the account as a child of this one; its owner keys then
        /// administer the new account.
        #[arg(long)]
        parent: Option<String>,
    },
    /// List every account, oldest first, as a JSON array on stdout.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user who is a member of an account, for the first person to
    /// sign in (later ones are invited). Reads the password from standard
    /// input (its first line; at least 12 characters, not a common one);
    /// prints JSON `{"user", "membership"}` on stdout.
    Create {
        /// The address the user signs in with.
        #[arg(long)]
        email: String,
        /// The account the user is a member of (and through it, of its
        /// descendants).
        #[arg(long)]
        account: String,
        /// The role of the membership: `account-owner` or `merchant-terminal`.
        #[arg(long)]
        role: String,
        /// The user's name as people see it [default: the email's local part].
        #[arg(long)]
        name: Option<String>,
    },
}

/// Flags of `keyward serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "KEYWARD_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Do not create an account and print its key when the database is empty.
    #[arg(long, env = "KEYWARD_NO_BOOTSTRAP", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_bootstrap: bool,

    /// HTTP worker threads [default: one per CPU core].
    #[arg(long, env = "KEYWARD_WORKERS")]
    pub workers: Option<usize>,

    /// Most database connections open at once.
    #[arg(long, env = "KEYWARD_POOL_SIZE", default_value_t = 10)]
    pub pool_size: u32,

    /// Default session token lifetime, in seconds.
    #[arg(long, env = "KEYWARD_SESSION_TTL_DEFAULT", default_value_t = 900)]
    pub session_ttl_default: i64,

    /// Longest session token lifetime a caller may ask for, in seconds.
    #[arg(long, env = "KEYWARD_SESSION_TTL_MAX", default_value_t = 86_400)]
    pub session_ttl_max: i64,

    /// How long a signed-in user's session (the dashboard's cookie) lasts
    /// unused, in seconds.
    #[arg(long, env = "KEYWARD_SESSION_IDLE", default_value_t = 1800)]
    pub session_idle: i64,

    /// How long a signed-in user's session lasts at most, used or not, in
    /// seconds: the cookie's Max-Age.
    #[arg(long, env = "KEYWARD_SESSION_LIFETIME", default_value_t = 43_200)]
    pub session_lifetime: i64,

    /// Let users sign in over plain HTTP from any address. Without it, a
    /// sign-in must come over HTTPS (directly, or through a trusted proxy
    /// that sends `X-Forwarded-Proto: https`) or from a loopback address;
    /// otherwise it is refused with 403 HTTPS_REQUIRED. Only for a network
    /// where nobody can read the traffic.
    #[arg(long, env = "KEYWARD_ALLOW_INSECURE_SIGN_IN", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_insecure_sign_in: bool,

    /// How long an invitation can be accepted, in seconds.
    #[arg(long, env = "KEYWARD_INVITATION_TTL", default_value_t = 604_800)]
    pub invitation_ttl: i64,

    /// Failed sign-ins for one email address before sign-ins with it are
    /// refused (429) for the rest of the window.
    #[arg(long, env = "KEYWARD_SIGN_IN_FAILURE_LIMIT", default_value_t = 20)]
    pub sign_in_failure_limit: u32,

    /// Failed sign-ins from one client address, whatever the email, before
    /// sign-ins from it are refused for the rest of the window.
    #[arg(
        long,
        env = "KEYWARD_SIGN_IN_ADDRESS_FAILURE_LIMIT",
        default_value_t = 100
    )]
    pub sign_in_address_failure_limit: u32,

    /// The window failed sign-ins are counted in, in seconds.
    #[arg(long, env = "KEYWARD_SIGN_IN_FAILURE_WINDOW", default_value_t = 900)]
    pub sign_in_failure_window: u64,

    /// Password checks and hashes (argon2 at the password cost, 19 MiB
    /// each) that run at once. [default: the number of cores]
    #[arg(long, env = "KEYWARD_PASSWORD_HASH_THREADS")]
    pub password_hash_threads: Option<usize>,

    /// Password checks and hashes that may wait for a turn; past this a
    /// sign-in, accept or password change is answered 503 at once.
    #[arg(long, env = "KEYWARD_PASSWORD_HASH_QUEUE", default_value_t = 64)]
    pub password_hash_queue: usize,

    /// Proxies (comma-separated addresses or CIDRs such as 10.0.0.0/8) whose
    /// `X-Forwarded-For` or `Forwarded` header names the client, and whose
    /// `X-Forwarded-Proto` (or `Forwarded` `proto=`) says whether the client
    /// used HTTPS. From any other peer those headers are ignored.
    /// [default: none]
    #[arg(long, env = "KEYWARD_TRUSTED_PROXIES", default_value = "",
          hide_default_value = true, value_parser = TrustedProxies::parse)]
    pub trusted_proxies: TrustedProxies,

    /// How often to read the change log for key changes made by other
    /// instances, in milliseconds: about the longest a change takes to reach
    /// this instance.
    #[arg(long, env = "KEYWARD_CACHE_REFRESH_MS", default_value_t = 50)]
    pub cache_refresh_ms: u64,

    /// How many keys' state this instance keeps in memory (and as many session
    /// tokens), about 400 bytes each. Beyond it the least used are evicted one
    /// at a time, and their next use costs one database read.
    #[arg(long, env = "KEYWARD_CACHE_CAPACITY", default_value_t = crate::service::cache::DEFAULT_CAPACITY)]
    pub cache_capacity: usize,

    /// Failed authentications from one address, or against one key id,
    /// before further attempts get 429.
    #[arg(long, env = "KEYWARD_AUTH_FAILURE_LIMIT", default_value_t = 20)]
    pub auth_failure_limit: u32,

    /// The window those failures are counted in, in seconds.
    #[arg(long, env = "KEYWARD_AUTH_FAILURE_WINDOW", default_value_t = 60)]
    pub auth_failure_window: u64,

    /// How long a throttled attempt (or sign-in) is held before its 429, in
    /// milliseconds.
    #[arg(long, env = "KEYWARD_AUTH_TARPIT_MS", default_value_t = 1000)]
    pub auth_tarpit_ms: u64,

    /// How often key uses are written to `lastUsedAt`, in seconds (at most 60,
    /// so the value stays precise to about a minute).
    #[arg(long, env = "KEYWARD_LAST_USED_FLUSH", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub last_used_flush: u64,

    /// How long a use of a key with limits waits for the database to count
    /// it, in milliseconds. Past it, the use is refused and nothing is spent
    /// (`LIMITS_UNAVAILABLE` to verify, 503 to the key's own request).
    #[arg(long, env = "KEYWARD_LIMITS_BUDGET_MS", default_value_t = 250,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub limits_budget_ms: u64,

    /// Count every use of a key (authentications and verifies) per hour and
    /// outcome for the usage routes: `on` or `off`. Counts are written on the
    /// schedule of --last-used-flush; off, nothing new is counted and what
    /// is stored stays readable.
    #[arg(long, env = "KEYWARD_USAGE_ANALYTICS", default_value = "on",
          action = clap::ArgAction::Set, value_parser = on_off)]
    pub usage_analytics: bool,

    /// How many days of usage buckets to keep; older ones are deleted every
    /// hour.
    #[arg(long, env = "KEYWARD_USAGE_RETENTION_DAYS",
          default_value_t = crate::service::usage::DEFAULT_RETENTION_DAYS,
          value_parser = clap::value_parser!(u64).range(1..=36_500))]
    pub usage_retention_days: u64,
}

/// `on` or `off`.
fn on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err("expected on or off".into()),
    }
}

impl ServeArgs {
    /// Refuses settings that would make the service unusable.
    pub fn check(&self) -> Result<(), String> {
        if self.session_ttl_max < 1 {
            return Err("--session-ttl-max must be at least 1 second".into());
        }
        if !(1..=self.session_ttl_max).contains(&self.session_ttl_default) {
            return Err(format!(
                "--session-ttl-default must be between 1 and --session-ttl-max ({})",
                self.session_ttl_max
            ));
        }
        if self.pool_size < 1 {
            return Err("--pool-size must be at least 1".into());
        }
        if self.workers == Some(0) {
            return Err("--workers must be at least 1".into());
        }
        if self.cache_refresh_ms < 10 {
            return Err("--cache-refresh-ms must be at least 10".into());
        }
        if self.cache_capacity < 1 {
            return Err("--cache-capacity must be at least 1".into());
        }
        if self.session_idle < 1 || self.session_lifetime < 1 {
            return Err("--session-idle and --session-lifetime must be at least 1 second".into());
        }
        if self.invitation_ttl < 1 {
            return Err("--invitation-ttl must be at least 1 second".into());
        }
        Ok(())
    }

    pub fn tuning(&self) -> Tuning {
        Tuning {
            cache_refresh: Duration::from_millis(self.cache_refresh_ms),
            cache_capacity: self.cache_capacity,
            throttle: ThrottleSettings {
                max_failures: self.auth_failure_limit.max(1),
                window: Duration::from_secs(self.auth_failure_window.max(1)),
                tarpit: Duration::from_millis(self.auth_tarpit_ms),
            },
            sign_in: SignInSettings {
                per_email: self.sign_in_failure_limit.max(1),
                per_address: self.sign_in_address_failure_limit.max(1),
                window: Duration::from_secs(self.sign_in_failure_window.max(1)),
                tarpit: Duration::from_millis(self.auth_tarpit_ms),
            },
            passwords: PasswordSettings {
                threads: self
                    .password_hash_threads
                    .unwrap_or_else(password_gate::default_threads)
                    .max(1),
                queue: self.password_hash_queue,
            },
            last_used_flush: Duration::from_secs(self.last_used_flush),
            limits_budget: Duration::from_millis(self.limits_budget_ms),
            usage_analytics: self.usage_analytics,
            usage_retention: Duration::from_secs(self.usage_retention_days * 24 * 60 * 60),
        }
    }

    pub fn limits(&self) -> Limits {
        Limits {
            session_ttl_default_seconds: self.session_ttl_default,
            session_ttl_max_seconds: self.session_ttl_max,
            user_session_idle_seconds: self.session_idle,
            user_session_lifetime_seconds: self.session_lifetime,
            invitation_lifetime_seconds: self.invitation_ttl,
        }
    }
}

/// argon2id cost for new key secrets (existing hashes keep theirs).
#[derive(Debug, Clone, Args)]
pub struct HashArgs {
    /// argon2id memory cost in KiB.
    #[arg(long, env = "KEYWARD_ARGON2_MEMORY_KIB", default_value_t = HashCost::default().memory_kib, global = true)]
    pub argon2_memory_kib: u32,

    /// argon2id iterations.
    #[arg(long, env = "KEYWARD_ARGON2_ITERATIONS", default_value_t = HashCost::default().iterations, global = true)]
    pub argon2_iterations: u32,
}

impl HashArgs {
    pub fn cost(&self) -> HashCost {
        HashCost {
            memory_kib: self.argon2_memory_kib,
            iterations: self.argon2_iterations,
        }
    }
}
