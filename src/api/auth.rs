//! Sign-in and sessions: `/api/v1/auth/*`.

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::accounts::UserDto;
use super::json_body::JsonBody;
use super::problem::ApiError;
use super::security::{Auth, request_ctx};
use crate::service::auth::session::{self, TokenPair};
use crate::state::AppState;

/// Credentials for `login`.
#[derive(Object, Debug)]
pub struct LoginRequest {
    /// Local username or directory sign-in name (case-insensitive).
    #[oai(validator(min_length = 1, max_length = 256))]
    pub username: String,
    #[oai(validator(max_length = 1024))]
    pub password: String,
}

/// A new session: a short-lived access token and a refresh token.
#[derive(Object, Debug)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Exchange at `POST /api/v1/auth/refresh` for a new pair; works once.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
    /// When true, only `POST /api/v1/auth/password` is allowed until the password is changed.
    pub must_change_password: bool,
    pub user: UserDto,
}

impl From<TokenPair> for TokenResponse {
    fn from(p: TokenPair) -> Self {
        Self {
            access_token: p.access_token,
            token_type: "Bearer".into(),
            expires_in: p.expires_in,
            refresh_token: p.refresh_token,
            refresh_expires_in: p.refresh_expires_in,
            must_change_password: p.user.must_change_password,
            user: p.user.into(),
        }
    }
}

#[derive(Object, Debug)]
pub struct RefreshRequest {
    #[oai(validator(min_length = 1, max_length = 512))]
    pub refresh_token: String,
}

#[derive(Object, Debug)]
pub struct LogoutRequest {
    /// The session to end. Without it, every session of the user ends.
    #[oai(validator(max_length = 512))]
    pub refresh_token: Option<String>,
}

#[derive(Object, Debug)]
pub struct ChangePasswordRequest {
    #[oai(validator(max_length = 1024))]
    pub current_password: String,
    /// At least 12 characters, not the username, not a common password.
    #[oai(validator(max_length = 1024))]
    pub new_password: String,
}

#[derive(ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}

pub struct AuthApi;

#[OpenApi(prefix_path = "/api/v1/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Sign in
    ///
    /// Local accounts, or directory (LDAP / Active Directory) accounts when
    /// the site enabled it. Wrong username and wrong password get the same
    /// 401. Repeated failures per username or client address get 429 with
    /// `Retry-After`. A 503 `directory_unavailable` means the directory is
    /// down (local accounts still work).
    #[oai(path = "/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: JsonBody<LoginRequest>,
    ) -> Result<Json<TokenResponse>, ApiError> {
        let ctx = request_ctx(req);
        let pair = session::login(&state, &ctx, &body.username, &body.password).await?;
        Ok(Json(pair.into()))
    }

    /// Refresh a session
    ///
    /// Returns a new pair and invalidates the refresh token used. Presenting
    /// a refresh token a second time ends that whole session (it was copied).
    #[oai(path = "/refresh", method = "post", operation_id = "refreshSession")]
    async fn refresh(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: JsonBody<RefreshRequest>,
    ) -> Result<Json<TokenResponse>, ApiError> {
        let pair = session::refresh(&state, &request_ctx(req), &body.refresh_token).await?;
        Ok(Json(pair.into()))
    }

    /// Sign out
    ///
    /// Ends the session of the given refresh token, or every session of the
    /// caller. Any role.
    #[oai(path = "/logout", method = "post", operation_id = "logout")]
    async fn logout(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        body: JsonBody<LogoutRequest>,
    ) -> Result<NoContent, ApiError> {
        session::logout(
            &state,
            &request_ctx(req),
            auth.principal(),
            body.refresh_token.as_deref(),
        )
        .await?;
        Ok(NoContent::Done)
    }

    /// The signed-in user
    ///
    /// Any role (also while a password change is pending).
    #[oai(path = "/me", method = "get", operation_id = "getCurrentUser")]
    async fn me(&self, state: Data<&AppState>, auth: Auth) -> Result<Json<UserDto>, ApiError> {
        Ok(Json(session::me(&state, auth.principal()).await?.into()))
    }

    /// Change your password
    ///
    /// Any role; local accounts only. Ends every other session and returns a fresh
    /// pair for this one. Field errors (422) name `current_password` or
    /// `new_password`.
    #[oai(path = "/password", method = "post", operation_id = "changePassword")]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        body: JsonBody<ChangePasswordRequest>,
    ) -> Result<Json<TokenResponse>, ApiError> {
        let pair = session::change_password(
            &state,
            &request_ctx(req),
            auth.principal(),
            &body.current_password,
            &body.new_password,
        )
        .await?;
        Ok(Json(pair.into()))
    }
}
