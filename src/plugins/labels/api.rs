//! `/api/v1/plugins/labels/…`, tagged `plugin:labels`. Mounted only where
//! the plugin is enabled (`PluginApi`); absent from the served spec
//! elsewhere.
//!
//! Images and sheets need the same bearer token as any call: the web UI
//! fetches them and shows them through object URLs (images) or prints the
//! sheet from a same-origin iframe's `srcdoc` (docs/PLUGINS.md).

use chrono::{DateTime, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Html, Json, PlainText};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};

use super::service::{self, Selection, TemplatePatch};
use super::template::{Fields, Sheet, Template, TemplateSpec};
use crate::api::auth::NoContent;
use crate::api::json_body::JsonBody;
use crate::api::problem::{ApiError, Problem};
use crate::api::security::Auth;
use crate::domain::inventory::AssetId;
use crate::plugins::PluginOpenApi;
use crate::service::FieldError;
use crate::service::inventory::listing::params::{Filter, RawParams, custom_params, parse_list};
use crate::service::inventory::{ExpectedVersion, etag};
use crate::state::AppState;

/// The plugin's own tag enum: a disabled plugin leaves no empty group.
#[derive(Tags)]
pub enum LabelsTags {
    /// Labels plugin: QR codes that open an asset's page
    /// (`<public_url>/a/<asset id>`), label templates, printable sheets
    /// (HTML) and ZPL, and the print queue.
    #[oai(rename = "plugin:labels")]
    Labels,
}

/// The physical sheet labels sit on (A4 with 3 × 7 labels …).
#[derive(Object, Debug, Clone, Copy)]
pub struct SheetDto {
    #[oai(validator(minimum(value = "10"), maximum(value = "1000")))]
    pub page_width_mm: f64,
    #[oai(validator(minimum(value = "10"), maximum(value = "1000")))]
    pub page_height_mm: f64,
    #[oai(validator(minimum(value = "1"), maximum(value = "20")))]
    pub columns: u32,
    #[oai(validator(minimum(value = "1"), maximum(value = "40")))]
    pub rows: u32,
    #[oai(default)]
    pub margin_top_mm: f64,
    #[oai(default)]
    pub margin_left_mm: f64,
    /// Space between columns.
    #[oai(default)]
    pub gap_x_mm: f64,
    /// Space between rows.
    #[oai(default)]
    pub gap_y_mm: f64,
}

impl From<SheetDto> for Sheet {
    fn from(s: SheetDto) -> Self {
        Self {
            page_width_mm: s.page_width_mm,
            page_height_mm: s.page_height_mm,
            columns: s.columns,
            rows: s.rows,
            margin_top_mm: s.margin_top_mm,
            margin_left_mm: s.margin_left_mm,
            gap_x_mm: s.gap_x_mm,
            gap_y_mm: s.gap_y_mm,
        }
    }
}

impl From<Sheet> for SheetDto {
    fn from(s: Sheet) -> Self {
        Self {
            page_width_mm: s.page_width_mm,
            page_height_mm: s.page_height_mm,
            columns: s.columns,
            rows: s.rows,
            margin_top_mm: s.margin_top_mm,
            margin_left_mm: s.margin_left_mm,
            gap_x_mm: s.gap_x_mm,
            gap_y_mm: s.gap_y_mm,
        }
    }
}

