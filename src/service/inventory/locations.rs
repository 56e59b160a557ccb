//! Locations: the tree of sites, buildings, halls, lines, cells and
//! stations. Every write runs in one transaction together with its
//! change-log entry; a move or rename re-roots the whole subtree in it.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::ExpectedVersion;
use super::history::{self, action, diff, entity, snapshot};
use crate::db::Tx;
use crate::db::queries::changes::NewChange;
use crate::db::queries::locations::{
    self as q, CountedLocation, Filter, LocationFields, LocationRow, Placement,
};
use crate::domain::Role;
use crate::domain::inventory::{LocationId, LocationKind};
use crate::service::auth::principal::{Principal, RequestCtx};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

pub const NAME_MAX: usize = 200;
pub const NOTES_MAX: usize = 4000;
/// Floor-plan coordinates beyond this are typos, not plans.
pub const COORD_MAX: f64 = 1e9;
/// How deep the tree may nest; keeps the lineage within its column.
pub const MAX_LEVELS: i32 = 24;
/// How many names (or asset tags) a refused delete lists.
const SAMPLE: usize = 3;

fn not_found(id: LocationId) -> ServiceError {
    ServiceError::NotFound(format!("location {id}"))
}

// ---- input rules -------------------------------------------------------

fn check_name(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let name = raw.trim();
    let problem = if name.is_empty() {
        Some("must not be empty".to_owned())
    } else if name.chars().count() > NAME_MAX {
        Some(format!("must be at most {NAME_MAX} characters"))
    } else if name.contains('/') {
        Some("must not contain `/` (it separates the levels of a path)".to_owned())
    } else if name.chars().any(char::is_control) {
        Some("must not contain control characters (line breaks, tabs)".to_owned())
    } else {
        None
    };
    match problem {
        Some(m) => {
            errors.push(FieldError::new("name", m));
            None
        }
        None => Some(name.to_owned()),
    }
}

fn parse_kind(raw: &str, errors: &mut Vec<FieldError>) -> Option<LocationKind> {
    raw.trim()
        .parse()
        .map_err(|e: String| errors.push(FieldError::new("kind", e)))
        .ok()
}

fn check_coord(field: &str, v: Option<f64>, errors: &mut Vec<FieldError>) {
    if let Some(v) = v
        && !(v.is_finite() && v.abs() <= COORD_MAX)
    {
        errors.push(FieldError::new(
            field,
            format!("must be a number between -{COORD_MAX:e} and {COORD_MAX:e}"),
        ));
    }
}

/// Blank notes are no notes.
fn check_notes(notes: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let notes = notes.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())?;
    if notes.chars().count() > NOTES_MAX {
        errors.push(FieldError::new(
            "notes",
            format!("must be at most {NOTES_MAX} characters"),
        ));
    }
    Some(notes)
}

fn parent_error(message: impl Into<String>) -> FieldError {
    FieldError::new("parent_id", message)
}

/// The parent a write names, locked for the rest of the transaction.
async fn load_parent(tx: &mut Tx, id: LocationId) -> Result<Result<LocationRow, FieldError>, ServiceError> {
    Ok(q::find_for_update(tx, id)
        .await?
        .ok_or_else(|| parent_error(format!("there is no location {id}"))))
}

fn depth_error() -> FieldError {
    parent_error(format!("too deep: locations nest at most {MAX_LEVELS} levels"))
}

/// Sibling names are unique, ignoring case (MySQL's collation would
/// ignore it, SQLite's would not: deciding here keeps both the same).
async fn check_unique_name(
    tx: &mut Tx,
    parent: Option<&LocationRow>,
    name: &str,
    except: Option<LocationId>,
) -> Result<(), ServiceError> {
    let wanted = name.to_lowercase();
    let siblings = q::children(tx, parent.map(|p| p.id), true).await?;
    let Some(taken) = siblings
        .iter()
        .find(|s| Some(s.id) != except && s.name().to_lowercase() == wanted)
    else {
        return Ok(());
    };
    let place = match parent {
        Some(p) => format!("in {}", p.path()),
        None => "at the top level".to_owned(),
    };
    Err(ServiceError::ConflictWith(
        format!(
            "a location named `{}` already exists {place} (id {}); sibling names must differ (ignoring case)",
            taken.name(),
            taken.id
        ),
        vec![FieldError::new(
            "name",
            format!("`{}` already exists {place}", taken.name()),
        )],
    ))
}

