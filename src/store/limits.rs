//! Queries on `api_key_credits` (each key's balance) and `rate_windows`
//! (uses admitted per key and window): the counters behind per-key limits,
//! apart from the key row so that spending rewrites one short row.

use std::collections::HashMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::schema::{api_key_credits, rate_windows};
use super::AnyConnection;

/// Sets the key's balance, as a change to the key does; `at` counts as its
/// last refill.
pub fn set_credits(
    conn: &mut AnyConnection,
    key_id: &str,
    remaining: i64,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::delete(api_key_credits::table.find(key_id)).execute(conn)?;
    diesel::insert_into(api_key_credits::table)
        .values((
            api_key_credits::api_key_id.eq(key_id),
            api_key_credits::remaining.eq(remaining),
            api_key_credits::refilled_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Removes the key's balance, when it stops spending credits.
pub fn remove_credits(conn: &mut AnyConnection, key_id: &str) -> QueryResult<()> {
    diesel::delete(api_key_credits::table.find(key_id))
        .execute(conn)
        .map(drop)
}

/// The balance and last refill of each of these keys that has one.
pub fn credits_of(
    conn: &mut AnyConnection,
    ids: &[String],
) -> QueryResult<HashMap<String, (i64, PrimitiveDateTime)>> {
    let mut found = HashMap::new();
    // A query per thousand ids keeps SQLite under its limit on parameters.
    for chunk in ids.chunks(1_000) {
        let rows: Vec<(String, i64, PrimitiveDateTime)> = api_key_credits::table
            .filter(api_key_credits::api_key_id.eq_any(chunk))
            .load(conn)?;
        found.extend(rows.into_iter().map(|(id, n, at)| (id, (n, at))));
    }
    Ok(found)
}

/// The key's balance and last refill, locked until the transaction ends
/// (PostgreSQL: the row; SQLite: the database's one write lock, taken by a
/// write that changes nothing). `None`: the key has no balance row.
pub fn lock_credits(
    conn: &mut AnyConnection,
    key_id: &str,
) -> QueryResult<Option<(i64, PrimitiveDateTime)>> {
    let row = api_key_credits::table
        .find(key_id)
        .select((api_key_credits::remaining, api_key_credits::refilled_at));
    match conn {
        AnyConnection::Postgres(conn) => row.for_update().first(conn).optional(),
        AnyConnection::Sqlite(conn) => {
            diesel::update(api_key_credits::table.find(key_id))
                .set(api_key_credits::remaining.eq(api_key_credits::remaining))
                .execute(conn)?;
            row.first(conn).optional()
        }
    }
}

/// Writes back a balance read with [`lock_credits`].
pub fn store_credits(
    conn: &mut AnyConnection,
    key_id: &str,
    remaining: i64,
    refilled_at: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(api_key_credits::table.find(key_id))
        .set((
            api_key_credits::remaining.eq(remaining),
            api_key_credits::refilled_at.eq(refilled_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The uses admitted so far in the key's window starting at `start`,
/// locked until the transaction ends; the row is made if missing.
pub fn lock_window(conn: &mut AnyConnection, key_id: &str, start: i64) -> QueryResult<i64> {
    let insert = diesel::insert_into(rate_windows::table)
        .values((
            rate_windows::api_key_id.eq(key_id),
            rate_windows::window_start.eq(start),
            rate_windows::used.eq(0_i64),
        ))
        .on_conflict((rate_windows::api_key_id, rate_windows::window_start))
        .do_nothing();
    let row = rate_windows::table
        .find((key_id, start))
        .select(rate_windows::used);
    match conn {
        AnyConnection::Postgres(conn) => {
            insert.execute(conn)?;
            row.for_update().first(conn)
        }
        AnyConnection::Sqlite(conn) => {
            insert.execute(conn)?;
            // Takes the write lock when the row was already there.
            diesel::update(rate_windows::table.find((key_id, start)))
                .set(rate_windows::used.eq(rate_windows::used))
                .execute(conn)?;
            row.first(conn)
        }
    }
}

/// Writes back the uses of a window read with [`lock_window`].
pub fn store_window(
    conn: &mut AnyConnection,
    key_id: &str,
    start: i64,
    used: i64,
) -> QueryResult<()> {
    diesel::update(rate_windows::table.find((key_id, start)))
        .set(rate_windows::used.eq(used))
        .execute(conn)
        .map(drop)
}

/// Takes `uses` back from the key's window starting at `start`.
pub fn give_back_uses(
    conn: &mut AnyConnection,
    key_id: &str,
    start: i64,
    uses: i64,
) -> QueryResult<()> {
    diesel::update(rate_windows::table.find((key_id, start)))
        .set(rate_windows::used.eq(rate_windows::used - uses))
        .execute(conn)
        .map(drop)
}

/// Adds `credits` back to the key's balance.
pub fn give_back_credits(conn: &mut AnyConnection, key_id: &str, credits: i64) -> QueryResult<()> {
    diesel::update(api_key_credits::table.find(key_id))
        .set(api_key_credits::remaining.eq(api_key_credits::remaining + credits))
        .execute(conn)
        .map(drop)
}

/// Drops the windows that ended at or before `now` (Unix seconds): they
/// can no longer be counted in. A window of a key that no longer has a rate
/// limit has ended.
pub fn prune_ended_windows(conn: &mut AnyConnection, now: i64) -> QueryResult<usize> {
    use diesel::sql_types::BigInt;
    const ENDED: &str = "DELETE FROM rate_windows WHERE window_start + COALESCE(\
        (SELECT rate_window_seconds FROM api_keys WHERE api_keys.id = rate_windows.api_key_id), 0)";
    match conn {
        AnyConnection::Postgres(conn) => diesel::sql_query(format!("{ENDED} <= $1"))
            .bind::<BigInt, _>(now)
            .execute(conn),
        AnyConnection::Sqlite(conn) => diesel::sql_query(format!("{ENDED} <= ?"))
            .bind::<BigInt, _>(now)
            .execute(conn),
    }
}
