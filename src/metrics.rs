//! Prometheus metrics: what `/metrics` shows, recorded where things happen.

use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Every metric Keyward exports, in one registry per instance.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    auth_outcomes: IntCounterVec,
    cache_lookups: IntCounterVec,
    limit_decisions: IntCounterVec,
    sign_ins: IntCounterVec,
    password_checks: prometheus::IntCounter,
    password_work_refused: prometheus::IntCounter,
    pool: IntGaugeVec,
}

/// Which cache a lookup went to (see `service::cache`).
#[derive(Debug, Clone, Copy)]
pub enum CacheName {
    Key,
    Account,
    Token,
    Verified,
}

impl CacheName {
    fn as_str(self) -> &'static str {
        match self {
            CacheName::Key => "key",
            CacheName::Account => "account",
            CacheName::Token => "token",
            CacheName::Verified => "verified",
        }
    }
}

impl Metrics {
    /// Builds and registers every metric. Start-up code: fails only on a
    /// programming error (a duplicate or invalid metric name).
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "keyward_http_requests_total",
                "HTTP requests answered, by route pattern, method and status.",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "keyward_http_request_duration_seconds",
                "Time from request to response, by route pattern.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["route"],
        )?;
        let auth_outcomes = IntCounterVec::new(
            Opts::new(
                "keyward_auth_outcomes_total",
                "Credentials checked, by outcome code (VALID, NOT_FOUND, ..., THROTTLED).",
            ),
            &["code"],
        )?;
        let cache_lookups = IntCounterVec::new(
            Opts::new(
                "keyward_cache_lookups_total",
                "Credential cache lookups, by cache and result (hit or miss).",
            ),
            &["cache", "result"],
        )?;
        let limit_decisions = IntCounterVec::new(
            Opts::new(
                "keyward_limit_decisions_total",
                "Uses of keys with limits, by outcome (admitted, rate_limited, usage_exceeded, \
                 unavailable); those the time budget decided are unavailable with \
                 fallback=\"true\".",
            ),
            &["outcome", "fallback"],
        )?;
        let sign_ins = IntCounterVec::new(
            Opts::new(
                "keyward_sign_ins_total",
                "Sign-ins with an email and a password, by outcome (signed_in, refused: a \
                 wrong password and an unknown address alike, throttled).",
            ),
            &["outcome"],
        )?;
        let password_checks = prometheus::IntCounter::new(
            "keyward_password_checks_total",
            "Presented passwords checked with argon2 at the password cost, against a user's \
             hash or, for an address no user has, the decoy: one count either way.",
        )?;
        let password_work_refused = prometheus::IntCounter::new(
            "keyward_password_work_refused_total",
            "Password checks and hashes refused with 503 before any hashing because \
             --password-hash-queue others were waiting already.",
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "keyward_db_pool_connections",
                "Database pool connections, by state (idle or in_use).",
            ),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(auth_outcomes.clone()))?;
        registry.register(Box::new(cache_lookups.clone()))?;
        registry.register(Box::new(limit_decisions.clone()))?;
        registry.register(Box::new(sign_ins.clone()))?;
        registry.register(Box::new(password_checks.clone()))?;
        registry.register(Box::new(password_work_refused.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            auth_outcomes,
            cache_lookups,
            limit_decisions,
            sign_ins,
            password_checks,
            password_work_refused,
            pool,
        })
    }

    pub fn observe_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        self.requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[route])
            .observe(elapsed.as_secs_f64());
    }

    pub fn auth_outcome(&self, code: &str) {
        self.auth_outcomes.with_label_values(&[code]).inc();
    }

    /// A use of a key with limits was decided: `fallback` when the time
    /// budget's policy decided it.
    pub fn limit_decision(&self, outcome: &str, fallback: bool) {
        let fallback = if fallback { "true" } else { "false" };
        self.limit_decisions
            .with_label_values(&[outcome, fallback])
            .inc();
    }

    /// A sign-in ended: `signed_in`, `refused` or `throttled`.
    pub fn sign_in(&self, outcome: &str) {
        self.sign_ins.with_label_values(&[outcome]).inc();
    }

    /// A presented password was checked with argon2.
    pub fn password_checked(&self) {
        self.password_checks.inc();
    }

    /// Password work was refused: the hashing queue was full.
    pub fn password_work_refused(&self) {
        self.password_work_refused.inc();
    }

    pub fn cache_lookup(&self, cache: CacheName, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.cache_lookups
            .with_label_values(&[cache.as_str(), result])
            .inc();
    }

    /// The text exposition format, with the pool gauges read now.
    pub fn render(&self, pool_open: u32, pool_idle: u32) -> String {
        self.pool
            .with_label_values(&["idle"])
            .set(i64::from(pool_idle));
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(pool_open.saturating_sub(pool_idle)));
        let mut out = Vec::new();
        match TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            Ok(()) => String::from_utf8_lossy(&out).into_owned(),
            Err(e) => format!("# metrics could not be encoded: {e}\n"),
        }
    }
}
