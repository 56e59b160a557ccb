//! Domain types: no poem, no SQL. Input is parsed into these at the edge,
//! so an invalid value cannot exist past it.

mod account;
pub mod inventory;

pub use account::{Password, PasswordPolicyError, Role, UserId, UserSource, Username};
