//! ShopDB: shop-floor asset inventory for one manufacturing site.
//!
//! Layers (see docs/ARCHITECTURE.md): `api` (HTTP: DTOs, errors, routes)
//! → `service` (use cases) → `db` (sea-query repositories, two executors).
//! `startup::Application` is the one way to build a running server.

pub mod api;
pub mod build_info;
pub mod cli;
mod cli_accounts;
mod cli_backup;
mod cli_demo;
mod cli_transfer;
pub mod config;
pub mod db;
pub mod domain;
pub mod jobs;
pub mod ldap;
pub mod metrics;
pub mod plugins;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;
