//! The embedded web UI (`web/dist`, built by build.rs) with SPA fallback.
//!
//! poem's embedded-files endpoint has no SPA fallback and rejects HEAD, so
//! this is our own: GET and HEAD; `index.html` never cached; hashed files
//! under `/assets/` cached for a year; an unknown path without an extension
//! gets `index.html` (client-side routes); a missing file with an extension
//! is a 404; `/api/...` never falls back. Lookups only ever hit the embedded
//! table, so no path can reach the file system.

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, Request, Response};
use rust_embed::RustEmbed;

use crate::api::problem::{Problem, problem_response};

#[derive(RustEmbed)]
#[folder = "$BUILD_WEB_DIST"]
struct Assets;

#[derive(Default)]
pub struct SpaEndpoint;

impl SpaEndpoint {
    pub fn new() -> Self {
        Self
    }
}

/// Whether the embedded UI is the real one (false with SHOPDB_SKIP_WEB_BUILD).
pub fn ui_built() -> bool {
    Assets::iter().any(|p| p.starts_with("assets/"))
}

fn not_found(detail: &str) -> Response {
    problem_response(&Problem::new(StatusCode::NOT_FOUND, "not_found", detail))
}

impl Endpoint for SpaEndpoint {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return Err(poem::Error::from_status(StatusCode::METHOD_NOT_ALLOWED));
        }
        let raw = req.uri().path();
        let Some(path) = normalise(raw) else {
            return Ok(not_found("no such file"));
        };
        if path == "api" || path.starts_with("api/") {
            return Ok(not_found("no such API resource"));
        }
        let (name, file) = match Assets::get(&path) {
            Some(f) if !path.is_empty() => (path, f),
            _ => {
                let last = path.rsplit('/').next().unwrap_or_default();
                if last.contains('.') {
                    return Ok(not_found("no such file"));
                }
                match Assets::get("index.html") {
                    Some(f) => ("index.html".to_owned(), f),
                    None => return Ok(not_found("the web UI is not part of this build")),
                }
            }
        };
        let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
        let cache = if name == "index.html" {
            "no-cache"
        } else if name.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=3600"
        };
        let mut resp = Response::builder()
            .header(header::ETAG, etag.as_str())
            .header(header::CACHE_CONTROL, cache)
            .content_type(file.metadata.mimetype());
        let matches = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        if matches {
            return Ok(resp.status(StatusCode::NOT_MODIFIED).finish());
        }
        let len = file.data.len();
        if req.method() == Method::HEAD {
            resp = resp.header(header::CONTENT_LENGTH, HeaderValue::from(len));
            return Ok(resp.finish());
        }
        Ok(resp.body(file.data.into_owned()))
    }
}

/// Percent-decodes the path and rejects anything that is not a plain
/// relative path: `..`, `.`, backslashes, NUL, empty segments. Returns it
/// without the leading slash ("" for the root).
fn normalise(raw: &str) -> Option<String> {
    let decoded = percent_decode(raw)?;
    let trimmed = decoded.trim_start_matches('/');
    if trimmed.is_empty() {
        return Some(String::new());
    }
    let clean = trimmed.strip_suffix('/').unwrap_or(trimmed);
    let ok = clean
        .split('/')
        .all(|seg| !seg.is_empty() && seg != ".." && seg != "." && !seg.contains(['\\', '\0']));
    ok.then(|| clean.to_owned())
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_rejected() {
        assert_eq!(normalise("/"), Some(String::new()));
        assert_eq!(normalise("/assets/app-1.js"), Some("assets/app-1.js".into()));
        assert_eq!(normalise("/assets/x/"), Some("assets/x".into()));
        assert_eq!(normalise("/..%2f..%2fetc/passwd"), None);
        assert_eq!(normalise("/a/../b"), None);
        assert_eq!(normalise("/%2e%2e/x"), None);
        assert_eq!(normalise("/a%5cb"), None);
        assert_eq!(normalise("/a%00b"), None);
        assert_eq!(normalise("/a//b"), None);
        assert_eq!(normalise("/bad%zz"), None);
    }
}
