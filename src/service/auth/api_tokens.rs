//! API tokens for integrators: `shp_…`, shown once, stored hashed.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::audit::{self, action};
use super::principal::{Principal, RequestCtx};
use super::{API_TOKEN_PREFIX, random_token, token_hash};
use crate::db::queries::tokens::{self, ApiTokenRow, NewApiToken};
use crate::domain::Role;
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

pub struct Created {
    pub row: ApiTokenRow,
    /// The whole token; never retrievable again.
    pub secret: String,
}

/// Creates a token with a role no higher than the creator's. Only a
/// signed-in person can create tokens (a token cannot mint tokens).
pub async fn create(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    name: &str,
    role: Role,
    expires_at: Option<DateTime<Utc>>,
) -> Result<Created, ServiceError> {
    who.require(Role::Viewer)?;
    if !who.is_session() {
        return Err(ServiceError::Forbidden(
            "API tokens cannot create API tokens; sign in".into(),
        ));
    }
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "must be 1-100 characters"));
    }
    if role > who.role {
        errors.push(FieldError::new(
            "role",
            format!("cannot exceed your own role ({})", who.role),
        ));
    }
    if expires_at.is_some_and(|e| e <= Utc::now()) {
        errors.push(FieldError::new("expires_at", "must be in the future"));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let secret = format!("{API_TOKEN_PREFIX}{}", random_token(32));
    let prefix: String = secret.chars().take(API_TOKEN_PREFIX.len() + 8).collect();
    let mut db = state.db.clone();
    let id = tokens::insert_api(
        &mut db,
        &NewApiToken {
            user: who.user_id,
            name,
            prefix: &prefix,
            hash: &token_hash(&secret),
            role,
            expires_at,
        },
    )
    .await?;
    let row = tokens::find_api(&mut db, id)
        .await?
        .ok_or_else(|| ServiceError::Internal("token vanished after insert".into()))?;
    audit::record(
        state,
        ctx,
        who.into(),
        action::TOKEN_CREATED,
        Some(format!("{prefix}… ({name})")),
        Some(json!({ "token_id": id, "role": role.as_str() })),
    )
    .await;
    Ok(Created { row, secret })
}

/// Your own tokens; with `all`, an admin sees everyone's.
pub async fn list(state: &AppState, who: &Principal, all: bool) -> Result<Vec<ApiTokenRow>, ServiceError> {
    who.require(Role::Viewer)?;
    if all {
        who.require(Role::Admin)?;
    }
    let owner = if all { None } else { Some(who.user_id) };
    Ok(tokens::list_api(&mut state.db.clone(), owner).await?)
}

/// Revokes your own token, or (admin) anyone's.
pub async fn revoke(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    id: i64,
) -> Result<(), ServiceError> {
    who.require(Role::Viewer)?;
    let mut db = state.db.clone();
    let row = tokens::find_api(&mut db, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("API token {id}")))?;
    if row.user_id != who.user_id {
        who.require(Role::Admin)?;
    }
    if tokens::revoke_api(&mut db, id).await? {
        audit::record(
            state,
            ctx,
            who.into(),
            action::TOKEN_REVOKED,
            Some(format!("{}… ({})", row.prefix, row.name)),
            Some(json!({ "token_id": id })),
        )
        .await;
    }
    Ok(())
}
