//! Sessions: sign-in (local or directory), rotating refresh tokens,
//! sign-out and password change.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::audit::{self, Actor, action};
use super::principal::{Principal, RequestCtx};
use super::{password, random_token, token_hash};
use crate::db::queries::auth_failures::{self, BY_ADDR, BY_USER};
use crate::db::queries::tokens;
use crate::db::queries::users::{self, NewUser, UserChanges, UserRow};
use crate::db::{DbError, Exec};
use crate::domain::{Password, Role, UserSource, Username};
use crate::ldap::{DirectoryError, DirectoryRole, DirectoryUser};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

/// What a successful sign-in or refresh hands back.
pub struct TokenPair {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_expires_in: i64,
    pub user: UserRow,
}

const INVALID: &str = "invalid username or password";

fn refresh_ttl(state: &AppState) -> chrono::Duration {
    chrono::Duration::from_std(state.config.auth.refresh_token_ttl.0).unwrap_or(chrono::Duration::days(7))
}

/// Issues an access token and a refresh token in `family` (a new family
/// at sign-in; the same family on rotation).
async fn issue(
    state: &AppState,
    e: &mut impl Exec,
    user: UserRow,
    family: &str,
) -> Result<TokenPair, ServiceError> {
    let access_token = state.auth.jwt.issue(&user)?;
    let refresh_token = random_token(32);
    let ttl = refresh_ttl(state);
    tokens::insert_refresh(e, user.id, family, &token_hash(&refresh_token), Utc::now() + ttl).await?;
    Ok(TokenPair {
        access_token,
        expires_in: state.auth.jwt.ttl_secs(),
        refresh_token,
        refresh_expires_in: ttl.num_seconds(),
        user,
    })
}

/// Refuses when the username or the client address has too many recent
/// failures; the answer says when to retry.
async fn check_rate_limit(state: &AppState, key: &str, addr: Option<&str>) -> Result<(), ServiceError> {
    let cfg = &state.config.auth;
    let window =
        chrono::Duration::from_std(cfg.failed_login_window.0).unwrap_or(chrono::Duration::minutes(15));
    let now = Utc::now();
    let since = now - window;
    let mut db = state.db.clone();
    let mut checks = vec![(BY_USER, key.to_owned(), i64::from(cfg.max_failed_logins))];
    if let Some(a) = addr {
        checks.push((
            BY_ADDR,
            a.to_owned(),
            i64::from(cfg.max_failed_logins_per_address),
        ));
    }
    for (kind, subject, max) in checks {
        let (n, oldest) = auth_failures::recent(&mut db, kind, &subject, since).await?;
        if n >= max {
            let retry_at: DateTime<Utc> = oldest.unwrap_or(now) + window;
            let secs = (retry_at - now).num_seconds().max(1);
            return Err(ServiceError::RateLimited {
                retry_after_secs: u64::try_from(secs).unwrap_or(1),
            });
        }
    }
    Ok(())
}

async fn record_failure(state: &AppState, ctx: &RequestCtx, key: &str, reason: &str) {
    let mut db = state.db.clone();
    let mut result = auth_failures::record(&mut db, BY_USER, key).await;
    if let Some(a) = &ctx.client_addr {
        result = result.and(auth_failures::record(&mut db, BY_ADDR, a).await);
    }
    // Keep the table small: drop what no window can count any more.
    let window = chrono::Duration::from_std(state.config.auth.failed_login_window.0)
        .unwrap_or(chrono::Duration::days(1));
    let _ = auth_failures::prune(&mut db, Utc::now() - window.max(chrono::Duration::days(1))).await;
    if let Err(e) = result {
        tracing::error!(error = %e, "could not record a failed sign-in");
    }
    audit::record(
        state,
        ctx,
        Actor {
            id: None,
            name: Some(key),
        },
        action::LOGIN_FAILED,
        Some(key.to_owned()),
        Some(json!({ "reason": reason })),
    )
    .await;
}

