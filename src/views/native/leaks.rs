//! `POST /api/leaks`: a secret scanner's report, in the format of GitHub's
//! secret scanning partner program, and the answer that program takes back
//! (`token_raw`, `token_type`, `label`), with what Keyward did (`action`).
//! These shapes are the scanner's, so they are snake_case and `type` is
//! named as the scanner names it.

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ArrayBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::error::ApiError;
use crate::service::leaks::{Finding, Leak, LeakAction, LeakLabel, MAX_TOKENS};
use crate::service::Asked;

/// Longest `type` accepted, in characters.
const MAX_TYPE: usize = 128;
/// Longest `url` accepted, in characters.
const MAX_URL: usize = 2048;
/// Longest `source` accepted, in characters.
const MAX_SOURCE: usize = 64;

/// One string a scanner found. Other fields are ignored: the report is
/// written by a scanner, which may send more than these.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({
    "token": "kw_07f6feb52aa649758e9e5828bb836001s6xkUPAATlmIcbupHx7I5zJP06wKkg",
    "type": "keyward_api_key",
    "url": "https://github.com/octo-org/octo-repo/blob/0123456/config.yml",
    "source": "content"
})))]
pub struct LeakedTokenBody {
    /// The string that matched the scanner's pattern.
    token: String,
    /// The name of the pattern that matched, as registered with the
    /// scanner; given back as `token_type`.
    #[serde(rename = "type")]
    #[schema(max_length = 128)]
    token_type: String,
    /// Where it was found; may be empty. Recorded in the key's `leaked`
    /// event.
    #[serde(default)]
    #[schema(max_length = 2048)]
    url: Option<String>,
    /// What the scanner found it in (`content`, `commit`, `issue_comment`,
    /// …). Recorded in the key's `leaked` event.
    #[serde(default)]
    #[schema(max_length = 64)]
    source: Option<String>,
}

/// The report: the strings a scanner found, at most 100.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct LeakReportBody(Vec<LeakedTokenBody>);

impl PartialSchema for LeakReportBody {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(Ref::from_schema_name(LeakedTokenBody::name()))
            .max_items(Some(MAX_TOKENS))
            .description(Some(
                "The strings a scanner found, in the format of GitHub's secret scanning \
                 partner program; at most 100.",
            ))
            .into()
    }
}

impl ToSchema for LeakReportBody {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            LeakedTokenBody::name().into_owned(),
            LeakedTokenBody::schema(),
        ));
    }
}

impl LeakReportBody {
    pub fn command(self) -> Asked<Vec<Leak>> {
        if self.0.len() > MAX_TOKENS {
            return Err(ApiError::BadRequest(format!(
                "a report holds at most {MAX_TOKENS} tokens"
            )));
        }
        self.0
            .into_iter()
            .enumerate()
            .map(|(i, found)| found.command(i))
            .collect()
    }
}

impl LeakedTokenBody {
    fn command(self, index: usize) -> Asked<Leak> {
        let bounded = |field: &str, value: &str, most: usize| {
            if value.chars().count() > most {
                return Err(ApiError::BadRequest(format!(
                    "[{index}].{field} must be at most {most} characters"
                )));
            }
            Ok(())
        };
        let url = self.url.unwrap_or_default();
        let source = self.source.unwrap_or_default();
        bounded("type", &self.token_type, MAX_TYPE)?;
        bounded("url", &url, MAX_URL)?;
        bounded("source", &source, MAX_SOURCE)?;
        Ok(Leak {
            token: self.token,
            token_type: self.token_type,
            url,
            source,
        })
    }
}

/// What Keyward found of one reported token, in the order reported. Only a
/// genuine credential (one Keyward issued, with its right secret) is a
/// `true_positive`; anything else, well formed or not, gets the same
/// `false_positive` with `action: none`.
#[derive(Serialize, ToSchema)]
#[schema(examples(json!({
    "token_raw": "kw_07f6feb52aa649758e9e5828bb836001s6xkUPAATlmIcbupHx7I5zJP06wKkg",
    "token_type": "keyward_api_key",
    "label": "true_positive",
    "action": "revoked"
})))]
pub struct LeakFindingView {
    /// The token as reported.
    token_raw: String,
    /// The `type` reported with it.
    token_type: String,
    label: LeakLabel,
    action: LeakAction,
}

impl LeakFindingView {
    pub fn list(findings: Vec<Finding>) -> Vec<Self> {
        findings
            .into_iter()
            .map(|finding| Self {
                token_raw: finding.token,
                token_type: finding.token_type,
                label: finding.label,
                action: finding.action,
            })
            .collect()
    }
}
