//! Authentication at the HTTP edge: two documented bearer schemes (session
//! JWTs and `shp_` API tokens) resolved to a `Principal` by the service
//! layer; the client address and request id for audit.

use std::net::IpAddr;

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::problem::current_request_id;
use crate::service::ServiceError;
use crate::service::auth::authenticate_bearer;
use crate::service::auth::principal::{Principal, RequestCtx};
use crate::state::AppState;

/// Why authentication failed, carried to the bad-request handler so the
/// 401 problem says what was wrong with the credentials.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AuthFailure(pub String);

impl poem::error::ResponseError for AuthFailure {
    fn status(&self) -> poem::http::StatusCode {
        poem::http::StatusCode::UNAUTHORIZED
    }
}

/// Both schemes resolve any bearer token (the service tells the kinds
/// apart by the `shp_` prefix), so whichever poem-openapi reports last
/// carries the real reason for a refusal.
async fn check(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req.data::<AppState>().ok_or_else(|| {
        poem::Error::from_string("state missing", poem::http::StatusCode::INTERNAL_SERVER_ERROR)
    })?;
    match authenticate_bearer(state, &bearer.token).await {
        Ok(p) => Ok(p),
        Err(ServiceError::Unauthenticated(m)) => Err(AuthFailure(m).into()),
        Err(other) => Err(super::problem::ServiceFailure(other).into()),
    }
}

async fn check_session(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    check(req, bearer).await
}

async fn check_api_token(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    check(req, bearer).await
}

/// A signed-in session: `Authorization: Bearer <access token>` from
/// `POST /api/v1/auth/login`.
#[derive(SecurityScheme)]
#[oai(
    rename = "session",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_session"
)]
pub struct SessionAuth(pub Principal);

/// An API token for scripts and integrations: `Authorization: Bearer shp_…`
/// from `POST /api/v1/tokens`.
#[derive(SecurityScheme)]
#[oai(
    rename = "apiToken",
    ty = "bearer",
    bearer_format = "shp_ token",
    checker = "check_api_token"
)]
pub struct ApiTokenAuth(pub Principal);

/// Either credential.
#[derive(SecurityScheme)]
pub enum Auth {
    Session(SessionAuth),
    ApiToken(ApiTokenAuth),
}

impl Auth {
    pub fn principal(&self) -> &Principal {
        match self {
            Self::Session(s) => &s.0,
            Self::ApiToken(t) => &t.0,
        }
    }
}

/// The client address (the proxy's X-Forwarded-For when the connection
/// comes from a trusted proxy) and the request id.
pub fn request_ctx(req: &Request) -> RequestCtx {
    let peer: Option<IpAddr> = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let trusted = req
        .data::<AppState>()
        .map(|s| s.config.server.trusted_proxies.clone())
        .unwrap_or_default();
    let from_proxy = peer.is_some_and(|p| trusted.iter().any(|t| t.parse::<IpAddr>().ok() == Some(p)));
    let forwarded = from_proxy
        .then(|| req.header("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim)
        .and_then(|s| s.parse::<IpAddr>().ok());
    RequestCtx {
        client_addr: forwarded.or(peer).map(|ip| ip.to_string()),
        request_id: current_request_id(),
    }
}
