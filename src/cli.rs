//! What each subcommand does. Start-up code: errors go to the terminal via anyhow.

use std::io::Write as _;

use anyhow::{anyhow, Context as _};

use crate::config::{AccountsCommand, Cli, Command, ServeArgs, UsersCommand};
use crate::domain::{AccountId, AccountName, Email, KeyName, Password, PersonName, Role};
use crate::passwords::PasswordHasher;
use crate::secret::SecretHasher;
use crate::service::{accounts, users, Keyward};
use crate::store::{self, Database};
use crate::views::native::{AccountView, CreatedAccountView, MembershipView, UserView};
use crate::{Application, ServerOptions};

/// Runs the command `cli` names.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let hasher = SecretHasher::new(cli.hashing.cost()).map_err(|e| anyhow!(e))?;
    match cli.command {
        None => serve(&cli.database_url, hasher, ServeArgs::from_environment()),
        Some(Command::Serve(args)) => serve(&cli.database_url, hasher, args),
        Some(Command::Migrate) => {
            let db = Database::open(&cli.database_url, 1)?;
            let applied = migrate(&db)?;
            eprintln!("keyward: {} migration(s) applied", applied.len());
            Ok(())
        }
        Some(Command::Accounts(AccountsCommand::Create {
            name,
            key_name,
            parent,
        })) => {
            let name = AccountName::parse(&name)?;
            let key_name = KeyName::parse(&key_name)?;
            let parent = parent.as_deref().map(AccountId::parse).transpose()?;
            let db = Database::open(&cli.database_url, 1)?;
            migrate(&db)?;
            let mut conn = db.get()?;
            let created = accounts::create(&mut conn, &hasher, &name, &key_name, parent.as_ref())
                .map_err(|e| anyhow!("{e:?}"))?;
            let json = serde_json::to_string_pretty(&accounts_json(created))?;
            writeln!(std::io::stdout(), "{json}")
                .context("the account was created but its key could not be printed")?;
            Ok(())
        }
        Some(Command::Accounts(AccountsCommand::List)) => {
            let db = Database::open(&cli.database_url, 1)?;
            migrate(&db)?;
            let mut conn = db.get()?;
            let all = accounts::all(&mut conn).map_err(|e| anyhow!("{e:?}"))?;
            let views: Vec<AccountView> = all.into_iter().map(AccountView::new).collect();
            writeln!(
                std::io::stdout(),
                "{}",
                serde_json::to_string_pretty(&views)?
            )?;
            Ok(())
        }
        Some(Command::Users(UsersCommand::Create {
            email,
            account,
            role,
            name,
        })) => {
            let email = Email::parse(&email)?;
            let account = AccountId::parse(&account)?;
            let role = Role::parse(&role)?;
            let name = PersonName::parse(name.as_deref().unwrap_or(email.local_part()))?;
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            let line = line.strip_suffix('\n').unwrap_or(&line);
            let line = line.strip_suffix('\r').unwrap_or(line);
            let password = Password::new_for(line.to_owned(), &email)
                .map_err(|e| anyhow!("the password is refused: {e}"))?;
            let passwords = PasswordHasher::new().map_err(|e| anyhow!(e))?;
            let db = Database::open(&cli.database_url, 1)?;
            migrate(&db)?;
            let mut conn = db.get()?;
            let (user, membership) = users::create_member(
                &mut conn, &passwords, &email, &name, &password, &account, role,
            )
            .map_err(|e| anyhow!("{e:?}"))?;
            let json = serde_json::json!({
                "user": UserView::new(user),
                "membership": MembershipView::new(membership),
            });
            writeln!(
                std::io::stdout(),
                "{}",
                serde_json::to_string_pretty(&json)?
            )?;
            Ok(())
        }
        Some(Command::Scan { paths }) => {
            crate::scan::run(&paths, &mut std::io::stdout(), &mut std::io::stderr())
        }
    }
}

/// Applies pending migrations.
pub fn migrate(db: &Database) -> anyhow::Result<Vec<String>> {
    let mut conn = db.get()?;
    store::run_migrations(&mut conn).map_err(|e| anyhow!("migrations failed: {e}"))
}

/// `{"accountId", "account", "apiKey"}`: the account and its first key as
/// the API shows them, and the account's id on its own for scripts.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedAccount {
    account_id: String,
    #[serde(flatten)]
    created: CreatedAccountView,
}

fn accounts_json(created: accounts::NewAccount) -> CreatedAccount {
    CreatedAccount {
        account_id: created.account.id.as_str().to_owned(),
        created: CreatedAccountView::new(created),
    }
}

fn serve(database_url: &str, hasher: SecretHasher, args: ServeArgs) -> anyhow::Result<()> {
    args.check().map_err(|e| anyhow!(e))?;
    let db = Database::open(database_url, args.pool_size)?;
    let applied = migrate(&db)?;
    log::info!(
        "database {} ({:?}), {} migration(s) applied",
        store::redact(database_url),
        db.backend(),
        applied.len()
    );
    if !args.no_bootstrap {
        bootstrap(&db, &hasher)?;
    }
    let kw = Keyward::new(db, hasher, args.limits(), args.tuning())
        .context("cannot start the service threads")?;
    let options = ServerOptions {
        bind: args.bind.clone(),
        workers: args.workers,
        handle_signals: true,
        blocking_threads: args.pool_size as usize,
        trusted_proxies: args.trusted_proxies.clone(),
        allow_insecure_sign_in: args.allow_insecure_sign_in,
    };
    let at_stop = kw.clone();
    let served = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(kw, &options)
            .with_context(|| format!("cannot listen on {}", options.bind))?;
        log::info!("listening on {}", app.local_addr());
        app.run_until_stopped().await.context("server failed")
    });
    // Once no request is left, so that none is counted after.
    at_stop.write_usage();
    served
}

/// On a first start (no account yet), creates one with an owner key and
/// prints the key once to stderr: the only way to get a first credential
/// without the command line.
fn bootstrap(db: &Database, hasher: &SecretHasher) -> anyhow::Result<()> {
    let mut conn = db.get()?;
    if !accounts::is_empty(&mut conn).map_err(|e| anyhow!("{e:?}"))? {
        return Ok(());
    }
    let name = AccountName::parse("Default account")?;
    let key_name = KeyName::parse("owner")?;
    let created = accounts::create(&mut conn, hasher, &name, &key_name, None)
        .map_err(|e| anyhow!("{e:?}"))?;
    // Printed, never logged: this is the one place the secret is shown.
    eprintln!(
        "keyward: empty database, created account {} with account-owner key \"{}\"",
        created.account.id, created.owner_key.name
    );
    eprintln!(
        "keyward: API key (shown once, store it now): {}",
        created.secret.expose()
    );
    Ok(())
}
