//! The asset collection: list and search (`GET /api/v1/assets`), create
//! (`POST`), and streamed export (`GET /api/v1/assets/export`).

use chrono::Utc;
use futures_util::{StreamExt, TryStreamExt, stream};
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Body, Request};
use poem_openapi::param::Query;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::types::{MaybeUndefined, ToJSON};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, ResponseContent};

use super::ApiTags;
use super::asset_dto::{AssetDto, AssetStatusDto};
use super::assets::{self, CreateAssetRequest, CreatedAsset};
use super::json_body::JsonBody;
use super::problem::{ApiError, Problem, current_request_id};
use super::security::Auth;
use crate::db::queries::asset_list::ExportRow;
use crate::service::ServiceError;
use crate::service::inventory::listing::params::{
    DEFAULT_LIMIT, FieldSet, ListField, RawParams, custom_params, parse_filter, parse_list,
};
use crate::service::inventory::listing::{self, ListError, export};
use crate::state::AppState;

/// An asset in a list. Without `fields=` every property is present (unset
/// ones as `null`), as in `Asset`; with `fields=` only `id` and the named
/// properties are present, so every property but `id` is optional here.
#[derive(Object, Debug, Clone)]
#[oai(rename = "AssetListItem")]
pub struct AssetListItem {
    pub id: i64,
    pub tag: MaybeUndefined<String>,
    pub name: MaybeUndefined<String>,
    /// The asset type's key.
    #[oai(rename = "type")]
    pub type_key: MaybeUndefined<String>,
    pub type_id: MaybeUndefined<i64>,
    pub type_name: MaybeUndefined<String>,
    pub status: MaybeUndefined<AssetStatusDto>,
    #[oai(nullable)]
    pub location_id: MaybeUndefined<i64>,
    #[oai(nullable)]
    pub location_path: MaybeUndefined<String>,
    #[oai(nullable)]
    pub parent_id: MaybeUndefined<i64>,
    #[oai(nullable)]
    pub manufacturer: MaybeUndefined<String>,
    #[oai(nullable)]
    pub model: MaybeUndefined<String>,
    #[oai(nullable)]
    pub serial: MaybeUndefined<String>,
    #[oai(nullable)]
    pub hostname: MaybeUndefined<String>,
    #[oai(nullable)]
    pub ip: MaybeUndefined<String>,
    #[oai(nullable)]
    pub mac: MaybeUndefined<String>,
    #[oai(nullable)]
    pub owner: MaybeUndefined<String>,
    #[oai(nullable)]
    pub department: MaybeUndefined<String>,
    #[oai(nullable)]
    pub purchase_date: MaybeUndefined<String>,
    #[oai(nullable)]
    pub warranty_end: MaybeUndefined<String>,
    #[oai(nullable)]
    pub notes: MaybeUndefined<String>,
    pub custom_fields: MaybeUndefined<std::collections::BTreeMap<String, serde_json::Value>>,
    pub version: MaybeUndefined<i64>,
    pub created_at: MaybeUndefined<chrono::DateTime<Utc>>,
    #[oai(nullable)]
    pub created_by: MaybeUndefined<String>,
    pub updated_at: MaybeUndefined<chrono::DateTime<Utc>>,
    #[oai(nullable)]
    pub updated_by: MaybeUndefined<String>,
}

