//! User administration: `/api/v1/users`.

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::accounts::{DEFAULT_LIMIT, RoleDto, UserDto};
use super::auth::NoContent;
use super::json_body::JsonBody;
use super::problem::ApiError;
use super::security::{Auth, request_ctx};
use crate::domain::UserId;
use crate::service::auth::users::{self, CreateUser, UpdateUser};
use crate::state::AppState;

#[derive(Object, Debug)]
pub struct UserList {
    pub items: Vec<UserDto>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Object, Debug)]
pub struct CreateUserRequest {
    /// 1-100 characters: letters, digits, `.`, `_`, `-`, `@` (stored lowercase).
    #[oai(validator(max_length = 256))]
    pub username: String,
    #[oai(validator(max_length = 400))]
    pub display_name: Option<String>,
    #[oai(validator(max_length = 400))]
    pub email: Option<String>,
    pub role: RoleDto,
    /// At least 12 characters, not the username, not a common password.
    #[oai(validator(max_length = 1024))]
    pub password: String,
    /// Require a new password at the first sign-in (default true).
    pub must_change_password: Option<bool>,
}

#[derive(Object, Debug)]
pub struct UpdateUserRequest {
    #[oai(validator(max_length = 400))]
    pub display_name: Option<String>,
    /// `null` clears it.
    #[oai(nullable, validator(max_length = 400))]
    pub email: MaybeUndefined<String>,
    /// Changing the role ends the user's sessions.
    pub role: Option<RoleDto>,
    /// Disabling ends the user's sessions and blocks sign-in and API tokens.
    pub disabled: Option<bool>,
}

#[derive(Object, Debug)]
pub struct ResetPasswordRequest {
    #[oai(validator(max_length = 1024))]
    pub password: String,
    /// Require the user to change it at the next sign-in (default true).
    pub must_change_password: Option<bool>,
}

#[derive(ApiResponse)]
pub enum CreatedUser {
    /// Created; `Location` is its URL.
    #[oai(status = 201)]
    Created(Json<UserDto>, #[oai(header = "Location")] String),
}

pub struct UsersApi;

#[OpenApi(prefix_path = "/api/v1/users", tag = "ApiTags::Users")]
impl UsersApi {
    /// List users
    ///
    /// Requires role: admin.
    #[oai(path = "/", method = "get", operation_id = "listUsers")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        /// Page size, 1-1000 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Items to skip (at most 1,000,000,000).
        #[oai(validator(maximum(value = "1000000000")))]
        offset: Query<Option<u64>>,
    ) -> Result<Json<UserList>, ApiError> {
        let (limit, offset) = (limit.0.unwrap_or(DEFAULT_LIMIT), offset.0.unwrap_or(0));
        let page = users::list(&state, auth.principal(), limit, offset).await?;
        Ok(Json(UserList {
            items: page.items.into_iter().map(Into::into).collect(),
            total: page.total,
            limit,
            offset,
        }))
    }

    /// Create a local user
    ///
    /// Requires role: admin. All field errors are reported at once (422).
    #[oai(path = "/", method = "post", operation_id = "createUser")]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        body: JsonBody<CreateUserRequest>,
    ) -> Result<CreatedUser, ApiError> {
        let b = body.0;
        let user = users::create(
            &state,
            &request_ctx(req),
            auth.principal(),
            CreateUser {
                username: b.username,
                display_name: b.display_name,
                email: b.email,
                role: b.role.into(),
                password: b.password,
                must_change_password: b.must_change_password.unwrap_or(true),
            },
        )
        .await?;
        let location = format!("/api/v1/users/{}", user.id);
        Ok(CreatedUser::Created(Json(user.into()), location))
    }

    /// Get a user
    ///
    /// Requires role: admin (any role may read their own record).
    #[oai(path = "/:id", method = "get", operation_id = "getUser")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
    ) -> Result<Json<UserDto>, ApiError> {
        Ok(Json(
            users::get(&state, auth.principal(), UserId(id.0)).await?.into(),
        ))
    }

    /// Update a user
    ///
    /// Requires role: admin. Admins cannot disable themselves or drop their
    /// own admin role (409).
    #[oai(path = "/:id", method = "patch", operation_id = "updateUser")]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        body: JsonBody<UpdateUserRequest>,
    ) -> Result<Json<UserDto>, ApiError> {
        let b = body.0;
        let email = match b.email {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(v) => Some(Some(v)),
        };
        let user = users::update(
            &state,
            &request_ctx(req),
            auth.principal(),
            UserId(id.0),
            UpdateUser {
                display_name: b.display_name,
                email,
                role: b.role.map(Into::into),
                disabled: b.disabled,
            },
        )
        .await?;
        Ok(Json(user.into()))
    }

    /// Reset a user's password
    ///
    /// Requires role: admin. Local users only; ends the user's sessions.
    #[oai(path = "/:id/password", method = "post", operation_id = "resetUserPassword")]
    async fn reset_password(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        body: JsonBody<ResetPasswordRequest>,
    ) -> Result<NoContent, ApiError> {
        users::reset_password(
            &state,
            &request_ctx(req),
            auth.principal(),
            UserId(id.0),
            &body.password,
            body.must_change_password.unwrap_or(true),
        )
        .await?;
        Ok(NoContent::Done)
    }
}
