//! Recording and reading the security audit trail.

use crate::db::queries::audit::{self, EventRow, Filter, NewEvent};
use crate::domain::Role;
use crate::service::ServiceError;
use crate::state::AppState;

use super::principal::{Principal, RequestCtx};

/// Security actions recorded in the audit trail.
pub mod action {
    pub const LOGIN: &str = "login";
    pub const LOGIN_FAILED: &str = "login_failed";
    pub const LOGIN_RATE_LIMITED: &str = "login_rate_limited";
    pub const LOGOUT: &str = "logout";
    pub const REFRESH_REUSE: &str = "refresh_token_reuse";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const USER_CREATED: &str = "user_created";
    pub const USER_UPDATED: &str = "user_updated";
    pub const ROLE_CHANGED: &str = "role_changed";
    pub const USER_DISABLED: &str = "user_disabled";
    pub const USER_ENABLED: &str = "user_enabled";
    pub const TOKEN_CREATED: &str = "api_token_created";
    pub const TOKEN_REVOKED: &str = "api_token_revoked";
    pub const ADMIN_BOOTSTRAPPED: &str = "admin_bootstrapped";
}

pub struct Actor<'a> {
    pub id: Option<i64>,
    pub name: Option<&'a str>,
}

impl<'a> From<&'a Principal> for Actor<'a> {
    fn from(p: &'a Principal) -> Self {
        Self {
            id: Some(p.user_id.0),
            name: Some(&p.username),
        }
    }
}

/// Writes one event. A failed audit write is logged loudly but does not
/// undo the action it describes (which has already happened).
pub async fn record(
    state: &AppState,
    ctx: &RequestCtx,
    actor: Actor<'_>,
    action: &'static str,
    target: Option<String>,
    detail: Option<serde_json::Value>,
) {
    let ev = NewEvent {
        actor_id: actor.id,
        actor: actor.name.map(str::to_owned),
        action,
        target,
        client_addr: ctx.client_addr.clone(),
        request_id: ctx.request_id.clone(),
        detail: detail.map(|d| d.to_string()),
    };
    if let Err(e) = audit::insert(&mut state.db.clone(), &ev).await {
        tracing::error!(error = %e, action, "could not write the audit trail");
    }
}

pub struct Page {
    pub items: Vec<EventRow>,
    pub total: i64,
}

/// Admins read the trail, newest first.
pub async fn list(
    state: &AppState,
    who: &Principal,
    filter: &Filter,
    limit: u64,
    offset: u64,
) -> Result<Page, ServiceError> {
    who.require(Role::Admin)?;
    let mut db = state.db.clone();
    let items = audit::list(&mut db, filter, limit, offset).await?;
    let total = audit::count(&mut db, filter).await?;
    Ok(Page { items, total })
}
