//! Administering users: list, create, update (role, disable), reset password.

use serde_json::json;

use super::audit::{self, action};
use super::password;
use super::principal::{Principal, RequestCtx};
use crate::db::DbError;
use crate::db::queries::tokens;
use crate::db::queries::users::{self, NewUser, UserChanges, UserRow};
use crate::domain::{Password, Role, UserId, UserSource, Username};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

pub struct Page {
    pub items: Vec<UserRow>,
    pub total: i64,
}

pub async fn list(state: &AppState, who: &Principal, limit: u64, offset: u64) -> Result<Page, ServiceError> {
    who.require(Role::Admin)?;
    let mut db = state.db.clone();
    Ok(Page {
        items: users::list(&mut db, limit, offset).await?,
        total: users::count(&mut db).await?,
    })
}

pub async fn get(state: &AppState, who: &Principal, id: UserId) -> Result<UserRow, ServiceError> {
    if who.user_id != id {
        who.require(Role::Admin)?;
    }
    users::find_by_id(&mut state.db.clone(), id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("user {id}")))
}

pub struct CreateUser {
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    pub password: String,
    pub must_change_password: bool,
}

fn check_display_name(name: &str, errors: &mut Vec<FieldError>) {
    if name.trim().is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("display_name", "must be 1-200 characters"));
    }
}

fn check_email(email: &str, errors: &mut Vec<FieldError>) {
    let ok = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
        && !email.contains(char::is_whitespace);
    if !ok {
        errors.push(FieldError::new(
            "email",
            "must be an e-mail address like name@example.com",
        ));
    }
}

/// Creates a local user. All field problems are reported together.
pub async fn create(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    c: CreateUser,
) -> Result<UserRow, ServiceError> {
    who.require(Role::Admin)?;
    let mut errors = Vec::new();
    let username = Username::parse(&c.username)
        .map_err(|e| errors.push(FieldError::new("username", e)))
        .ok();
    let display_name = c
        .display_name
        .clone()
        .unwrap_or_else(|| c.username.trim().to_owned());
    check_display_name(&display_name, &mut errors);
    if let Some(e) = &c.email {
        check_email(e, &mut errors);
    }
    // Check the password even when the username is invalid, so every
    // field error comes back at once.
    let policy_name = username.clone().or_else(|| Username::parse("-").ok());
    let password = policy_name.as_ref().and_then(|u| {
        Password::new(&c.password, u)
            .map_err(|e| errors.push(FieldError::new("password", e.to_string())))
            .ok()
    });
    let (Some(username), Some(password), true) = (username, password, errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    let hash = password::hash_async(password).await?;
    let mut db = state.db.clone();
    let new = NewUser {
        username: &username,
        display_name: display_name.trim(),
        email: c.email.as_deref(),
        role: c.role,
        source: UserSource::Local,
        password_hash: Some(&hash),
        must_change_password: c.must_change_password,
        directory_dn: None,
    };
    let id = users::insert(&mut db, &new).await.map_err(|e| match e {
        DbError::Conflict(_) => {
            ServiceError::Validation(vec![FieldError::new("username", "is already taken")])
        }
        other => other.into(),
    })?;
    audit::record(
        state,
        ctx,
        who.into(),
        action::USER_CREATED,
        Some(username.to_string()),
        Some(json!({ "role": c.role.as_str(), "source": "local" })),
    )
    .await;
    get(state, who, id).await
}

#[derive(Debug, Default)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    pub email: Option<Option<String>>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Changes profile, role or the disabled flag. A role change or disabling
/// ends the user's sessions at once. Admins cannot demote or disable
/// themselves (so a site always keeps an admin).
pub async fn update(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    id: UserId,
    u: UpdateUser,
) -> Result<UserRow, ServiceError> {
    who.require(Role::Admin)?;
    let current = get(state, who, id).await?;
    let mut errors = Vec::new();
    if let Some(n) = &u.display_name {
        check_display_name(n, &mut errors);
    }
    if let Some(Some(e)) = &u.email {
        check_email(e, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    if id == who.user_id && (u.disabled == Some(true) || u.role.is_some_and(|r| r < Role::Admin)) {
        return Err(ServiceError::Conflict(
            "you cannot disable yourself or remove your own admin role; ask another admin".into(),
        ));
    }
    let role_changed = u.role.is_some_and(|r| r != current.role);
    let disabled_changed = u.disabled.is_some_and(|d| d != current.disabled);
    let changes = UserChanges {
        display_name: u.display_name.map(|s| s.trim().to_owned()),
        email: u.email,
        role: u.role,
        disabled: u.disabled,
        bump_token_version: role_changed || disabled_changed,
        ..UserChanges::default()
    };
    let mut tx = state.db.begin().await?;
    users::update(&mut tx, id, &changes).await?;
    if role_changed || disabled_changed {
        tokens::revoke_all_for_user(&mut tx, id).await?;
    }
    tx.commit().await?;
    let target = Some(current.username.clone());
    if let (true, Some(r)) = (role_changed, u.role) {
        let detail = json!({ "from": current.role.as_str(), "to": r.as_str() });
        audit::record(
            state,
            ctx,
            who.into(),
            action::ROLE_CHANGED,
            target.clone(),
            Some(detail),
        )
        .await;
    }
    if let (true, Some(d)) = (disabled_changed, u.disabled) {
        let act = if d {
            action::USER_DISABLED
        } else {
            action::USER_ENABLED
        };
        audit::record(state, ctx, who.into(), act, target.clone(), None).await;
    }
    if !role_changed && !disabled_changed {
        audit::record(state, ctx, who.into(), action::USER_UPDATED, target, None).await;
    }
    get(state, who, id).await
}

/// An admin sets a new password for a local user (by default the user must
/// change it at the next sign-in). Ends the user's sessions.
pub async fn reset_password(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    id: UserId,
    new_password: &str,
    must_change: bool,
) -> Result<(), ServiceError> {
    who.require(Role::Admin)?;
    let user = get(state, who, id).await?;
    if user.source != UserSource::Local {
        return Err(ServiceError::Conflict(
            "this user signs in through the directory; reset the password there".into(),
        ));
    }
    let username = Username::parse(&user.username).map_err(ServiceError::Internal)?;
    let password = Password::new(new_password, &username)
        .map_err(|e| ServiceError::Validation(vec![FieldError::new("password", e.to_string())]))?;
    let hash = password::hash_async(password).await?;
    let mut tx = state.db.begin().await?;
    let changes = UserChanges {
        password_hash: Some(Some(hash)),
        must_change_password: Some(must_change),
        bump_token_version: true,
        ..UserChanges::default()
    };
    users::update(&mut tx, id, &changes).await?;
    tokens::revoke_all_for_user(&mut tx, id).await?;
    tx.commit().await?;
    audit::record(
        state,
        ctx,
        who.into(),
        action::PASSWORD_RESET,
        Some(user.username),
        Some(json!({ "must_change_password": must_change })),
    )
    .await;
    Ok(())
}
