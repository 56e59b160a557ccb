//! Repositories: each statement written once with sea-query, generic over
//! `Exec` so it runs on the pool or inside a transaction.

pub mod asset_bulk;
pub mod asset_list;
pub mod asset_search;
pub mod asset_types;
pub mod assets;
pub mod audit;
pub mod auth_failures;
pub mod changes;
pub mod field_defs;
pub mod locations;
pub mod relations;
pub mod seed;
pub mod settings;
pub mod tokens;
pub mod users;

use chrono::{DateTime, Utc};

/// Now, in the stored timestamp form.
pub(crate) fn now_ts() -> String {
    crate::db::timestamp(Utc::now())
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    crate::db::timestamp(t)
}
