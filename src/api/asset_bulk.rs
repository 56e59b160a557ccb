//! Bulk work on assets: `POST /api/v1/assets/bulk` (JSON upsert by tag)
//! and CSV imports (`/api/v1/assets/import/preview`, `/api/v1/assets/import`).
//! Both run through `service::inventory::bulk`.

use std::collections::BTreeMap;

use poem::web::Data;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::param::Query;
use poem_openapi::payload::{Json, ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiRequest, Multipart, Object, OpenApi};
use serde_json::Value;

use super::ApiTags;
use super::json_body::JsonBody;
use super::problem::{ApiError, Problem};
use super::security::{Auth, request_ctx};
use crate::service::inventory::assets::AssetPatch;
use crate::service::inventory::bulk::import::{self, ImportOutcome, RowError};
use crate::service::inventory::bulk::{self, BulkInput, BulkOutcome, ItemError, Naming};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

/// One asset of a bulk upsert: the properties of `createAsset`, plus
/// `version`. An unknown tag creates the asset (`name` and `type` are then
/// required); a known tag updates only the properties present (`null`
/// clears an optional one; `custom_fields` merge, a key set to `null`
/// clears that field).
#[derive(Object, Debug)]
pub struct BulkAssetItem {
    /// Matches the asset, in any case; stored upper case.
    #[oai(validator(max_length = 256))]
    pub tag: String,
    /// The version you read; when given, the update is refused if the
    /// asset has moved on.
    pub version: Option<i64>,
    #[oai(validator(max_length = 1000))]
    pub name: Option<String>,
    /// The asset type's key (e.g. `machine`); or give `type_id`.
    #[oai(rename = "type", validator(max_length = 64))]
    pub type_key: Option<String>,
    pub type_id: Option<i64>,
    #[oai(validator(max_length = 64))]
    pub status: Option<String>,
    #[oai(nullable)]
    pub location_id: MaybeUndefined<i64>,
    #[oai(nullable)]
    pub parent_id: MaybeUndefined<i64>,
    #[oai(nullable, validator(max_length = 1000))]
    pub manufacturer: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 1000))]
    pub model: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 1000))]
    pub serial: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 1000))]
    pub hostname: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 100))]
    pub ip: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 100))]
    pub mac: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 1000))]
    pub owner: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 1000))]
    pub department: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 100))]
    pub purchase_date: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 100))]
    pub warranty_end: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 20000))]
    pub notes: MaybeUndefined<String>,
    pub custom_fields: Option<BTreeMap<String, Value>>,
}

#[derive(Object, Debug)]
pub struct BulkAssetsRequest {
    /// Validate only and report what would happen; nothing is written.
    #[oai(default)]
    pub dry_run: bool,
    /// 1 to 10,000 assets.
    #[oai(validator(min_items = 1, max_items = 10000))]
    pub items: Vec<BulkAssetItem>,
}

fn opt<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

fn input_of(b: BulkAssetItem) -> BulkInput {
    let text = [
        ("manufacturer", b.manufacturer),
        ("model", b.model),
        ("serial", b.serial),
        ("hostname", b.hostname),
        ("ip", b.ip),
        ("mac", b.mac),
        ("owner", b.owner),
        ("department", b.department),
        ("purchase_date", b.purchase_date),
        ("warranty_end", b.warranty_end),
        ("notes", b.notes),
    ]
    .into_iter()
    .filter_map(|(k, v)| opt(v).map(|v| (k, v)))
    .collect();
    BulkInput {
        tag: b.tag,
        version: b.version,
        patch: AssetPatch {
            tag: None,
            name: b.name,
            type_key: b.type_key,
            status: b.status,
            location_id: opt(b.location_id),
            parent_id: opt(b.parent_id),
            text,
            custom_fields: b.custom_fields.map(|m| m.into_iter().collect()),
        },
        type_id: b.type_id,
        ..BulkInput::default()
    }
}

