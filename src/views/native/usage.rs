//! Usage analytics as the native API shows them: a key's uses bucket by
//! bucket, and the account's most used keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::Timestamp;
use crate::error::ApiError;
use crate::service::paging;
use crate::service::usage::{
    Bucket, Granularity, KeyTotals, Series, SeriesAsked, TopAsked, TopKeys,
};
use crate::service::Asked;

/// Uses by outcome (see its schema).
#[derive(Serialize)]
pub struct OutcomesView(BTreeMap<String, i64>);

impl utoipa::PartialSchema for OutcomesView {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, KnownFormat, ObjectBuilder, SchemaFormat, Type,
        };
        let count = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(1));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::RefOr(count.into())))
            .description(Some(
                "Uses by outcome: `VALID`, or the verify code a use was refused with \
                 (`NOT_FOUND` for a wrong secret, `DISABLED`, `REVOKED`, `EXPIRED`, \
                 `ACCOUNT_DISABLED`, `IP_NOT_ALLOWED`, `RATE_LIMITED`, \
                 `USAGE_EXCEEDED`, `LIMITS_UNAVAILABLE`). Outcomes with no use are left out.",
            ))
            .examples([serde_json::json!({"VALID": 41, "DISABLED": 1})])
            .into()
    }
}

impl ToSchema for OutcomesView {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("OutcomesView")
    }
}

/// The uses of one bucket.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageBucketView {
    /// The start of the bucket: a UTC hour or day.
    start: Timestamp,
    /// Every use in the bucket, whatever its outcome.
    total: i64,
    outcomes: OutcomesView,
}

impl UsageBucketView {
    fn new(bucket: Bucket) -> Self {
        Self {
            start: bucket.start,
            total: bucket.total(),
            outcomes: OutcomesView(bucket.outcomes),
        }
    }
}

/// How a series is cut: by UTC hour or by UTC day.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // only its schema is used
pub enum UsageGranularity {
    Hour,
    Day,
}

/// A key's uses, bucket by bucket: every bucket from `from` to `to`, in
/// order, also those with no use. Includes the uses this instance counted
/// and has not written yet.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageSeriesView {
    account_id: String,
    /// The key's name.
    name: String,
    /// The key's id.
    #[schema(format = "uuid")]
    id: String,
    #[schema(value_type = UsageGranularity)]
    granularity: &'static str,
    /// The start of the first bucket.
    from: Timestamp,
    /// The end of the last bucket.
    to: Timestamp,
    /// Every use from `from` to `to`.
    total: i64,
    /// Every use from `from` to `to`, by outcome.
    outcomes: OutcomesView,
    buckets: Vec<UsageBucketView>,
}

impl UsageSeriesView {
    pub fn new(series: Series) -> Self {
        let outcomes = series.outcomes();
        Self {
            account_id: series.account_id.as_str().to_owned(),
            name: series.key_name.as_str().to_owned(),
            id: series.key_id.to_string(),
            granularity: series.granularity.as_str(),
            from: series.from,
            to: series.to,
            total: outcomes.values().sum(),
            outcomes: OutcomesView(outcomes),
            buckets: series
                .buckets
                .into_iter()
                .map(UsageBucketView::new)
                .collect(),
        }
    }
}

/// One key's uses over the range.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyUsageView {
    name: String,
    #[schema(format = "uuid")]
    id: String,
    total: i64,
    outcomes: OutcomesView,
}

impl KeyUsageView {
    fn new(key: KeyTotals) -> Self {
        let total = key.total();
        Self {
            name: key.key_name,
            id: key.key_id.to_string(),
            total,
            outcomes: OutcomesView(key.outcomes),
        }
    }
}

/// The account's keys most used from `from` to `to`, most used first (by
/// name among equals); keys with no use then are left out. Includes the
/// uses this instance counted and has not written yet.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountUsageView {
    account_id: String,
    /// The start of the first hour summed.
    from: Timestamp,
    /// The end of the last hour summed.
    to: Timestamp,
    /// At most `limit` keys.
    keys: Vec<KeyUsageView>,
}

impl AccountUsageView {
    pub fn new(top: TopKeys) -> Self {
        Self {
            account_id: top.account_id.as_str().to_owned(),
            from: top.from,
            to: top.to,
            keys: top.keys.into_iter().map(KeyUsageView::new).collect(),
        }
    }
}

/// `?from=…&to=…&granularity=…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// An RFC 3339 instant before `to`: the first bucket is the one that
    /// holds it. Left out: 24 buckets (by hour) or 30 (by day) before `to`.
    /// At most 744 buckets in all.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// An RFC 3339 instant: the last bucket is the one that holds the
    /// instant just before it. Left out: now.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// `hour` (the default) or `day`: buckets of a UTC hour or a UTC day.
    #[param(value_type = Option<UsageGranularity>)]
    granularity: Option<String>,
}

impl UsageQuery {
    pub fn command(self) -> Asked<SeriesAsked> {
        let granularity = match self.granularity.as_deref() {
            None => Granularity::Hour,
            Some(text) => Granularity::parse(text)
                .ok_or_else(|| ApiError::BadRequest("granularity must be hour or day".into()))?,
        };
        Ok(SeriesAsked {
            from: instant("from", self.from.as_deref())?,
            to: instant("to", self.to.as_deref())?,
            granularity,
        })
    }
}

/// `?from=…&to=…&limit=…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountUsageQuery {
    /// An RFC 3339 instant before `to`: the hour that holds it is the first
    /// summed. Left out: 24 hours before `to`. At most 366 days in all.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// An RFC 3339 instant: the last hour summed is the one that holds the
    /// instant just before it. Left out: now.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// How many keys, 1 to 1000; 10 when left out.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

impl AccountUsageQuery {
    pub fn command(self) -> Asked<TopAsked> {
        Ok(TopAsked {
            from: instant("from", self.from.as_deref())?,
            to: instant("to", self.to.as_deref())?,
            limit: self.limit.as_deref().map(paging::parse_limit).transpose()?,
        })
    }
}

/// `from` or `to` as given: any RFC 3339 offset.
fn instant(name: &str, text: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    text.map(|text| {
        Timestamp::parse_rfc3339(text).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{name} must be an RFC 3339 date-time such as 2030-01-01T00:00:00Z"
            ))
        })
    })
    .transpose()
}
