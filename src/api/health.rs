//! Probes and metrics, outside the versioned API: `/healthz` (process
//! alive), `/readyz` (database reachable and schema current), `/metrics`.

use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler};

use super::problem::RETRY_AFTER_UNAVAILABLE;
use crate::service::health::readiness;
use crate::state::AppState;

#[handler]
pub async fn healthz() -> Response {
    Json(serde_json::json!({ "status": "ok" })).into_response()
}

#[handler]
pub async fn readyz(state: Data<&AppState>) -> Response {
    let r = readiness(&state).await;
    let status = if r.is_ready() { "ready" } else { "not_ready" };
    let body = serde_json::json!({
        "status": status,
        "database": match &r.database { Ok(()) => "ok".to_owned(), Err(e) => e.clone() },
        "schema": match &r.schema_current {
            Ok(true) => "current".to_owned(),
            Ok(false) => "pending migrations: run `shopdb migrate up`".to_owned(),
            Err(e) => e.clone(),
        },
    });
    let mut resp = Json(body).into_response();
    if !r.is_ready() {
        resp.set_status(StatusCode::SERVICE_UNAVAILABLE);
        resp.headers_mut().insert(
            poem::http::header::RETRY_AFTER,
            poem::http::HeaderValue::from(RETRY_AFTER_UNAVAILABLE),
        );
    }
    resp.headers_mut().insert(
        poem::http::header::CACHE_CONTROL,
        poem::http::HeaderValue::from_static("no-store"),
    );
    resp
}

#[handler]
pub async fn metrics(state: Data<&AppState>) -> Response {
    let text = state.metrics.render(
        state.db.pool_stats(),
        state.db.statement_count(),
        state.db.backend().as_str(),
    );
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}
