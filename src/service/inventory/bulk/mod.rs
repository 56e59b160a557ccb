//! Bulk upserts: many assets in one request, matched by tag. An unknown
//! tag creates an asset, a known one gets the properties present in its
//! item. The JSON bulk endpoint, CSV imports and the demo site all come
//! through here, and every row goes through the same `validate` as a
//! single write.
//!
//! Work is done in chunks of `CHUNK` items: one statement loads the stored
//! assets of a chunk's tags, types, fields and locations are cached, rows
//! validate in memory, and the writes are multi-row statements. A commit is
//! all or nothing: the first error stops writing, the remaining items are
//! still checked so every error is reported, and the transaction rolls back.

pub mod import;
pub mod mapping;
pub mod table;
mod write;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::assets::AssetPatch;
use super::assets::draft::{AssetDraft, Lookups, TypeSel, ValidAsset, validate};
use super::history;
use crate::db::Exec;
use crate::db::queries::asset_bulk;
use crate::db::queries::assets::{self, AssetRow};
use crate::domain::Role;
use crate::domain::inventory::fields::from_text;
use crate::domain::inventory::{AssetId, AssetTag, FieldId};
use crate::plugins::Plugins;
use crate::service::auth::principal::{Principal, RequestCtx};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

/// Most items in one JSON bulk request.
pub const MAX_ITEMS: usize = 10_000;
/// Items validated and written per round of statements.
const CHUNK: usize = 1000;
/// Errors listed in a result; `error_count` has them all.
pub const MAX_LISTED_ERRORS: usize = 10_000;

/// One item: the tag it is matched by and the properties it sets.
#[derive(Debug, Clone, Default)]
pub struct BulkInput {
    pub tag: String,
    /// When given, the stored asset must be at this version.
    pub version: Option<i64>,
    /// The properties present (`tag` is ignored: the tag is the key).
    pub patch: AssetPatch,
    /// The type by id (the patch carries a type key).
    pub type_id: Option<i64>,
    /// The parent by tag (CSV): `Some(None)` takes it out of its parent.
    /// A parent created by the same request must come before it.
    pub parent_tag: Option<Option<String>>,
    /// Custom fields as text (CSV cells), converted by the row's type's
    /// field kinds; empty text clears the field.
    pub custom_text: Vec<(String, String)>,
    /// Problems found while reading the input (a CSV cell).
    pub errors: Vec<FieldError>,
}

/// How items are named in messages: `items[3]` (JSON) or `row 4` (CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    Items,
    Rows,
}

