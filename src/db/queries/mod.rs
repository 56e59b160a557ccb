//! Repositories: each statement written once with sea-query.

pub mod settings;
