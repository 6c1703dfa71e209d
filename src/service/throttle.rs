//! Failed-authentication throttling: once more than `max_failures` failures
//! were counted within `window` from one client address, or against one key
//! id, further failures are answered 429 instead of 401 until the window
//! ends. Only failures are counted, once a credential is known to be wrong,
//! and only failures are refused: a right credential is always let through,
//! so a flood of wrong secrets cannot lock a key's real holder out, nor can
//! other clients behind the same address.

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
        let elapsed = now.saturating_duration_since(window.started);
        (window.failures > settings.max_failures)
            .then(|| settings.window.saturating_sub(elapsed).as_secs().max(1))
    }
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
