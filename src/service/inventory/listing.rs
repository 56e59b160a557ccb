//! Asset lists, search and export: checked parameters (`params`) resolved
//! against the database into `Criteria`, then a fixed number of
//! statements: lookups for what the filter names (types, a location,
//! custom fields), a count and a page. Exports stream keyset chunks
//! (`export`). The dashboard summary is in `summary`.

pub mod export;
pub mod params;
pub mod summary;

use crate::db::queries::asset_list::{self, Criteria, LocationScope};
use crate::db::queries::assets::AssetRow;
use crate::db::queries::field_defs;
use crate::db::{Db, DbError};
use crate::domain::Role;
use crate::domain::inventory::fields::from_text;
use crate::service::auth::principal::Principal;
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;
use params::{CUSTOM_PREFIX, Filter, ListSpec, MAX_LIMIT};

/// Why a list or export cannot run: bad query parameters (a 400 naming
/// each one), or anything a use case can fail with.
#[derive(Debug)]
pub enum ListError {
    Params(Vec<FieldError>),
    Service(ServiceError),
}

impl From<ServiceError> for ListError {
    fn from(e: ServiceError) -> Self {
        Self::Service(e)
    }
}

impl From<DbError> for ListError {
    fn from(e: DbError) -> Self {
        Self::Service(e.into())
    }
}

pub struct Page {
    pub items: Vec<AssetRow>,
    pub total: i64,
}

/// One page of assets. Statements: a lookup per kind of reference in the
/// filter (type keys, location, custom fields), then count and page (one
/// statement for both when searching, see `page_counted`).
pub async fn list(
    state: &AppState,
    who: &Principal,
    spec: &ListSpec,
    limit: u64,
    offset: u64,
) -> Result<Page, ListError> {
    who.require(Role::Viewer)?;
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ListError::Params(vec![FieldError::new(
            "limit",
            format!("must be 1-{MAX_LIMIT}"),
        )]));
    }
    let mut db = state.db.clone();
    let backend = db.backend();
    let criteria = resolve(&mut db, &spec.filter).await?;
    if criteria.search.is_none() {
        let total = asset_list::count(&mut db, backend, &criteria).await?;
        let items = asset_list::page(&mut db, backend, &criteria, &spec.sort, limit, offset).await?;
        return Ok(Page { items, total });
    }
    // A search reads every match for the page anyway: count in the same
    // statement, unless the page came back empty.
    let (items, counted) =
        asset_list::page_counted(&mut db, backend, &criteria, &spec.sort, limit, offset).await?;
    let total = match counted {
        Some(n) => n,
        None if offset == 0 => 0,
        None => asset_list::count(&mut db, backend, &criteria).await?,
    };
    Ok(Page { items, total })
}

/// Looks up what a filter names. Unknown type keys, a missing location
/// and unknown or malformed custom field filters are parameter errors,
/// all reported together.
pub(crate) async fn resolve(db: &mut Db, f: &Filter) -> Result<Criteria, ListError> {
    let mut errors = Vec::new();
    let mut c = Criteria {
        statuses: f.statuses.clone(),
        manufacturer: f.manufacturer.clone(),
        model: f.model.clone(),
        tag: f.tag.clone(),
        hostname: f.hostname.clone(),
        ip: f.ip.clone(),
        parent_id: f.parent_id,
        updated_since: f.updated_since,
        search: f.q.clone(),
        ..Criteria::default()
    };
    if !f.types.is_empty() {
        let all = field_defs::all_types(db).await?;
        let mut ids = Vec::new();
        for key in &f.types {
            match all.iter().find(|t| &t.key == key) {
                Some(t) => ids.push(t.id),
                None => {
                    let known: Vec<&str> = all.iter().map(|t| t.key.as_str()).collect();
                    errors.push(FieldError::new(
                        "type",
                        format!("`{key}` is not an asset type; types are: {}", known.join(", ")),
                    ));
                }
            }
        }
        c.type_ids = Some(ids);
    }
    if let Some((id, descendants)) = f.location {
        match asset_list::lineage(db, id).await? {
            None => errors.push(FieldError::new("location", format!("no location has id {id}"))),
            Some(lineage) if descendants => c.location = Some(LocationScope::Subtree(lineage)),
            Some(_) => c.location = Some(LocationScope::Exactly(id)),
        }
    }
    if !f.custom.is_empty() {
        let keys: Vec<String> = f.custom.iter().map(|(k, _)| k.clone()).collect();
        let defs = asset_list::defs_by_keys(db, &keys, c.type_ids.as_deref()).await?;
        for (key, value) in &f.custom {
            let param = format!("{CUSTOM_PREFIX}{key}");
            let mine: Vec<_> = defs.iter().filter(|(_, d)| &d.key == key).collect();
            if mine.is_empty() {
                let scope = if f.types.is_empty() {
                    "no asset type"
                } else {
                    "none of the asset types asked for"
                };
                errors.push(FieldError::new(
                    param,
                    format!("{scope} has a custom field `{key}`"),
                ));
                continue;
            }
            // The same key may be a number in one type and text in
            // another: each field gets the value in its own canonical form.
            let mut alternatives = Vec::new();
            let mut first_error = None;
            for (_, def) in mine {
                let checked = from_text(def.kind, value).and_then(|v| def.check(&v));
                match checked {
                    Ok(ch) => alternatives.push((def.id, ch.index)),
                    Err(m) => {
                        first_error.get_or_insert(m);
                    }
                }
            }
            match (alternatives.is_empty(), first_error) {
                (true, Some(m)) => errors.push(FieldError::new(param, m)),
                _ => c.custom.push(alternatives),
            }
        }
    }
    if errors.is_empty() {
        Ok(c)
    } else {
        Err(ListError::Params(errors))
    }
}