/// What the change log records of a location.
fn flat(r: &LocationRow) -> Map<String, Value> {
    let f = &r.fields;
    let mut m = Map::new();
    m.insert("name".into(), f.name.clone().into());
    m.insert("kind".into(), f.kind.as_str().into());
    m.insert("parent_id".into(), f.parent_id.map(|p| p.0).into());
    m.insert("path".into(), r.path().into());
    m.insert("floor_x".into(), f.floor_x.into());
    m.insert("floor_y".into(), f.floor_y.into());
    m.insert("notes".into(), f.notes.clone().into());
    m
}

async fn record(
    tx: &mut Tx,
    who: &Principal,
    ctx: &RequestCtx,
    row: &LocationRow,
    action: &'static str,
    changes: Map<String, Value>,
    reverts: Option<i64>,
) -> Result<(), ServiceError> {
    let change = NewChange {
        entity: entity::LOCATION,
        entity_id: row.id.0,
        action,
        summary: row.path().to_owned(),
        changes,
        reverts_id: reverts,
        ..NewChange::default()
    };
    history::record(tx, who, ctx, change).await.map(|_| ())
}

async fn reread(tx: &mut Tx, id: LocationId) -> Result<CountedLocation, ServiceError> {
    q::find_counted(tx, id)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("location {id} vanished inside its transaction")))
}

// ---- reads -------------------------------------------------------------

/// Narrowing of the flat list, as received.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub parent_id: Option<i64>,
    pub kind: Option<String>,
    pub q: Option<String>,
}

pub struct Page {
    pub items: Vec<CountedLocation>,
    pub total: i64,
}

/// The flat list, by path. Two statements whatever the page size.
pub async fn list(
    state: &AppState,
    who: &Principal,
    lq: ListQuery,
    limit: u64,
    offset: u64,
) -> Result<Page, ServiceError> {
    who.require(Role::Viewer)?;
    let mut errors = Vec::new();
    let kind = match lq.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => parse_kind(k, &mut errors),
        None => None,
    };
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let filter = Filter {
        parent_id: lq.parent_id.map(LocationId),
        kind,
        q: lq.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    let mut db = state.db.clone();
    let items = q::list(&mut db, &filter, limit, offset).await?;
    let total = q::count(&mut db, &filter).await?;
    Ok(Page { items, total })
}

