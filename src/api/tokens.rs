//! API tokens: `/api/v1/tokens`.

use chrono::{DateTime, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::accounts::RoleDto;
use super::auth::NoContent;
use super::json_body::JsonBody;
use super::problem::ApiError;
use super::security::{Auth, request_ctx};
use crate::db::queries::tokens::ApiTokenRow;
use crate::service::auth::api_tokens;
use crate::state::AppState;

/// An API token (the secret itself is only shown when created).
#[derive(Object, Debug)]
#[oai(rename = "ApiToken")]
pub struct ApiTokenDto {
    pub id: i64,
    pub name: String,
    /// The first characters, to recognise it (`shp_abcd1234`).
    pub prefix: String,
    pub role: RoleDto,
    /// The user who created it; it acts as them, capped at `role`.
    pub owner_id: i64,
    pub created_at: DateTime<Utc>,
    #[oai(nullable)]
    pub expires_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub last_used_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Neither revoked nor expired.
    pub active: bool,
}

impl From<ApiTokenRow> for ApiTokenDto {
    fn from(t: ApiTokenRow) -> Self {
        let active = t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > Utc::now());
        Self {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            role: t.role.into(),
            owner_id: t.user_id.0,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
            active,
        }
    }
}

#[derive(Object, Debug)]
pub struct CreateApiTokenRequest {
    /// What it is for, e.g. "ERP sync".
    #[oai(validator(max_length = 400))]
    pub name: String,
    /// At most your own role.
    pub role: RoleDto,
    /// Optional expiry (RFC 3339, in the future).
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Object, Debug)]
pub struct CreatedApiToken {
    /// The whole token. Shown this once; store it now.
    pub token: String,
    pub api_token: ApiTokenDto,
}

#[derive(ApiResponse)]
pub enum CreatedTokenResponse {
    /// Created.
    #[oai(status = 201)]
    Created(Json<CreatedApiToken>, #[oai(header = "Location")] String),
}

pub struct TokensApi;

#[OpenApi(prefix_path = "/api/v1/tokens", tag = "ApiTags::Tokens")]
impl TokensApi {
    /// List API tokens
    ///
    /// Any role: your own tokens. With `all=true`, requires role: admin.
    #[oai(path = "/", method = "get", operation_id = "listApiTokens")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        /// Everyone's tokens (admin).
        all: Query<Option<bool>>,
    ) -> Result<Json<Vec<ApiTokenDto>>, ApiError> {
        let rows = api_tokens::list(&state, auth.principal(), all.0.unwrap_or(false)).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Create an API token
    ///
    /// Any role, from a signed-in session (not from another token). The
    /// token's role cannot exceed yours. The secret is in the response only.
    #[oai(path = "/", method = "post", operation_id = "createApiToken")]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        body: JsonBody<CreateApiTokenRequest>,
    ) -> Result<CreatedTokenResponse, ApiError> {
        let created = api_tokens::create(
            &state,
            &request_ctx(req),
            auth.principal(),
            &body.name,
            body.role.into(),
            body.expires_at,
        )
        .await?;
        let location = format!("/api/v1/tokens/{}", created.row.id);
        Ok(CreatedTokenResponse::Created(
            Json(CreatedApiToken {
                token: created.secret,
                api_token: created.row.into(),
            }),
            location,
        ))
    }

    /// Revoke an API token
    ///
    /// Your own token, or (role admin) anyone's. Takes effect immediately.
    #[oai(path = "/:id", method = "delete", operation_id = "revokeApiToken")]
    async fn revoke(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
    ) -> Result<NoContent, ApiError> {
        api_tokens::revoke(&state, &request_ctx(req), auth.principal(), id.0).await?;
        Ok(NoContent::Done)
    }
}
