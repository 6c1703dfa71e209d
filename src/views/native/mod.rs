//! The native API's JSON, in the Centrapay shapes: camelCase, keys
//! addressed by name.

mod account;
mod context;
mod credential;
mod error;
mod events;
mod key;
mod leaks;
mod limits;
mod usage;
mod user;

pub use account::{
    AccountListQuery, AccountPageView, AccountView, CreateAccountBody, CreatedAccountView,
    UpdateAccountBody,
};
pub use context::{AllowedCidrsSchema, MetaSchema};
pub use credential::{MeView, MintTokenBody, SessionTokenView, VerdictView, VerifyBody};
pub use error::NativeErrorBody;
pub use events::{EventPageView, EventsQuery};
pub use key::{
    CreateKeyBody, KeyListQuery, KeyListView, KeyPageView, KeyView, RotateBody, UpdateKeyBody,
};
pub use leaks::{LeakFindingView, LeakReportBody, LeakedTokenBody};
pub use limits::{CreditsView, RateLimitView, RefillView};
pub use usage::{AccountUsageQuery, AccountUsageView, UsageQuery, UsageSeriesView};
pub use user::{
    AcceptInvitationBody, AcceptedView, ChangePasswordBody, CreateInvitationBody,
    CreatedInvitationView, InvitationPageView, InvitationView, MeAnswer, MemberListQuery,
    MembershipPageView, MembershipView, SignInBody, SignedInView, UserMeView, UserView,
};