/// Signs in with a username and password: a local account, or (when
/// enabled) the directory. Unknown user and wrong password give the same
/// answer after similar work.
pub async fn login(
    state: &AppState,
    ctx: &RequestCtx,
    username: &str,
    pass: &str,
) -> Result<TokenPair, ServiceError> {
    let key: String = username.trim().to_lowercase().chars().take(150).collect();
    if let Err(e) = check_rate_limit(state, &key, ctx.client_addr.as_deref()).await {
        audit::record(
            state,
            ctx,
            Actor {
                id: None,
                name: Some(&key),
            },
            action::LOGIN_RATE_LIMITED,
            Some(key.clone()),
            None,
        )
        .await;
        return Err(e);
    }
    let parsed = Username::parse(username).ok();
    let mut db = state.db.clone();
    let local = match &parsed {
        Some(u) => users::find_by_username(&mut db, u).await?,
        None => None,
    };

    let user = match local {
        Some(u) if u.source == UserSource::Local => {
            if pass.is_empty() || !password::verify_async(u.password_hash.clone(), pass.to_owned()).await {
                record_failure(state, ctx, &key, "wrong password").await;
                return Err(ServiceError::Unauthenticated(INVALID.into()));
            }
            u
        }
        existing => match (&state.auth.directory, &parsed) {
            (Some(dir), Some(name)) => match dir.authenticate(name.as_str(), pass).await {
                Ok(du) => provision(state, ctx, name, du, existing).await?,
                Err(DirectoryError::InvalidCredentials) => {
                    record_failure(state, ctx, &key, "directory refused the credentials").await;
                    return Err(ServiceError::Unauthenticated(INVALID.into()));
                }
                Err(DirectoryError::NoRole(dn)) => {
                    record_failure(state, ctx, &key, "no mapped directory group").await;
                    return Err(ServiceError::Forbidden(format!(
                        "your directory account ({dn}) is in no group that grants a ShopDB role; ask IT to add you"
                    )));
                }
                Err(DirectoryError::Unavailable(e) | DirectoryError::Config(e)) => {
                    tracing::warn!(error = %e, "directory sign-in failed: directory unavailable");
                    return Err(ServiceError::DirectoryUnavailable(e));
                }
            },
            _ => {
                // Same work as a wrong password.
                let _ = password::verify_async(None, pass.to_owned()).await;
                record_failure(state, ctx, &key, "unknown user").await;
                return Err(ServiceError::Unauthenticated(INVALID.into()));
            }
        },
    };

    if user.disabled {
        record_failure(state, ctx, &key, "account disabled").await;
        return Err(ServiceError::AccountDisabled);
    }
    auth_failures::clear(&mut db, BY_USER, &key).await?;
    users::touch_login(&mut db, user.id, Utc::now()).await?;
    let pair = issue(state, &mut db, user, &uuid::Uuid::new_v4().to_string()).await?;
    audit::record(
        state,
        ctx,
        Actor {
            id: Some(pair.user.id.0),
            name: Some(&pair.user.username),
        },
        action::LOGIN,
        Some(pair.user.username.clone()),
        Some(json!({ "source": pair.user.source.as_str() })),
    )
    .await;
    Ok(pair)
}

fn role_of(r: DirectoryRole) -> Role {
    match r {
        DirectoryRole::Viewer => Role::Viewer,
        DirectoryRole::Editor => Role::Editor,
        DirectoryRole::Admin => Role::Admin,
    }
}

/// Creates or refreshes the local record of a directory user (no local
/// password is ever stored for them).
async fn provision(
    state: &AppState,
    ctx: &RequestCtx,
    name: &Username,
    du: DirectoryUser,
    existing: Option<UserRow>,
) -> Result<UserRow, ServiceError> {
    let role = du
        .role
        .map(role_of)
        .ok_or_else(|| ServiceError::Forbidden("no role".into()))?;
    let mut db = state.db.clone();
    // One account per directory identity: the directory's own sign-in
    // name, not what was typed (a filter may accept e-mail or UPN too).
    let canonical = Username::parse(&du.username).unwrap_or_else(|_| name.clone());
    let existing = if &canonical == name {
        existing
    } else {
        users::find_by_username(&mut db, &canonical).await?
    };
    if existing.as_ref().is_some_and(|u| u.source == UserSource::Local) {
        return Err(ServiceError::Conflict(format!(
            "a local account named {canonical} already exists; an admin must remove or rename it before {canonical} can sign in through the directory"
        )));
    }
    let name = &canonical;
    let display = du
        .display_name
        .clone()
        .unwrap_or_else(|| name.as_str().to_owned());
    match existing {
        Some(u) => {
            let role_changed = u.role != role;
            let changes = UserChanges {
                display_name: Some(display),
                email: Some(du.email.clone()),
                role: Some(role),
                directory_dn: Some(Some(du.dn.clone())),
                bump_token_version: role_changed,
                ..UserChanges::default()
            };
            users::update(&mut db, u.id, &changes).await?;
            if role_changed {
                audit::record(
                    state,
                    ctx,
                    Actor {
                        id: None,
                        name: Some("directory"),
                    },
                    action::ROLE_CHANGED,
                    Some(u.username.clone()),
                    Some(json!({ "from": u.role.as_str(), "to": role.as_str(), "by": "directory groups" })),
                )
                .await;
            }
            users::find_by_id(&mut db, u.id)
                .await?
                .ok_or(ServiceError::NotFound("user".into()))
        }
        None => {
            let new = NewUser {
                username: name,
                display_name: &display,
                email: du.email.as_deref(),
                role,
                source: UserSource::Ldap,
                password_hash: None,
                must_change_password: false,
                directory_dn: Some(&du.dn),
            };
            let id = match users::insert(&mut db, &new).await {
                Ok(id) => id,
                // Two first sign-ins at once: the other request created it.
                Err(DbError::Conflict(_)) => users::find_by_username(&mut db, name)
                    .await?
                    .map(|u| u.id)
                    .ok_or(ServiceError::NotFound("user".into()))?,
                Err(e) => return Err(e.into()),
            };
            audit::record(
                state,
                ctx,
                Actor {
                    id: None,
                    name: Some("directory"),
                },
                action::USER_CREATED,
                Some(name.to_string()),
                Some(json!({ "source": "ldap", "role": role.as_str(), "dn": du.dn })),
            )
            .await;
            users::find_by_id(&mut db, id)
                .await?
                .ok_or(ServiceError::NotFound("user".into()))
        }
    }
}

