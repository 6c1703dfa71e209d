//! What authenticating a cached key costs inside the service, for a plain
//! key and for one that carries an allowlist of 16 networks (the caller's
//! the last one), an `externalId` and about 1 KiB of `meta`: the difference
//! the benchmark's allowlist part looks for, without HTTP, and less swayed
//! by other work on a shared host than req/s.
//!
//!     cargo run --release --example auth_cost
//!
//! On a fresh SQLite file, the two keys are created through the service
//! and authenticated once each (which caches them); then each side
//! authenticates 20,000 times a round, the sides taking turns for 15 rounds.
//! The fastest round of each side is the least disturbed one; the median is
//! printed beside it.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use keyward::auth::authenticate;
use keyward::domain::{AccountName, AllowedCidrs, ExternalId, KeyName, Meta, Principal, Role};
use keyward::secret::{HashCost, SecretHasher};
use keyward::service::api_keys::{self, NewKey};
use keyward::service::{accounts, Keyward, Limits, Tuning};
use keyward::store::{run_migrations, Database};

const PER_ROUND: u32 = 20_000;
const ROUNDS: usize = 15;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = dir.path().join("auth-cost.db").display().to_string();
    let db = Database::open(&url, 4).expect("the database");
    run_migrations(&mut db.get().expect("a connection")).expect("migrations");
    let hasher = SecretHasher::new(HashCost::default()).expect("the hasher");
    let created = accounts::create(
        &mut db.get().expect("a connection"),
        &hasher,
        &AccountName::parse("Auth cost").expect("a name"),
        &KeyName::parse("owner").expect("a name"),
        None,
    )
    .expect("an account");
    let account = created.account.id.as_str().to_owned();
    let owner = created.secret.expose().to_owned();
    let kw = Keyward::new(db, hasher, Limits::default(), Tuning::default()).expect("the service");
    let client = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));

    actix_web::rt::System::new().block_on(async move {
        let Ok(caller) = kw.authenticate(&owner, client).await else {
            panic!("the owner key does not authenticate");
        };
        let caller = Principal::Key(caller);
        let mut cidrs: Vec<String> = (0..10).map(|i| format!("10.{i}.0.0/16")).collect();
        cidrs.extend((0..5).map(|i| format!("2001:db8:{i}::/48")));
        cidrs.push("127.0.0.0/8".into());
        let meta = serde_json::json!({
            "customer": {"id": "cus_1", "name": "Kundin Nr. 1 – Café ☕",
                         "tags": (0..20).map(|t| format!("tag{t}")).collect::<Vec<_>>()},
            "plan": "gold",
            "limits": {"seats": 25, "regions": ["eu-west", "us-east", "ap-south"]},
            "notes": "x".repeat(600),
        });
        let plain = NewKey::plain(
            Some(KeyName::parse("plain").expect("a name")),
            Role::MerchantTerminal,
        );
        let listed = NewKey {
            allowed_cidrs: AllowedCidrs::parse(&cidrs).expect("an allowlist"),
            external_id: Some(ExternalId::parse("cus_1").expect("an id")),
            meta: Some(Meta::parse(meta).expect("meta")),
            ..NewKey::plain(
                Some(KeyName::parse("listed").expect("a name")),
                Role::MerchantTerminal,
            )
        };
        let mut sides = Vec::new();
        for (name, new) in [("plain", plain), ("allowlisted with meta", listed)] {
            let (_, secret) = api_keys::create(&kw, &caller, &account, Ok(new))
                .await
                .expect("a key");
            let secret = secret.expose().to_owned();
            authenticate(&kw, Some(&secret), client)
                .await
                .expect("it authenticates");
            sides.push((name, secret, Vec::new()));
        }
        for round in 0..ROUNDS {
            let order: Vec<usize> = if round % 2 == 0 {
                vec![0, 1]
            } else {
                vec![1, 0]
            };
            for i in order {
                let (_, secret, times) = &mut sides[i];
                let start = Instant::now();
                for _ in 0..PER_ROUND {
                    authenticate(&kw, Some(secret.as_str()), client)
                        .await
                        .expect("it authenticates");
                }
                times.push(start.elapsed().as_secs_f64() * 1e9 / f64::from(PER_ROUND));
            }
        }
        println!("| key | fastest round, ns an authentication | median round, ns |");
        println!("|---|---:|---:|");
        let mut fastest = Vec::new();
        for (name, _, times) in &mut sides {
            times.sort_by(f64::total_cmp);
            println!(
                "| {name} | {:.0} | {:.0} |",
                times[0],
                times[times.len() / 2]
            );
            fastest.push(times[0]);
        }
        println!();
        println!(
            "The allowlist and meta add {:.0} ns to an authentication (fastest rounds).",
            fastest[1] - fastest[0]
        );
    });
}