impl AssetListItem {
    fn new(a: AssetDto, fields: &FieldSet) -> Self {
        use ListField as F;
        let want = |f: F| fields.as_ref().is_none_or(|s| s.contains(&f));
        // A requested property is its value or null; others are absent.
        fn val<T>(want: bool, v: T) -> MaybeUndefined<T> {
            if want {
                MaybeUndefined::Value(v)
            } else {
                MaybeUndefined::Undefined
            }
        }
        fn opt<T>(want: bool, v: Option<T>) -> MaybeUndefined<T> {
            match (want, v) {
                (false, _) => MaybeUndefined::Undefined,
                (true, None) => MaybeUndefined::Null,
                (true, Some(v)) => MaybeUndefined::Value(v),
            }
        }
        Self {
            id: a.id,
            tag: val(want(F::Tag), a.tag),
            name: val(want(F::Name), a.name),
            type_key: val(want(F::Type), a.type_key),
            type_id: val(want(F::TypeId), a.type_id),
            type_name: val(want(F::TypeName), a.type_name),
            status: val(want(F::Status), a.status),
            location_id: opt(want(F::LocationId), a.location_id),
            location_path: opt(want(F::LocationPath), a.location_path),
            parent_id: opt(want(F::ParentId), a.parent_id),
            manufacturer: opt(want(F::Manufacturer), a.manufacturer),
            model: opt(want(F::Model), a.model),
            serial: opt(want(F::Serial), a.serial),
            hostname: opt(want(F::Hostname), a.hostname),
            ip: opt(want(F::Ip), a.ip),
            mac: opt(want(F::Mac), a.mac),
            owner: opt(want(F::Owner), a.owner),
            department: opt(want(F::Department), a.department),
            purchase_date: opt(want(F::PurchaseDate), a.purchase_date),
            warranty_end: opt(want(F::WarrantyEnd), a.warranty_end),
            notes: opt(want(F::Notes), a.notes),
            custom_fields: val(want(F::CustomFields), a.custom_fields),
            version: val(want(F::Version), a.version),
            created_at: val(want(F::CreatedAt), a.created_at),
            created_by: opt(want(F::CreatedBy), a.created_by),
            updated_at: val(want(F::UpdatedAt), a.updated_at),
            updated_by: opt(want(F::UpdatedBy), a.updated_by),
        }
    }
}

#[derive(Object, Debug)]
#[oai(rename = "AssetList")]
pub struct AssetList {
    pub items: Vec<AssetListItem>,
    /// Matching assets in all pages.
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "ExportFormat", rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

#[derive(ResponseContent)]
pub enum ExportBody {
    /// A header row, then one row per asset.
    #[oai(content_type = "text/csv; charset=utf-8")]
    Csv(Binary<Body>),
    /// One `Asset` JSON object per line.
    #[oai(content_type = "application/x-ndjson")]
    Jsonl(Binary<Body>),
}

#[derive(ApiResponse)]
pub enum ExportResponse {
    /// The matching assets, streamed.
    #[oai(status = 200)]
    Ok(ExportBody, #[oai(header = "Content-Disposition")] String),
}

/// Bad parameters → 400 naming each one.
fn list_error(e: ListError) -> ApiError {
    match e {
        ListError::Service(s) => s.into(),
        ListError::Params(errors) => {
            let detail = match errors.as_slice() {
                [one] => format!("parameter `{}`: {}", one.field, one.message),
                many => format!("{} parameters are invalid", many.len()),
            };
            ApiError::BadRequest(Json(
                Problem::new(StatusCode::BAD_REQUEST, "invalid_parameter", detail).with_errors(errors),
            ))
        }
    }
}

fn jsonl(rows: Vec<ExportRow>) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 600);
    for r in rows {
        let dto = AssetDto::from(r.asset);
        if let Some(v) = dto.to_json() {
            out.extend_from_slice(v.to_string().as_bytes());
            out.push(b'\n');
        }
    }
    out
}

/// A failure after the response started can only cut it short: log it
/// under the request id; the client sees an incomplete body.
fn stream_error(request_id: Option<String>) -> impl Fn(ServiceError) -> std::io::Error {
    move |e| {
        tracing::error!(request_id, cause = %e, "asset export failed mid-stream");
        std::io::Error::other("export failed")
    }
}

pub struct AssetListApi;

