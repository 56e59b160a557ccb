//! The labels plugin's repository: its own tables (`labels_templates`,
//! `labels_queue`, `labels_printed`) and the reads of core tables it needs
//! (assets by id or tag, with the core `assets::select`). It writes only
//! its own tables.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, ExprTrait, Iden, JoinType, OnConflict, Order, Query, SelectStatement};

use super::template::{Fields, Sheet, Template, TemplateSpec};
use crate::db::queries::assets::{self, AssetRow, Assets};
use crate::db::queries::now_ts;
use crate::db::{DbError, Exec, Row};
use crate::domain::inventory::AssetId;

#[derive(Iden, Clone, Copy)]
pub enum LabelsTemplates {
    Table,
    Id,
    Key,
    Name,
    Builtin,
    #[iden = "width_mm"]
    WidthMm,
    #[iden = "height_mm"]
    HeightMm,
    #[iden = "page_width_mm"]
    PageWidthMm,
    #[iden = "page_height_mm"]
    PageHeightMm,
    SheetColumns,
    SheetRows,
    #[iden = "margin_top_mm"]
    MarginTopMm,
    #[iden = "margin_left_mm"]
    MarginLeftMm,
    #[iden = "gap_x_mm"]
    GapXMm,
    #[iden = "gap_y_mm"]
    GapYMm,
    ShowTag,
    ShowName,
    ShowLocation,
    ShowQr,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum LabelsQueue {
    Table,
    AssetId,
    Reason,
    QueuedAt,
    QueuedBy,
}

#[derive(Iden, Clone, Copy)]
pub enum LabelsPrinted {
    Table,
    AssetId,
    TemplateKey,
    Tag,
    Name,
    LocationPath,
    PrintedAt,
    PrintedBy,
}

use LabelsTemplates as T;

const TEMPLATE_COLUMNS: [LabelsTemplates; 21] = [
    T::Id,
    T::Key,
    T::Name,
    T::Builtin,
    T::WidthMm,
    T::HeightMm,
    T::PageWidthMm,
    T::PageHeightMm,
    T::SheetColumns,
    T::SheetRows,
    T::MarginTopMm,
    T::MarginLeftMm,
    T::GapXMm,
    T::GapYMm,
    T::ShowTag,
    T::ShowName,
    T::ShowLocation,
    T::ShowQr,
    T::Version,
    T::CreatedAt,
    T::UpdatedAt,
];

fn select_templates() -> SelectStatement {
    Query::select()
        .columns(TEMPLATE_COLUMNS)
        .from(T::Table)
        .to_owned()
}

fn decode_template(r: &Row) -> Result<Template, DbError> {
    let count = |c: &str| -> Result<u32, DbError> {
        u32::try_from(r.get::<i64>(c)?)
            .map_err(|_| DbError::Other(format!("labels_templates.{c} is negative")))
    };
    let page = (
        r.get::<Option<f64>>("page_width_mm")?,
        r.get::<Option<f64>>("page_height_mm")?,
    );
    let sheet = match page {
        (Some(page_width_mm), Some(page_height_mm)) => Some(Sheet {
            page_width_mm,
            page_height_mm,
            columns: count("sheet_columns")?,
            rows: count("sheet_rows")?,
            margin_top_mm: r.get("margin_top_mm")?,
            margin_left_mm: r.get("margin_left_mm")?,
            gap_x_mm: r.get("gap_x_mm")?,
            gap_y_mm: r.get("gap_y_mm")?,
        }),
        _ => None,
    };
    Ok(Template {
        id: r.get("id")?,
        builtin: r.get("builtin")?,
        spec: TemplateSpec {
            key: r.get("key")?,
            name: r.get("name")?,
            width_mm: r.get("width_mm")?,
            height_mm: r.get("height_mm")?,
            sheet,
            fields: Fields {
                tag: r.get("show_tag")?,
                name: r.get("show_name")?,
                location: r.get("show_location")?,
                qr: r.get("show_qr")?,
            },
        },
        version: r.get("version")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// Presets first, then the site's own; each in creation order.
pub async fn list_templates(e: &mut impl Exec) -> Result<Vec<Template>, DbError> {
    let stmt = select_templates()
        .order_by(T::Builtin, Order::Desc)
        .order_by(T::Id, Order::Asc)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode_template).collect()
}

pub async fn find_template(e: &mut impl Exec, id: i64) -> Result<Option<Template>, DbError> {
    let stmt = select_templates().and_where(Expr::col(T::Id).eq(id)).to_owned();
    e.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(decode_template)
        .transpose()
}

/// Keys are stored lower case.
pub async fn find_template_by_key(e: &mut impl Exec, key: &str) -> Result<Option<Template>, DbError> {
    let stmt = select_templates()
        .and_where(Expr::col(T::Key).eq(key.to_ascii_lowercase()))
        .to_owned();
    e.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(decode_template)
        .transpose()
}

/// The written columns (all but id, builtin, version and stamps) in order.
fn spec_values(s: &TemplateSpec) -> Vec<(LabelsTemplates, sea_query::SimpleExpr)> {
    let sheet = s.sheet;
    vec![
        (T::Key, s.key.to_ascii_lowercase().into()),
        (T::Name, s.name.trim().to_owned().into()),
        (T::WidthMm, s.width_mm.into()),
        (T::HeightMm, s.height_mm.into()),
        (T::PageWidthMm, sheet.map(|x| x.page_width_mm).into()),
        (T::PageHeightMm, sheet.map(|x| x.page_height_mm).into()),
        (T::SheetColumns, i64::from(sheet.map_or(1, |x| x.columns)).into()),
        (T::SheetRows, i64::from(sheet.map_or(1, |x| x.rows)).into()),
        (T::MarginTopMm, sheet.map_or(0.0, |x| x.margin_top_mm).into()),
        (T::MarginLeftMm, sheet.map_or(0.0, |x| x.margin_left_mm).into()),
        (T::GapXMm, sheet.map_or(0.0, |x| x.gap_x_mm).into()),
        (T::GapYMm, sheet.map_or(0.0, |x| x.gap_y_mm).into()),
        (T::ShowTag, s.fields.tag.into()),
        (T::ShowName, s.fields.name.into()),
        (T::ShowLocation, s.fields.location.into()),
        (T::ShowQr, s.fields.qr.into()),
    ]
}

/// A new admin-defined template (never builtin). A duplicate key is a
/// `DbError::Conflict`.
pub async fn insert_template(e: &mut impl Exec, s: &TemplateSpec) -> Result<i64, DbError> {
    let now = now_ts();
    let (mut cols, mut vals): (Vec<_>, Vec<_>) = spec_values(s).into_iter().unzip();
    cols.extend([T::Builtin, T::Version, T::CreatedAt, T::UpdatedAt]);
    vals.extend([false.into(), 1i64.into(), now.clone().into(), now.into()]);
    let stmt = Query::insert()
        .into_table(T::Table)
        .columns(cols)
        .values_panic(vals)
        .to_owned();
    Ok(e.execute(&stmt).await?.last_insert_id)
}

/// Writes `s` over template `id` if it is still at `version` (and not a
/// preset); false when someone else wrote first.
pub async fn update_template(
    e: &mut impl Exec,
    id: i64,
    version: i64,
    s: &TemplateSpec,
) -> Result<bool, DbError> {
    let mut stmt = Query::update();
    stmt.table(T::Table);
    for (c, v) in spec_values(s) {
        stmt.value(c, v);
    }
    stmt.value(T::Version, version + 1)
        .value(T::UpdatedAt, now_ts())
        .and_where(Expr::col(T::Id).eq(id))
        .and_where(Expr::col(T::Version).eq(version))
        .and_where(Expr::col(T::Builtin).eq(false));
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

pub async fn delete_template(e: &mut impl Exec, id: i64) -> Result<bool, DbError> {
    let stmt = Query::delete()
        .from_table(T::Table)
        .and_where(Expr::col(T::Id).eq(id))
        .and_where(Expr::col(T::Builtin).eq(false))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

/// A queue entry with what the list shows of its asset.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub asset_id: AssetId,
    pub tag: String,
    pub name: String,
    pub location_path: Option<String>,
    pub reason: String,
    pub queued_at: DateTime<Utc>,
    pub queued_by: Option<String>,
}

/// Queues an asset. An asset already queued keeps its entry (and reason).
pub async fn enqueue(
    e: &mut impl Exec,
    asset: AssetId,
    reason: &str,
    by: Option<&str>,
) -> Result<bool, DbError> {
    use LabelsQueue as Q;
    let stmt = Query::insert()
        .into_table(Q::Table)
        .columns([Q::AssetId, Q::Reason, Q::QueuedAt, Q::QueuedBy])
        .values_panic([
            asset.0.into(),
            reason.into(),
            now_ts().into(),
            by.map(str::to_owned).into(),
        ])
        .on_conflict(
            OnConflict::column(Q::AssetId)
                .do_nothing_on([Q::AssetId])
                .to_owned(),
        )
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

pub async fn is_queued(
    e: &mut impl Exec,
    asset: AssetId,
) -> Result<Option<(String, DateTime<Utc>, Option<String>)>, DbError> {
    use LabelsQueue as Q;
    let stmt = Query::select()
        .columns([Q::Reason, Q::QueuedAt, Q::QueuedBy])
        .from(Q::Table)
        .and_where(Expr::col(Q::AssetId).eq(asset.0))
        .to_owned();
    match e.fetch_optional(&stmt).await? {
        Some(r) => Ok(Some((r.get("reason")?, r.get("queued_at")?, r.get("queued_by")?))),
        None => Ok(None),
    }
}

pub async fn dequeue(e: &mut impl Exec, ids: &[AssetId]) -> Result<u64, DbError> {
    use LabelsQueue as Q;
    if ids.is_empty() {
        return Ok(0);
    }
    let stmt = Query::delete()
        .from_table(Q::Table)
        .and_where(Expr::col(Q::AssetId).is_in(ids.iter().map(|a| a.0)))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected)
}

fn queue_select() -> SelectStatement {
    use LabelsQueue as Q;
    let l = Alias::new("l");
    Query::select()
        .columns([
            (Q::Table, Q::AssetId),
            (Q::Table, Q::Reason),
            (Q::Table, Q::QueuedAt),
            (Q::Table, Q::QueuedBy),
        ])
        .columns([(Assets::Table, Assets::Tag), (Assets::Table, Assets::Name)])
        .expr_as(Expr::col((l.clone(), Alias::new("path"))), "location_path")
        .from(Q::Table)
        .join(
            JoinType::InnerJoin,
            Assets::Table,
            Expr::col((Assets::Table, Assets::Id)).equals((Q::Table, Q::AssetId)),
        )
        .join_as(
            JoinType::LeftJoin,
            Alias::new("locations"),
            l.clone(),
            Expr::col((l, Alias::new("id"))).equals((Assets::Table, Assets::LocationId)),
        )
        .to_owned()
}

/// Oldest first.
pub async fn queue_page(e: &mut impl Exec, limit: u64, offset: u64) -> Result<Vec<QueueItem>, DbError> {
    use LabelsQueue as Q;
    let stmt = queue_select()
        .order_by((Q::Table, Q::QueuedAt), Order::Asc)
        .order_by((Q::Table, Q::AssetId), Order::Asc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(QueueItem {
                asset_id: AssetId(r.get("asset_id")?),
                tag: r.get("tag")?,
                name: r.get("name")?,
                location_path: r.get("location_path")?,
                reason: r.get("reason")?,
                queued_at: r.get("queued_at")?,
                queued_by: r.get("queued_by")?,
            })
        })
        .collect()
}

pub async fn queue_count(e: &mut impl Exec) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr_as(Expr::col(LabelsQueue::AssetId).count(), "n")
        .from(LabelsQueue::Table)
        .to_owned();
    Ok(e.fetch_optional(&stmt)
        .await?
        .map(|r| r.get::<i64>("n"))
        .transpose()?
        .unwrap_or(0))
}

/// What the asset's current label says.
#[derive(Debug, Clone)]
pub struct Printed {
    pub template_key: String,
    pub tag: String,
    pub name: String,
    pub location_path: Option<String>,
    pub printed_at: DateTime<Utc>,
    pub printed_by: Option<String>,
}

pub async fn printed(e: &mut impl Exec, asset: AssetId) -> Result<Option<Printed>, DbError> {
    use LabelsPrinted as P;
    let stmt = Query::select()
        .columns([
            P::TemplateKey,
            P::Tag,
            P::Name,
            P::LocationPath,
            P::PrintedAt,
            P::PrintedBy,
        ])
        .from(P::Table)
        .and_where(Expr::col(P::AssetId).eq(asset.0))
        .to_owned();
    match e.fetch_optional(&stmt).await? {
        Some(r) => Ok(Some(Printed {
            template_key: r.get("template_key")?,
            tag: r.get("tag")?,
            name: r.get("name")?,
            location_path: r.get("location_path")?,
            printed_at: r.get("printed_at")?,
            printed_by: r.get("printed_by")?,
        })),
        None => Ok(None),
    }
}

/// Records what was printed for `a` (replacing the previous record).
pub async fn record_printed(
    e: &mut impl Exec,
    a: &AssetRow,
    template_key: &str,
    by: &str,
) -> Result<(), DbError> {
    use LabelsPrinted as P;
    let stmt = Query::insert()
        .into_table(P::Table)
        .columns([
            P::AssetId,
            P::TemplateKey,
            P::Tag,
            P::Name,
            P::LocationPath,
            P::PrintedAt,
            P::PrintedBy,
        ])
        .values_panic([
            a.id.0.into(),
            template_key.into(),
            a.fields.tag.clone().into(),
            a.fields.name.clone().into(),
            a.location_path.clone().into(),
            now_ts().into(),
            by.into(),
        ])
        .on_conflict(
            OnConflict::column(P::AssetId)
                .update_columns([
                    P::TemplateKey,
                    P::Tag,
                    P::Name,
                    P::LocationPath,
                    P::PrintedAt,
                    P::PrintedBy,
                ])
                .to_owned(),
        )
        .to_owned();
    e.execute(&stmt).await?;
    Ok(())
}

/// Printed assets not in the queue whose tag, name or location path
/// differs from their label (at most `limit`).
pub async fn outdated_unqueued(e: &mut impl Exec, limit: u64) -> Result<Vec<AssetId>, DbError> {
    use LabelsPrinted as P;
    use LabelsQueue as Q;
    let l = Alias::new("l");
    let current_path = Expr::col((l.clone(), Alias::new("path"))).if_null("");
    let stmt = Query::select()
        .column((P::Table, P::AssetId))
        .from(P::Table)
        .join(
            JoinType::InnerJoin,
            Assets::Table,
            Expr::col((Assets::Table, Assets::Id)).equals((P::Table, P::AssetId)),
        )
        .join_as(
            JoinType::LeftJoin,
            Alias::new("locations"),
            l.clone(),
            Expr::col((l, Alias::new("id"))).equals((Assets::Table, Assets::LocationId)),
        )
        .join(
            JoinType::LeftJoin,
            Q::Table,
            Expr::col((Q::Table, Q::AssetId)).equals((P::Table, P::AssetId)),
        )
        .and_where(Expr::col((Q::Table, Q::AssetId)).is_null())
        .cond_where(
            sea_query::Cond::any()
                .add(Expr::col((P::Table, P::Tag)).ne(Expr::col((Assets::Table, Assets::Tag))))
                .add(Expr::col((P::Table, P::Name)).ne(Expr::col((Assets::Table, Assets::Name))))
                .add(
                    Expr::col((P::Table, P::LocationPath))
                        .if_null("")
                        .ne(current_path),
                ),
        )
        .order_by((P::Table, P::AssetId), Order::Asc)
        .limit(limit)
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok(AssetId(r.get("asset_id")?)))
        .collect()
}

/// Assets by id, in no particular order.
pub async fn assets_by_ids(e: &mut impl Exec, ids: &[i64]) -> Result<Vec<AssetRow>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = assets::select()
        .and_where(Expr::col((Assets::Table, Assets::Id)).is_in(ids.iter().copied()))
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(assets::decode).collect()
}

/// Assets by tag (tags are stored upper case), in no particular order.
pub async fn assets_by_tags(e: &mut impl Exec, tags: &[String]) -> Result<Vec<AssetRow>, DbError> {
    if tags.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = assets::select()
        .and_where(Expr::col((Assets::Table, Assets::Tag)).is_in(tags.iter().cloned()))
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(assets::decode).collect()
}

/// The queued assets, oldest entry first (at most `limit`).
pub async fn queued_assets(e: &mut impl Exec, limit: u64) -> Result<Vec<AssetRow>, DbError> {
    use LabelsQueue as Q;
    let stmt = assets::select()
        .join(
            JoinType::InnerJoin,
            Q::Table,
            Expr::col((Q::Table, Q::AssetId)).equals((Assets::Table, Assets::Id)),
        )
        .order_by((Q::Table, Q::QueuedAt), Order::Asc)
        .order_by((Q::Table, Q::AssetId), Order::Asc)
        .limit(limit)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(assets::decode).collect()
}
