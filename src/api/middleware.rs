//! Cross-cutting HTTP concerns, in one pass per request: request id, body
//! size limit, problem+json for escaped errors, security headers, metrics
//! and one access-log line.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use poem::http::{HeaderName, HeaderValue, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use poem_openapi::OperationId;
use tokio::io::{AsyncRead, ReadBuf};

use super::problem::{Problem, REQUEST_ID, error_response, problem_response};
use crate::state::AppState;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The message a body read fails with when it passes the limit; the
/// bad-request handler turns it into a 413.
pub const BODY_LIMIT_MESSAGE: &str = "request body exceeds the configured limit";

/// Strict by default. The Swagger UI page at /api/docs needs inline script.
const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
    script-src 'self'; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";
const CSP_DOCS: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
    script-src 'self' 'unsafe-inline'; connect-src 'self'; font-src 'self' data:; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Wraps the whole app. `ep` is everything else.
pub async fn observe<E: Endpoint>(ep: Arc<E>, mut req: Request, state: AppState) -> poem::Result<Response> {
    let started = Instant::now();
    let request_id = incoming_request_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let limit = body_limit(&state, &req);

    let resp = REQUEST_ID
        .scope(request_id.clone(), async {
            if let Some(len) = content_length(&req)
                && len > limit
            {
                drain(req.take_body()).await;
                return problem_response(&Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("the request body ({len} bytes) is larger than the limit of {limit} bytes"),
                ));
            }
            // Chunked bodies have no length up front: count while reading.
            let body = req.take_body();
            req.set_body(Body::from_async_read(Limited::new(body.into_async_read(), limit)));
            match ep.call(req).await {
                Ok(r) => r.into_response(),
                Err(e) => {
                    let op = e.data::<OperationId>().copied();
                    let mut resp = error_response(e);
                    if let Some(op) = op {
                        resp.set_data(op);
                    }
                    resp
                }
            }
        })
        .await;

    let mut resp = resp;
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE {
        // The rest of the body may be unread (a chunked body past the
        // limit, a declared one past the drain bounds): tell the client not
        // to reuse this connection, or its next request meets a closed socket.
        resp.headers_mut().insert(
            poem::http::header::CONNECTION,
            poem::http::HeaderValue::from_static("close"),
        );
    }
    let route = route_label(&resp, &path);
    let status = resp.status().as_u16();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
    }
    let csp = if path.starts_with("/api/docs") {
        CSP_DOCS
    } else {
        CSP
    };
    for (name, value) in [
        ("content-security-policy", csp),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(self), microphone=(), geolocation=()",
        ),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    let elapsed = started.elapsed();
    state.metrics.observe(route, status, elapsed);
    tracing::info!(
        target: "shopdb::access",
        %method,
        path,
        status,
        route,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        request_id,
        "request"
    );
    Ok(resp)
}

/// How much of a refused body is read and thrown away before the 413, and
/// for how long: a client still sending when the server closes gets a
/// broken pipe (a reset) instead of the answer.
const DRAIN_MAX_BYTES: u64 = 64 * 1024 * 1024;
const DRAIN_MAX_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads a refused body to its end (within the bounds above), so the 413
/// reaches the client; past them, the connection closes as before.
async fn drain(body: Body) {
    use tokio::io::AsyncReadExt;
    let mut rest = body.into_async_read().take(DRAIN_MAX_BYTES);
    let _ = tokio::time::timeout(DRAIN_MAX_TIME, tokio::io::copy(&mut rest, &mut tokio::io::sink())).await;
}

/// Routes that take whole files may carry more than the global limit.
const IMPORT_ROUTES: [&str; 3] = [
    "/api/v1/assets/import",
    "/api/v1/assets/import/preview",
    "/api/v1/assets/bulk",
];

/// The body limit of this request: `import.max_bytes` for a POST to an
/// import route, `server.body_limit` for everything else.
fn body_limit(state: &AppState, req: &Request) -> u64 {
    if req.method() == poem::http::Method::POST && IMPORT_ROUTES.contains(&req.uri().path()) {
        state
            .config
            .import
            .max_bytes
            .0
            .max(state.config.server.body_limit.0)
    } else {
        state.config.server.body_limit.0
    }
}

/// Accept a caller's id (a proxy's, or a client's for correlation) only if
/// it is short and plain, so it cannot forge log lines or headers.
fn incoming_request_id(req: &Request) -> Option<String> {
    let v = req.headers().get(REQUEST_ID_HEADER)?.to_str().ok()?;
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    ok.then(|| v.to_owned())
}

fn content_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(poem::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Bounded label set: operationIds for API operations, fixed names otherwise.
fn route_label(resp: &Response, path: &str) -> &'static str {
    if let Some(op) = resp.data::<OperationId>() {
        return op.0;
    }
    match path {
        "/healthz" => "healthz",
        "/readyz" => "readyz",
        "/metrics" => "metrics",
        "/api/openapi.json" => "openapi",
        p if p.starts_with("/api/docs") => "docs",
        p if p.starts_with("/api/") || p == "/api" => "api_unmatched",
        _ => "web",
    }
}

/// An `AsyncRead` that fails once more than `remaining` bytes come through.
/// It reads at most `remaining + 1` bytes at a time into its own scratch
/// buffer, so the caller never receives a byte past the limit.
struct Limited<R> {
    inner: R,
    remaining: u64,
    scratch: Vec<u8>,
}

impl<R> Limited<R> {
    fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            remaining: limit,
            scratch: Vec::new(),
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Limited<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let allowed = usize::try_from(this.remaining.saturating_add(1)).unwrap_or(usize::MAX);
        let want = buf.remaining().min(allowed).min(64 * 1024);
        if want == 0 {
            return Poll::Ready(Ok(()));
        }
        this.scratch.resize(want, 0);
        let mut tmp = ReadBuf::new(&mut this.scratch);
        match Pin::new(&mut this.inner).poll_read(cx, &mut tmp) {
            Poll::Ready(Ok(())) => {
                let n = tmp.filled().len();
                if n as u64 > this.remaining {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        BODY_LIMIT_MESSAGE,
                    )));
                }
                this.remaining -= n as u64;
                buf.put_slice(tmp.filled());
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn limited_reader_fails_past_the_limit() {
        let mut ok = Limited::new(&b"12345"[..], 5);
        let mut s = String::new();
        ok.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "12345");
        let mut over = Limited::new(&b"123456"[..], 5);
        let err = over.read_to_string(&mut s).await.unwrap_err();
        assert!(err.to_string().contains(BODY_LIMIT_MESSAGE));
    }

    #[test]
    fn request_ids_are_sanitised() {
        let mk = |v: &str| Request::builder().header(REQUEST_ID_HEADER, v).finish();
        assert_eq!(incoming_request_id(&mk("abc-123")), Some("abc-123".into()));
        assert_eq!(incoming_request_id(&mk("bad id\r\nx")), None);
        assert_eq!(incoming_request_id(&mk(&"a".repeat(200))), None);
    }
}
