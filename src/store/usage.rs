//! Queries on `api_key_usage`: how many times each key was used in each
//! hour, by outcome. Written in batches by `service::usage`, never a row
//! per use.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use time::PrimitiveDateTime;

use super::schema::api_key_usage;
use super::AnyConnection;

/// Uses of one key in one hour with one outcome, to add to what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    pub api_key_id: String,
    pub hour_start: PrimitiveDateTime,
    pub outcome: &'static str,
    pub uses: i64,
}

/// Adds each row's uses to its (key, hour, outcome) count, creating the
/// counts not there yet: one statement for the lot, so that any number of
/// instances can add at once without losing a use. `rows` in key order,
/// so that instances writing at once take their row locks in the same
/// order, and at most one row per (key, hour, outcome).
pub fn add(conn: &mut AnyConnection, rows: &[UsageRow]) -> QueryResult<()> {
    use diesel::sql_types::Array;
    if rows.is_empty() {
        return Ok(());
    }
    const UPSERT: &str = "ON CONFLICT (api_key_id, hour_start, outcome) \
                          DO UPDATE SET uses = u.uses + excluded.uses";
    match conn {
        AnyConnection::Postgres(conn) => {
            let ids: Vec<&str> = rows.iter().map(|r| r.api_key_id.as_str()).collect();
            let hours: Vec<PrimitiveDateTime> = rows.iter().map(|r| r.hour_start).collect();
            let outcomes: Vec<&str> = rows.iter().map(|r| r.outcome).collect();
            let uses: Vec<i64> = rows.iter().map(|r| r.uses).collect();
            diesel::sql_query(format!(
                "INSERT INTO api_key_usage AS u (api_key_id, hour_start, outcome, uses) \
                 SELECT * FROM unnest($1::text[], $2::timestamp[], $3::text[], $4::bigint[]) \
                 {UPSERT}"
            ))
            .bind::<Array<Text>, _>(ids)
            .bind::<Array<Timestamp>, _>(hours)
            .bind::<Array<Text>, _>(outcomes)
            .bind::<Array<BigInt>, _>(uses)
            .execute(conn)
            .map(drop)
        }
        AnyConnection::Sqlite(conn) => {
            let values = vec!["(?, ?, ?, ?)"; rows.len()].join(", ");
            let mut query = diesel::sql_query(format!(
                "INSERT INTO api_key_usage AS u (api_key_id, hour_start, outcome, uses) \
                 VALUES {values} {UPSERT}"
            ))
            .into_boxed::<diesel::sqlite::Sqlite>();
            for row in rows {
                query = query
                    .bind::<Text, _>(&row.api_key_id)
                    .bind::<Timestamp, _>(row.hour_start)
                    .bind::<Text, _>(row.outcome)
                    .bind::<BigInt, _>(row.uses);
            }
            query.execute(conn).map(drop)
        }
    }
}

/// The stored counts of key `api_key_id` for the hours from `from` up to
/// (not including) `to`: (hour, outcome, uses).
pub fn of_key(
    conn: &mut AnyConnection,
    api_key_id: &str,
    from: PrimitiveDateTime,
    to: PrimitiveDateTime,
) -> QueryResult<Vec<(PrimitiveDateTime, String, i64)>> {
    api_key_usage::table
        .filter(api_key_usage::api_key_id.eq(api_key_id))
        .filter(api_key_usage::hour_start.ge(from))
        .filter(api_key_usage::hour_start.lt(to))
        .select((
            api_key_usage::hour_start,
            api_key_usage::outcome,
            api_key_usage::uses,
        ))
        .load(conn)
}

/// Uses of one key with one outcome, summed over a range of hours.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct KeySum {
    #[diesel(sql_type = Text)]
    pub api_key_id: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub outcome: String,
    #[diesel(sql_type = BigInt)]
    pub uses: i64,
}

/// For each key of account `account_id` used in the hours from `from` up
/// to (not including) `to`: its uses by outcome, summed over those hours.
/// Reads each key's counts by the primary key, from the account's keys.
pub fn sums_of_account(
    conn: &mut AnyConnection,
    account_id: &str,
    from: PrimitiveDateTime,
    to: PrimitiveDateTime,
) -> QueryResult<Vec<KeySum>> {
    // PostgreSQL sums BIGINT to NUMERIC: cast back.
    const SUMS: &str = "SELECT u.api_key_id AS api_key_id, k.name AS name, \
                        u.outcome AS outcome, CAST(SUM(u.uses) AS BIGINT) AS uses \
                        FROM api_keys k JOIN api_key_usage u ON u.api_key_id = k.id";
    const GROUPS: &str = "GROUP BY u.api_key_id, k.name, u.outcome";
    match conn {
        AnyConnection::Postgres(conn) => diesel::sql_query(format!(
            "{SUMS} WHERE k.account_id = $1 AND u.hour_start >= $2 AND u.hour_start < $3 {GROUPS}"
        ))
        .bind::<Text, _>(account_id)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to)
        .load(conn),
        AnyConnection::Sqlite(conn) => diesel::sql_query(format!(
            "{SUMS} WHERE k.account_id = ? AND u.hour_start >= ? AND u.hour_start < ? {GROUPS}"
        ))
        .bind::<Text, _>(account_id)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to)
        .load(conn),
    }
}

/// Deletes the counts of hours that started before `before`; how many.
pub fn prune(conn: &mut AnyConnection, before: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::delete(api_key_usage::table.filter(api_key_usage::hour_start.lt(before))).execute(conn)
}
