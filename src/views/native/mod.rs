//! The native API's JSON, in the Centrapay shapes: camelCase, keys
//! addressed by name.

mod credential;
mod events;
mod key;

pub use credential::{MeView, MintTokenBody, SessionTokenView, VerdictView, VerifyBody};
pub use events::{EventPageView, EventView, EventsQuery};
pub use key::{CreateKeyBody, KeyListQuery, KeyView, RotateBody, UpdateKeyBody};
