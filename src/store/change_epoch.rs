//! The change counter other instances watch to keep their caches current.

use diesel::prelude::*;

use super::schema::change_epoch;
use super::AnyConnection;

const ROW: i32 = 1;

/// The current value.
pub fn read(conn: &mut AnyConnection) -> QueryResult<i64> {
    change_epoch::table
        .find(ROW)
        .select(change_epoch::value)
        .first(conn)
}

/// Moves the counter; call in the transaction that changes a key.
pub fn bump(conn: &mut AnyConnection) -> QueryResult<()> {
    diesel::update(change_epoch::table.find(ROW))
        .set(change_epoch::value.eq(change_epoch::value + 1))
        .execute(conn)
        .map(drop)
}
