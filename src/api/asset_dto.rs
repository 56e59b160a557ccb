//! The asset as the API shows it, shared by reads, writes and lists.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};
use serde_json::Value;

use crate::db::queries::assets::AssetRow;
use crate::domain::inventory::AssetStatus;

/// Where an asset is in its life.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "AssetStatus", rename_all = "snake_case")]
pub enum AssetStatusDto {
    Planned,
    InService,
    Maintenance,
    Spare,
    Retired,
    Disposed,
}

impl From<AssetStatus> for AssetStatusDto {
    fn from(s: AssetStatus) -> Self {
        match s {
            AssetStatus::Planned => Self::Planned,
            AssetStatus::InService => Self::InService,
            AssetStatus::Maintenance => Self::Maintenance,
            AssetStatus::Spare => Self::Spare,
            AssetStatus::Retired => Self::Retired,
            AssetStatus::Disposed => Self::Disposed,
        }
    }
}

impl From<AssetStatusDto> for AssetStatus {
    fn from(s: AssetStatusDto) -> Self {
        match s {
            AssetStatusDto::Planned => Self::Planned,
            AssetStatusDto::InService => Self::InService,
            AssetStatusDto::Maintenance => Self::Maintenance,
            AssetStatusDto::Spare => Self::Spare,
            AssetStatusDto::Retired => Self::Retired,
            AssetStatusDto::Disposed => Self::Disposed,
        }
    }
}

/// A machine, PC, printer, switch … anything with an asset tag.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Asset")]
pub struct AssetDto {
    pub id: i64,
    /// Unique human key, upper case (what the label shows and scanners read).
    pub tag: String,
    pub name: String,
    /// The asset type's key, e.g. `machine`.
    #[oai(rename = "type")]
    pub type_key: String,
    pub type_id: i64,
    pub type_name: String,
    pub status: AssetStatusDto,
    #[oai(nullable)]
    pub location_id: Option<i64>,
    /// "Plant 1 / Hall B / Cell 4".
    #[oai(nullable)]
    pub location_path: Option<String>,
    /// The asset this one is inside (a PC in a machine's cabinet).
    #[oai(nullable)]
    pub parent_id: Option<i64>,
    #[oai(nullable)]
    pub manufacturer: Option<String>,
    #[oai(nullable)]
    pub model: Option<String>,
    #[oai(nullable)]
    pub serial: Option<String>,
    #[oai(nullable)]
    pub hostname: Option<String>,
    /// Canonical text form (IPv6 compressed, lower case).
    #[oai(nullable)]
    pub ip: Option<String>,
    /// `00:1a:2b:3c:4d:5e`.
    #[oai(nullable)]
    pub mac: Option<String>,
    #[oai(nullable)]
    pub owner: Option<String>,
    #[oai(nullable)]
    pub department: Option<String>,
    /// `YYYY-MM-DD`.
    #[oai(nullable)]
    pub purchase_date: Option<String>,
    /// `YYYY-MM-DD`.
    #[oai(nullable)]
    pub warranty_end: Option<String>,
    #[oai(nullable)]
    pub notes: Option<String>,
    /// Values of the type's custom fields, by field key.
    pub custom_fields: BTreeMap<String, Value>,
    /// Optimistic concurrency: send it back (or the ETag as `If-Match`) when updating.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    #[oai(nullable)]
    pub created_by: Option<String>,
    pub updated_at: DateTime<Utc>,
    #[oai(nullable)]
    pub updated_by: Option<String>,
}

impl From<AssetRow> for AssetDto {
    fn from(r: AssetRow) -> Self {
        let f = r.fields;
        Self {
            id: r.id.0,
            tag: f.tag,
            name: f.name,
            type_key: r.type_key,
            type_id: f.type_id.0,
            type_name: r.type_name,
            status: f.status.into(),
            location_id: f.location_id.map(|l| l.0),
            location_path: r.location_path,
            parent_id: f.parent_id.map(|p| p.0),
            manufacturer: f.manufacturer,
            model: f.model,
            serial: f.serial,
            hostname: f.hostname,
            ip: f.ip,
            mac: f.mac,
            owner: f.owner,
            department: f.department,
            purchase_date: f.purchase_date,
            warranty_end: f.warranty_end,
            notes: f.notes,
            custom_fields: f.custom_fields.into_iter().collect(),
            version: r.version,
            created_at: r.created_at,
            created_by: r.created_by,
            updated_at: r.updated_at,
            updated_by: r.updated_by,
        }
    }
}
