//! Queries on `accounts`.

use diesel::prelude::*;

use super::models::AccountRow;
use super::schema::accounts;
use super::AnyConnection;

pub fn insert(conn: &mut AnyConnection, row: &AccountRow) -> QueryResult<()> {
    diesel::insert_into(accounts::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<AccountRow>> {
    accounts::table.find(id).first(conn).optional()
}

pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    accounts::table.count().get_result(conn)
}