/// One item's broken rule.
#[derive(Object, Debug)]
pub struct BulkItemError {
    /// 0-based position of the item (CSV: of the data row).
    pub index: u64,
    /// CSV: the data row, from 1 (the header is row 0).
    #[oai(skip_serializing_if_is_none)]
    pub row: Option<u64>,
    /// CSV: the line of the file the row starts on (the header is line 1).
    #[oai(skip_serializing_if_is_none)]
    pub line: Option<u64>,
    /// The item's tag (upper case when valid).
    #[oai(nullable)]
    pub tag: Option<String>,
    /// The asset property at fault (`ip`, `custom_fields.rpm`, `parent_id` …).
    pub field: String,
    /// CSV: the column the property came from.
    #[oai(skip_serializing_if_is_none)]
    pub column: Option<String>,
    pub message: String,
}

fn item_error(e: &ItemError) -> BulkItemError {
    BulkItemError {
        index: e.index as u64,
        row: None,
        line: None,
        tag: e.tag.clone(),
        field: e.field.clone(),
        column: None,
        message: e.message.clone(),
    }
}

fn row_error(e: &RowError) -> BulkItemError {
    BulkItemError {
        row: Some(e.row as u64),
        line: Some(e.line),
        column: e.column.clone(),
        ..item_error(&e.error)
    }
}

/// What a bulk run did (a dry run: would do).
#[derive(Object, Debug)]
pub struct BulkResult {
    pub dry_run: bool,
    pub created: u64,
    pub updated: u64,
    /// Items that matched a stored asset and changed nothing.
    pub unchanged: u64,
    /// Every error; `errors` lists the first 10,000.
    pub error_count: u64,
    pub errors: Vec<BulkItemError>,
}

fn result_of(o: &BulkOutcome, errors: Vec<BulkItemError>) -> BulkResult {
    BulkResult {
        dry_run: o.dry_run,
        created: o.created,
        updated: o.updated,
        unchanged: o.unchanged,
        error_count: o.error_count as u64,
        errors,
    }
}

/// The 422 of a commit with errors: every error as `items[3].ip`
/// (CSV: `rows[4].ip`, rows counted from the header as row 0).
fn refused(o: &BulkOutcome, fields: Vec<FieldError>, what: &str) -> ApiError {
    let detail = format!(
        "{} error(s) in the {what}; nothing was written (run with dry_run to see them all with tags and columns)",
        o.error_count
    );
    ApiError::Unprocessable(Json(
        Problem::new(
            poem::http::StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            detail,
        )
        .with_errors(fields),
    ))
}

/// A CSV file sent as the request body.
pub struct CsvBody(pub Vec<u8>);

impl Payload for CsvBody {
    const CONTENT_TYPE: &'static str = "text/csv";

    fn check_content_type(content_type: &str) -> bool {
        // Browsers label .csv files differently per platform.
        let ct = content_type.split(';').next().unwrap_or_default().trim();
        [
            "text/csv",
            "text/plain",
            "application/csv",
            "application/vnd.ms-excel",
        ]
        .iter()
        .any(|t| ct.eq_ignore_ascii_case(t))
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            format: Some("binary"),
            ..MetaSchema::new("string")
        }))
    }
}

impl ParsePayload for CsvBody {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await.map_err(|e| {
            poem_openapi::error::ParseRequestPayloadError {
                reason: e.to_string(),
            }
        })?;
        Ok(Self(data))
    }
}

poem_openapi::impl_apirequest_for_payload!(CsvBody,);

/// A CSV file with a column mapping.
#[derive(Multipart, Debug)]
pub struct ImportForm {
    /// The CSV file (UTF-8; `,` `;` or tab; a header line).
    pub file: Upload,
    /// JSON object: column name → field (`tag`, `name`, `type`, `status`,
    /// `location`, `parent`, `manufacturer`, …, `custom_fields.<key>`), or
    /// null to ignore the column. Without it, the preview's suggestion.
    pub mapping: Option<String>,
}

