//! Failed-authentication throttling: after `max_failures` failures within
//! `window` from one client address, or against one key id, attempts that
//! would need checking are answered 429 until the window ends. A credential
//! already verified (see `cache`) is never throttled, so a flood of wrong
//! secrets cannot lock a key's real holder out.

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

    /// Seconds until `key` may try again, if it is over the limit now.
    fn blocked(&self, key: K, settings: ThrottleSettings, now: Instant) -> Option<u64> {
        let windows = self.windows.lock().ok()?;
        let window = windows.get(&key)?;
        let elapsed = now.saturating_duration_since(window.started);
        if elapsed < settings.window && window.failures >= settings.max_failures {
            Some((settings.window - elapsed).as_secs().max(1))
        } else {
            None
        }
    }

    fn record(&self, key: K, settings: ThrottleSettings, now: Instant) {
        let Ok(mut windows) = self.windows.lock() else {
            return;
        };
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
    }

    fn forgive(&self, key: K) {
        if let Ok(mut windows) = self.windows.lock() {
            if let Some(window) = windows.get_mut(&key) {
                window.failures = window.failures.saturating_sub(1);
            }
        }
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

    /// Seconds to wait, if the address or the key id is over the limit.
    pub fn blocked(&self, address: Option<IpAddr>, key: Option<Uuid>) -> Option<u64> {
        let now = Instant::now();
        let by_address = address.and_then(|a| self.by_address.blocked(a, self.settings, now));
        let by_key = key.and_then(|k| self.by_key.blocked(k, self.settings, now));
        by_address.max(by_key)
    }

    /// Takes back one failure recorded in advance for an attempt that succeeded.
    pub fn forgive(&self, address: Option<IpAddr>, key: Option<Uuid>) {
        if let Some(address) = address {
            self.by_address.forgive(address);
        }
        if let Some(key) = key {
            self.by_key.forgive(key);
        }
    }

    pub fn record_failure(&self, address: Option<IpAddr>, key: Option<Uuid>) {
        let now = Instant::now();
        if let Some(address) = address {
            self.by_address.record(address, self.settings, now);
        }
        if let Some(key) = key {
            self.by_key.record(key, self.settings, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_only_that_address_or_key() {
        let throttle = FailureThrottle::new(ThrottleSettings {
            max_failures: 3,
            window: Duration::from_secs(60),
            tarpit: Duration::ZERO,
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let key = Uuid::new_v4();
        for _ in 0..3 {
            assert_eq!(throttle.blocked(Some(a), None), None);
            throttle.record_failure(Some(a), Some(key));
        }
        let wait = throttle.blocked(Some(a), None).unwrap();
        assert!((1..=60).contains(&wait));
        assert_eq!(throttle.blocked(Some(b), None), None);
        assert!(throttle.blocked(Some(b), Some(key)).is_some());
        assert_eq!(throttle.blocked(Some(b), Some(Uuid::new_v4())), None);
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
        counter.record(1u8, settings, start);
        assert!(counter.blocked(1u8, settings, start).is_some());
        assert!(counter
            .blocked(1u8, settings, start + Duration::from_millis(25))
            .is_none());
    }
}