impl Naming {
    pub fn label(self, index: usize) -> String {
        match self {
            Self::Items => format!("items[{index}]"),
            Self::Rows => format!("row {}", index + 1),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// 0-based position of the item.
    pub index: usize,
    pub tag: Option<String>,
    /// The asset property (`ip`, `custom_fields.rpm`, `parent_id` …).
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct BulkOutcome {
    pub dry_run: bool,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// At most `MAX_LISTED_ERRORS`, in item order.
    pub errors: Vec<ItemError>,
    pub error_count: usize,
}

impl BulkOutcome {
    pub fn failed(&self) -> bool {
        self.error_count > 0
    }
}

/// What a valid item will do.
enum Plan {
    Create {
        valid: ValidAsset,
        /// A parent created earlier in the same chunk: set after insert.
        deferred_parent: Option<String>,
    },
    Update {
        current: Box<AssetRow>,
        valid: ValidAsset,
    },
}

/// Runs the items: with `dry_run` only validates (nothing is written);
/// otherwise writes all of them in one transaction, or none if any fails.
pub async fn run(
    state: &AppState,
    who: &Principal,
    ctx: &RequestCtx,
    items: Vec<BulkInput>,
    dry_run: bool,
    naming: Naming,
) -> Result<BulkOutcome, ServiceError> {
    who.require(Role::Editor)?;
    let mut engine = Engine::new(&state.plugins, who, ctx, naming, dry_run);
    let mut items = items.into_iter();
    let mut base = 0;
    if dry_run {
        let mut db = state.db.clone();
        loop {
            let chunk: Vec<BulkInput> = items.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len();
            engine.check_chunk(&mut db, base, chunk).await?;
            base += n;
            tokio::task::yield_now().await;
        }
        engine.log(base);
        return Ok(engine.out);
    }
    let mut tx = state.db.begin().await?;
    loop {
        let chunk: Vec<BulkInput> = items.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len();
        let plans = engine.check_chunk(&mut tx, base, chunk).await?;
        if !engine.out.failed() {
            engine.write_chunk(&mut tx, plans).await?;
        }
        base += n;
        tokio::task::yield_now().await;
    }
    if !engine.out.failed() {
        let started = Instant::now();
        tx.commit().await?;
        engine.timings.insert += started.elapsed();
        // Thousands of new rows can change which index is selective.
        if base >= CHUNK
            && let Err(e) = state.db.refresh_statistics().await
        {
            tracing::warn!(error = %e, "refreshing the query planner's statistics");
        }
    }
    // Otherwise dropping `tx` rolls everything back.
    engine.log(base);
    Ok(engine.out)
}

/// A valid item waiting for the chunk's uniqueness checks.
struct Candidate {
    index: usize,
    tag: String,
    current: Option<AssetRow>,
    valid: ValidAsset,
    deferred_parent: Option<String>,
}

/// Where a run's time went, for the debug log.
#[derive(Debug, Default)]
struct Timings {
    preload: Duration,
    validate: Duration,
    insert: Duration,
    side_rows: Duration,
    updates: Duration,
    history: Duration,
}

struct Engine<'a> {
    timings: Timings,
    plugins: &'a Plugins,
    who: &'a Principal,
    ctx: &'a RequestCtx,
    naming: Naming,
    lookups: Lookups,
    /// Tag → the first item that named it.
    seen: HashMap<String, usize>,
    /// Tags this request creates (valid or not), for parents by tag.
    created_tags: HashSet<String>,
    /// Unique custom field values claimed by items of this request.
    claims: HashMap<(FieldId, String), usize>,
    out: BulkOutcome,
}

impl<'a> Engine<'a> {
    fn new(
        plugins: &'a Plugins,
        who: &'a Principal,
        ctx: &'a RequestCtx,
        naming: Naming,
        dry_run: bool,
    ) -> Self {
        let mut lookups = Lookups::default();
        lookups.defer_unique();
        Self {
            timings: Timings::default(),
            plugins,
            who,
            ctx,
            naming,
            lookups,
            seen: HashMap::new(),
            created_tags: HashSet::new(),
            claims: HashMap::new(),
            out: BulkOutcome {
                dry_run,
                ..BulkOutcome::default()
            },
        }
    }

    fn log(&self, items: usize) {
        let ms = |d: Duration| d.as_millis();
        let t = &self.timings;
        tracing::debug!(
            items,
            dry_run = self.out.dry_run,
            created = self.out.created,
            updated = self.out.updated,
            unchanged = self.out.unchanged,
            errors = self.out.error_count,
            preload_ms = ms(t.preload),
            validate_ms = ms(t.validate),
            insert_ms = ms(t.insert),
            side_rows_ms = ms(t.side_rows),
            updates_ms = ms(t.updates),
            history_ms = ms(t.history),
            "bulk run"
        );
    }

    fn error(&mut self, index: usize, tag: Option<&str>, e: FieldError) {
        self.out.error_count += 1;
        if self.out.errors.len() < MAX_LISTED_ERRORS {
            self.out.errors.push(ItemError {
                index,
                tag: tag.map(str::to_owned),
                field: e.field,
                message: e.message,
            });
        }
    }

    /// Validates a chunk; returns what its valid items will do. Errors are
    /// collected in `out`.
    async fn check_chunk(
        &mut self,
        e: &mut impl Exec,
        base: usize,
        chunk: Vec<BulkInput>,
    ) -> Result<Vec<Plan>, ServiceError> {
        let started = Instant::now();
        let tags = self.claim_tags(base, &chunk);
        let (mut stored, tag_ids) = self.preload(e, &chunk, &tags).await?;
        self.timings.preload += started.elapsed();
        let started = Instant::now();
        let mut candidates = Vec::with_capacity(chunk.len());
        for (i, (item, tag)) in chunk.into_iter().zip(tags).enumerate() {
            let Some(tag) = tag else { continue };
            let current = stored.remove(&tag);
            if current.is_none() {
                self.created_tags.insert(tag.clone());
            }
            let index = base + i;
            match self.check_item(e, item, &tag, current, &tag_ids).await? {
                Ok((current, valid, deferred_parent)) => candidates.push(Candidate {
                    index,
                    tag,
                    current,
                    valid,
                    deferred_parent,
                }),
                Err(errors) => {
                    for f in errors {
                        self.error(index, Some(&tag), f);
                    }
                }
            }
        }
        let clashes = self.unique_clashes(e, &candidates).await?;
        let mut plans = Vec::with_capacity(candidates.len());
        for c in candidates {
            if let Some(list) = clashes.get(&c.index) {
                for f in list.clone() {
                    self.error(c.index, Some(&c.tag), f);
                }
                continue;
            }
            match c.current {
                None => {
                    self.out.created += 1;
                    plans.push(Plan::Create {
                        valid: c.valid,
                        deferred_parent: c.deferred_parent,
                    });
                }
                Some(current) => {
                    let same = history::diff(&current.fields.to_flat(), &c.valid.fields.to_flat()).is_empty();
                    if same {
                        self.out.unchanged += 1;
                    } else {
                        self.out.updated += 1;
                        // Later items' parent checks see the new parent.
                        self.lookups.note_assets([(current.id, c.valid.fields.parent_id)]);
                        plans.push(Plan::Update {
                            current: Box::new(current),
                            valid: c.valid,
                        });
                    }
                }
            }
        }
        self.timings.validate += started.elapsed();
        Ok(plans)
    }

    /// Parses each item's tag; a tag seen before in this request is an
    /// error on the later item.
    fn claim_tags(&mut self, base: usize, chunk: &[BulkInput]) -> Vec<Option<String>> {
        let mut out = Vec::with_capacity(chunk.len());
        for (i, item) in chunk.iter().enumerate() {
            let index = base + i;
            match AssetTag::parse(&item.tag) {
                Ok(t) => {
                    let t = t.into_string();
                    if let Some(first) = self.seen.get(&t) {
                        let msg = format!(
                            "{t} appears more than once in this request (first at {})",
                            self.naming.label(*first)
                        );
                        self.error(index, Some(&t), FieldError::new("tag", msg));
                        out.push(None);
                    } else {
                        self.seen.insert(t.clone(), index);
                        out.push(Some(t));
                    }
                }
                Err(m) => {
                    let raw = item.tag.trim();
                    self.error(
                        index,
                        Some(raw).filter(|t| !t.is_empty()),
                        FieldError::new("tag", m),
                    );
                    out.push(None);
                }
            }
        }
        out
    }

    /// Loads in a few statements what the chunk's rows refer to: stored
    /// assets with these tags (and parent tags), parents by id, locations.
    async fn preload(
        &mut self,
        e: &mut impl Exec,
        chunk: &[BulkInput],
        tags: &[Option<String>],
    ) -> Result<(HashMap<String, AssetRow>, HashMap<String, AssetId>), ServiceError> {
        let mut want: Vec<String> = tags.iter().flatten().cloned().collect();
        for item in chunk {
            if let Some(Some(p)) = &item.parent_tag
                && let Ok(p) = AssetTag::parse(p)
            {
                want.push(p.into_string());
            }
        }
        want.sort_unstable();
        want.dedup();
        let rows = asset_bulk::find_by_tags(e, &want).await?;
        let tag_ids: HashMap<String, AssetId> = rows.iter().map(|r| (r.fields.tag.clone(), r.id)).collect();
        self.lookups.set_known_tags(tag_ids.clone());
        self.lookups
            .note_assets(rows.iter().map(|r| (r.id, r.fields.parent_id)));

        let parents: Vec<AssetId> = chunk
            .iter()
            .filter_map(|i| i.patch.parent_id.flatten().map(AssetId))
            .collect();
        if !parents.is_empty() {
            let found = asset_bulk::parent_ids(e, &parents).await?;
            self.lookups.note_assets(found);
        }
        let locations: Vec<i64> = chunk
            .iter()
            .filter_map(|i| i.patch.location_id.flatten())
            .collect();
        self.lookups.preload_locations(e, &locations).await?;

        let wanted: HashSet<&String> = tags.iter().flatten().collect();
        let stored = rows
            .into_iter()
            .filter(|r| wanted.contains(&r.fields.tag))
            .map(|r| (r.fields.tag.clone(), r))
            .collect();
        Ok((stored, tag_ids))
    }

    /// Builds one item's draft over the stored asset (if any) and
    /// validates it.
    #[allow(clippy::type_complexity)]
    async fn check_item(
        &mut self,
        e: &mut impl Exec,
        item: BulkInput,
        tag: &str,
        current: Option<AssetRow>,
        tag_ids: &HashMap<String, AssetId>,
    ) -> Result<Result<(Option<AssetRow>, ValidAsset, Option<String>), Vec<FieldError>>, ServiceError> {
        let BulkInput {
            version,
            patch,
            type_id,
            parent_tag,
            custom_text,
            mut errors,
            ..
        } = item;
        match (version, &current) {
            (Some(v), Some(c)) if c.version != v => errors.push(FieldError::new(
                "version",
                format!("is {v}, but {tag} is at version {}; read it again", c.version),
            )),
            (Some(_), None) => errors.push(FieldError::new(
                "version",
                format!("there is no asset {tag} to update; leave `version` out to create it"),
            )),
            _ => {}
        }
        let mut draft = match &current {
            Some(c) => AssetDraft::from_fields(&c.fields),
            None => AssetDraft {
                tag: tag.to_owned(),
                ..AssetDraft::default()
            },
        };
        // As in `createAsset`, a type key wins over a type id.
        let by_key = patch.type_key.is_some();
        patch.apply(&mut draft);
        draft.tag = tag.to_owned();
        if let Some(id) = type_id
            && !by_key
        {
            draft.type_sel = Some(TypeSel::Id(id));
        }
        let mut deferred_parent = None;
        match parent_tag {
            None => {}
            Some(None) => draft.parent_id = None,
            Some(Some(p)) => match AssetTag::parse(&p) {
                Err(m) => errors.push(FieldError::new("parent_id", m)),
                Ok(p) => {
                    let p = p.into_string();
                    if let Some(id) = tag_ids.get(&p) {
                        draft.parent_id = Some(id.0);
                    } else if p == tag {
                        errors.push(FieldError::new("parent_id", "an asset cannot contain itself"));
                    } else if self.created_tags.contains(&p) {
                        draft.parent_id = None;
                        deferred_parent = Some(p);
                    } else {
                        errors.push(FieldError::new(
                            "parent_id",
                            format!(
                                "there is no asset {p} (a parent created by the same import must come before what it contains)"
                            ),
                        ));
                    }
                }
            },
        }
        if !custom_text.is_empty() {
            self.convert_custom(e, &mut draft, custom_text, &mut errors)
                .await?;
        }
        let self_id = current.as_ref().map(|c| c.id);
        match validate(e, &mut self.lookups, &draft, self_id, current.is_none()).await {
            Ok(valid) if errors.is_empty() => Ok(Ok((current, valid, deferred_parent))),
            Ok(_) => Ok(Err(errors)),
            Err(ServiceError::Validation(list)) => {
                errors.extend(list);
                Ok(Err(errors))
            }
            Err(other) => Err(other),
        }
    }

    /// Text cells → values of the kinds the row's type defines.
    async fn convert_custom(
        &mut self,
        e: &mut impl Exec,
        draft: &mut AssetDraft,
        cells: Vec<(String, String)>,
        errors: &mut Vec<FieldError>,
    ) -> Result<(), ServiceError> {
        let t = match &draft.type_sel {
            Some(sel) => self.lookups.type_ref(e, sel).await?,
            None => None,
        };
        let defs = match &t {
            Some(t) => self.lookups.defs(e, t.id).await?,
            None => &[],
        };
        for (key, text) in cells {
            let value = match defs.iter().find(|d| d.key == key) {
                Some(d) => match from_text(d.kind, &text) {
                    Ok(v) => v,
                    Err(m) => {
                        errors.push(FieldError::new(format!("custom_fields.{key}"), m));
                        continue;
                    }
                },
                // Not a field of this type: empty is fine, text is an
                // error `validate` reports with the type's fields.
                None if text.trim().is_empty() => Value::Null,
                None => Value::String(text.trim().to_owned()),
            };
            if value.is_null() {
                draft.custom_fields.remove(&key);
            } else {
                draft.custom_fields.insert(key, value);
            }
        }
        Ok(())
    }

    /// Unique custom field values taken twice in this request, or already
    /// held by another stored asset: item index → errors.
    async fn unique_clashes(
        &mut self,
        e: &mut impl Exec,
        candidates: &[Candidate],
    ) -> Result<HashMap<usize, Vec<FieldError>>, ServiceError> {
        let mut out: HashMap<usize, Vec<FieldError>> = HashMap::new();
        let mut by_field: HashMap<FieldId, Vec<(String, usize, Option<AssetId>)>> = HashMap::new();
        for c in candidates {
            for (field, value, unique) in &c.valid.index.index {
                if !unique {
                    continue;
                }
                let key = self.field_key(e, &c.valid, *field).await?;
                let claim = (*field, assets::unique_key(value));
                match self.claims.get(&claim) {
                    Some(first) if *first != c.index => {
                        out.entry(c.index).or_default().push(FieldError::new(
                            format!("custom_fields.{key}"),
                            format!(
                                "`{value}` is also given to {}; it must be unique within the type",
                                self.naming.label(*first)
                            ),
                        ));
                    }
                    _ => {
                        self.claims.insert(claim, c.index);
                        by_field.entry(*field).or_default().push((
                            value.clone(),
                            c.index,
                            c.current.as_ref().map(|r| r.id),
                        ));
                    }
                }
            }
        }
        for (field, wanted) in by_field {
            let values: Vec<String> = wanted.iter().map(|(v, ..)| v.clone()).collect();
            let holders: HashMap<String, AssetId> = asset_bulk::unique_holders(e, field, &values)
                .await?
                .into_iter()
                .collect();
            for (value, index, me) in wanted {
                if let Some(holder) = holders.get(&assets::unique_key(&value))
                    && Some(*holder) != me
                {
                    let c = candidates.iter().find(|c| c.index == index);
                    let key = match c {
                        Some(c) => self.field_key(e, &c.valid, field).await?,
                        None => field.to_string(),
                    };
                    out.entry(index).or_default().push(FieldError::new(
                        format!("custom_fields.{key}"),
                        format!(
                            "`{value}` is already used by asset {holder}; it must be unique within the type"
                        ),
                    ));
                }
            }
        }
        Ok(out)
    }

    async fn field_key(
        &mut self,
        e: &mut impl Exec,
        v: &ValidAsset,
        field: FieldId,
    ) -> Result<String, ServiceError> {
        let defs = self.lookups.defs(e, v.type_ref.id).await?;
        Ok(defs
            .iter()
            .find(|d| d.id == field)
            .map_or_else(|| field.to_string(), |d| d.key.clone()))
    }
}
