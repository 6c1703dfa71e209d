//! Failed-authentication throttling: once more than `max_failures` failures
//! were counted within `window` from one client address, or against one key
//! id, further failures are answered 429 instead of 401 until the window
//! ends. Only failures are counted, once a credential is known to be wrong,
//! and only failures are refused: a right credential is always let through,
//! so a flood of wrong secrets cannot lock a key's real holder out, nor can
//! other clients behind the same address.
//!
//! Sign-ins with a password ([`SignInThrottle`]) count by address and by
//! email, but differently: a password has so little entropy that a guesser
//! who keeps going would find it. So an attempt is counted *before* its
//! password is hashed, in the same locked step that checks the limit (a
//! reservation), and given back only when the password turns out right.
//! Parallel guesses therefore cannot slip past the limit: at most
//! `per_email` passwords are checked for one email, and `per_address` from
//! one client address, within a window. Once an email or an address has
//! used up its allowance every sign-in with it is refused until the window
//! ends, the right password too, before any hashing.
//!
//! Addresses are counted as the client's IPv4 address, or its IPv6 /64
//! network (one host usually holds a whole /64). A map that reaches
//! `CAPACITY` entries drops the ended windows, then the oldest tenth: a
//! flood of invented keys costs the oldest entries, not every counter.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

/// Entries kept per map; past this the ended windows and then the oldest
/// are evicted.
const CAPACITY: usize = 100_000;

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

    /// `key`'s live window, a fresh one if it had none or its window ended;
    /// room is made first when the map is full.
    fn live(
        windows: &mut HashMap<K, Window>,
        key: K,
        window: Duration,
        now: Instant,
    ) -> &mut Window {
        if windows.len() >= CAPACITY && !windows.contains_key(&key) {
            evict(windows, window, now);
        }
        let entry = windows.entry(key).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now.saturating_duration_since(entry.started) >= window {
            *entry = Window {
                started: now,
                failures: 0,
            };
        }
        entry
    }

    /// Counts a failure of `key`; the seconds left in its window if that
    /// made it go over the limit.
    fn record(&self, key: K, settings: ThrottleSettings, now: Instant) -> Option<u64> {
        let mut windows = self.windows.lock().ok()?;
        let window = Self::live(&mut windows, key, settings.window, now);
        window.failures = window.failures.saturating_add(1);
        over(*window, settings, now)
    }

    /// In one locked step: refuses `key` with the seconds left in its
    /// window when `max_failures` attempts are counted in it already, or
    /// counts one more and returns the window's start (what [`release`]
    /// needs to give it back to the same window).
    ///
    /// [`release`]: Counter::release
    fn reserve(&self, key: K, settings: ThrottleSettings, now: Instant) -> Result<Instant, u64> {
        let Ok(mut windows) = self.windows.lock() else {
            return Err(settings.window.as_secs().max(1));
        };
        let window = Self::live(&mut windows, key, settings.window, now);
        if window.failures >= settings.max_failures {
            let elapsed = now.saturating_duration_since(window.started);
            return Err(settings.window.saturating_sub(elapsed).as_secs().max(1));
        }
        window.failures += 1;
        Ok(window.started)
    }

    /// Gives back an attempt [`reserve`](Counter::reserve) counted in the
    /// window that started at `started`, if that window is still `key`'s.
    fn release(&self, key: K, started: Instant) {
        let Ok(mut windows) = self.windows.lock() else {
            return;
        };
        if let Some(window) = windows.get_mut(&key).filter(|w| w.started == started) {
            window.failures = window.failures.saturating_sub(1);
        }
    }
}

/// Makes room in a full map: drops the ended windows, and if that frees
/// too little, the oldest tenth of the rest, so that the next tenth of
/// new keys costs no scan.
fn evict<K: Hash + Eq + Copy>(windows: &mut HashMap<K, Window>, window: Duration, now: Instant) {
    windows.retain(|_, w| now.saturating_duration_since(w.started) < window);
    if windows.len() < CAPACITY - CAPACITY / 10 {
        return;
    }
    let mut starts: Vec<Instant> = windows.values().map(|w| w.started).collect();
    let cut = windows.len() - (CAPACITY - CAPACITY / 10);
    let (_, nth, _) = starts.select_nth_unstable(cut);
    let nth = *nth;
    windows.retain(|_, w| w.started > nth);
}

/// The key an address is counted under: an IPv4 address as it is, an IPv6
/// address by its /64 network.
fn address_key(address: IpAddr) -> IpAddr {
    match crate::domain::canonical_ip(address) {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(network))
        }
        v4 => v4,
    }
}

/// Failures counted by client address (see [`address_key`]).
struct ByAddress(Counter<IpAddr>);

impl ByAddress {
    fn new() -> Self {
        Self(Counter::new())
    }

    fn record(
        &self,
        address: Option<IpAddr>,
        settings: ThrottleSettings,
        now: Instant,
    ) -> Option<u64> {
        address.and_then(|a| self.0.record(address_key(a), settings, now))
    }

    fn reserve(
        &self,
        address: Option<IpAddr>,
        settings: ThrottleSettings,
        now: Instant,
    ) -> Result<Option<(IpAddr, Instant)>, u64> {
        let Some(key) = address.map(address_key) else {
            return Ok(None);
        };
        self.0
            .reserve(key, settings, now)
            .map(|started| Some((key, started)))
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
    by_address: ByAddress,
    by_key: Counter<Uuid>,
}

impl FailureThrottle {
    pub fn tarpit(&self) -> Duration {
        self.settings.tarpit
    }

