//! Accounts and sign-in: sessions, API tokens, users, audit, bootstrap.
//! Every role check happens here, never only in handlers.

pub mod api_tokens;
pub mod audit;
pub mod bootstrap;
pub mod jwt;
pub mod password;
pub mod principal;
pub mod session;
pub mod users;

use base64::Engine as _;
use chrono::Utc;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

use self::jwt::JwtKeys;
use self::principal::{Credential, Principal};
use crate::db::queries::{tokens, users as user_repo};
use crate::domain::UserId;
use crate::ldap::Directory;
use crate::service::ServiceError;
use crate::state::AppState;

pub const API_TOKEN_PREFIX: &str = "shp_";

/// Auth state built once at startup: the signing keys and the directory.
pub struct AuthRuntime {
    pub jwt: JwtKeys,
    pub directory: Option<Directory>,
}

/// `n` random bytes, base64url without padding.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0_u8; n];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Tokens are long random strings, so a fast hash is enough to store them.
/// They are found by looking up the hash, never by comparing secrets in
/// our code; JWT signatures and argon2 hashes are compared in constant time
/// by their crates.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn unauthenticated(detail: &str) -> ServiceError {
    ServiceError::Unauthenticated(detail.to_owned())
}

/// Resolves `Authorization: Bearer <token>` to a principal: an API token
/// (`shp_…`) or a session JWT. Checks revocation, expiry, disabled users
/// and the user's token version on every request.
pub async fn authenticate_bearer(state: &AppState, token: &str) -> Result<Principal, ServiceError> {
    let mut db = state.db.clone();
    if let Some(rest) = token.strip_prefix(API_TOKEN_PREFIX) {
        if rest.is_empty() {
            return Err(unauthenticated("malformed API token"));
        }
        let found = tokens::find_api_with_owner(&mut db, &token_hash(token))
            .await?
            .ok_or_else(|| unauthenticated("unknown or revoked API token"))?;
        let row = found.token;
        let now = Utc::now();
        if row.revoked_at.is_some() {
            return Err(unauthenticated("this API token was revoked"));
        }
        if row.expires_at.is_some_and(|e| e <= now) {
            return Err(unauthenticated("this API token has expired"));
        }
        if found.owner_disabled {
            return Err(unauthenticated("the owner of this API token is disabled"));
        }
        if row
            .last_used_at
            .is_none_or(|t| now - t > chrono::Duration::seconds(60))
        {
            tokens::touch_api(&mut db, row.id, now).await?;
        }
        return Ok(Principal {
            user_id: row.user_id,
            username: found.owner_username,
            role: row.role.min(found.owner_role),
            credential: Credential::ApiToken { token_id: row.id },
        });
    }
    let claims = state
        .auth
        .jwt
        .verify(token)
        .map_err(|e| unauthenticated(&format!("invalid access token: {e}")))?;
    let id: i64 = claims
        .sub
        .parse()
        .map_err(|_| unauthenticated("invalid access token subject"))?;
    let user = user_repo::find_by_id(&mut db, UserId(id))
        .await?
        .ok_or_else(|| unauthenticated("the user of this token no longer exists"))?;
    if user.disabled {
        return Err(unauthenticated("this account is disabled"));
    }
    if user.token_version != claims.ver {
        return Err(unauthenticated(
            "this session was ended (password, role or account changed); sign in again",
        ));
    }
    Ok(Principal {
        user_id: user.id,
        username: user.username,
        role: user.role,
        credential: Credential::Session {
            must_change_password: user.must_change_password,
        },
    })
}
