// One schema for both backends: only portable column types.

diesel::table! {
    accounts (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
        parent_account_id -> Nullable<Text>,
        enabled -> Bool,
        created_by -> Text,
        modified_at -> Timestamp,
        modified_by -> Text,
        version -> BigInt,
        suspensions -> BigInt,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        account_id -> Text,
        name -> Text,
        role -> Text,
        enabled -> Bool,
        description -> Nullable<Text>,
        secret_hash -> Text,
        secret_hint -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        modified_at -> Timestamp,
        modified_by -> Text,
        version -> BigInt,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        previous_secret_hash -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        disables -> BigInt,
        rate_limit -> Nullable<BigInt>,
        rate_window_seconds -> Nullable<BigInt>,
        has_credits -> Bool,
        credits_refill_amount -> Nullable<BigInt>,
        credits_refill_interval -> Nullable<Text>,
        allowed_cidrs -> Nullable<Text>,
        external_id -> Nullable<Text>,
        meta -> Nullable<Text>,
    }
}

diesel::table! {
    api_key_credits (api_key_id) {
        api_key_id -> Text,
        remaining -> BigInt,
        refilled_at -> Timestamp,
    }
}

diesel::table! {
    rate_windows (api_key_id, window_start) {
        api_key_id -> Text,
        window_start -> BigInt,
        used -> BigInt,
    }
}

diesel::table! {
    api_key_last_used (api_key_id) {
        api_key_id -> Text,
        last_used_at -> Timestamp,
    }
}

diesel::table! {
    api_key_usage (api_key_id, hour_start, outcome) {
        api_key_id -> Text,
        hour_start -> Timestamp,
        outcome -> Text,
        uses -> BigInt,
    }
}

diesel::table! {
    api_key_events (api_key_id, version) {
        api_key_id -> Text,
        version -> BigInt,
        occurred_at -> Timestamp,
        actor -> Text,
        kinds -> Text,
        changes -> Text,
    }
}

diesel::table! {
    session_tokens (id) {
        id -> Text,
        api_key_id -> Text,
        scope -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        key_disables -> BigInt,
        account_suspensions -> BigInt,
        account_id -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_lower -> Text,
        name -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    memberships (user_id, account_id) {
        user_id -> Text,
        account_id -> Text,
        role -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        account_id -> Text,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        expires_at -> Timestamp,
        email_lower -> Text,
    }
}

diesel::table! {
    user_sessions (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(api_keys -> accounts (account_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> accounts (account_id));
diesel::joinable!(invitations -> accounts (account_id));
diesel::joinable!(user_sessions -> users (user_id));
diesel::joinable!(session_tokens -> api_keys (api_key_id));
diesel::joinable!(api_key_events -> api_keys (api_key_id));
diesel::joinable!(api_key_last_used -> api_keys (api_key_id));
diesel::joinable!(api_key_usage -> api_keys (api_key_id));
diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    api_keys,
    session_tokens,
    change_epoch,
    api_key_events,
    api_key_last_used,
    key_changes,
    api_key_credits,
    rate_windows,
    api_key_usage,
    users,
    memberships,
    invitations,
    user_sessions
);

diesel::table! {
    change_epoch (id) {
        id -> Integer,
        value -> BigInt,
    }
}

diesel::table! {
    key_changes (epoch) {
        epoch -> BigInt,
        api_key_id -> Text,
        changed_at -> Timestamp,
    }
}
