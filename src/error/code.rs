//! Every stable code Keyward answers an error with, and its HTTP status.

use actix_web::http::StatusCode;

/// A stable code: what a client matches on, in `message` (native) or
/// `detail` (`/api/v1`). The two 401 texts are codes too, written the way
/// the Centrapay document writes them. A 400, 413 or 415 carries a message
/// for people instead (see `ApiError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    MissingAuthentication,
    InvalidAuthentication,
    Forbidden,
    IpNotAllowed,
    ApiKeyNotFound,
    RouteNotFound,
    MethodNotAllowed,
    ApiKeyNameTaken,
    ApiKeyRevoked,
    ApiKeyExpired,
    ConcurrentModification,
    VersionMismatch,
    RateLimitExceeded,
    InvalidEmailOrPassword,
    HttpsRequired,
    CsrfTokenInvalid,
    OriginNotAllowed,
    InvitationNotFound,
    MembershipNotFound,
    MembershipExists,
    CurrentPasswordIncorrect,
    TooManyFailedSignIns,
    InternalError,
    ServiceUnavailable,
}

impl ErrorCode {
    /// Every code, for tests and the documentation.
    pub const ALL: [ErrorCode; 24] = [
        ErrorCode::MissingAuthentication,
        ErrorCode::InvalidAuthentication,
        ErrorCode::Forbidden,
        ErrorCode::IpNotAllowed,
        ErrorCode::ApiKeyNotFound,
        ErrorCode::RouteNotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::ApiKeyNameTaken,
        ErrorCode::ApiKeyRevoked,
        ErrorCode::ApiKeyExpired,
        ErrorCode::ConcurrentModification,
        ErrorCode::VersionMismatch,
        ErrorCode::RateLimitExceeded,
        ErrorCode::InvalidEmailOrPassword,
        ErrorCode::HttpsRequired,
        ErrorCode::CsrfTokenInvalid,
        ErrorCode::OriginNotAllowed,
        ErrorCode::InvitationNotFound,
        ErrorCode::MembershipNotFound,
        ErrorCode::MembershipExists,
        ErrorCode::CurrentPasswordIncorrect,
        ErrorCode::TooManyFailedSignIns,
        ErrorCode::InternalError,
        ErrorCode::ServiceUnavailable,
    ];