/// A label template.
#[derive(Object, Debug)]
pub struct LabelTemplateDto {
    pub id: i64,
    /// Used in `template=` parameters: `50x25`, `62x29`, `4x6in`, `a4-21` or your own.
    pub key: String,
    pub name: String,
    /// Presets are read-only.
    pub builtin: bool,
    pub width_mm: f64,
    pub height_mm: f64,
    /// Absent: each label is a page of its own size (label printers).
    #[oai(nullable)]
    pub sheet: Option<SheetDto>,
    pub labels_per_page: u32,
    pub show_tag: bool,
    pub show_name: bool,
    pub show_location: bool,
    pub show_qr: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Template> for LabelTemplateDto {
    fn from(t: Template) -> Self {
        let s = t.spec;
        Self {
            id: t.id,
            labels_per_page: u32::try_from(s.per_page()).unwrap_or(u32::MAX),
            key: s.key,
            name: s.name,
            builtin: t.builtin,
            width_mm: s.width_mm,
            height_mm: s.height_mm,
            sheet: s.sheet.map(Into::into),
            show_tag: s.fields.tag,
            show_name: s.fields.name,
            show_location: s.fields.location,
            show_qr: s.fields.qr,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Object, Debug)]
pub struct LabelTemplateList {
    /// Presets first, then the site's own; each in creation order.
    pub items: Vec<LabelTemplateDto>,
}

/// A new template. Every rule is checked at once (422).
#[derive(Object, Debug)]
pub struct CreateLabelTemplateRequest {
    /// 1-64 characters: a-z, 0-9, `-`, `_`; unique.
    #[oai(validator(max_length = 64))]
    pub key: String,
    #[oai(validator(max_length = 400))]
    pub name: String,
    /// 10-300 mm.
    pub width_mm: f64,
    /// 10-300 mm.
    pub height_mm: f64,
    pub sheet: Option<SheetDto>,
    /// Default true.
    pub show_tag: Option<bool>,
    /// Default true.
    pub show_name: Option<bool>,
    /// Default true.
    pub show_location: Option<bool>,
    /// Default true.
    pub show_qr: Option<bool>,
}

/// A partial update; `sheet: null` removes the sheet. Send the version as
/// `If-Match` or `version`.
#[derive(Object, Debug)]
pub struct UpdateLabelTemplateRequest {
    pub version: Option<i64>,
    #[oai(validator(max_length = 64))]
    pub key: Option<String>,
    #[oai(validator(max_length = 400))]
    pub name: Option<String>,
    pub width_mm: Option<f64>,
    pub height_mm: Option<f64>,
    #[oai(nullable)]
    pub sheet: MaybeUndefined<SheetDto>,
    pub show_tag: Option<bool>,
    pub show_name: Option<bool>,
    pub show_location: Option<bool>,
    pub show_qr: Option<bool>,
}

#[derive(ApiResponse)]
pub enum TemplateResponse {
    /// The template; `ETag` is its version.
    #[oai(status = 200)]
    Ok(Json<LabelTemplateDto>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum CreatedTemplate {
    /// Created; `Location` is its URL, `ETag` its version.
    #[oai(status = 201)]
    Created(
        Json<LabelTemplateDto>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

impl From<Template> for TemplateResponse {
    fn from(t: Template) -> Self {
        let tag = etag(t.version);
        Self::Ok(Json(t.into()), tag)
    }
}

#[derive(ApiResponse)]
pub enum SvgResponse {
    /// An SVG document sized in millimetres.
    #[oai(status = 200, content_type = "image/svg+xml")]
    Ok(
        PlainText<String>,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

#[derive(ApiResponse)]
pub enum PngResponse {
    /// A 1-bit grayscale PNG of the QR code.
    #[oai(status = 200, content_type = "image/png")]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

#[derive(ApiResponse)]
pub enum ZplResponse {
    /// ZPL II, one `^XA … ^XZ` format per label: send it to the printer
    /// (e.g. raw TCP port 9100).
    #[oai(status = 200, content_type = "text/plain; charset=utf-8")]
    Ok(
        PlainText<String>,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "X-Label-Count")] u64,
    ),
}

#[derive(ApiResponse)]
pub enum SheetResponse {
    /// A print-ready HTML page: exact sizes in CSS millimetres, `@page`
    /// sized to the paper. Print at 100 % ("Actual size").
    #[oai(status = 200)]
    Ok(
        Html<String>,
        #[oai(header = "X-Label-Count")] u64,
        #[oai(header = "Cache-Control")] String,
    ),
}

/// When the asset is in the print queue.
#[derive(Object, Debug)]
pub struct QueueEntryDto {
    /// `new`, `changed` or `manual`.
    pub reason: String,
    pub queued_at: DateTime<Utc>,
    #[oai(nullable)]
    pub queued_by: Option<String>,
}

/// What the asset's current label says.
#[derive(Object, Debug)]
pub struct PrintedLabelDto {
    pub template: String,
    pub tag: String,
    pub name: String,
    #[oai(nullable)]
    pub location_path: Option<String>,
    pub printed_at: DateTime<Utc>,
    #[oai(nullable)]
    pub printed_by: Option<String>,
}

/// The asset's label: the URL its QR code encodes, whether it waits in
/// the print queue, and what was last printed.
#[derive(Object, Debug)]
pub struct AssetLabelStatus {
    pub asset_id: i64,
    pub tag: String,
    /// `<server.public_url>/a/<asset id>`.
    pub url: String,
    #[oai(nullable)]
    pub queued: Option<QueueEntryDto>,
    #[oai(nullable)]
    pub printed: Option<PrintedLabelDto>,
    /// A label was printed and still shows the asset's tag, name and location.
    pub up_to_date: bool,
}

/// An entry of the print queue.
#[derive(Object, Debug)]
pub struct LabelQueueItem {
    pub asset_id: i64,
    pub tag: String,
    pub name: String,
    #[oai(nullable)]
    pub location_path: Option<String>,
    /// `new`, `changed` or `manual`.
    pub reason: String,
    pub queued_at: DateTime<Utc>,
    #[oai(nullable)]
    pub queued_by: Option<String>,
}

#[derive(Object, Debug)]
pub struct LabelQueue {
    /// Oldest first.
    pub items: Vec<LabelQueueItem>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Object, Debug)]
pub struct AssetIdsRequest {
    /// Up to `plugins.labels.max_labels` ids.
    #[oai(validator(max_items = 10000))]
    pub asset_ids: Vec<i64>,
}

#[derive(Object, Debug)]
pub struct MarkPrintedRequest {
    #[oai(validator(max_items = 10000))]
    pub asset_ids: Vec<i64>,
    /// The template printed with (id or key); default: the configured one.
    #[oai(validator(max_length = 64))]
    pub template: Option<String>,
}

#[derive(Object, Debug)]
pub struct LabelCount {
    /// How many assets the call changed.
    pub count: u64,
}

/// `1,2,3` → ids; each bad item named.
fn parse_ids(text: Option<&str>) -> Result<Vec<i64>, Vec<FieldError>> {
    let Some(text) = text else { return Ok(Vec::new()) };
    let mut ids = Vec::new();
    let mut bad = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.parse::<i64>() {
            Ok(id) if id > 0 => ids.push(id),
            _ => bad.push(item.to_owned()),
        }
    }
    if bad.is_empty() {
        Ok(ids)
    } else {
        let msg = format!("not asset ids: {} (use ids=1,2,3)", bad.join(", "));
        Err(vec![FieldError::new("ids", msg)])
    }
}

fn list(text: Option<&str>) -> Vec<String> {
    text.map(|t| {
        t.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// The assets list's filter parameters, as the sheet operations take them.
struct ListFilter {
    status: Option<String>,
    types: Option<String>,
    location: Option<i64>,
    include_descendants: Option<bool>,
    manufacturer: Option<String>,
    model: Option<String>,
    hostname: Option<String>,
    ip: Option<String>,
    parent_id: Option<i64>,
    updated_since: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    custom: Vec<(String, String)>,
}

fn bad_params(errors: Vec<FieldError>) -> ApiError {
    let detail = match errors.as_slice() {
        [one] => format!("parameter `{}`: {}", one.field, one.message),
        many => format!("{} parameters are invalid", many.len()),
    };
    ApiError::BadRequest(Json(
        Problem::new(poem::http::StatusCode::BAD_REQUEST, "invalid_parameter", detail).with_errors(errors),
    ))
}

/// Malformed parameters are 400 here (the list's own parser); what they
/// name is looked up by the service (422 when missing).
fn selection(
    ids: Option<&str>,
    tag: Option<&str>,
    queued: Option<bool>,
    f: ListFilter,
) -> Result<Selection, Vec<FieldError>> {
    let raw = RawParams {
        status: f.status,
        types: f.types,
        location: f.location,
        include_descendants: f.include_descendants,
        manufacturer: f.manufacturer,
        model: f.model,
        tag: None,
        hostname: f.hostname,
        ip: f.ip,
        parent_id: f.parent_id,
        updated_since: f.updated_since,
        q: f.q,
        sort: f.sort,
        fields: None,
        custom: f.custom,
    };
    // Every malformed parameter at once.
    match (parse_ids(ids), parse_list(&raw)) {
        (Ok(ids), Ok(spec)) => Ok(Selection {
            ids,
            tags: list(tag),
            queued: queued.unwrap_or(false),
            filter: (spec.filter != Filter::default()).then_some((spec.filter, spec.sort)),
        }),
        (a, b) => Err(a.err().into_iter().chain(b.err()).flatten().collect()),
    }
}

/// `CNC/0042` → `CNC_0042`: tags may hold `/`, file names may not.
fn file_name(tag: &str, ext: &str) -> String {
    let safe: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("inline; filename=\"{safe}.{ext}\"")
}

const NO_CACHE: &str = "private, no-cache";

pub struct LabelsApi;

impl PluginOpenApi for LabelsApi {
    const PLUGIN: &'static str = super::ID;
    fn build(_state: &AppState) -> Option<Self> {
        Some(Self)
    }
}

#[OpenApi(prefix_path = "/api/v1/plugins/labels", tag = "LabelsTags::Labels")]
impl LabelsApi {
    /// List label templates
    ///
    /// Any role. Presets (`50x25`, `62x29`, `4x6in`, `a4-21`)
    /// first, then the site's own in creation order.
    #[oai(path = "/templates", method = "get", operation_id = "listLabelTemplates")]
    async fn list_templates(
        &self,
        state: Data<&AppState>,
        auth: Auth,
    ) -> Result<Json<LabelTemplateList>, ApiError> {
        let items = service::list_templates(&state, auth.principal()).await?;
        Ok(Json(LabelTemplateList {
            items: items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Get a label template
    ///
    /// Any role. `ETag` is the template's version.
    #[oai(path = "/templates/:id", method = "get", operation_id = "getLabelTemplate")]
    async fn get_template(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
    ) -> Result<TemplateResponse, ApiError> {
        Ok(service::get_template(&state, auth.principal(), id.0)
            .await?
            .into())
    }

    /// Create a label template
    ///
    /// Requires role: admin. Sizes in millimetres; with `sheet`, labels are
    /// laid out on pages of that size (they must fit).
    #[oai(path = "/templates", method = "post", operation_id = "createLabelTemplate")]
    async fn create_template(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        body: JsonBody<CreateLabelTemplateRequest>,
    ) -> Result<CreatedTemplate, ApiError> {
        let b = body.0;
        let spec = TemplateSpec {
            key: b.key,
            name: b.name,
            width_mm: b.width_mm,
            height_mm: b.height_mm,
            sheet: b.sheet.map(Into::into),
            fields: Fields {
                tag: b.show_tag.unwrap_or(true),
                name: b.show_name.unwrap_or(true),
                location: b.show_location.unwrap_or(true),
                qr: b.show_qr.unwrap_or(true),
            },
        };
        let t = service::create_template(&state, auth.principal(), spec).await?;
        let location = format!("/api/v1/plugins/labels/templates/{}", t.id);
        let tag = etag(t.version);
        Ok(CreatedTemplate::Created(Json(t.into()), location, tag))
    }

    /// Update a label template
    ///
    /// Requires role: admin. Presets are read-only (409). Needs the version
    /// you read: `If-Match` (stale: 412) or `version` (stale: 409).
    #[oai(
        path = "/templates/:id",
        method = "patch",
        operation_id = "updateLabelTemplate"
    )]
    async fn update_template(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<UpdateLabelTemplateRequest>,
    ) -> Result<TemplateResponse, ApiError> {
        let b = body.0;
        let expected = ExpectedVersion::from_request(if_match.0.as_deref(), b.version)?;
        let patch = TemplatePatch {
            key: b.key,
            name: b.name,
            width_mm: b.width_mm,
            height_mm: b.height_mm,
            sheet: match b.sheet {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(s) => Some(Some(s.into())),
            },
            show_tag: b.show_tag,
            show_name: b.show_name,
            show_location: b.show_location,
            show_qr: b.show_qr,
        };
        Ok(
            service::update_template(&state, auth.principal(), id.0, expected, patch)
                .await?
                .into(),
        )
    }

    /// Delete a label template
    ///
    /// Requires role: admin. Presets cannot be deleted (409). `If-Match` is optional.
    #[oai(
        path = "/templates/:id",
        method = "delete",
        operation_id = "deleteLabelTemplate"
    )]
    async fn delete_template(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> Result<NoContent, ApiError> {
        let expected = match if_match.0.as_deref() {
            Some(h) => Some(ExpectedVersion::from_request(Some(h), None)?),
            None => None,
        };
        service::delete_template(&state, auth.principal(), id.0, expected).await?;
        Ok(NoContent::Done)
    }

    /// An asset's label status
    ///
    /// Any role. The URL its QR code encodes (`<public_url>/a/<asset id>`), whether it
    /// is in the print queue, what its printed label says and whether that
    /// is still up to date. For the asset page's Label panel.
    #[oai(path = "/assets/:id", method = "get", operation_id = "getAssetLabelStatus")]
    async fn status(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
    ) -> Result<Json<AssetLabelStatus>, ApiError> {
        let s = service::status(&state, auth.principal(), AssetId(id.0)).await?;
        let up_to_date = s.up_to_date();
        Ok(Json(AssetLabelStatus {
            asset_id: s.asset.id.0,
            tag: s.asset.fields.tag,
            url: s.url,
            queued: s.queued.map(|(reason, queued_at, queued_by)| QueueEntryDto {
                reason,
                queued_at,
                queued_by,
            }),
            printed: s.printed.map(|p| PrintedLabelDto {
                template: p.template_key,
                tag: p.tag,
                name: p.name,
                location_path: p.location_path,
                printed_at: p.printed_at,
                printed_by: p.printed_by,
            }),
            up_to_date,
        }))
    }

    /// An asset's QR code as SVG
    ///
    /// Any role. Encodes `<public_url>/a/<asset id>` (error correction M, 4-module
    /// quiet zone), `size_mm` square (default 30).
    #[oai(path = "/assets/:id/qr.svg", method = "get", operation_id = "getAssetQrSvg")]
    async fn qr_svg(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
        /// Printed size in mm, 5-200 (default 30).
        #[oai(validator(minimum(value = "5"), maximum(value = "200")))]
        size_mm: Query<Option<f64>>,
    ) -> Result<SvgResponse, ApiError> {
        let svg = service::qr_svg(&state, auth.principal(), AssetId(id.0), size_mm.0.unwrap_or(30.0)).await?;
        Ok(SvgResponse::Ok(
            PlainText(svg),
            format!("inline; filename=\"asset-{}-qr.svg\"", id.0),
            NO_CACHE.into(),
        ))
    }

    /// An asset's QR code as PNG
    ///
    /// Any role. Encodes `<public_url>/a/<asset id>`: `scale` pixels per module
    /// (default 8) and a quiet zone of `border` modules (default 4).
    #[oai(path = "/assets/:id/qr.png", method = "get", operation_id = "getAssetQrPng")]
    async fn qr_png(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
        /// Pixels per module, 1-40 (default 8).
        #[oai(validator(minimum(value = "1"), maximum(value = "40")))]
        scale: Query<Option<u32>>,
        /// Quiet zone in modules, 0-16 (default 4).
        #[oai(validator(maximum(value = "16")))]
        border: Query<Option<u32>>,
    ) -> Result<PngResponse, ApiError> {
        let png = service::qr_png(
            &state,
            auth.principal(),
            AssetId(id.0),
            scale.0.unwrap_or(8),
            border.0.unwrap_or(4),
        )
        .await?;
        Ok(PngResponse::Ok(
            Binary(png),
            format!("inline; filename=\"asset-{}-qr.png\"", id.0),
            NO_CACHE.into(),
        ))
    }

    /// An asset's label as SVG
    ///
    /// Any role. The whole label at the template's size (width and height in mm):
    /// QR code, tag, name, location path as the template says.
    #[oai(
        path = "/assets/:id/label.svg",
        method = "get",
        operation_id = "getAssetLabelSvg"
    )]
    async fn label_svg(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
        /// Template id or key (default: `plugins.labels.default_template`).
        #[oai(validator(max_length = 64))]
        template: Query<Option<String>>,
    ) -> Result<SvgResponse, ApiError> {
        let (svg, tag) =
            service::label_svg(&state, auth.principal(), AssetId(id.0), template.0.as_deref()).await?;
        Ok(SvgResponse::Ok(
            PlainText(svg),
            file_name(&tag, "svg"),
            NO_CACHE.into(),
        ))
    }

    /// An asset's label as ZPL
    ///
    /// Any role. For Zebra printers: the printer draws the QR code (`^BQN`) and the
    /// text (font 0) at the template's size.
    #[oai(
        path = "/assets/:id/label.zpl",
        method = "get",
        operation_id = "getAssetLabelZpl"
    )]
    async fn label_zpl(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
        /// Template id or key (default: `plugins.labels.default_template`).
        #[oai(validator(max_length = 64))]
        template: Query<Option<String>>,
        /// Printer resolution: 152, 203, 300 or 600 (default: `plugins.labels.zpl_dpi`).
        dpi: Query<Option<u32>>,
    ) -> Result<ZplResponse, ApiError> {
        let (zpl, tag) = service::label_zpl(
            &state,
            auth.principal(),
            AssetId(id.0),
            template.0.as_deref(),
            dpi.0,
        )
        .await?;
        Ok(ZplResponse::Ok(PlainText(zpl), file_name(&tag, "zpl"), 1))
    }

    /// Print a sheet of labels (HTML)
    ///
    /// Any role. Which assets: each of these adds some, in this order, each
    /// asset once, at most `plugins.labels.max_labels` in all: `ids` (in
    /// the order given), `tag` (a comma list), the assets list's filters
    /// (`status`, `type`, `location`, `q`, `cf_<field key>` … exactly as in
    /// `listAssets`, AND-ed, in `sort` order) and `queued=true` (the print
    /// queue, oldest first). Malformed parameters are 400; ids, tags, types
    /// or locations that do not exist are 422. Sheet templates start at
    /// cell `skip` on the first page (a partly used sheet). Printing does
    /// not change the queue: call `markLabelsPrinted` after the print
    /// dialog.
    #[oai(path = "/sheet", method = "get", operation_id = "renderLabelSheet")]
    #[allow(clippy::too_many_arguments)]
    async fn sheet(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        /// Asset ids, comma-separated.
        #[oai(validator(max_length = 30000))]
        ids: Query<Option<String>>,
        /// Asset tags, comma-separated (any case).
        #[oai(validator(max_length = 30000))]
        tag: Query<Option<String>>,
        /// Include the print queue.
        queued: Query<Option<bool>>,
        /// As in `listAssets`: comma list of statuses.
        status: Query<Option<String>>,
        /// As in `listAssets`: comma list of asset type keys.
        #[oai(name = "type")]
        types: Query<Option<String>>,
        /// As in `listAssets`: a location id (and below it, see `include_descendants`).
        location: Query<Option<i64>>,
        /// As in `listAssets`: with `location`, include assets below it (default true).
        include_descendants: Query<Option<bool>>,
        /// As in `listAssets`: exact manufacturer.
        manufacturer: Query<Option<String>>,
        /// As in `listAssets`: exact model.
        model: Query<Option<String>>,
        /// As in `listAssets`: exact hostname (any case).
        hostname: Query<Option<String>>,
        /// As in `listAssets`: exact IP address.
        ip: Query<Option<String>>,
        /// As in `listAssets`: assets inside this asset.
        parent_id: Query<Option<i64>>,
        /// As in `listAssets`: changed at or after this RFC 3339 time.
        updated_since: Query<Option<String>>,
        /// As in `listAssets`: substring search.
        q: Query<Option<String>>,
        /// As in `listAssets`: the order of the filter's matches (default `tag`).
        sort: Query<Option<String>>,
        /// Template id or key (default: `plugins.labels.default_template`).
        #[oai(validator(max_length = 64))]
        template: Query<Option<String>>,
        /// Cells to leave empty on the first page of a sheet template.
        #[oai(validator(maximum(value = "799")))]
        skip: Query<Option<u32>>,
    ) -> Result<SheetResponse, ApiError> {
        let sel = selection(
            ids.0.as_deref(),
            tag.0.as_deref(),
            queued.0,
            ListFilter {
                status: status.0,
                types: types.0,
                location: location.0,
                include_descendants: include_descendants.0,
                manufacturer: manufacturer.0,
                model: model.0,
                hostname: hostname.0,
                ip: ip.0,
                parent_id: parent_id.0,
                updated_since: updated_since.0,
                q: q.0,
                sort: sort.0,
                custom: custom_params(req.uri().query().unwrap_or_default()),
            },
        )
        .map_err(bad_params)?;
        let out = service::sheet_html(
            &state,
            auth.principal(),
            &sel,
            template.0.as_deref(),
            skip.0.unwrap_or(0),
        )
        .await?;
        Ok(SheetResponse::Ok(
            Html(out.body),
            out.labels as u64,
            NO_CACHE.into(),
        ))
    }

    /// Print labels on a Zebra printer (ZPL)
    ///
    /// Any role. The same selection as `renderLabelSheet`; one ZPL format
    /// per label.
    #[oai(path = "/sheet.zpl", method = "get", operation_id = "renderLabelSheetZpl")]
    #[allow(clippy::too_many_arguments)]
    async fn sheet_zpl(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        /// Asset ids, comma-separated.
        #[oai(validator(max_length = 30000))]
        ids: Query<Option<String>>,
        /// Asset tags, comma-separated (any case).
        #[oai(validator(max_length = 30000))]
        tag: Query<Option<String>>,
        /// Include the print queue.
        queued: Query<Option<bool>>,
        /// As in `listAssets`: comma list of statuses.
        status: Query<Option<String>>,
        /// As in `listAssets`: comma list of asset type keys.
        #[oai(name = "type")]
        types: Query<Option<String>>,
        /// As in `listAssets`: a location id (and below it, see `include_descendants`).
        location: Query<Option<i64>>,
        /// As in `listAssets`: with `location`, include assets below it (default true).
        include_descendants: Query<Option<bool>>,
        /// As in `listAssets`: exact manufacturer.
        manufacturer: Query<Option<String>>,
        /// As in `listAssets`: exact model.
        model: Query<Option<String>>,
        /// As in `listAssets`: exact hostname (any case).
        hostname: Query<Option<String>>,
        /// As in `listAssets`: exact IP address.
        ip: Query<Option<String>>,
        /// As in `listAssets`: assets inside this asset.
        parent_id: Query<Option<i64>>,
        /// As in `listAssets`: changed at or after this RFC 3339 time.
        updated_since: Query<Option<String>>,
        /// As in `listAssets`: substring search.
        q: Query<Option<String>>,
        /// As in `listAssets`: the order of the filter's matches (default `tag`).
        sort: Query<Option<String>>,
        /// Template id or key (default: `plugins.labels.default_template`).
        #[oai(validator(max_length = 64))]
        template: Query<Option<String>>,
        /// Printer resolution: 152, 203, 300 or 600 (default: `plugins.labels.zpl_dpi`).
        dpi: Query<Option<u32>>,
    ) -> Result<ZplResponse, ApiError> {
        let sel = selection(
            ids.0.as_deref(),
            tag.0.as_deref(),
            queued.0,
            ListFilter {
                status: status.0,
                types: types.0,
                location: location.0,
                include_descendants: include_descendants.0,
                manufacturer: manufacturer.0,
                model: model.0,
                hostname: hostname.0,
                ip: ip.0,
                parent_id: parent_id.0,
                updated_since: updated_since.0,
                q: q.0,
                sort: sort.0,
                custom: custom_params(req.uri().query().unwrap_or_default()),
            },
        )
        .map_err(bad_params)?;
        let out = service::sheet_zpl(&state, auth.principal(), &sel, template.0.as_deref(), dpi.0).await?;
        Ok(ZplResponse::Ok(
            PlainText(out.body),
            "attachment; filename=\"labels.zpl\"".into(),
            out.labels as u64,
        ))
    }

    /// The label print queue
    ///
    /// Any role. New assets (with `queue_new_assets`), printed
    /// ones whose tag, name or location changed, and ones queued by hand;
    /// oldest first.
    #[oai(path = "/queue", method = "get", operation_id = "listLabelQueue")]
    async fn queue(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        /// Page size, 1-1000 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Items to skip (at most 1,000,000,000).
        #[oai(validator(maximum(value = "1000000000")))]
        offset: Query<Option<u64>>,
    ) -> Result<Json<LabelQueue>, ApiError> {
        let (limit, offset) = (limit.0.unwrap_or(50), offset.0.unwrap_or(0));
        let (items, total) = service::queue(&state, auth.principal(), limit, offset).await?;
        Ok(Json(LabelQueue {
            items: items
                .into_iter()
                .map(|q| LabelQueueItem {
                    asset_id: q.asset_id.0,
                    tag: q.tag,
                    name: q.name,
                    location_path: q.location_path,
                    reason: q.reason,
                    queued_at: q.queued_at,
                    queued_by: q.queued_by,
                })
                .collect(),
            total,
            limit,
            offset,
        }))
    }

    /// Queue labels for printing
    ///
    /// Requires role: editor. Assets already queued keep their entry;
    /// `count` is how many were added.
    #[oai(path = "/queue", method = "post", operation_id = "queueAssetLabels")]
    async fn enqueue(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        body: JsonBody<AssetIdsRequest>,
    ) -> Result<Json<LabelCount>, ApiError> {
        let count = service::enqueue(&state, auth.principal(), &body.0.asset_ids).await?;
        Ok(Json(LabelCount { count }))
    }

    /// Remove labels from the print queue
    ///
    /// Requires role: editor. Without recording a print; `count` is how
    /// many were removed.
    #[oai(path = "/queue/remove", method = "post", operation_id = "dequeueAssetLabels")]
    async fn dequeue(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        body: JsonBody<AssetIdsRequest>,
    ) -> Result<Json<LabelCount>, ApiError> {
        let count = service::dequeue(&state, auth.principal(), &body.0.asset_ids).await?;
        Ok(Json(LabelCount { count }))
    }

    /// Record printed labels
    ///
    /// Requires role: editor. Call it after the print dialog: remembers what
    /// each label says (so later changes re-queue it) and takes the assets
    /// out of the queue.
    #[oai(path = "/printed", method = "post", operation_id = "markLabelsPrinted")]
    async fn mark_printed(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        body: JsonBody<MarkPrintedRequest>,
    ) -> Result<Json<LabelCount>, ApiError> {
        let b = body.0;
        let count =
            service::mark_printed(&state, auth.principal(), &b.asset_ids, b.template.as_deref()).await?;
        Ok(Json(LabelCount { count }))
    }
}
