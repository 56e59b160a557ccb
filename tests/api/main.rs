//! The one integration-test binary (each extra test binary costs a link).
//! Tests talk HTTP to the real server on real databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod accounts;
mod cli;
mod config_errors;
mod contract;
mod contract_responses;
mod db_failure;
mod inventory_assets;
mod inventory_bulk;
mod inventory_demo;
mod inventory_list;
mod inventory_locations;
mod inventory_types;
mod inventory_types_data;
mod ldap_directory;
mod ldap_login;
mod migrations;
mod plugins;
mod plugins_labels;
mod server;
mod slapd;
mod transfer;
