//! Use cases: validation, authorization, transactions and audit live here,
//! between the HTTP layer (`api`) and the repositories (`db`).

pub mod auth;
mod error;
pub mod health;
pub mod inventory;
pub mod meta;
pub mod transfer;

pub use error::{FieldError, ServiceError};