/// Exchanges a refresh token for a new pair. Each refresh token works once;
/// presenting one again revokes its whole family (it was stolen or leaked).
pub async fn refresh(
    state: &AppState,
    ctx: &RequestCtx,
    refresh_token: &str,
) -> Result<TokenPair, ServiceError> {
    let invalid = || ServiceError::Unauthenticated("invalid or expired refresh token; sign in again".into());
    let mut tx = state.db.begin().await?;
    let row = tokens::find_refresh(&mut tx, &token_hash(refresh_token))
        .await?
        .ok_or_else(invalid)?;
    if row.revoked_at.is_some() || row.expires_at <= Utc::now() {
        return Err(invalid());
    }
    if row.rotated_at.is_some() || !tokens::mark_rotated(&mut tx, row.id).await? {
        tokens::revoke_family(&mut tx, &row.family).await?;
        tx.commit().await?;
        let user = users::find_by_id(&mut state.db.clone(), row.user_id).await?;
        audit::record(
            state,
            ctx,
            Actor {
                id: Some(row.user_id.0),
                name: user.as_ref().map(|u| u.username.as_str()),
            },
            action::REFRESH_REUSE,
            user.as_ref().map(|u| u.username.clone()),
            Some(json!({ "family_revoked": true })),
        )
        .await;
        return Err(invalid());
    }
    let user = users::find_by_id(&mut tx, row.user_id)
        .await?
        .ok_or_else(invalid)?;
    if user.disabled {
        tokens::revoke_family(&mut tx, &row.family).await?;
        tx.commit().await?;
        return Err(ServiceError::AccountDisabled);
    }
    let pair = issue(state, &mut tx, user, &row.family).await?;
    tx.commit().await?;
    Ok(pair)
}

/// Ends the session the refresh token belongs to. Unknown tokens are fine
/// (signing out twice is not an error).
pub async fn logout(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    refresh_token: Option<&str>,
) -> Result<(), ServiceError> {
    let mut db = state.db.clone();
    match refresh_token {
        Some(t) => {
            if let Some(row) = tokens::find_refresh(&mut db, &token_hash(t)).await?
                && row.user_id == who.user_id
            {
                tokens::revoke_family(&mut db, &row.family).await?;
            }
        }
        None => {
            tokens::revoke_all_for_user(&mut db, who.user_id).await?;
        }
    }
    audit::record(
        state,
        ctx,
        who.into(),
        action::LOGOUT,
        Some(who.username.clone()),
        None,
    )
    .await;
    Ok(())
}

pub async fn me(state: &AppState, who: &Principal) -> Result<UserRow, ServiceError> {
    users::find_by_id(&mut state.db.clone(), who.user_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("user".into()))
}

/// A signed-in local user changes their own password. Ends every other
/// session and returns a fresh pair for this one.
pub async fn change_password(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    current: &str,
    new: &str,
) -> Result<TokenPair, ServiceError> {
    if !who.is_session() {
        return Err(ServiceError::Forbidden(
            "API tokens cannot change passwords".into(),
        ));
    }
    let user = me(state, who).await?;
    if user.source != UserSource::Local {
        return Err(ServiceError::Conflict(
            "this account signs in through the directory; change the password there".into(),
        ));
    }
    if !password::verify_async(user.password_hash.clone(), current.to_owned()).await {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "current_password",
            "is not your current password",
        )]));
    }
    let username = Username::parse(&user.username).map_err(ServiceError::Internal)?;
    let new_password = Password::new(new, &username)
        .map_err(|e| ServiceError::Validation(vec![FieldError::new("new_password", e.to_string())]))?;
    if new == current {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "new_password",
            "must differ from the current password",
        )]));
    }
    let hash = password::hash_async(new_password).await?;
    let mut tx = state.db.begin().await?;
    let changes = UserChanges {
        password_hash: Some(Some(hash)),
        must_change_password: Some(false),
        bump_token_version: true,
        ..UserChanges::default()
    };
    users::update(&mut tx, user.id, &changes).await?;
    tokens::revoke_all_for_user(&mut tx, user.id).await?;
    let fresh = users::find_by_id(&mut tx, user.id)
        .await?
        .ok_or(ServiceError::NotFound("user".into()))?;
    let pair = issue(state, &mut tx, fresh, &uuid::Uuid::new_v4().to_string()).await?;
    tx.commit().await?;
    audit::record(
        state,
        ctx,
        who.into(),
        action::PASSWORD_CHANGED,
        Some(user.username),
        None,
    )
    .await;
    Ok(pair)
}
