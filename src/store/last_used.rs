//! Queries on `api_key_last_used`: when each key last authenticated, kept
//! apart from the key row so that the writes of a busy instance touch short
//! rows only (see the migration that made it).

use std::collections::HashMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;
use uuid::Uuid;

use super::schema::api_key_last_used;
use super::AnyConnection;

/// Moves each key's last use forward to the time given with it; never back.
/// `uses` in key-id order, so that two instances writing at once take their
/// row locks in the same order. One statement for the lot: a statement per
/// key cost a busy server more than the rest of its work together.
pub fn touch(conn: &mut AnyConnection, uses: &[(String, PrimitiveDateTime)]) -> QueryResult<()> {
    use diesel::sql_types::{Array, Text, Timestamp};
    if uses.is_empty() {
        return Ok(());
    }
    match conn {
        AnyConnection::Postgres(conn) => {
            let (ids, times): (Vec<&str>, Vec<PrimitiveDateTime>) =
                uses.iter().map(|(id, at)| (id.as_str(), *at)).unzip();
            diesel::sql_query(
                "INSERT INTO api_key_last_used AS u (api_key_id, last_used_at) \
                 SELECT * FROM unnest($1::text[], $2::timestamp[]) \
                 ON CONFLICT (api_key_id) DO UPDATE SET last_used_at = excluded.last_used_at \
                 WHERE u.last_used_at < excluded.last_used_at",
            )
            .bind::<Array<Text>, _>(ids)
            .bind::<Array<Timestamp>, _>(times)
            .execute(conn)
            .map(drop)
        }
        AnyConnection::Sqlite(conn) => {
            let values = vec!["(?, ?)"; uses.len()].join(", ");
            let mut query = diesel::sql_query(format!(
                "INSERT INTO api_key_last_used AS u (api_key_id, last_used_at) VALUES {values} \
                 ON CONFLICT (api_key_id) DO UPDATE SET last_used_at = excluded.last_used_at \
                 WHERE u.last_used_at < excluded.last_used_at"
            ))
            .into_boxed::<diesel::sqlite::Sqlite>();
            for (id, at) in uses {
                query = query.bind::<Text, _>(id).bind::<Timestamp, _>(*at);
            }
            query.execute(conn).map(drop)
        }
    }
}

/// The last use of each of these keys that has one.
pub fn of(
    conn: &mut AnyConnection,
    ids: &[String],
) -> QueryResult<HashMap<String, PrimitiveDateTime>> {
    // A query per thousand ids keeps SQLite under its limit on parameters.
    let mut found = HashMap::new();
    for chunk in ids.chunks(1_000) {
        let rows: Vec<(String, PrimitiveDateTime)> = api_key_last_used::table
            .filter(api_key_last_used::api_key_id.eq_any(chunk))
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// The ids of up to `limit` keys, most recently used first; keys never used
/// are left out. What a starting instance loads into its cache. Reads the
/// whole table once (it has no index on the time, see above).
pub fn recently_used(conn: &mut AnyConnection, limit: i64) -> QueryResult<Vec<Uuid>> {
    use diesel::connection::DefaultLoadingMode;
    // Streamed and kept as 16-byte ids: the list may be as long as the cache.
    let ids = api_key_last_used::table
        .order((
            api_key_last_used::last_used_at.desc(),
            api_key_last_used::api_key_id.desc(),
        ))
        .select(api_key_last_used::api_key_id)
        .limit(limit)
        .load_iter::<String, DefaultLoadingMode>(conn)?;
    let mut parsed = Vec::new();
    for id in ids {
        parsed.extend(Uuid::try_parse(&id?).ok());
    }
    Ok(parsed)
}
