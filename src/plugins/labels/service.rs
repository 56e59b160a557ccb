//! Labels use cases: role checks, template rules, which assets a sheet
//! holds, rendering, the print queue, and the plugin's hook and job.

use super::db::{self, Printed, QueueItem};
use super::layout::{self, LabelData};
use super::qr::Matrix;
use super::template::{Sheet, Template, TemplateSpec};
use super::{LabelsConfig, LabelsPlugin, asset_url, label_changed, sheet, zpl};
use crate::db::queries::asset_list::{self, SortColumn};
use crate::db::queries::assets::{self, AssetRow};
use crate::db::{Db, DbError, Tx};
use crate::domain::Role;
use crate::domain::inventory::{AssetId, AssetTag};
use crate::plugins::{AssetChange, AssetEvent};
use crate::service::auth::principal::Principal;
use crate::service::inventory::ExpectedVersion;
use crate::service::inventory::listing::params::Filter;
use crate::service::inventory::listing::{self, ListError};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

/// The preset every database has; the fallback when the configured
/// default template was deleted.
const FALLBACK_TEMPLATE: &str = "50x25";

pub mod reason {
    /// Created while `queue_new_assets` is on.
    pub const NEW: &str = "new";
    /// Tag, name or location changed since the label was printed.
    pub const CHANGED: &str = "changed";
    /// Queued by hand.
    pub const MANUAL: &str = "manual";
}

fn plugin(state: &AppState) -> Result<&LabelsPlugin, ServiceError> {
    state
        .plugins
        .get::<LabelsPlugin>()
        .ok_or_else(|| ServiceError::NotFound("the labels plugin (not enabled)".into()))
}

fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::Validation(vec![FieldError::new(field, message)])
}

// ---- templates -------------------------------------------------------

pub async fn list_templates(state: &AppState, who: &Principal) -> Result<Vec<Template>, ServiceError> {
    who.require(Role::Viewer)?;
    plugin(state)?;
    Ok(db::list_templates(&mut state.db.clone()).await?)
}

pub async fn get_template(state: &AppState, who: &Principal, id: i64) -> Result<Template, ServiceError> {
    who.require(Role::Viewer)?;
    plugin(state)?;
    db::find_template(&mut state.db.clone(), id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("label template {id}")))
}

/// A template named in a request (`id` or key), or the configured default.
pub async fn resolve_template(
    db: &mut Db,
    cfg: &LabelsConfig,
    named: Option<&str>,
) -> Result<Template, ServiceError> {
    match named.map(str::trim).filter(|s| !s.is_empty()) {
        Some(sel) => {
            let found = match sel.parse::<i64>() {
                Ok(id) => db::find_template(db, id).await?,
                Err(_) => db::find_template_by_key(db, sel).await?,
            };
            match found {
                Some(t) => Ok(t),
                None => {
                    let keys: Vec<String> = db::list_templates(db)
                        .await?
                        .into_iter()
                        .map(|t| t.spec.key)
                        .collect();
                    Err(invalid(
                        "template",
                        format!("no label template `{sel}`; templates: {}", keys.join(", ")),
                    ))
                }
            }
        }
        None => {
            if let Some(t) = db::find_template_by_key(db, &cfg.default_template).await? {
                return Ok(t);
            }
            tracing::warn!(
                template = %cfg.default_template,
                "plugins.labels.default_template names no template; using {FALLBACK_TEMPLATE}"
            );
            db::find_template_by_key(db, FALLBACK_TEMPLATE)
                .await?
                .ok_or_else(|| {
                    ServiceError::Internal(format!(
                        "the preset label template {FALLBACK_TEMPLATE} is missing"
                    ))
                })
        }
    }
}

fn key_conflict(key: &str) -> impl Fn(DbError) -> ServiceError + '_ {
    move |e| match e {
        DbError::Conflict(_) => ServiceError::ConflictWith(
            format!("a label template with key `{key}` exists"),
            vec![FieldError::new("key", "is taken")],
        ),
        other => other.into(),
    }
}

pub async fn create_template(
    state: &AppState,
    who: &Principal,
    spec: TemplateSpec,
) -> Result<Template, ServiceError> {
    who.require(Role::Admin)?;
    plugin(state)?;
    let errors = spec.check();
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let mut tx = state.db.begin().await?;
    let id = db::insert_template(&mut tx, &spec)
        .await
        .map_err(key_conflict(&spec.key))?;
    let t = db::find_template(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("label template {id} vanished")))?;
    tx.commit().await?;
    Ok(t)
}

