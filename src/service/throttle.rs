//! Failed-authentication throttling: once more than `max_failures` failures
//! were counted within `window` from one client address, or against one key
//! id, further failures are answered 429 instead of 401 until the window
//! ends. Only failures are counted, once a credential is known to be wrong,
//! and only failures are refused: a right credential is always let through,
//! so a flood of wrong secrets cannot lock a key's real holder out, nor can
//! other clients behind the same address.
//!
//! Sign-ins with a password ([`SignInThrottle`]) count the same way, by
//! address and by email, but refuse differently: a password has so little
//! entropy that a guesser who keeps going would find it, so once an email
//! or an address is over its limit every sign-in with it is refused until
//! the window ends, the right password too, before any hashing.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

/// Entries kept per map before expired windows are swept.
const SWEEP_AT: usize = 100_000;

#[derive(Debug, Clone, Copy)]
pub struct ThrottleSettings {
    pub max_failures: u32,
    pub window: Duration,
    /// How long a throttled attempt waits before its 429 goes out. The wait
    /// holds only a connection, no thread; it slows a flooding client to one
    /// attempt per connection per `tarpit`, so the flood costs the server
    /// almost nothing.
    pub tarpit: Duration,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            max_failures: 20,
            window: Duration::from_secs(60),
            tarpit: Duration::from_secs(1),
        }
    }
}

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

struct Counter<K> {
    windows: Mutex<HashMap<K, Window>>,
}

impl<K: Hash + Eq + Copy> Counter<K> {
    fn new() -> Self {
        Self {
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a failure of `key`; the seconds left in its window if that
    /// made it go over the limit.
    fn record(&self, key: K, settings: ThrottleSettings, now: Instant) -> Option<u64> {
        let mut windows = self.windows.lock().ok()?;
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, w| now.saturating_duration_since(w.started) < settings.window);
            // Still full: someone is inventing keys. Start over rather than
            // scan a full map on every failure.
            if windows.len() >= SWEEP_AT {
                windows.clear();
            }
        }
        let window = windows.entry(key).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now.saturating_duration_since(window.started) >= settings.window {
            *window = Window {
                started: now,
                failures: 0,
            };
        }
        window.failures = window.failures.saturating_add(1);
        over(*window, settings, now)
    }

    /// The seconds left in `key`'s window if it is over the limit now,
    /// without counting anything.
    fn over_limit(&self, key: K, settings: ThrottleSettings, now: Instant) -> Option<u64> {
        let windows = self.windows.lock().ok()?;
        over(*windows.get(&key)?, settings, now)
    }
}

/// The seconds left in `window` if it is live and over the limit.
fn over(window: Window, settings: ThrottleSettings, now: Instant) -> Option<u64> {
    let elapsed = now.saturating_duration_since(window.started);
    (window.failures > settings.max_failures && elapsed < settings.window)
        .then(|| settings.window.saturating_sub(elapsed).as_secs().max(1))
}

/// Counts failures by client address and by key id.
pub struct FailureThrottle {
    settings: ThrottleSettings,
    by_address: Counter<IpAddr>,
    by_key: Counter<Uuid>,
}

impl FailureThrottle {
    pub fn tarpit(&self) -> Duration {
        self.settings.tarpit
    }

    pub fn new(settings: ThrottleSettings) -> Self {
        Self {
            settings,
            by_address: Counter::new(),
            by_key: Counter::new(),
        }
    }

    /// Counts a failed attempt from `address` against `key`; the seconds to
    /// wait if either is now over the limit.
    pub fn fail(&self, address: Option<IpAddr>, key: Option<Uuid>) -> Option<u64> {
        let now = Instant::now();
        let by_address = address.and_then(|a| self.by_address.record(a, self.settings, now));
        let by_key = key.and_then(|k| self.by_key.record(k, self.settings, now));
        by_address.max(by_key)
    }
}

/// How failed sign-ins are limited.
#[derive(Debug, Clone, Copy)]
pub struct SignInSettings {
    /// Failures for one email address (any case) within `window` before
    /// sign-ins with it are refused.
    pub per_email: u32,
    /// Failures from one client address within `window`, whatever the
    /// email, before sign-ins from it are refused; larger, since many
    /// people may share an address.
    pub per_address: u32,
    pub window: Duration,
    /// How long a refused sign-in waits before its 429 goes out.
    pub tarpit: Duration,
}

