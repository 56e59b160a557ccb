//! The dashboard summary: counts by status, type and top-level location,
//! and the latest changes. Five statements whatever the inventory's size,
//! each a GROUP BY on an indexed column or a short indexed read.

use chrono::{DateTime, Utc};

use crate::db::queries::asset_list::{self, TypeCount};
use crate::db::queries::changes::{self, ChangeRow};
use crate::domain::Role;
use crate::domain::inventory::{AssetStatus, LocationId};
use crate::service::ServiceError;
use crate::service::auth::principal::Principal;
use crate::state::AppState;

/// Changes listed in the summary.
pub const RECENT: u64 = 10;

pub struct LocationCount {
    /// `None`: assets without a location.
    pub id: Option<LocationId>,
    pub name: Option<String>,
    pub count: i64,
}

pub struct Summary {
    pub generated_at: DateTime<Utc>,
    pub total: i64,
    /// Every status, in life-cycle order, zero included.
    pub by_status: Vec<(AssetStatus, i64)>,
    pub by_type: Vec<TypeCount>,
    /// Every root location (its whole subtree counted), then "no location".
    pub by_location: Vec<LocationCount>,
    /// Newest first.
    pub recent_changes: Vec<ChangeRow>,
}

/// The root's id in a lineage: "/1/5/9/" → 1.
fn root_of(lineage: &str) -> Option<LocationId> {
    lineage
        .trim_start_matches('/')
        .split('/')
        .next()
        .and_then(|s| s.parse().ok())
        .map(LocationId)
}

pub async fn get(state: &AppState, who: &Principal) -> Result<Summary, ServiceError> {
    who.require(Role::Viewer)?;
    let mut db = state.db.clone();
    let statuses = asset_list::count_by_status(&mut db).await?;
    let by_type = asset_list::count_by_type(&mut db).await?;
    let per_location = asset_list::count_by_location(&mut db).await?;
    let roots = asset_list::roots(&mut db).await?;
    let recent_changes = changes::list(&mut db, &changes::Filter::default(), RECENT, 0).await?;

    let by_status: Vec<(AssetStatus, i64)> = AssetStatus::ALL
        .iter()
        .map(|s| {
            let n = statuses
                .iter()
                .filter(|(name, _)| name == s.as_str())
                .map(|(_, n)| n)
                .sum();
            (*s, n)
        })
        .collect();
    let total = statuses.iter().map(|(_, n)| n).sum();

    let mut by_location: Vec<LocationCount> = roots
        .into_iter()
        .map(|(id, name)| LocationCount {
            id: Some(id),
            name: Some(name),
            count: 0,
        })
        .collect();
    let mut nowhere = 0;
    for (lineage, n) in per_location {
        match lineage.as_deref().and_then(root_of) {
            None => nowhere += n,
            Some(root) => {
                if let Some(lc) = by_location.iter_mut().find(|l| l.id == Some(root)) {
                    lc.count += n;
                }
            }
        }
    }
    by_location.push(LocationCount {
        id: None,
        name: None,
        count: nowhere,
    });
    Ok(Summary {
        generated_at: Utc::now(),
        total,
        by_status,
        by_type,
        by_location,
        recent_changes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_from_lineages() {
        assert_eq!(root_of("/1/5/9/"), Some(LocationId(1)));
        assert_eq!(root_of("/12/"), Some(LocationId(12)));
        assert_eq!(root_of(""), None);
    }
}