pub async fn get(state: &AppState, who: &Principal, id: LocationId) -> Result<CountedLocation, ServiceError> {
    who.require(Role::Viewer)?;
    q::find_counted(&mut state.db.clone(), id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// A node of the tree view with its asset counts.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    pub row: LocationRow,
    /// Assets directly in this location.
    pub asset_count: i64,
    /// Assets in this location and everywhere below it.
    pub total_asset_count: i64,
    pub children: Vec<TreeNode>,
}

pub struct Tree {
    pub roots: Vec<TreeNode>,
    pub location_count: usize,
}

/// The whole tree: one statement for the locations, one for the asset
/// counts, whatever the tree's size.
pub async fn tree(state: &AppState, who: &Principal) -> Result<Tree, ServiceError> {
    who.require(Role::Viewer)?;
    let mut db = state.db.clone();
    let rows = q::all(&mut db).await?;
    let counts: HashMap<LocationId, i64> = q::asset_counts(&mut db).await?.into_iter().collect();
    let location_count = rows.len();
    Ok(Tree {
        roots: build_tree(rows, &counts),
        location_count,
    })
}

/// Nests rows under their parents (children by name, ignoring case) and
/// sums asset counts up the tree.
pub fn build_tree(rows: Vec<LocationRow>, counts: &HashMap<LocationId, i64>) -> Vec<TreeNode> {
    let mut by_parent: HashMap<Option<LocationId>, Vec<LocationRow>> = HashMap::new();
    for r in rows {
        by_parent.entry(r.fields.parent_id).or_default().push(r);
    }
    // Recursion depth is bounded by MAX_LEVELS.
    fn build(
        parent: Option<LocationId>,
        by_parent: &mut HashMap<Option<LocationId>, Vec<LocationRow>>,
        counts: &HashMap<LocationId, i64>,
    ) -> Vec<TreeNode> {
        let mut rows = by_parent.remove(&parent).unwrap_or_default();
        rows.sort_by_cached_key(|r| (r.name().to_lowercase(), r.id));
        rows.into_iter()
            .map(|row| {
                let children = build(Some(row.id), by_parent, counts);
                let asset_count = counts.get(&row.id).copied().unwrap_or(0);
                let below: i64 = children.iter().map(|c| c.total_asset_count).sum();
                TreeNode {
                    row,
                    asset_count,
                    total_asset_count: asset_count + below,
                    children,
                }
            })
            .collect()
    }
    build(None, &mut by_parent, counts)
}

// ---- writes ------------------------------------------------------------

/// A new location, as received.
#[derive(Debug, Clone, Default)]
pub struct NewLocation {
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub floor_x: Option<f64>,
    pub floor_y: Option<f64>,
    pub notes: Option<String>,
}

pub async fn create(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    n: NewLocation,
) -> Result<CountedLocation, ServiceError> {
    who.require(Role::Editor)?;
    let mut tx = state.db.begin().await?;
    let created = create_in(&mut tx, ctx, who, n, None, None).await?;
    tx.commit().await?;
    Ok(created)
}

/// The creation inside a transaction. `id` recreates a deleted location
/// under its old id, `reverts` names the change that deleted it (a revert).
pub(crate) async fn create_in(
    tx: &mut Tx,
    ctx: &RequestCtx,
    who: &Principal,
    n: NewLocation,
    id: Option<LocationId>,
    reverts: Option<i64>,
) -> Result<CountedLocation, ServiceError> {
    let mut errors = Vec::new();
    let name = check_name(&n.name, &mut errors);
    let kind = parse_kind(&n.kind, &mut errors);
    check_coord("floor_x", n.floor_x, &mut errors);
    check_coord("floor_y", n.floor_y, &mut errors);
    let notes = check_notes(n.notes, &mut errors);
    let parent_id = n.parent_id.map(LocationId);

    let parent = match parent_id {
        Some(p) => match load_parent(tx, p).await? {
            Ok(row) if row.placement.depth + 1 >= MAX_LEVELS => {
                errors.push(depth_error());
                None
            }
            Ok(row) => Some(row),
            Err(e) => {
                errors.push(e);
                None
            }
        },
        None => None,
    };
    let (Some(name), Some(kind), true) = (name, kind, errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    let fields = LocationFields {
        name,
        kind,
        parent_id,
        floor_x: n.floor_x,
        floor_y: n.floor_y,
        notes,
    };
    check_unique_name(tx, parent.as_ref(), &fields.name, None).await?;
    let id = q::insert(tx, &fields, parent.as_ref(), id).await?;
    let created = reread(tx, id).await?;
    record(
        tx,
        who,
        ctx,
        &created.row,
        action::CREATE,
        snapshot(&flat(&created.row), true),
        reverts,
    )
    .await?;
    Ok(created)
}

impl NewLocation {
    /// A deleted location as its change recorded it (a revert); the rules
    /// are checked again when it is created.
    pub(crate) fn from_values(v: &Map<String, Value>) -> Self {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Self {
            name: text("name").unwrap_or_default(),
            kind: text("kind").unwrap_or_default(),
            parent_id: v.get("parent_id").and_then(Value::as_i64),
            floor_x: v.get("floor_x").and_then(Value::as_f64),
            floor_y: v.get("floor_y").and_then(Value::as_f64),
            notes: text("notes"),
        }
    }
}

/// A partial update, as received: `None` leaves a field alone,
/// `Some(None)` clears it (for `parent_id`: makes the node a root).
#[derive(Debug, Clone, Default)]
pub struct LocationPatch {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub parent_id: Option<Option<i64>>,
    pub floor_x: Option<Option<f64>>,
    pub floor_y: Option<Option<f64>>,
    pub notes: Option<Option<String>>,
    /// The `If-Match` header, if sent.
    pub if_match: Option<String>,
    /// The `version` body field, if sent.
    pub version: Option<i64>,
}

/// Renames, re-kinds, re-notes and moves a location. A move (or rename)
/// rewrites the lineage, path and depth of the whole subtree in the same
/// transaction; moving a node under itself or a descendant is refused.
pub async fn update(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    id: LocationId,
    p: LocationPatch,
) -> Result<CountedLocation, ServiceError> {
    who.require(Role::Editor)?;
    let mut errors = Vec::new();
    let name = p.name.as_deref().map(|n| check_name(n, &mut errors));
    let kind = p.kind.as_deref().map(|k| parse_kind(k, &mut errors));
    check_coord("floor_x", p.floor_x.flatten(), &mut errors);
    check_coord("floor_y", p.floor_y.flatten(), &mut errors);
    let notes = p.notes.map(|n| check_notes(n, &mut errors));
    let expected = match ExpectedVersion::from_request(p.if_match.as_deref(), p.version) {
        Ok(v) => Some(v),
        Err(ServiceError::Validation(e)) => {
            errors.extend(e);
            None
        }
        Err(other) if errors.is_empty() => return Err(other),
        Err(_) => None,
    };
    let (Some(expected), true) = (expected, errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    let checked = CheckedPatch {
        name: name.flatten(),
        kind: kind.flatten(),
        parent_id: p.parent_id,
        floor_x: p.floor_x,
        floor_y: p.floor_y,
        notes,
    };
    let mut tx = state.db.begin().await?;
    let updated = update_in(&mut tx, ctx, who, id, expected, checked, None).await?;
    tx.commit().await?;
    Ok(updated)
}

/// A patch whose values passed their own rules.
pub(crate) struct CheckedPatch {
    pub name: Option<String>,
    pub kind: Option<LocationKind>,
    pub parent_id: Option<Option<i64>>,
    pub floor_x: Option<Option<f64>>,
    pub floor_y: Option<Option<f64>>,
    pub notes: Option<Option<String>>,
}

impl CheckedPatch {
    /// Puts back recorded values (a revert): the rules are checked again.
    pub(crate) fn from_values(v: &Map<String, Value>) -> Result<Self, ServiceError> {
        let mut errors = Vec::new();
        let text = |k: &str| v.get(k).map(|x| x.as_str().map(str::to_owned));
        let num = |k: &str| v.get(k).map(Value::as_f64);
        let p = Self {
            name: text("name").flatten().and_then(|n| check_name(&n, &mut errors)),
            kind: text("kind").flatten().and_then(|k| parse_kind(&k, &mut errors)),
            parent_id: v.get("parent_id").map(Value::as_i64),
            floor_x: num("floor_x"),
            floor_y: num("floor_y"),
            notes: text("notes").map(|n| check_notes(n, &mut errors)),
        };
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(ServiceError::Validation(errors))
        }
    }
}

/// The update inside a transaction (also what a revert runs).
pub(crate) async fn update_in(
    tx: &mut Tx,
    ctx: &RequestCtx,
    who: &Principal,
    id: LocationId,
    expected: ExpectedVersion,
    p: CheckedPatch,
    reverts: Option<i64>,
) -> Result<CountedLocation, ServiceError> {
    let current = q::find_for_update(tx, id).await?.ok_or_else(|| not_found(id))?;
    expected.check(current.version)?;

    let cur = &current.fields;
    let fields = LocationFields {
        name: p.name.unwrap_or_else(|| cur.name.clone()),
        kind: p.kind.unwrap_or(cur.kind),
        parent_id: match p.parent_id {
            Some(pid) => pid.map(LocationId),
            None => cur.parent_id,
        },
        floor_x: p.floor_x.unwrap_or(cur.floor_x),
        floor_y: p.floor_y.unwrap_or(cur.floor_y),
        notes: p.notes.unwrap_or_else(|| cur.notes.clone()),
    };
    let moved = fields.parent_id != cur.parent_id;
    let parent = match fields.parent_id {
        None => None,
        Some(pid) if !moved => Some(q::find(tx, pid).await?.ok_or_else(|| {
            ServiceError::Internal(format!("location {id} has a parent {pid} that does not exist"))
        })?),
        Some(pid) => {
            let parent = load_parent(tx, pid)
                .await?
                .map_err(|e| ServiceError::Validation(vec![e]))?;
            check_move(tx, &current, &parent).await?;
            Some(parent)
        }
    };
    if moved || fields.name != cur.name {
        check_unique_name(tx, parent.as_ref(), &fields.name, Some(id)).await?;
    }
    let placement = Placement::under(parent.as_ref(), id, &fields.name);
    if fields == current.fields && placement == current.placement {
        // Nothing to change: no new version, no history entry.
        return reread(tx, id).await;
    }
    if !q::update(tx, id, current.version, &fields, &placement).await? {
        // Cannot happen under the row lock, but never overwrite silently.
        let now = q::find(tx, id).await?.map_or(current.version, |r| r.version);
        return Err(expected.stale(now));
    }
    if placement.path != current.placement.path || placement.lineage != current.placement.lineage {
        q::rewrite_subtree(tx, &current.placement, &placement).await?;
    }
    let updated = reread(tx, id).await?;
    record(
        tx,
        who,
        ctx,
        &updated.row,
        action::UPDATE,
        diff(&flat(&current), &flat(&updated.row)),
        reverts,
    )
    .await?;
    Ok(updated)
}

/// What the change log recorded for a location, to compare with now.
pub(crate) async fn flat_of(
    tx: &mut Tx,
    id: LocationId,
) -> Result<Option<(Map<String, Value>, i64)>, ServiceError> {
    Ok(q::find(tx, id).await?.map(|r| (flat(&r), r.version)))
}

/// Refuses a move under the node itself or its own subtree, and one that
/// would nest the subtree too deep.
async fn check_move(tx: &mut Tx, node: &LocationRow, parent: &LocationRow) -> Result<(), ServiceError> {
    if node.contains(parent) {
        let what = if parent.id == node.id {
            "itself".to_owned()
        } else {
            format!("its own descendant {}", parent.path())
        };
        return Err(ServiceError::Validation(vec![parent_error(format!(
            "cannot move {} under {what}",
            node.path()
        ))]));
    }
    let deepest = q::subtree_max_depth(tx, node.lineage()).await?;
    let span = deepest - node.placement.depth;
    if parent.placement.depth + 1 + span >= MAX_LEVELS {
        return Err(ServiceError::Validation(vec![depth_error()]));
    }
    Ok(())
}

/// Deletes an empty location. One that still holds locations or assets is
/// refused (409) with a sample of what is inside. `If-Match` is optional.
pub async fn delete(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    id: LocationId,
    if_match: Option<&str>,
) -> Result<(), ServiceError> {
    who.require(Role::Editor)?;
    let expected = match if_match {
        Some(h) => Some(ExpectedVersion::from_request(Some(h), None)?),
        None => None,
    };
    let mut tx = state.db.begin().await?;
    delete_in(&mut tx, ctx, who, id, expected, None).await?;
    tx.commit().await?;
    Ok(())
}

/// The deletion inside a transaction; `reverts` names the change that
/// created the location (a revert).
pub(crate) async fn delete_in(
    tx: &mut Tx,
    ctx: &RequestCtx,
    who: &Principal,
    id: LocationId,
    expected: Option<ExpectedVersion>,
    reverts: Option<i64>,
) -> Result<(), ServiceError> {
    let current = q::find_for_update(tx, id).await?.ok_or_else(|| not_found(id))?;
    if let Some(e) = expected {
        e.check(current.version)?;
    }
    let children = q::children(tx, Some(id), true).await?;
    let (asset_total, tags) = q::assets_in(tx, id, SAMPLE as u64).await?;
    if !children.is_empty() || asset_total > 0 {
        let names: Vec<&str> = children.iter().map(LocationRow::name).collect();
        return Err(ServiceError::Conflict(describe_contents(
            current.name(),
            &names,
            asset_total,
            &tags,
        )));
    }
    if !q::delete(tx, id).await? {
        return Err(not_found(id));
    }
    record(
        tx,
        who,
        ctx,
        &current,
        action::DELETE,
        snapshot(&flat(&current), false),
        reverts,
    )
    .await
}

/// "Hall B still holds 2 locations (Cell 4, Cell 5) and 3 assets (A-1,
/// A-2, A-3); move or delete them first".
pub fn describe_contents(name: &str, children: &[&str], asset_total: i64, tags: &[String]) -> String {
    fn sample(total: usize, shown: &[&str]) -> String {
        let mut s = shown.iter().take(SAMPLE).copied().collect::<Vec<_>>().join(", ");
        let more = total.saturating_sub(SAMPLE.min(shown.len()));
        if more > 0 {
            s.push_str(&format!(", … {more} more"));
        }
        s
    }
    fn counted(n: usize, one: &str, many: &str) -> String {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    }
    let mut parts = Vec::new();
    if !children.is_empty() {
        parts.push(format!(
            "{} ({})",
            counted(children.len(), "location", "locations"),
            sample(children.len(), children)
        ));
    }
    if asset_total > 0 {
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        let n = usize::try_from(asset_total).unwrap_or(usize::MAX);
        parts.push(format!(
            "{} ({})",
            counted(n, "asset", "assets"),
            sample(n, &tags)
        ));
    }
    format!(
        "{name} still holds {}; move or delete them first",
        parts.join(" and ")
    )
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn row(id: i64, parent: Option<i64>, name: &str) -> LocationRow {
        LocationRow {
            id: LocationId(id),
            fields: LocationFields {
                name: name.into(),
                kind: LocationKind::Other,
                parent_id: parent.map(LocationId),
                floor_x: None,
                floor_y: None,
                notes: None,
            },
            placement: Placement {
                lineage: String::new(),
                path: name.into(),
                depth: 0,
            },
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn trees_nest_sort_and_sum_asset_counts() {
        let rows = vec![
            row(1, None, "Plant 1"),
            row(2, Some(1), "hall b"),
            row(3, Some(1), "Hall A"),
            row(4, Some(2), "Cell 4"),
            row(5, None, "Annex"),
        ];
        let counts = HashMap::from([(LocationId(1), 1), (LocationId(2), 2), (LocationId(4), 5)]);
        let roots = build_tree(rows, &counts);
        let names: Vec<&str> = roots.iter().map(|n| n.row.name()).collect();
        assert_eq!(names, ["Annex", "Plant 1"]);
        let plant = &roots[1];
        assert_eq!((plant.asset_count, plant.total_asset_count), (1, 8));
        let halls: Vec<&str> = plant.children.iter().map(|n| n.row.name()).collect();
        assert_eq!(halls, ["Hall A", "hall b"]);
        let hall_b = &plant.children[1];
        assert_eq!((hall_b.asset_count, hall_b.total_asset_count), (2, 7));
        assert_eq!(hall_b.children[0].total_asset_count, 5);
        assert_eq!(roots[0].total_asset_count, 0);
    }

    #[test]
    fn refused_deletes_say_what_is_inside() {
        assert_eq!(
            describe_contents(
                "Hall B",
                &["Cell 4", "Cell 5"],
                3,
                &["A-1".into(), "A-2".into(), "A-3".into()]
            ),
            "Hall B still holds 2 locations (Cell 4, Cell 5) and 3 assets (A-1, A-2, A-3); move or delete them first"
        );
        assert_eq!(
            describe_contents("Line 1", &["S1", "S2", "S3", "S4", "S5"], 0, &[]),
            "Line 1 still holds 5 locations (S1, S2, S3, … 2 more); move or delete them first"
        );
        assert_eq!(
            describe_contents("Cell 4", &[], 1, &["CNC-7".into()]),
            "Cell 4 still holds 1 asset (CNC-7); move or delete them first"
        );
    }

    #[test]
    fn input_rules() {
        let mut e = Vec::new();
        assert_eq!(check_name("  Hall B ", &mut e).as_deref(), Some("Hall B"));
        assert!(check_name("   ", &mut e).is_none());
        assert!(check_name("A/B", &mut e).is_none());
        assert!(check_name(&"x".repeat(201), &mut e).is_none());
        assert!(check_name("Line\n2", &mut e).is_none());
        assert_eq!(e.len(), 4);
        assert!(e.iter().all(|f| f.field == "name"));
        e.clear();
        check_coord("floor_x", Some(f64::NAN), &mut e);
        check_coord("floor_y", Some(2e9), &mut e);
        check_coord("floor_y", Some(-12.5), &mut e);
        assert_eq!(e.len(), 2);
        e.clear();
        assert_eq!(check_notes(Some("  ".into()), &mut e), None);
        check_notes(Some("n".repeat(4001)), &mut e);
        assert_eq!(e[0].field, "notes");
        let mut e = Vec::new();
        assert!(parse_kind("palace", &mut e).is_none());
        assert!(e[0].message.contains("site, building"), "{}", e[0].message);
    }
}
