use crate::helpers::{crn, spawn_app, Backend};

fn me_answers_for_the_owner_key(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let reply = app.get("/api/me", Some(&account.owner_key));
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        serde_json::json!({
            "accountId": account.id,
            "parentAccountId": null,
            "name": "owner",
            "role": "account-owner",
            "crn": crn(&account, "owner"),
        })
    );
}

crate::on_both_backends!(me_answers_for_the_owner_key);
