//! The `/api/v1` dialect: the Vaultera shapes (JSON:API envelopes, snake_case
//! attributes, `{"errors":[…]}`) over the same service operations.

pub(super) mod api_keys;
pub(super) mod session_tokens;
