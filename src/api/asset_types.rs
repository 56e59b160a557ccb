//! Asset types and their custom field definitions: `/api/v1/asset-types`.

use chrono::{DateTime, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Union};
use serde_json::Value;

use super::ApiTags;
use super::accounts::DEFAULT_LIMIT;
use super::auth::NoContent;
use super::json_body::JsonBody;
use super::problem::ApiError;
use super::security::{Auth, request_ctx};
use crate::db::queries::asset_types::FieldRow;
use crate::domain::inventory::fields::FieldKind;
use crate::domain::inventory::{AssetTypeId, FieldId};
use crate::service::inventory::asset_types::{
    self as svc, CheckReport, CreateType, FieldDraft, FieldOutcome, FieldPatch, FieldView, FieldWrite,
    TypeView, UpdateType,
};
use crate::service::inventory::etag;
use crate::state::AppState;

/// What a custom field holds.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "FieldKind", rename_all = "snake_case")]
pub enum FieldKindDto {
    Text,
    Integer,
    Decimal,
    Boolean,
    Date,
    Select,
    Url,
    Ip,
}

impl From<FieldKind> for FieldKindDto {
    fn from(k: FieldKind) -> Self {
        match k {
            FieldKind::Text => Self::Text,
            FieldKind::Integer => Self::Integer,
            FieldKind::Decimal => Self::Decimal,
            FieldKind::Boolean => Self::Boolean,
            FieldKind::Date => Self::Date,
            FieldKind::Select => Self::Select,
            FieldKind::Url => Self::Url,
            FieldKind::Ip => Self::Ip,
        }
    }
}

/// A custom field definition of an asset type.
#[derive(Object, Debug, Clone)]
#[oai(rename = "AssetTypeField")]
pub struct FieldDto {
    pub id: i64,
    /// The property name in an asset's `custom_fields`, and in `cf_<key>` filters.
    pub key: String,
    pub label: String,
    pub kind: FieldKindDto,
    /// Every asset of the type must have a value.
    pub required: bool,
    /// No two assets of the type may share a value.
    pub unique: bool,
    /// Text and url fields: a regular expression the whole value must match.
    #[oai(nullable)]
    pub pattern: Option<String>,
    /// Integer and decimal fields: the smallest value; text fields: the shortest length.
    #[oai(nullable)]
    pub min: Option<f64>,
    /// Integer and decimal fields: the largest value; text fields: the longest length.
    #[oai(nullable)]
    pub max: Option<f64>,
    /// Select fields: the allowed values (empty for other kinds).
    pub choices: Vec<String>,
    /// The value a new asset gets when none is given.
    #[oai(nullable)]
    pub default: Option<Value>,
    /// A hint shown next to the field.
    #[oai(nullable)]
    pub help: Option<String>,
    /// Display order within the type (ascending).
    pub position: i32,
}

impl From<FieldRow> for FieldDto {
    fn from(f: FieldRow) -> Self {
        let d = f.data;
        Self {
            id: f.id.0,
            key: d.key,
            label: d.label,
            kind: d.kind.into(),
            required: d.required,
            unique: d.unique,
            pattern: d.pattern,
            min: d.min,
            max: d.max,
            choices: d.choices,
            default: d.default,
            help: d.help,
            position: d.position,
        }
    }
}

