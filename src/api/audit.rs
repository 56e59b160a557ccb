//! The security audit trail: `/api/v1/audit`.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::accounts::DEFAULT_LIMIT;
use super::problem::ApiError;
use super::security::Auth;
use crate::db::queries::audit::Filter;
use crate::service::auth::audit;
use crate::state::AppState;

/// One security event.
#[derive(Object, Debug)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    #[oai(nullable)]
    pub actor_id: Option<i64>,
    /// Who acted (a username, `directory` or `shopdb`).
    #[oai(nullable)]
    pub actor: Option<String>,
    /// e.g. `login`, `login_failed`, `api_token_created`, `role_changed`.
    pub action: String,
    /// What it was done to.
    #[oai(nullable)]
    pub target: Option<String>,
    #[oai(nullable)]
    pub client_addr: Option<String>,
    #[oai(nullable)]
    pub request_id: Option<String>,
    #[oai(nullable)]
    pub detail: Option<serde_json::Value>,
}

#[derive(Object, Debug)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

pub struct AuditApi;

#[OpenApi(prefix_path = "/api/v1/audit", tag = "ApiTags::Audit")]
impl AuditApi {
    /// List security events
    ///
    /// Sign-ins and failures, token creation and revocation, role and
    /// password changes; newest first. Requires role: admin.
    #[oai(path = "/", method = "get", operation_id = "listAuditEvents")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        /// Only this action.
        #[oai(validator(max_length = 64))]
        action: Query<Option<String>>,
        /// Only this actor.
        #[oai(validator(max_length = 100))]
        actor: Query<Option<String>>,
        /// Only events at or after this time (RFC 3339).
        since: Query<Option<DateTime<Utc>>>,
        /// Page size, 1-1000 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Items to skip (at most 1,000,000,000).
        #[oai(validator(maximum(value = "1000000000")))]
        offset: Query<Option<u64>>,
    ) -> Result<Json<AuditPage>, ApiError> {
        let (limit, offset) = (limit.0.unwrap_or(DEFAULT_LIMIT), offset.0.unwrap_or(0));
        let filter = Filter {
            action: action.0,
            actor: actor.0,
            since: since.0,
        };
        let page = audit::list(&state, auth.principal(), &filter, limit, offset).await?;
        Ok(Json(AuditPage {
            items: page
                .items
                .into_iter()
                .map(|e| AuditEvent {
                    id: e.id,
                    at: e.at,
                    actor_id: e.actor_id,
                    actor: e.actor,
                    action: e.action,
                    target: e.target,
                    client_addr: e.client_addr,
                    request_id: e.request_id,
                    detail: e.detail.and_then(|d| serde_json::from_str(&d).ok()),
                })
                .collect(),
            total: page.total,
            limit,
            offset,
        }))
    }
}