/// A partial update of a template; `sheet: Some(None)` removes the sheet.
#[derive(Debug, Clone, Default)]
pub struct TemplatePatch {
    pub key: Option<String>,
    pub name: Option<String>,
    pub width_mm: Option<f64>,
    pub height_mm: Option<f64>,
    pub sheet: Option<Option<Sheet>>,
    pub show_tag: Option<bool>,
    pub show_name: Option<bool>,
    pub show_location: Option<bool>,
    pub show_qr: Option<bool>,
}

impl TemplatePatch {
    fn apply(self, s: &mut TemplateSpec) {
        if let Some(v) = self.key {
            s.key = v;
        }
        if let Some(v) = self.name {
            s.name = v;
        }
        if let Some(v) = self.width_mm {
            s.width_mm = v;
        }
        if let Some(v) = self.height_mm {
            s.height_mm = v;
        }
        if let Some(v) = self.sheet {
            s.sheet = v;
        }
        let f = &mut s.fields;
        f.tag = self.show_tag.unwrap_or(f.tag);
        f.name = self.show_name.unwrap_or(f.name);
        f.location = self.show_location.unwrap_or(f.location);
        f.qr = self.show_qr.unwrap_or(f.qr);
    }
}

fn refuse_preset(t: &Template) -> Result<(), ServiceError> {
    if t.builtin {
        Err(ServiceError::Conflict(format!(
            "`{}` is a preset and cannot be changed; create a template of your own instead",
            t.spec.key
        )))
    } else {
        Ok(())
    }
}

pub async fn update_template(
    state: &AppState,
    who: &Principal,
    id: i64,
    expected: ExpectedVersion,
    patch: TemplatePatch,
) -> Result<Template, ServiceError> {
    who.require(Role::Admin)?;
    plugin(state)?;
    let mut tx = state.db.begin().await?;
    let current = db::find_template(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("label template {id}")))?;
    refuse_preset(&current)?;
    expected.check(current.version)?;
    let mut spec = current.spec.clone();
    patch.apply(&mut spec);
    let errors = spec.check();
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    if spec == current.spec {
        return Ok(current);
    }
    if !db::update_template(&mut tx, id, current.version, &spec)
        .await
        .map_err(key_conflict(&spec.key))?
    {
        return Err(expected.stale(current.version + 1));
    }
    let t = db::find_template(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("label template {id} vanished")))?;
    tx.commit().await?;
    Ok(t)
}

pub async fn delete_template(
    state: &AppState,
    who: &Principal,
    id: i64,
    expected: Option<ExpectedVersion>,
) -> Result<(), ServiceError> {
    who.require(Role::Admin)?;
    plugin(state)?;
    let mut tx = state.db.begin().await?;
    let current = db::find_template(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("label template {id}")))?;
    refuse_preset(&current)?;
    if let Some(x) = expected {
        x.check(current.version)?;
    }
    db::delete_template(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

// ---- one asset -------------------------------------------------------

fn label_data(state: &AppState, a: &AssetRow) -> LabelData {
    LabelData {
        asset_id: a.id.0,
        tag: a.fields.tag.clone(),
        name: a.fields.name.clone(),
        location: a.location_path.clone(),
        url: asset_url(&state.config.server.public_url, a.id),
    }
}

fn matrix(url: &str) -> Result<Matrix, ServiceError> {
    Matrix::encode(url).map_err(ServiceError::Internal)
}

async fn asset(state: &AppState, id: AssetId) -> Result<AssetRow, ServiceError> {
    assets::find(&mut state.db.clone(), id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("asset {id}")))
}

/// The asset's QR code as a standalone SVG document (`size_mm` square).
pub async fn qr_svg(
    state: &AppState,
    who: &Principal,
    id: AssetId,
    size_mm: f64,
) -> Result<String, ServiceError> {
    who.require(Role::Viewer)?;
    plugin(state)?;
    let a = asset(state, id).await?;
    Ok(matrix(&label_data(state, &a).url)?.to_svg(size_mm))
}

pub async fn qr_png(
    state: &AppState,
    who: &Principal,
    id: AssetId,
    scale: u32,
    border: u32,
) -> Result<Vec<u8>, ServiceError> {
    who.require(Role::Viewer)?;
    plugin(state)?;
    let a = asset(state, id).await?;
    matrix(&label_data(state, &a).url)?
        .to_png(scale, border)
        .map_err(ServiceError::Internal)
}