#[derive(ApiRequest, Debug)]
pub enum ImportBody {
    /// The CSV file itself; columns are mapped as the preview suggests.
    Csv(CsvBody),
    /// The file and a mapping, as a form.
    Form(ImportForm),
}

impl std::fmt::Debug for CsvBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CsvBody({} bytes)", self.0.len())
    }
}

/// A field a column can map to.
#[derive(Object, Debug)]
pub struct ImportField {
    /// What to write in a mapping: `ip`, `custom_fields.rpm`, …
    pub name: String,
    pub label: String,
}

#[derive(Object, Debug)]
pub struct ImportPreview {
    /// The header's column names, in file order.
    pub columns: Vec<String>,
    /// The delimiter found: `,`, `;` or a tab.
    pub delimiter: String,
    /// Column → field, from the header names; columns without a guess are
    /// left out (and listed in `unmapped_columns`).
    pub suggested_mapping: BTreeMap<String, String>,
    pub unmapped_columns: Vec<String>,
    /// Data rows (without the header).
    pub row_count: u64,
    /// The first rows, cells in column order.
    pub sample: Vec<Vec<String>>,
    /// Every field a column can map to.
    pub fields: Vec<ImportField>,
}

/// What an import did (a dry run: would do).
#[derive(Object, Debug)]
pub struct ImportResult {
    pub dry_run: bool,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub error_count: u64,
    /// The first 10,000 errors, with row, line and column.
    pub errors: Vec<BulkItemError>,
    /// Data rows in the file.
    pub rows: u64,
    /// Column → field, as used.
    pub mapping: BTreeMap<String, String>,
    /// Columns mapped to nothing: their cells were not imported.
    pub ignored_columns: Vec<String>,
}

fn import_result(r: &ImportOutcome) -> ImportResult {
    let o = &r.outcome;
    ImportResult {
        dry_run: o.dry_run,
        created: o.created,
        updated: o.updated,
        unchanged: o.unchanged,
        error_count: o.error_count as u64,
        errors: r.errors.iter().map(row_error).collect(),
        rows: r.rows as u64,
        mapping: r.mapping.iter().cloned().collect(),
        ignored_columns: r.ignored.clone(),
    }
}

