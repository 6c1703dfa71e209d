//! Migrations carry what is stored across a change of shape.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use serde_json::json;

use keyward::secret::{CredentialKind, HashCost, Secret, SecretHasher};

use crate::helpers::{spawn_app_on, AppSettings, Backend, TestDatabase};

/// The migration that moved `api_keys.last_used_at` into a table of its own.
const LAST_USED_MOVE: &str = "2026-11-30-000006";
/// The migration that made an address's invitation to an account unique.
const INVITATION_ADDRESS: &str = "2026-12-01-000014";

/// The migrations folder of `backend`.
fn migrations(backend: &str) -> FileBasedMigrations {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    FileBasedMigrations::from_path(dir).expect("migrations folder")
}

/// Applies, in order, the migrations of `backend` whose version sorts
/// before `stop`.
fn migrate_before<DB, C>(conn: &mut C, backend: &str, stop: &str)
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
    FileBasedMigrations: diesel::migration::MigrationSource<DB>,
{
    let mut pending = conn
        .pending_migrations(migrations(backend))
        .expect("pending migrations");
    pending.sort_by_key(|m| m.name().to_string());
    for migration in pending {
        if migration.name().to_string().as_str() >= stop {
            break;
        }
        conn.run_migration(&*migration).expect("migration");
    }
}

/// On `db` of `backend`: the migrations before `stop`, then `seed` (SQL),
/// then the rest of the migrations; the rows `read` (SQL) finds after them.
/// A macro because the two connection types share no trait that loads rows.
macro_rules! across_migrations {
    ($backend:expr, $db:expr, $stop:expr, $seed:expr, $read:expr) => {{
        macro_rules! steps {
            ($conn:expr, $folder:literal) => {{
                let mut conn = $conn;
                migrate_before(&mut conn, $folder, $stop);
                conn.batch_execute($seed).expect("seed");
                conn.run_pending_migrations(migrations($folder))
                    .expect("the later migrations");
                diesel::sql_query($read).load(&mut conn).expect("read")
            }};
        }
        match $backend {
            Backend::Sqlite => steps!(
                SqliteConnection::establish(&$db.url).expect("sqlite"),
                "sqlite"
            ),
            Backend::Postgres => steps!(
                PgConnection::establish(&$db.url).expect("postgres"),
                "postgres"
            ),
        }
    }};
}

#[derive(QueryableByName, Debug, PartialEq)]
struct LastUse {
    #[diesel(sql_type = Text)]
    api_key_id: String,
    #[diesel(sql_type = Text)]
    at: String,
}

/// A key used before the move keeps its last use, a key never used gets no
/// row, and the API shows the moved value.
fn last_use_survives_the_move_to_its_own_table(backend: Backend) {
    let db = TestDatabase::new(backend);
    let owner_id = uuid::Uuid::new_v4();
    let idle_id = uuid::Uuid::new_v4();
    let hasher = SecretHasher::new(HashCost::default()).expect("hasher");
    let secret = Secret::generate(CredentialKind::ApiKey, owner_id);
    let phc = hasher.hash(&secret).expect("hash");
    let hint = secret.hint();
    let seed = format!(
        "INSERT INTO accounts (id, name, created_at) \
             VALUES ('MigratedAccount00000001', 'Migrated', '2026-11-01 09:00:00');
         INSERT INTO api_keys (id, account_id, name, role, enabled, secret_hash, secret_hint, \
             created_at, created_by, modified_at, modified_by, version, last_used_at) VALUES
           ('{owner_id}', 'MigratedAccount00000001', 'owner', 'account-owner', TRUE, '{phc}', \
             '{hint}', '2026-11-01 09:00:00', 'crn:MigratedAccount00000001:cli:keyward', \
             '2026-11-01 09:00:00', 'crn:MigratedAccount00000001:cli:keyward', 1, \
             '2026-11-02 10:30:00'),
           ('{idle_id}', 'MigratedAccount00000001', 'idle', 'merchant-terminal', TRUE, '{phc}', \
             '{hint}', '2026-11-01 09:00:00', 'crn:MigratedAccount00000001:cli:keyward', \
             '2026-11-01 09:00:00', 'crn:MigratedAccount00000001:cli:keyward', 1, NULL);"
    );
    let read = "SELECT api_key_id, CAST(last_used_at AS TEXT) AS at FROM api_key_last_used";
    let moved: Vec<LastUse> = across_migrations!(backend, db, LAST_USED_MOVE, &seed, read);
    assert_eq!(
        moved,
        vec![LastUse {
            api_key_id: owner_id.to_string(),
            at: "2026-11-02 10:30:00".into(),
        }]
    );

    let app = spawn_app_on(db, backend, AppSettings::default());
    let path = "/api/accounts/MigratedAccount00000001/api-keys";
    let owner = app.get(&format!("{path}/owner"), Some(secret.expose()));
    assert_eq!(owner.status, 200, "{}", owner.body);
    assert_eq!(owner.body["lastUsedAt"], json!("2026-11-02T10:30:00.000Z"));
    let idle = app.get(&format!("{path}/idle"), Some(secret.expose()));
    assert_eq!(idle.status, 200, "{}", idle.body);
    assert_eq!(idle.body["lastUsedAt"], json!(null));
}

#[derive(QueryableByName, Debug, PartialEq)]
struct InvitationAddress {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    email_lower: String,
}

/// Invitations that piled up for one address and account before the
/// address became unique: the newest stays, with its address lower-cased;
/// another address's, and the same address's to another account, stay too.
fn piled_up_invitations_leave_the_newest(backend: Backend) {
    let db = TestDatabase::new(backend);
    let invitation = |id: &str, account: &str, email: &str, day: u32| {
        format!(
            "('{id}', '{account}', '{email}', 'merchant-terminal', 'digest', \
             '2026-11-{day:02} 09:00:00', 'crn:{account}:cli:keyward', '2026-12-{day:02} 09:00:00')"
        )
    };
    let seed = format!(
        "INSERT INTO accounts (id, name, created_at, created_by, modified_at, modified_by) \
             VALUES ('MigratedAccount00000001', 'One', '2026-11-01 09:00:00', 'crn:cli', \
                     '2026-11-01 09:00:00', 'crn:cli'), \
                    ('MigratedAccount00000002', 'Two', '2026-11-01 09:00:00', 'crn:cli', \
                     '2026-11-01 09:00:00', 'crn:cli');
         INSERT INTO invitations (id, account_id, email, role, token_hash, created_at, \
             created_by, expires_at) VALUES {}, {}, {}, {}, {};",
        invitation("oldest", "MigratedAccount00000001", "Ada@Example.com", 1),
        invitation("newest", "MigratedAccount00000001", "ADA@example.COM", 3),
        invitation("between", "MigratedAccount00000001", "ada@example.com", 2),
        invitation("bob", "MigratedAccount00000001", "Bob@Example.com", 1),
        invitation("elsewhere", "MigratedAccount00000002", "ada@example.com", 1),
    );
    let read = "SELECT id, email_lower FROM invitations ORDER BY id";
    let kept: Vec<InvitationAddress> =
        across_migrations!(backend, db, INVITATION_ADDRESS, &seed, read);
    let kept: Vec<(&str, &str)> = kept
        .iter()
        .map(|row| (row.id.as_str(), row.email_lower.as_str()))
        .collect();
    assert_eq!(
        kept,
        [
            ("bob", "bob@example.com"),
            ("elsewhere", "ada@example.com"),
            ("newest", "ada@example.com"),
        ]
    );
}

crate::on_both_backends!(
    last_use_survives_the_move_to_its_own_table,
    piled_up_invitations_leave_the_newest,
);