/// One label as an SVG document; also returns the asset's tag (for the file name).
pub async fn label_svg(
    state: &AppState,
    who: &Principal,
    id: AssetId,
    template: Option<&str>,
) -> Result<(String, String), ServiceError> {
    who.require(Role::Viewer)?;
    let cfg = &plugin(state)?.config;
    let a = asset(state, id).await?;
    let t = resolve_template(&mut state.db.clone(), cfg, template).await?;
    let d = label_data(state, &a);
    let qr = matrix(&d.url)?;
    Ok((layout::label_svg_document(&t.spec, &d, &qr), a.fields.tag))
}

fn dpi_of(cfg: &LabelsConfig, dpi: Option<u32>) -> Result<u32, ServiceError> {
    let dpi = dpi.unwrap_or(cfg.zpl_dpi);
    if zpl::DPI_CHOICES.contains(&dpi) {
        Ok(dpi)
    } else {
        Err(invalid("dpi", format!("must be one of {:?}", zpl::DPI_CHOICES)))
    }
}

pub async fn label_zpl(
    state: &AppState,
    who: &Principal,
    id: AssetId,
    template: Option<&str>,
    dpi: Option<u32>,
) -> Result<(String, String), ServiceError> {
    who.require(Role::Viewer)?;
    let cfg = &plugin(state)?.config;
    let dpi = dpi_of(cfg, dpi)?;
    let a = asset(state, id).await?;
    let t = resolve_template(&mut state.db.clone(), cfg, template).await?;
    let d = label_data(state, &a);
    let mut out = String::new();
    zpl::label(&mut out, &t.spec, &d, &matrix(&d.url)?, dpi);
    Ok((out, a.fields.tag))
}

/// What the asset page's Label panel shows.
#[derive(Debug, Clone)]
pub struct LabelStatus {
    pub asset: AssetRow,
    pub url: String,
    pub queued: Option<(String, chrono::DateTime<chrono::Utc>, Option<String>)>,
    pub printed: Option<Printed>,
}

impl LabelStatus {
    /// A label was printed and still says what the asset says.
    pub fn up_to_date(&self) -> bool {
        self.printed.as_ref().is_some_and(|p| {
            p.tag == self.asset.fields.tag
                && p.name == self.asset.fields.name
                && p.location_path == self.asset.location_path
        })
    }
}

pub async fn status(state: &AppState, who: &Principal, id: AssetId) -> Result<LabelStatus, ServiceError> {
    who.require(Role::Viewer)?;
    plugin(state)?;
    let mut db = state.db.clone();
    let a = asset(state, id).await?;
    Ok(LabelStatus {
        url: asset_url(&state.config.server.public_url, a.id),
        queued: db::is_queued(&mut db, id).await?,
        printed: db::printed(&mut db, id).await?,
        asset: a,
    })
}

// ---- sheets ----------------------------------------------------------

/// Which assets a sheet holds: each source adds assets.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub ids: Vec<i64>,
    pub tags: Vec<String>,
    pub queued: bool,
    /// The assets list's filters (AND-ed as in `listAssets`), in `sort` order.
    pub filter: Option<(Filter, Vec<(SortColumn, bool)>)>,
}

