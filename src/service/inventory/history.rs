//! The change log: every inventory write records what it changed, in the
//! same transaction, with who, when and the request id.

use serde_json::{Map, Value, json};

use crate::db::Tx;
use crate::db::queries::changes::{self, ChangeRow, Filter, NewChange};
use crate::domain::Role;
use crate::service::ServiceError;
use crate::service::auth::principal::{Principal, RequestCtx};
use crate::state::AppState;

pub mod entity {
    pub const ASSET: &str = "asset";
    pub const LOCATION: &str = "location";
    pub const ASSET_TYPE: &str = "asset_type";
    pub const ASSET_TYPE_FIELD: &str = "asset_type_field";
    pub const RELATION: &str = "relation";
}

pub mod action {
    pub const CREATE: &str = "create";
    pub const UPDATE: &str = "update";
    pub const DELETE: &str = "delete";
}

/// Writes one change inside the caller's transaction, stamped with the
/// caller and the request id.
pub async fn record(
    tx: &mut Tx,
    who: &Principal,
    ctx: &RequestCtx,
    mut change: NewChange,
) -> Result<i64, ServiceError> {
    change.actor_id = Some(who.user_id.0);
    change.actor = Some(who.username.clone());
    change.request_id.clone_from(&ctx.request_id);
    Ok(changes::insert(tx, &change).await?)
}

/// `{"field": {"before": …, "after": …}}` for every key whose value differs
/// (a missing key counts as null).
pub fn diff(before: &Map<String, Value>, after: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    let keys = before
        .keys()
        .chain(after.keys().filter(|k| !before.contains_key(*k)));
    for k in keys {
        let b = before.get(k).unwrap_or(&Value::Null);
        let a = after.get(k).unwrap_or(&Value::Null);
        if b != a {
            out.insert(k.clone(), json!({ "before": b, "after": a }));
        }
    }
    out
}

/// Every field of a created (or deleted) record, as a diff from (or to)
/// nothing.
pub fn snapshot(values: &Map<String, Value>, created: bool) -> Map<String, Value> {
    values
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let change = if created {
                json!({ "before": null, "after": v })
            } else {
                json!({ "before": v, "after": null })
            };
            (k.clone(), change)
        })
        .collect()
}

pub struct Page {
    pub items: Vec<ChangeRow>,
    pub total: i64,
}

/// The history feed (any role may read it), newest first.
pub async fn list(
    state: &AppState,
    who: &Principal,
    filter: &Filter,
    limit: u64,
    offset: u64,
) -> Result<Page, ServiceError> {
    who.require(Role::Viewer)?;
    let mut db = state.db.clone();
    let items = changes::list(&mut db, filter, limit, offset).await?;
    let total = changes::count(&mut db, filter).await?;
    Ok(Page { items, total })
}

pub async fn get(state: &AppState, who: &Principal, id: i64) -> Result<ChangeRow, ServiceError> {
    who.require(Role::Viewer)?;
    changes::find(&mut state.db.clone(), id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("change {id}")))
}

/// Deletes changes older than `history.retention_days` (0 keeps all).
pub async fn purge_expired(state: &AppState) -> Result<u64, ServiceError> {
    let days = state.config.history.retention_days;
    if days == 0 {
        return Ok(0);
    }
    let before = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    Ok(changes::purge_before(&mut state.db.clone(), before).await?)
}

/// Purges expired history now and then every hour, until the server stops.
pub fn retention_job(state: AppState) -> crate::jobs::Job {
    crate::jobs::Job::every(
        "core.history_retention",
        std::time::Duration::from_secs(3600),
        move || {
            let state = state.clone();
            async move {
                match purge_expired(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(purged = n, "expired inventory history purged"),
                    Err(e) => return Err(e),
                }
                Ok(())
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_name_only_what_changed() {
        let b = json!({"name": "Lathe", "model": "X1", "ip": null});
        let a = json!({"name": "Lathe 2", "model": "X1", "serial": "S9"});
        let d = diff(b.as_object().unwrap(), a.as_object().unwrap());
        assert_eq!(
            Value::Object(d),
            json!({
                "name": {"before": "Lathe", "after": "Lathe 2"},
                "serial": {"before": null, "after": "S9"}
            })
        );
    }
}