/// An asset type with its custom field definitions.
#[derive(Object, Debug, Clone)]
#[oai(rename = "AssetType")]
pub struct AssetTypeDto {
    pub id: i64,
    /// What assets name as their `type`; fixed at creation.
    pub key: String,
    pub name: String,
    #[oai(nullable)]
    pub description: Option<String>,
    /// Seeded with ShopDB: can be renamed, not deleted.
    pub builtin: bool,
    /// Bumped by every change of the type or of one of its fields.
    pub version: i64,
    /// Assets of this type.
    pub asset_count: i64,
    /// In display order.
    pub fields: Vec<FieldDto>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TypeView> for AssetTypeDto {
    fn from(v: TypeView) -> Self {
        let r = v.row;
        Self {
            id: r.id.0,
            key: r.key,
            name: r.name,
            description: r.description,
            builtin: r.builtin,
            version: r.version,
            asset_count: v.asset_count,
            fields: v.fields.into_iter().map(Into::into).collect(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Object, Debug)]
pub struct AssetTypeList {
    pub items: Vec<AssetTypeDto>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

/// A new custom field definition.
#[derive(Object, Debug)]
#[oai(rename = "NewAssetTypeField")]
pub struct NewFieldRequest {
    /// 1-64 characters: lower-case letters, digits and `_`, starting with a
    /// letter; unique within the type.
    #[oai(validator(max_length = 200))]
    pub key: String,
    /// Up to 200 characters (default: the key).
    #[oai(validator(max_length = 400))]
    pub label: Option<String>,
    /// One of text, integer, decimal, boolean, date, select, url, ip.
    #[oai(validator(max_length = 100))]
    pub kind: String,
    /// Default false. Existing assets need a value: give a default to fill it in.
    pub required: Option<bool>,
    /// Default false. Existing values must be distinct.
    pub unique: Option<bool>,
    /// Text and url fields only; at most 500 characters.
    #[oai(validator(max_length = 2000))]
    pub pattern: Option<String>,
    /// Integer, decimal (value) and text (length) fields only.
    pub min: Option<f64>,
    /// Integer, decimal (value) and text (length) fields only; not below `min`.
    pub max: Option<f64>,
    /// Select fields only, and required for them: distinct values of 1-200 characters.
    #[oai(validator(max_items = 1000))]
    pub choices: Option<Vec<String>>,
    /// Must itself pass the field's rules; not allowed on unique fields.
    pub default: Option<Value>,
    /// Up to 2000 characters.
    #[oai(validator(max_length = 4000))]
    pub help: Option<String>,
    /// Display order (default: after the last field).
    pub position: Option<i32>,
}

impl From<NewFieldRequest> for FieldDraft {
    fn from(b: NewFieldRequest) -> Self {
        Self {
            key: b.key,
            label: b.label,
            kind: b.kind,
            required: b.required.unwrap_or(false),
            unique: b.unique.unwrap_or(false),
            pattern: b.pattern,
            min: b.min,
            max: b.max,
            choices: b.choices,
            default: b.default,
            help: b.help,
            position: b.position,
        }
    }
}

#[derive(Object, Debug)]
pub struct CreateAssetTypeRequest {
    /// 1-64 characters: lower-case letters, digits and `_`, starting with a letter.
    #[oai(validator(max_length = 200))]
    pub key: String,
    /// 1-200 characters.
    #[oai(validator(max_length = 400))]
    pub name: String,
    /// Up to 2000 characters.
    #[oai(validator(max_length = 4000))]
    pub description: Option<String>,
    /// Initial custom fields (at most 200).
    #[oai(validator(max_items = 1000))]
    pub fields: Option<Vec<NewFieldRequest>>,
}

#[derive(Object, Debug)]
pub struct UpdateAssetTypeRequest {
    #[oai(validator(max_length = 400))]
    pub name: Option<String>,
    /// `null` clears it.
    #[oai(nullable, validator(max_length = 4000))]
    pub description: MaybeUndefined<String>,
    /// The version you read (or send `If-Match`).
    pub version: Option<i64>,
}

/// A partial change of a field definition; absent properties stay.
#[derive(Object, Debug)]
#[oai(rename = "UpdateAssetTypeField")]
pub struct UpdateFieldRequest {
    /// Renaming moves the values of every asset to the new key.
    #[oai(validator(max_length = 200))]
    pub key: Option<String>,
    #[oai(validator(max_length = 400))]
    pub label: Option<String>,
    /// Existing values must be valid for the new kind.
    #[oai(validator(max_length = 100))]
    pub kind: Option<String>,
    pub required: Option<bool>,
    pub unique: Option<bool>,
    /// `null` clears it.
    #[oai(nullable, validator(max_length = 2000))]
    pub pattern: MaybeUndefined<String>,
    /// `null` clears it.
    #[oai(nullable)]
    pub min: MaybeUndefined<f64>,
    /// `null` clears it.
    #[oai(nullable)]
    pub max: MaybeUndefined<f64>,
    /// `null` clears it.
    #[oai(nullable, validator(max_items = 1000))]
    pub choices: MaybeUndefined<Vec<String>>,
    /// `null` clears it.
    #[oai(nullable)]
    pub default: MaybeUndefined<Value>,
    /// `null` clears it.
    #[oai(nullable, validator(max_length = 4000))]
    pub help: MaybeUndefined<String>,
    pub position: Option<i32>,
}

fn maybe<T>(m: MaybeUndefined<T>) -> Option<Option<T>> {
    match m {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl From<UpdateFieldRequest> for FieldPatch {
    fn from(b: UpdateFieldRequest) -> Self {
        Self {
            key: b.key,
            label: b.label,
            kind: b.kind,
            required: b.required,
            unique: b.unique,
            pattern: maybe(b.pattern),
            min: maybe(b.min),
            max: maybe(b.max),
            choices: maybe(b.choices),
            default: maybe(b.default),
            help: maybe(b.help),
            position: b.position,
        }
    }
}

/// An asset that breaks a proposed field definition.
#[derive(Object, Debug, Clone)]
pub struct FieldViolation {
    pub asset_id: i64,
    pub tag: String,
    pub message: String,
}

/// What a dry run of a field change found; nothing was changed.
#[derive(Object, Debug, Clone)]
pub struct FieldCheckReport {
    /// No asset breaks the new definition: the change would succeed.
    pub ok: bool,
    /// Assets of the type.
    pub assets_checked: u64,
    /// Assets whose stored values the change would rewrite (a default
    /// filled in, a value in the new kind's form, a renamed key).
    pub assets_to_update: u64,
    /// All violations; `violations` lists the first 1000.
    pub violation_count: u64,
    pub violations: Vec<FieldViolation>,
}

impl From<CheckReport> for FieldCheckReport {
    fn from(r: CheckReport) -> Self {
        Self {
            ok: r.ok,
            assets_checked: r.assets_checked as u64,
            assets_to_update: r.assets_to_update as u64,
            violation_count: r.violation_count as u64,
            violations: r
                .violations
                .into_iter()
                .map(|v| FieldViolation {
                    asset_id: v.asset_id.0,
                    tag: v.tag,
                    message: v.message,
                })
                .collect(),
        }
    }
}

/// The changed field, or (with `dry_run=true`) the check report.
#[derive(Union, Debug, Clone)]
#[oai(one_of)]
pub enum FieldUpdateResult {
    Field(FieldDto),
    Report(FieldCheckReport),
}

#[derive(ApiResponse)]
pub enum AssetTypeResponse {
    /// The type; `ETag` is its version.
    #[oai(status = 200)]
    Ok(Json<AssetTypeDto>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum CreatedAssetType {
    /// Created; `Location` is its URL, `ETag` its version.
    #[oai(status = 201)]
    Created(
        Json<AssetTypeDto>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

#[derive(ApiResponse)]
pub enum FieldResponse {
    /// The field; `ETag` is its type's version.
    #[oai(status = 200)]
    Ok(Json<FieldDto>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum CreatedField {
    /// Created; `Location` is its URL, `ETag` the type's new version.
    #[oai(status = 201)]
    Created(
        Json<FieldDto>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
    /// `dry_run=true`: what the field would do to existing assets; nothing changed.
    #[oai(status = 200)]
    Checked(Json<FieldCheckReport>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum UpdatedField {
    /// The changed field (or, with `dry_run=true`, the check report);
    /// `ETag` is the type's version.
    #[oai(status = 200)]
    Ok(Json<FieldUpdateResult>, #[oai(header = "ETag")] String),
}

fn type_location(id: i64) -> String {
    format!("/api/v1/asset-types/{id}")
}

fn field_response(v: FieldView) -> (Json<FieldDto>, String) {
    (Json(v.field.into()), etag(v.type_version))
}

pub struct AssetTypesApi;

#[OpenApi(prefix_path = "/api/v1/asset-types", tag = "ApiTags::AssetTypes")]
impl AssetTypesApi {
    /// List asset types
    ///
    /// Every type with its fields (in display order) and how many assets
    /// use it. Any role.
    #[oai(path = "/", method = "get", operation_id = "listAssetTypes")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        /// Page size, 1-1000 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Items to skip (at most 1,000,000,000).
        #[oai(validator(maximum(value = "1000000000")))]
        offset: Query<Option<u64>>,
    ) -> Result<Json<AssetTypeList>, ApiError> {
        let (limit, offset) = (limit.0.unwrap_or(DEFAULT_LIMIT), offset.0.unwrap_or(0));
        let page = svc::list(&state, auth.principal(), limit, offset).await?;
        Ok(Json(AssetTypeList {
            items: page.items.into_iter().map(Into::into).collect(),
            total: page.total,
            limit,
            offset,
        }))
    }

    /// Create an asset type
    ///
    /// Requires role: admin. The type and its initial fields are checked
    /// together; every problem is reported at once (422, e.g.
    /// `fields[2].pattern`). A taken key is a 409.
    #[oai(path = "/", method = "post", operation_id = "createAssetType")]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        body: JsonBody<CreateAssetTypeRequest>,
    ) -> Result<CreatedAssetType, ApiError> {
        let b = body.0;
        let v = svc::create(
            &state,
            &request_ctx(req),
            auth.principal(),
            CreateType {
                key: b.key,
                name: b.name,
                description: b.description,
                fields: b.fields.unwrap_or_default().into_iter().map(Into::into).collect(),
            },
        )
        .await?;
        let (location, tag) = (type_location(v.row.id.0), etag(v.row.version));
        Ok(CreatedAssetType::Created(Json(v.into()), location, tag))
    }

    /// Get an asset type
    ///
    /// Any role. `ETag` is the type's version.
    #[oai(path = "/:id", method = "get", operation_id = "getAssetType")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
    ) -> Result<AssetTypeResponse, ApiError> {
        let v = svc::get(&state, auth.principal(), AssetTypeId(id.0)).await?;
        let tag = etag(v.row.version);
        Ok(AssetTypeResponse::Ok(Json(v.into()), tag))
    }

    /// Update an asset type
    ///
    /// Requires role: admin. Name and description (built-in types may be
    /// renamed; the key never changes). Send `If-Match` with the ETag or
    /// `version` in the body; a stale one is a 412 / 409.
    #[oai(path = "/:id", method = "patch", operation_id = "updateAssetType")]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<UpdateAssetTypeRequest>,
    ) -> Result<AssetTypeResponse, ApiError> {
        let b = body.0;
        let v = svc::update(
            &state,
            &request_ctx(req),
            auth.principal(),
            AssetTypeId(id.0),
            UpdateType {
                name: b.name,
                description: maybe(b.description),
                if_match: if_match.0,
                version: b.version,
            },
        )
        .await?;
        let tag = etag(v.row.version);
        Ok(AssetTypeResponse::Ok(Json(v.into()), tag))
    }

    /// Delete an asset type
    ///
    /// Requires role: admin. Refused (409) for built-in types and for types
    /// that assets still use. `If-Match` is optional.
    #[oai(path = "/:id", method = "delete", operation_id = "deleteAssetType")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> Result<NoContent, ApiError> {
        svc::delete(
            &state,
            &request_ctx(req),
            auth.principal(),
            AssetTypeId(id.0),
            if_match.0.as_deref(),
        )
        .await?;
        Ok(NoContent::Done)
    }

    /// Get a custom field definition
    ///
    /// Any role. `ETag` is the type's version.
    #[oai(
        path = "/:id/fields/:field_id",
        method = "get",
        operation_id = "getAssetTypeField"
    )]
    async fn get_field(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
        field_id: Path<i64>,
    ) -> Result<FieldResponse, ApiError> {
        let v = svc::get_field(&state, auth.principal(), AssetTypeId(id.0), FieldId(field_id.0)).await?;
        let (body, tag) = field_response(v);
        Ok(FieldResponse::Ok(body, tag))
    }

    /// Add a custom field to an asset type
    ///
    /// Requires role: admin. Existing assets of the type are checked: a
    /// required field needs a default (it is written into them), a unique
    /// field needs distinct values. If any asset would break the definition
    /// the write is refused (409, `errors` names the assets by tag).
    /// `dry_run=true` reports instead of writing (200). Bumps the type's
    /// version; `If-Match` (the type's ETag) is optional.
    #[oai(path = "/:id/fields", method = "post", operation_id = "createAssetTypeField")]
    #[allow(clippy::too_many_arguments)]
    async fn create_field(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        /// Check existing assets against the field and report; change nothing.
        dry_run: Query<Option<bool>>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<NewFieldRequest>,
    ) -> Result<CreatedField, ApiError> {
        let out = svc::create_field(
            &state,
            &request_ctx(req),
            auth.principal(),
            AssetTypeId(id.0),
            body.0.into(),
            FieldWrite {
                dry_run: dry_run.0.unwrap_or(false),
                if_match: if_match.0,
            },
        )
        .await?;
        Ok(match out {
            FieldOutcome::Saved(v) => {
                let location = format!("{}/fields/{}", type_location(id.0), v.field.id);
                let (body, tag) = field_response(v);
                CreatedField::Created(body, location, tag)
            }
            FieldOutcome::DryRun(r, version) => CreatedField::Checked(Json(r.into()), etag(version)),
        })
    }

    /// Change a custom field definition
    ///
    /// Requires role: admin. Every asset of the type is checked against the
    /// new definition; if any would break it the write is refused (409,
    /// `errors` names the assets by tag). Renaming the key moves the values;
    /// a new kind rewrites values into its form. `dry_run=true` returns the
    /// check report instead. Bumps the type's version; `If-Match` (the
    /// type's ETag) is optional.
    #[oai(
        path = "/:id/fields/:field_id",
        method = "patch",
        operation_id = "updateAssetTypeField"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn update_field(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        field_id: Path<i64>,
        /// Check existing assets against the new definition and report; change nothing.
        dry_run: Query<Option<bool>>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<UpdateFieldRequest>,
    ) -> Result<UpdatedField, ApiError> {
        let out = svc::update_field(
            &state,
            &request_ctx(req),
            auth.principal(),
            AssetTypeId(id.0),
            FieldId(field_id.0),
            body.0.into(),
            FieldWrite {
                dry_run: dry_run.0.unwrap_or(false),
                if_match: if_match.0,
            },
        )
        .await?;
        let (body, tag) = match out {
            FieldOutcome::Saved(v) => {
                let tag = etag(v.type_version);
                (FieldUpdateResult::Field(v.field.into()), tag)
            }
            FieldOutcome::DryRun(r, version) => (FieldUpdateResult::Report(r.into()), etag(version)),
        };
        Ok(UpdatedField::Ok(Json(body), tag))
    }

    /// Delete a custom field definition
    ///
    /// Requires role: admin. The value leaves every asset of the type; each
    /// such asset gets a new version and a change record
    /// (`custom_fields.<key>` → null), so its history keeps the old value.
    /// Bumps the type's version; `If-Match` is optional.
    #[oai(
        path = "/:id/fields/:field_id",
        method = "delete",
        operation_id = "deleteAssetTypeField"
    )]
    async fn delete_field(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        field_id: Path<i64>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> Result<NoContent, ApiError> {
        svc::delete_field(
            &state,
            &request_ctx(req),
            auth.principal(),
            AssetTypeId(id.0),
            FieldId(field_id.0),
            if_match.0.as_deref(),
        )
        .await?;
        Ok(NoContent::Done)
    }
}