impl Default for SignInSettings {
    fn default() -> Self {
        Self {
            per_email: 20,
            per_address: 100,
            window: Duration::from_secs(15 * 60),
            tarpit: Duration::from_secs(1),
        }
    }
}

impl SignInSettings {
    fn counting(self, max_failures: u32) -> ThrottleSettings {
        ThrottleSettings {
            max_failures,
            window: self.window,
            tarpit: self.tarpit,
        }
    }
}

/// Counts failed sign-ins by client address and by email, the latter by
/// the SHA-256 of the lower-cased address, so the map holds no addresses.
/// A success resets nothing.
pub struct SignInThrottle {
    settings: SignInSettings,
    by_address: Counter<IpAddr>,
    by_email: Counter<[u8; 32]>,
}

impl SignInThrottle {
    pub fn new(settings: SignInSettings) -> Self {
        Self {
            settings,
            by_address: Counter::new(),
            by_email: Counter::new(),
        }
    }

    pub fn tarpit(&self) -> Duration {
        self.settings.tarpit
    }

    /// The seconds to wait when sign-ins from `address` or for `email` are
    /// refused now; nothing is counted.
    pub fn refused(&self, address: Option<IpAddr>, email: [u8; 32]) -> Option<u64> {
        let now = Instant::now();
        let by_email = self.settings.counting(self.settings.per_email);
        let by_address = self.settings.counting(self.settings.per_address);
        let email = self.by_email.over_limit(email, by_email, now);
        let address = address.and_then(|a| self.by_address.over_limit(a, by_address, now));
        email.max(address)
    }

    /// Counts a failed sign-in; the seconds to wait if that put `address`
    /// or `email` over its limit.
    pub fn fail(&self, address: Option<IpAddr>, email: [u8; 32]) -> Option<u64> {
        let now = Instant::now();
        let by_email = self.settings.counting(self.settings.per_email);
        let by_address = self.settings.counting(self.settings.per_address);
        let email = self.by_email.record(email, by_email, now);
        let address = address.and_then(|a| self.by_address.record(a, by_address, now));
        email.max(address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_failures_past_the_limit_and_only_for_that_address_or_key() {
        let throttle = FailureThrottle::new(ThrottleSettings {
            max_failures: 3,
            window: Duration::from_secs(60),
            tarpit: Duration::ZERO,
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let key = Uuid::new_v4();
        for _ in 0..3 {
            assert_eq!(throttle.fail(Some(a), Some(key)), None);
        }
        let wait = throttle.fail(Some(a), None).unwrap();
        assert!((1..=60).contains(&wait));
        assert_eq!(throttle.fail(Some(b), None), None);
        assert!(throttle.fail(Some(b), Some(key)).is_some());
        assert_eq!(throttle.fail(Some(b), Some(Uuid::new_v4())), None);
    }

    #[test]
    fn sign_ins_are_refused_per_email_and_per_address() {
        let throttle = SignInThrottle::new(SignInSettings {
            per_email: 2,
            per_address: 4,
            window: Duration::from_secs(60),
            tarpit: Duration::ZERO,
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let (ada, bob, cy) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        assert_eq!(throttle.fail(Some(a), ada), None);
        assert_eq!(throttle.fail(Some(a), ada), None);
        assert_eq!(throttle.refused(Some(a), ada), None);
        assert!(throttle.fail(Some(a), ada).is_some(), "the third failure");
        assert!(throttle.refused(Some(a), ada).is_some());
        assert!(throttle.refused(None, ada).is_some(), "from anywhere");
        assert_eq!(throttle.refused(Some(a), bob), None);
        assert_eq!(throttle.fail(Some(a), bob), None);
        assert!(
            throttle.fail(Some(a), cy).is_some(),
            "the fifth from the address"
        );
        assert!(throttle.refused(Some(a), cy).is_some());
        assert_eq!(throttle.refused(None, cy), None, "elsewhere, cy is fine");
    }

    #[test]
    fn window_expires() {
        let settings = ThrottleSettings {
            max_failures: 1,
            window: Duration::from_millis(20),
            tarpit: Duration::ZERO,
        };
        let counter = Counter::new();
        let start = Instant::now();
        assert!(counter.record(1u8, settings, start).is_none());
        assert!(counter.record(1u8, settings, start).is_some());
        assert!(counter
            .record(1u8, settings, start + Duration::from_millis(25))
            .is_none());
    }
}