    /// The code as clients see it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MissingAuthentication => "Missing authentication",
            ErrorCode::InvalidAuthentication => "Invalid authentication",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::IpNotAllowed => "IP_NOT_ALLOWED",
            ErrorCode::ApiKeyNotFound => "API_KEY_NOT_FOUND",
            ErrorCode::RouteNotFound => "ROUTE_NOT_FOUND",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::ApiKeyNameTaken => "API_KEY_NAME_TAKEN",
            ErrorCode::ApiKeyRevoked => "API_KEY_REVOKED",
            ErrorCode::ApiKeyExpired => "API_KEY_EXPIRED",
            ErrorCode::ConcurrentModification => "CONCURRENT_MODIFICATION",
            ErrorCode::VersionMismatch => "VERSION_MISMATCH",
            ErrorCode::RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
            ErrorCode::InvalidEmailOrPassword => "INVALID_EMAIL_OR_PASSWORD",
            ErrorCode::HttpsRequired => "HTTPS_REQUIRED",
            ErrorCode::CsrfTokenInvalid => "CSRF_TOKEN_INVALID",
            ErrorCode::OriginNotAllowed => "ORIGIN_NOT_ALLOWED",
            ErrorCode::InvitationNotFound => "INVITATION_NOT_FOUND",
            ErrorCode::MembershipNotFound => "MEMBERSHIP_NOT_FOUND",
            ErrorCode::MembershipExists => "MEMBERSHIP_EXISTS",
            ErrorCode::CurrentPasswordIncorrect => "CURRENT_PASSWORD_INCORRECT",
            ErrorCode::TooManyFailedSignIns => "TOO_MANY_FAILED_SIGN_INS",
            ErrorCode::InternalError => "INTERNAL_ERROR",
            ErrorCode::ServiceUnavailable => "SERVICE_UNAVAILABLE",
        }
    }

    /// When a client gets this code, as the OpenAPI document describes it.
    pub fn meaning(self) -> &'static str {
        match self {
            ErrorCode::MissingAuthentication => "no credential was sent",
            ErrorCode::InvalidAuthentication => {
                "the credential does not authenticate (malformed, unknown, wrong secret, \
                 disabled, revoked or expired: the message does not say which)"
            }
            ErrorCode::Forbidden => {
                "the credential is valid, but its role or type does not allow this, or the \
                 path names another account"
            }
            ErrorCode::IpNotAllowed => {
                "the credential is right, but its key has an allowlist (`allowedCidrs`) and the \
                 request comes from an address outside it"
            }
            ErrorCode::ApiKeyNotFound => {
                "no key with that name (native) or id (`/api/v1`) in the caller's account"
            }
            ErrorCode::RouteNotFound => "no route has this path",
            ErrorCode::MethodNotAllowed => "the path takes only the methods listed in `Allow`",
            ErrorCode::ApiKeyNameTaken => {
                "the account already has a key with this name, active or revoked"
            }
            ErrorCode::ApiKeyRevoked => "the key is revoked, which cannot be undone",
            ErrorCode::ApiKeyExpired => "the key has expired; extend its expiry first",
            ErrorCode::ConcurrentModification => {
                "other writers kept changing the key; repeat the request"
            }
            ErrorCode::VersionMismatch => {
                "`If-Match` names a version the key is no longer at; nothing changed"
            }
            ErrorCode::RateLimitExceeded => {
                "too many failed authentications from this address or against this key id, or \
                 the key's own rate limit is spent until its window ends (`Retry-After` says \
                 when to try again)"
            }
            ErrorCode::InvalidEmailOrPassword => {
                "no user has this email address, or the password is not theirs: the answer does not say which, and takes as long either way"
            }
            ErrorCode::HttpsRequired => {
                "a sign-in must come over HTTPS (directly, or through a trusted proxy that says so with `X-Forwarded-Proto`), unless the client is on this host or the server runs with `--allow-insecure-sign-in`"
            }
            ErrorCode::CsrfTokenInvalid => {
                "a change made with the session cookie needs the session's `csrfToken` in the `x-csrf-token` header"
            }
            ErrorCode::OriginNotAllowed => {
                "a request made with the session cookie (or a sign-in) came from a page of another origin than this server's"
            }
            ErrorCode::InvitationNotFound => {
                "no pending invitation has this token or id: it never existed, was accepted or withdrawn, or has expired (the answer does not say which)"
            }
            ErrorCode::MembershipNotFound => {
                "the user is not a member of this account"
            }
            ErrorCode::CurrentPasswordIncorrect => {
                "`currentPassword` is not the signed-in user's password; nothing changed"
            }
            ErrorCode::MembershipExists => {
                "the user with this email address is already a member of the account"
            }
            ErrorCode::TooManyFailedSignIns => {
                "too many failed sign-ins for this email address or from this client address within the window; every sign-in with it is refused until the window ends (`Retry-After` says when)"
            }
            ErrorCode::InternalError => {
                "a fault in Keyward or an unexpected database error; the cause is in the \
                 server log"
            }
            ErrorCode::ServiceUnavailable => "no database connection became free in time",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::MissingAuthentication | ErrorCode::InvalidAuthentication => {
                StatusCode::UNAUTHORIZED
            }
            ErrorCode::Forbidden | ErrorCode::IpNotAllowed => StatusCode::FORBIDDEN,
            ErrorCode::ApiKeyNotFound | ErrorCode::RouteNotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::ApiKeyNameTaken
            | ErrorCode::ApiKeyRevoked
            | ErrorCode::ApiKeyExpired
            | ErrorCode::ConcurrentModification => StatusCode::CONFLICT,
            ErrorCode::VersionMismatch => StatusCode::PRECONDITION_FAILED,
            ErrorCode::RateLimitExceeded => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::InvalidEmailOrPassword => StatusCode::UNAUTHORIZED,
            ErrorCode::HttpsRequired => StatusCode::FORBIDDEN,
            ErrorCode::CsrfTokenInvalid => StatusCode::FORBIDDEN,
            ErrorCode::OriginNotAllowed => StatusCode::FORBIDDEN,
            ErrorCode::InvitationNotFound => StatusCode::NOT_FOUND,
            ErrorCode::MembershipNotFound => StatusCode::NOT_FOUND,
            ErrorCode::MembershipExists => StatusCode::CONFLICT,
            ErrorCode::CurrentPasswordIncorrect => StatusCode::BAD_REQUEST,
            ErrorCode::TooManyFailedSignIns => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each code is spelled once, answers with an error status, and a code
    /// in capitals is spelled as its variant is named.
    #[test]
    fn every_code_has_one_spelling_and_an_error_status() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code:?} spelled twice");
            assert!(
                code.status().is_client_error() || code.status().is_server_error(),
                "{code:?}"
            );
            let text = code.as_str();
            if text.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                let words: String = text
                    .split('_')
                    .map(|w| w[..1].to_owned() + &w[1..].to_ascii_lowercase())
                    .collect();
                assert_eq!(words, format!("{code:?}"));
            }
        }
        assert_eq!(seen.len(), ErrorCode::ALL.len());
    }
}