/// `{"Column": "field" | null}` → pairs; anything else is a 422.
fn parse_mapping(text: &str) -> Result<Vec<(String, Option<String>)>, ServiceError> {
    let bad = |m: String| ServiceError::Validation(vec![FieldError::new("mapping", m)]);
    let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("is not JSON: {e}")))?;
    let Value::Object(m) = v else {
        return Err(bad(
            "must be a JSON object: {\"column\": \"field\", \"other column\": null}".into(),
        ));
    };
    let mut out = Vec::with_capacity(m.len());
    let mut errors = Vec::new();
    for (col, field) in m {
        match field {
            Value::Null => out.push((col, None)),
            Value::String(f) => out.push((col, Some(f))),
            _ => errors.push(FieldError::new(
                format!("mapping.{col}"),
                "must be a field name or null",
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ServiceError::Validation(errors))
    }
}

pub struct AssetBulkApi;

#[OpenApi(prefix_path = "/api/v1/assets", tag = "ApiTags::Assets")]
impl AssetBulkApi {
    /// Create and update many assets at once
    ///
    /// Requires role: editor. Items are matched by tag (any case): an
    /// unknown tag creates, a known tag updates the properties present.
    /// With `dry_run` everything is checked and nothing written (200, with
    /// per-item errors). Otherwise all or nothing: any error is a 422
    /// listing each as `items[<index>].<field>`, and nothing is written.
    /// A tag given twice is an error on the later item. Bodies may be up
    /// to `import.max_bytes`.
    #[oai(path = "/bulk", method = "post", operation_id = "bulkUpsertAssets")]
    async fn bulk(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        body: JsonBody<BulkAssetsRequest>,
    ) -> Result<Json<BulkResult>, ApiError> {
        let b = body.0;
        let items = b.items.into_iter().map(input_of).collect();
        let o = bulk::run(
            &state,
            auth.principal(),
            &request_ctx(req),
            items,
            b.dry_run,
            Naming::Items,
        )
        .await?;
        if o.failed() && !o.dry_run {
            let fields = o
                .errors
                .iter()
                .map(|e| FieldError::new(format!("items[{}].{}", e.index, e.field), e.message.clone()))
                .collect();
            return Err(refused(&o, fields, "items"));
        }
        let errors = o.errors.iter().map(item_error).collect();
        Ok(Json(result_of(&o, errors)))
    }

    /// Preview a CSV import
    ///
    /// Requires role: editor. Send the file as the body (`text/csv`).
    /// Returns its columns, the delimiter found, the suggested column →
    /// field mapping (by header names: `Serial No.` → `serial`, `cf_<key>`
    /// or a custom field's label → `custom_fields.<key>`), the row count
    /// and the first rows.
    #[oai(
        path = "/import/preview",
        method = "post",
        operation_id = "previewAssetImport"
    )]
    async fn preview(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        body: CsvBody,
    ) -> Result<Json<ImportPreview>, ApiError> {
        let p = import::preview(&state, auth.principal(), &body.0).await?;
        let mut suggested = BTreeMap::new();
        let mut unmapped = Vec::new();
        for (c, t) in p.suggested {
            match t {
                Some(t) => {
                    suggested.insert(c, t.name());
                }
                None => unmapped.push(c),
            }
        }
        Ok(Json(ImportPreview {
            columns: p.columns,
            delimiter: p.delimiter.to_string(),
            suggested_mapping: suggested,
            unmapped_columns: unmapped,
            row_count: p.row_count as u64,
            sample: p.sample,
            fields: p
                .targets
                .into_iter()
                .map(|(name, label)| ImportField { name, label })
                .collect(),
        }))
    }

    /// Import assets from a CSV file
    ///
    /// Requires role: editor. Either the file as the body (`text/csv`,
    /// columns mapped as the preview suggests) or a form (`file` plus a
    /// `mapping` JSON object). Rows go through the same rules as
    /// `bulkUpsertAssets`: matched by tag, all or nothing, a 422 listing
    /// errors as `rows[<row>].<field>` (the header is row 0). Empty cells
    /// keep `name`, `type` and `status` and clear other mapped fields.
    /// Unmapped columns are listed in `ignored_columns`. Files may be up
    /// to `import.max_bytes` and `import.max_rows`.
    #[oai(path = "/import", method = "post", operation_id = "importAssets")]
    async fn import(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        /// Check only; nothing is written.
        #[oai(default)]
        dry_run: Query<bool>,
        body: ImportBody,
    ) -> Result<Json<ImportResult>, ApiError> {
        let (bytes, mapping) = match body {
            ImportBody::Csv(c) => (c.0, None),
            ImportBody::Form(f) => {
                let mapping = f.mapping.as_deref().map(parse_mapping).transpose()?;
                let bytes = f.file.into_vec().await.map_err(|e| {
                    ApiError::from(ServiceError::Validation(vec![FieldError::new(
                        "file",
                        format!("cannot be read: {e}"),
                    )]))
                })?;
                (bytes, mapping)
            }
        };
        let r = import::import(
            &state,
            auth.principal(),
            &request_ctx(req),
            &bytes,
            mapping,
            dry_run.0,
        )
        .await?;
        if r.outcome.failed() && !r.outcome.dry_run {
            let fields = r
                .errors
                .iter()
                .map(|e| {
                    FieldError::new(
                        format!("rows[{}].{}", e.row, e.error.field),
                        e.error.message.clone(),
                    )
                })
                .collect();
            return Err(refused(&r.outcome, fields, "rows"));
        }
        Ok(Json(import_result(&r)))
    }
}