/// The selected assets in print order: ids as given, then tags as given,
/// then the list filter's matches, then the queue (oldest first); each
/// asset once.
pub async fn select(db: &mut Db, sel: &Selection, max: usize) -> Result<Vec<AssetRow>, ServiceError> {
    if sel.ids.is_empty() && sel.tags.is_empty() && !sel.queued && sel.filter.is_none() {
        return Err(invalid(
            "ids",
            "choose the assets: `ids`, `tag`, `queued=true` or the assets list's filters (any combination)",
        ));
    }
    let mut errors = Vec::new();
    if sel.ids.len() + sel.tags.len() > max {
        return Err(too_many(max));
    }
    let mut tags = Vec::with_capacity(sel.tags.len());
    for t in &sel.tags {
        match AssetTag::parse(t) {
            Ok(tag) => tags.push(tag.into_string()),
            Err(m) => errors.push(FieldError::new("tag", format!("`{t}`: {m}"))),
        }
    }
    let by_id = db::assets_by_ids(db, &sel.ids).await?;
    let missing: Vec<String> = sel
        .ids
        .iter()
        .filter(|id| !by_id.iter().any(|a| a.id.0 == **id))
        .map(ToString::to_string)
        .collect();
    if !missing.is_empty() {
        errors.push(FieldError::new(
            "ids",
            format!("no asset has id {}", missing.join(", ")),
        ));
    }
    let by_tag = db::assets_by_tags(db, &tags).await?;
    let missing: Vec<&str> = tags
        .iter()
        .filter(|t| !by_tag.iter().any(|a| &a.fields.tag == *t))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        errors.push(FieldError::new(
            "tag",
            format!("no asset has tag {}", missing.join(", ")),
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let filtered = match &sel.filter {
        Some((filter, sort)) => {
            let criteria = match listing::resolve(db, filter).await {
                Ok(c) => c,
                Err(ListError::Params(e)) => return Err(ServiceError::Validation(e)),
                Err(ListError::Service(e)) => return Err(e),
            };
            let backend = db.backend();
            asset_list::page(db, backend, &criteria, sort, max as u64 + 1, 0).await?
        }
        None => Vec::new(),
    };
    let queued = if sel.queued {
        db::queued_assets(db, max as u64 + 1).await?
    } else {
        Vec::new()
    };
    let mut out: Vec<AssetRow> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let in_order = sel
        .ids
        .iter()
        .filter_map(|id| by_id.iter().find(|a| a.id.0 == *id))
        .chain(
            tags.iter()
                .filter_map(|t| by_tag.iter().find(|a| &a.fields.tag == t)),
        )
        .chain(filtered.iter())
        .chain(queued.iter());
    for a in in_order {
        if seen.insert(a.id) {
            out.push(a.clone());
        }
    }
    if out.len() > max {
        return Err(too_many(max));
    }
    Ok(out)
}

fn too_many(max: usize) -> ServiceError {
    invalid(
        "ids",
        format!("the selection has more than {max} assets; print it in parts (plugins.labels.max_labels)"),
    )
}

/// A rendered sheet.
pub struct SheetOut {
    pub body: String,
    pub labels: usize,
    pub template: Template,
}

pub async fn sheet_html(
    state: &AppState,
    who: &Principal,
    sel: &Selection,
    template: Option<&str>,
    skip: u32,
) -> Result<SheetOut, ServiceError> {
    who.require(Role::Viewer)?;
    let cfg = &plugin(state)?.config;
    let mut db = state.db.clone();
    let t = resolve_template(&mut db, cfg, template).await?;
    if t.spec.sheet.is_some() && skip as usize >= t.spec.per_page() {
        return Err(invalid(
            "skip",
            format!(
                "a `{}` sheet has {} labels; skip 0-{}",
                t.spec.key,
                t.spec.per_page(),
                t.spec.per_page() - 1
            ),
        ));
    }
    let rows = select(&mut db, sel, cfg.max_labels as usize).await?;
    let svgs = rows
        .iter()
        .map(|a| {
            let d = label_data(state, a);
            Ok(layout::label_svg(&t.spec, &d, &matrix(&d.url)?))
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    Ok(SheetOut {
        body: sheet::html(&t.spec, &t.spec.name, &svgs, skip as usize),
        labels: svgs.len(),
        template: t,
    })
}

pub async fn sheet_zpl(
    state: &AppState,
    who: &Principal,
    sel: &Selection,
    template: Option<&str>,
    dpi: Option<u32>,
) -> Result<SheetOut, ServiceError> {
    who.require(Role::Viewer)?;
    let cfg = &plugin(state)?.config;
    let dpi = dpi_of(cfg, dpi)?;
    let mut db = state.db.clone();
    let t = resolve_template(&mut db, cfg, template).await?;
    let rows = select(&mut db, sel, cfg.max_labels as usize).await?;
    let mut body = String::with_capacity(rows.len() * 1024);
    for a in &rows {
        let d = label_data(state, a);
        zpl::label(&mut body, &t.spec, &d, &matrix(&d.url)?, dpi);
    }
    Ok(SheetOut {
        body,
        labels: rows.len(),
        template: t,
    })
}

// ---- the print queue -------------------------------------------------

pub async fn queue(
    state: &AppState,
    who: &Principal,
    limit: u64,
    offset: u64,
) -> Result<(Vec<QueueItem>, i64), ServiceError> {
    who.require(Role::Viewer)?;
    plugin(state)?;
    let mut db = state.db.clone();
    Ok((
        db::queue_page(&mut db, limit, offset).await?,
        db::queue_count(&mut db).await?,
    ))
}

fn check_ids(ids: &[i64], max: usize) -> Result<(), ServiceError> {
    if ids.is_empty() {
        return Err(invalid("asset_ids", "name at least one asset"));
    }
    if ids.len() > max {
        return Err(invalid("asset_ids", format!("at most {max} at a time")));
    }
    Ok(())
}

async fn existing(tx: &mut Tx, ids: &[i64]) -> Result<Vec<AssetRow>, ServiceError> {
    let rows = db::assets_by_ids(tx, ids).await?;
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !rows.iter().any(|a| a.id.0 == **id))
        .map(ToString::to_string)
        .collect();
    if missing.is_empty() {
        Ok(rows)
    } else {
        Err(invalid(
            "asset_ids",
            format!("no asset has id {}", missing.join(", ")),
        ))
    }
}

/// Queues assets by hand; returns how many were not queued already.
pub async fn enqueue(state: &AppState, who: &Principal, ids: &[i64]) -> Result<u64, ServiceError> {
    who.require(Role::Editor)?;
    let cfg = &plugin(state)?.config;
    check_ids(ids, cfg.max_labels as usize)?;
    let mut tx = state.db.begin().await?;
    let mut added = 0;
    for a in existing(&mut tx, ids).await? {
        added += u64::from(db::enqueue(&mut tx, a.id, reason::MANUAL, Some(&who.username)).await?);
    }
    tx.commit().await?;
    Ok(added)
}

/// Records that labels were printed (after the print dialog) with
/// `template`: what they say is remembered and they leave the queue.
pub async fn mark_printed(
    state: &AppState,
    who: &Principal,
    ids: &[i64],
    template: Option<&str>,
) -> Result<u64, ServiceError> {
    who.require(Role::Editor)?;
    let cfg = &plugin(state)?.config;
    check_ids(ids, cfg.max_labels as usize)?;
    let key = resolve_template(&mut state.db.clone(), cfg, template)
        .await?
        .spec
        .key;
    let mut tx = state.db.begin().await?;
    let rows = existing(&mut tx, ids).await?;
    for a in &rows {
        db::record_printed(&mut tx, a, &key, &who.username).await?;
    }
    let ids: Vec<AssetId> = rows.iter().map(|a| a.id).collect();
    db::dequeue(&mut tx, &ids).await?;
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// Removes assets from the queue without printing.
pub async fn dequeue(state: &AppState, who: &Principal, ids: &[i64]) -> Result<u64, ServiceError> {
    who.require(Role::Editor)?;
    let cfg = &plugin(state)?.config;
    check_ids(ids, cfg.max_labels as usize)?;
    let ids: Vec<AssetId> = ids.iter().copied().map(AssetId).collect();
    Ok(db::dequeue(&mut state.db.clone(), &ids).await?)
}

// ---- hook and job ----------------------------------------------------

/// The asset hook: queue new assets (when configured) and printed ones
/// whose label text changed. Runs inside the asset write's transaction.
pub async fn on_asset(cfg: &LabelsConfig, tx: &mut Tx, ev: &AssetEvent<'_>) -> Result<(), ServiceError> {
    let who = Some(ev.who.username.as_str());
    match ev.change {
        AssetChange::Created { .. } if cfg.queue_new_assets => {
            db::enqueue(tx, ev.asset, reason::NEW, who).await?;
        }
        AssetChange::Updated { .. } if label_changed(&ev.change) => {
            requeue_if_printed(tx, ev.asset, who).await?;
        }
        // Queue and print rows of a deleted asset go with it (foreign keys
        // cascade), in this same transaction.
        _ => {}
    }
    Ok(())
}

/// Only a label that exists can be out of date.
async fn requeue_if_printed(tx: &mut Tx, asset: AssetId, who: Option<&str>) -> Result<(), ServiceError> {
    if db::printed(tx, asset).await?.is_some() {
        db::enqueue(tx, asset, reason::CHANGED, who).await?;
    }
    Ok(())
}

/// One pass of the `labels.reconcile` job: queue printed labels whose
/// asset no longer matches them (a location renamed or moved, or writes
/// made while the plugin was off). Idempotent, so it is safe on several
/// instances at once. Returns how many it queued.
pub async fn reconcile(db: &Db) -> Result<u64, ServiceError> {
    let mut db = db.clone();
    let mut queued = 0;
    for id in db::outdated_unqueued(&mut db, 1000).await? {
        match db::enqueue(&mut db, id, reason::CHANGED, None).await {
            Ok(added) => queued += u64::from(added),
            // Deleted meanwhile: nothing to print.
            Err(DbError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(queued)
}