#[OpenApi(prefix_path = "/api/v1/assets", tag = "ApiTags::Assets")]
impl AssetListApi {
    /// Create an asset
    ///
    /// Requires role: editor. Custom fields are checked against the type's
    /// definitions (defaults applied); every error is reported at once (422).
    #[oai(path = "/", method = "post", operation_id = "createAsset")]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        body: JsonBody<CreateAssetRequest>,
    ) -> Result<CreatedAsset, ApiError> {
        assets::create_asset(&state, req, &auth, body).await
    }

    /// List and search assets
    ///
    /// Requires role: viewer. Filters combine with AND; a comma list
    /// (`status`, `type`) matches any of its values. `manufacturer` and
    /// `model` match exactly (on MySQL/MariaDB without regard to case);
    /// `tag` and `hostname` ignore case; `ip` is compared in its canonical
    /// form.
    ///
    /// **Custom fields:** `cf_<field key>=<value>` (any number of them,
    /// e.g. `cf_controller=Sinumerik&cf_rpm=12000`) keeps assets whose
    /// custom field has that value, compared in the field's canonical form
    /// (numbers as numbers, booleans as `true`/`false`, dates
    /// `YYYY-MM-DD`). The key must be a field of some type (of the `type`s
    /// given, if any); an unknown key or a value the field could never hold
    /// is a 400 naming `cf_<key>`. These parameters cannot be declared in
    /// the spec; send them as plain query parameters.
    ///
    /// **Search:** `q` matches a substring (case-insensitive) of tag, name,
    /// serial, hostname, IP, MAC, manufacturer, model, notes and custom
    /// field values.
    ///
    /// **Sparse items:** `fields=tag,name,status` returns only `id` and the
    /// named properties (every property of `AssetListItem` but `id` is
    /// optional for this reason); without `fields` every property is
    /// present, unset ones as `null`.
    ///
    /// Unknown sort columns, fields, statuses or types, and a `limit` over
    /// 1000, are a 400 naming the parameter and listing what is accepted
    /// (never a silent clamp).
    #[oai(path = "/", method = "get", operation_id = "listAssets")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        /// Comma list of statuses: planned, in_service, maintenance, spare, retired, disposed.
        status: Query<Option<String>>,
        /// Comma list of asset type keys, e.g. `machine,computer`.
        #[oai(name = "type")]
        types: Query<Option<String>>,
        /// A location id: assets there (and below it, see `include_descendants`).
        location: Query<Option<i64>>,
        /// With `location`: include assets anywhere below it (default true).
        include_descendants: Query<Option<bool>>,
        /// Exact manufacturer.
        manufacturer: Query<Option<String>>,
        /// Exact model.
        model: Query<Option<String>>,
        /// Exact asset tag (any case).
        tag: Query<Option<String>>,
        /// Exact hostname (any case).
        hostname: Query<Option<String>>,
        /// Exact IP address (IPv4 or IPv6, any notation).
        ip: Query<Option<String>>,
        /// Assets inside this asset.
        parent_id: Query<Option<i64>>,
        /// Assets changed at or after this RFC 3339 time, e.g. `2026-03-01T08:00:00Z`.
        updated_since: Query<Option<String>>,
        /// Substring search (up to 200 characters, case-insensitive).
        q: Query<Option<String>>,
        /// Comma list of columns, `-` for descending, e.g. `location,-updated_at`.
        /// Columns: tag, name, type, status, location, manufacturer, model,
        /// serial, hostname, ip, updated_at, created_at, purchase_date,
        /// warranty_end, id. Default `tag`; ties are broken by id.
        sort: Query<Option<String>>,
        /// Comma list of properties for sparse items, e.g. `tag,name,status` (`id` is always present).
        fields: Query<Option<String>>,
        /// Page size, 1-1000 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Items to skip (at most 1,000,000,000).
        #[oai(validator(maximum(value = "1000000000")))]
        offset: Query<Option<u64>>,
    ) -> Result<Json<AssetList>, ApiError> {
        let raw = RawParams {
            status: status.0,
            types: types.0,
            location: location.0,
            include_descendants: include_descendants.0,
            manufacturer: manufacturer.0,
            model: model.0,
            tag: tag.0,
            hostname: hostname.0,
            ip: ip.0,
            parent_id: parent_id.0,
            updated_since: updated_since.0,
            q: q.0,
            sort: sort.0,
            fields: fields.0,
            custom: custom_params(req.uri().query().unwrap_or_default()),
        };
        let spec = parse_list(&raw).map_err(|e| list_error(ListError::Params(e)))?;
        let (limit, offset) = (limit.0.unwrap_or(DEFAULT_LIMIT), offset.0.unwrap_or(0));
        let page = listing::list(&state, auth.principal(), &spec, limit, offset)
            .await
            .map_err(list_error)?;
        Ok(Json(AssetList {
            items: page
                .items
                .into_iter()
                .map(|r| AssetListItem::new(r.into(), &spec.fields))
                .collect(),
            total: page.total,
            limit,
            offset,
        }))
    }

    /// Export assets (CSV or JSON Lines)
    ///
    /// Requires role: viewer. Every asset matching the same filters as
    /// `listAssets` (including `cf_<field key>=value` and `q`), streamed in
    /// id order (`sort` does not apply; there is no page size): fit for a
    /// million rows. Rows written during the export may or may not appear.
    ///
    /// **CSV** (`format=csv`, the default): a header row, then one row per
    /// asset: tag, name, type, status, location (its path), location_id,
    /// parent_tag, manufacturer, model, serial, hostname, ip, mac, owner,
    /// department, purchase_date, warranty_end, notes, then one `cf_<key>`
    /// column per custom field of the exported types (all types when `type`
    /// is not given), sorted by key. UTF-8, RFC 4180 quoting. A cell that
    /// starts with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
    /// `'` so spreadsheets show it as text instead of running it as a
    /// formula (CSV injection); strip it when reading such a cell back.
    ///
    /// **JSON Lines** (`format=jsonl`): one `Asset` object per line.
    #[oai(path = "/export", method = "get", operation_id = "exportAssets")]
    #[allow(clippy::too_many_arguments)]
    async fn export(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        /// `csv` (default) or `jsonl`.
        format: Query<Option<ExportFormat>>,
        /// As in `listAssets`.
        status: Query<Option<String>>,
        /// As in `listAssets`.
        #[oai(name = "type")]
        types: Query<Option<String>>,
        /// As in `listAssets`.
        location: Query<Option<i64>>,
        /// As in `listAssets` (default true).
        include_descendants: Query<Option<bool>>,
        /// As in `listAssets`.
        manufacturer: Query<Option<String>>,
        /// As in `listAssets`.
        model: Query<Option<String>>,
        /// As in `listAssets`.
        tag: Query<Option<String>>,
        /// As in `listAssets`.
        hostname: Query<Option<String>>,
        /// As in `listAssets`.
        ip: Query<Option<String>>,
        /// As in `listAssets`.
        parent_id: Query<Option<i64>>,
        /// As in `listAssets`.
        updated_since: Query<Option<String>>,
        /// As in `listAssets`.
        q: Query<Option<String>>,
    ) -> Result<ExportResponse, ApiError> {
        let raw = RawParams {
            status: status.0,
            types: types.0,
            location: location.0,
            include_descendants: include_descendants.0,
            manufacturer: manufacturer.0,
            model: model.0,
            tag: tag.0,
            hostname: hostname.0,
            ip: ip.0,
            parent_id: parent_id.0,
            updated_since: updated_since.0,
            q: q.0,
            custom: custom_params(req.uri().query().unwrap_or_default()),
            ..RawParams::default()
        };
        let filter = parse_filter(&raw).map_err(|e| list_error(ListError::Params(e)))?;
        let plan = export::plan(&state, auth.principal(), &filter)
            .await
            .map_err(list_error)?;
        let rows = export::chunks(state.db.clone(), &plan);
        let on_error = stream_error(current_request_id());
        let date = Utc::now().format("%Y-%m-%d");
        match format.0.unwrap_or(ExportFormat::Csv) {
            ExportFormat::Csv => {
                let header = export::csv_header(&plan.custom_keys)?;
                let keys = plan.custom_keys;
                let lines = rows.and_then(move |chunk| {
                    let encoded = export::csv_rows(&chunk, &keys);
                    async move { encoded }
                });
                let body = stream::iter([Ok(header)]).chain(lines).map_err(on_error);
                Ok(ExportResponse::Ok(
                    ExportBody::Csv(Binary(Body::from_bytes_stream(body))),
                    format!("attachment; filename=\"assets-{date}.csv\""),
                ))
            }
            ExportFormat::Jsonl => {
                let body = rows.map_ok(jsonl).map_err(on_error);
                Ok(ExportResponse::Ok(
                    ExportBody::Jsonl(Binary(Body::from_bytes_stream(body))),
                    format!("attachment; filename=\"assets-{date}.jsonl\""),
                ))
            }
        }
    }
}
