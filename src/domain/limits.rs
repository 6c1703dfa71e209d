//! What a key may spend: a rate limit (uses per fixed window) and usage
//! credits (a balance that each verify draws on, refilled daily or
//! monthly). Only the rules live here; counting is `service::limits`.

use super::{Invalid, Timestamp};

/// At most `limit` uses in each window of `window_seconds`. Windows are
/// fixed and aligned to the Unix epoch (a 60-second window starts on the
/// minute), the same on every instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: i64,
    pub window_seconds: i64,
}

impl RateLimit {
    /// The largest `limit`.
    pub const MAX_LIMIT: i64 = 1_000_000_000;
    /// The longest window: 30 days.
    pub const MAX_WINDOW_SECONDS: i64 = 30 * 24 * 60 * 60;

    pub fn new(limit: i64, window_seconds: i64) -> Result<Self, Invalid> {
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(Invalid(format!(
                "rateLimit.limit must be between 1 and {}",
                Self::MAX_LIMIT
            )));
        }
        if !(1..=Self::MAX_WINDOW_SECONDS).contains(&window_seconds) {
            return Err(Invalid(format!(
                "rateLimit.windowSeconds must be between 1 and {}",
                Self::MAX_WINDOW_SECONDS
            )));
        }
        Ok(Self {
            limit,
            window_seconds,
        })
    }

    /// The window `now` falls in: its start in Unix seconds, and when it
    /// ends (the next one starts).
    pub fn window(&self, now: Timestamp) -> (i64, Timestamp) {
        let start = now.unix_seconds().div_euclid(self.window_seconds) * self.window_seconds;
        (
            start,
            Timestamp::from_unix_seconds(start.saturating_add(self.window_seconds)),
        )
    }
}

/// When credits are refilled: at 00:00 UTC every day, or on the first of
/// every month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefillInterval {
    Daily,
    Monthly,
}

impl RefillInterval {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s {
            "daily" => Ok(Self::Daily),
            "monthly" => Ok(Self::Monthly),
            _ => Err(Invalid(
                "credits.refill.interval must be \"daily\" or \"monthly\"".into(),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Monthly => "monthly",
        }
    }

    /// The latest refill instant at or before `now`.
    pub fn last_refill(self, now: Timestamp) -> Timestamp {
        match self {
            Self::Daily => now.start_of_day(),
            Self::Monthly => now.start_of_month(),
        }
    }
}

/// Credits are set back to `amount` at every `interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refill {
    pub amount: i64,
    pub interval: RefillInterval,
}

/// A balance of credits, as a change sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credits {
    pub remaining: i64,
    pub refill: Option<Refill>,
}

/// What a key may spend, as authentication knows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyLimits {
    pub rate: Option<RateLimit>,
    pub credits: Option<super::CreditsPolicy>,
}

impl KeyLimits {
    pub fn any(&self) -> bool {
        self.rate.is_some() || self.credits.is_some()
    }
}

/// The largest balance or refill amount.
pub const MAX_CREDITS: i64 = 1_000_000_000_000_000;

impl Credits {
    pub fn new(remaining: i64, refill: Option<Refill>) -> Result<Self, Invalid> {
        if !(0..=MAX_CREDITS).contains(&remaining) {
            return Err(Invalid(format!(
                "credits.remaining must be between 0 and {MAX_CREDITS}"
            )));
        }
        if refill.is_some_and(|r| !(1..=MAX_CREDITS).contains(&r.amount)) {
            return Err(Invalid(format!(
                "credits.refill.amount must be between 1 and {MAX_CREDITS}"
            )));
        }
        Ok(Self { remaining, refill })
    }
}

/// The balance `remaining`, last refilled (or set) at `refilled_at`, as it
/// stands at `now`: the refill amount if a refill instant has passed since.
pub fn balance_at(
    remaining: i64,
    refilled_at: Timestamp,
    refill: Option<Refill>,
    now: Timestamp,
) -> (i64, bool) {
    match refill {
        Some(refill) if refill.interval.last_refill(now) > refilled_at => (refill.amount, true),
        _ => (remaining, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn windows_are_aligned_to_the_epoch() {
        let limit = RateLimit::new(100, 10).unwrap();
        let (start, reset) = limit.window(at("2026-12-01T10:00:07.500Z"));
        assert_eq!(start, at("2026-12-01T10:00:00Z").unix_seconds());
        assert_eq!(reset, at("2026-12-01T10:00:10Z"));
        assert!(RateLimit::new(0, 10).is_err());
        assert!(RateLimit::new(1, 0).is_err());
        assert!(RateLimit::new(1, RateLimit::MAX_WINDOW_SECONDS + 1).is_err());
    }

    #[test]
    fn refills_happen_at_utc_boundaries() {
        let daily = Some(Refill {
            amount: 50,
            interval: RefillInterval::Daily,
        });
        let monthly = Some(Refill {
            amount: 50,
            interval: RefillInterval::Monthly,
        });
        let set = at("2026-11-30T23:59:59Z");
        assert_eq!(
            balance_at(3, set, daily, at("2026-11-30T23:59:59.999Z")),
            (3, false)
        );
        assert_eq!(
            balance_at(3, set, daily, at("2026-12-01T00:00:00Z")),
            (50, true)
        );
        assert_eq!(
            balance_at(3, set, monthly, at("2026-12-01T00:00:00Z")),
            (50, true)
        );
        let mid = at("2026-12-02T08:00:00Z");
        assert_eq!(
            balance_at(3, mid, monthly, at("2026-12-31T23:00:00Z")),
            (3, false)
        );
        assert_eq!(
            balance_at(3, set, None, at("2030-01-01T00:00:00Z")),
            (3, false)
        );
    }
}