    pub fn new(settings: ThrottleSettings) -> Self {
        Self {
            settings,
            by_address: ByAddress::new(),
            by_key: Counter::new(),
        }
    }

    /// Counts a failed attempt from `address` against `key`; the seconds to
    /// wait if either is now over the limit.
    pub fn fail(&self, address: Option<IpAddr>, key: Option<Uuid>) -> Option<u64> {
        let now = Instant::now();
        let by_address = self.by_address.record(address, self.settings, now);
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

/// Counts sign-in attempts by client address and by email, the latter by
/// the SHA-256 of the lower-cased address, so the map holds no addresses.
/// An attempt is counted before its password is checked and given back
/// when the password was right; a success resets nothing else.
pub struct SignInThrottle {
    settings: SignInSettings,
    by_address: ByAddress,
    by_email: Counter<[u8; 32]>,
}

/// A sign-in attempt counted against its email and address, before its
/// password is checked. Dropped as it is, it stays counted: a failure.
/// [`Attempt::succeeded`] gives it back.
#[must_use]
pub struct Attempt<'a> {
    throttle: &'a SignInThrottle,
    email: ([u8; 32], Instant),
    address: Option<(IpAddr, Instant)>,
}

impl Attempt<'_> {
    /// The password was right: the attempt is not a failure.
    pub fn succeeded(self) {
        let (email, started) = self.email;
        self.throttle.by_email.release(email, started);
        if let Some((address, started)) = self.address {
            self.throttle.by_address.0.release(address, started);
        }
    }
}

impl SignInThrottle {
    pub fn new(settings: SignInSettings) -> Self {
        Self {
            settings,
            by_address: ByAddress::new(),
            by_email: Counter::new(),
        }
    }

    pub fn tarpit(&self) -> Duration {
        self.settings.tarpit
    }

    /// Counts an attempt to sign in as `email` from `address`, in one
    /// locked step with the check of the limits: the seconds to wait when
    /// either has used up its allowance in the window (nothing counted),
    /// else the attempt, counted as a failure unless it succeeds.
    pub fn attempt(&self, address: Option<IpAddr>, email: [u8; 32]) -> Result<Attempt<'_>, u64> {
        let now = Instant::now();
        let by_email = self.settings.counting(self.settings.per_email);
        let by_address = self.settings.counting(self.settings.per_address);
        let address = self.by_address.reserve(address, by_address, now)?;
        match self.by_email.reserve(email, by_email, now) {
            Ok(started) => Ok(Attempt {
                throttle: self,
                email: (email, started),
                address,
            }),
            Err(wait) => {
                if let Some((address, started)) = address {
                    self.by_address.0.release(address, started);
                }
                Err(wait)
            }
        }
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
        drop(throttle.attempt(Some(a), ada).unwrap());
        // A success gives its attempt back.
        throttle.attempt(Some(a), ada).unwrap().succeeded();
        drop(throttle.attempt(Some(a), ada).unwrap());
        assert!(throttle.attempt(Some(a), ada).is_err(), "the third");
        assert!(throttle.attempt(None, ada).is_err(), "from anywhere");
        drop(throttle.attempt(Some(a), bob).unwrap());
        drop(throttle.attempt(Some(a), cy).unwrap());
        assert!(throttle.attempt(Some(a), cy).is_err(), "the fifth from a");
        drop(throttle.attempt(None, cy).unwrap());
    }

    #[test]
    fn attempts_in_flight_count_before_they_end() {
        let throttle = SignInThrottle::new(SignInSettings {
            per_email: 3,
            per_address: 100,
            window: Duration::from_secs(60),
            tarpit: Duration::ZERO,
        });
        let held: Vec<_> = (0..3)
            .map(|_| throttle.attempt(None, [1u8; 32]).unwrap())
            .collect();
        assert!(throttle.attempt(None, [1u8; 32]).is_err());
        for attempt in held {
            attempt.succeeded();
        }
        assert!(throttle.attempt(None, [1u8; 32]).is_ok());
    }

    #[test]
    fn ipv6_counts_by_64_and_ipv4_by_address() {
        let throttle = FailureThrottle::new(ThrottleSettings {
            max_failures: 1,
            window: Duration::from_secs(60),
            tarpit: Duration::ZERO,
        });
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(throttle.fail(Some(one), None), None);
        assert!(throttle.fail(Some(same_64), None).is_some());
        assert_eq!(throttle.fail(Some(other_64), None), None);
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let v4_next: IpAddr = "192.0.2.2".parse().unwrap();
        assert_eq!(throttle.fail(Some(v4), None), None);
        assert_eq!(throttle.fail(Some(v4_next), None), None);
    }

    #[test]
    fn a_full_map_evicts_the_oldest_not_everything() {
        let settings = ThrottleSettings {
            max_failures: 1,
            window: Duration::from_secs(600),
            tarpit: Duration::ZERO,
        };
        let counter = Counter::new();
        let start = Instant::now();
        let later = start + Duration::from_secs(1);
        // The target's window is the newest; a flood of older ones fills the map.
        for key in 0..CAPACITY as u32 - 1 {
            counter.record(key, settings, start);
        }
        counter.record(u32::MAX, settings, later);
        assert!(counter.record(u32::MAX - 1, settings, later).is_none());
        assert!(
            counter.record(u32::MAX, settings, later).is_some(),
            "the newest counter survived the eviction"
        );
        let len = counter.windows.lock().unwrap().len();
        assert!(len < CAPACITY, "{len}");
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
