//! A key's limits as the native API shows and takes them: `rateLimit` and
//! `credits`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::super::{present_object, whole_number};
use crate::domain::{ApiKey, Credits, RateLimit, Refill, RefillInterval};
use crate::error::ApiError;

/// At most `limit` uses in each fixed window of `windowSeconds` (windows
/// start at multiples of it since the Unix epoch). Counts the key's
/// verifies and its own requests to this API.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(examples(json!({"limit": 100, "windowSeconds": 60})))]
pub struct RateLimitView {
    #[serde(deserialize_with = "whole_number")]
    #[schema(value_type = i64, minimum = 1, maximum = 1000000000)]
    limit: Option<i64>,
    #[serde(deserialize_with = "whole_number")]
    #[schema(value_type = i64, minimum = 1, maximum = 2592000)]
    window_seconds: Option<i64>,
}

/// A balance that each verify draws on (its `cost`, 1 by default), set back
/// to `refill.amount` at every refill.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(examples(json!({"remaining": 1000, "refill": {"amount": 1000, "interval": "daily"}})))]
pub struct CreditsView {
    /// What is left; on a change, what the balance is set to.
    #[serde(deserialize_with = "whole_number")]
    #[schema(value_type = i64, minimum = 0, maximum = 1000000000000000_i64)]
    remaining: Option<i64>,
    /// `null` or absent: never refilled.
    #[serde(default, deserialize_with = "present_object")]
    #[schema(value_type = Option<RefillView>)]
    refill: Option<Option<RefillView>>,
}

/// Sets the balance to `amount` at 00:00 UTC every day (`daily`) or on the
/// first of every month (`monthly`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefillView {
    #[serde(deserialize_with = "whole_number")]
    #[schema(value_type = i64, minimum = 1, maximum = 1000000000000000_i64)]
    amount: Option<i64>,
    #[schema(value_type = RefillIntervalName)]
    interval: String,
}

/// When credits refill.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // only its schema is used
pub enum RefillIntervalName {
    Daily,
    Monthly,
}

impl RateLimitView {
    pub fn of(key: &ApiKey) -> Option<Self> {
        key.rate_limit.map(|r| Self {
            limit: Some(r.limit),
            window_seconds: Some(r.window_seconds),
        })
    }

    pub fn command(self) -> Result<RateLimit, ApiError> {
        let limit = self.limit.ok_or_else(|| missing("rateLimit.limit"))?;
        let window = (self.window_seconds).ok_or_else(|| missing("rateLimit.windowSeconds"))?;
        Ok(RateLimit::new(limit, window)?)
    }
}

impl CreditsView {
    pub fn of(key: &ApiKey) -> Option<Self> {
        let policy = key.credits?;
        Some(Self {
            remaining: Some(key.credits_remaining.unwrap_or_default()),
            refill: Some(policy.refill.map(|r| RefillView {
                amount: Some(r.amount),
                interval: r.interval.as_str().to_owned(),
            })),
        })
    }

    pub fn command(self) -> Result<Credits, ApiError> {
        let remaining = self.remaining.ok_or_else(|| missing("credits.remaining"))?;
        let refill = match self.refill.flatten() {
            None => None,
            Some(refill) => Some(Refill {
                amount: refill
                    .amount
                    .ok_or_else(|| missing("credits.refill.amount"))?,
                interval: RefillInterval::parse(&refill.interval)?,
            }),
        };
        Ok(Credits::new(remaining, refill)?)
    }
}

fn missing(field: &str) -> ApiError {
    ApiError::BadRequest(format!("{field} is required"))
}
