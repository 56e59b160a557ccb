//! RFC 9457 problem details: the one error shape of the whole API.
//!
//! Handlers return `Result<_, ApiError>`, so every error status is in the
//! spec; poem-openapi's own parse errors come through `bad_request`, and
//! errors outside the OpenAPI service (unknown path, body too large) through
//! `error_response`.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::service::{FieldError, ServiceError};

tokio::task_local! {
    /// The current request's id, set by the request-id middleware so that
    /// problems and logs carry it without threading it through every call.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// One broken rule of the input.
#[derive(Object, Debug, Clone, PartialEq, Eq)]
pub struct ProblemField {
    /// The field (JSON property, query parameter or header) at fault.
    pub field: String,
    /// The rule it broke, in words.
    pub message: String,
}

/// An error (RFC 9457 problem details).
#[derive(Object, Debug, Clone)]
pub struct Problem {
    /// A URI naming the problem type: `urn:shopdb:problem:<code>`.
    #[oai(rename = "type")]
    pub kind: String,
    /// Short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence, for people.
    pub detail: String,
    /// Stable machine-readable code, e.g. `validation_failed`.
    pub code: String,
    /// The request id (also in the `X-Request-Id` header); quote it in reports.
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
    /// For validation failures: every field error at once.
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<ProblemField>>,
    /// For stale writes (409 `stale_version`, 412 `precondition_failed`):
    /// the record's current version.
    #[oai(skip_serializing_if_is_none)]
    pub current_version: Option<i64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:shopdb:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            request_id: current_request_id(),
            errors: None,
            current_version: None,
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = Some(
            errors
                .into_iter()
                .map(|e| ProblemField {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
        );
        self
    }
}

/// Seconds a client should wait before retrying when the database is away.
pub const RETRY_AFTER_UNAVAILABLE: u64 = 5;

#[derive(ApiResponse, Debug)]
#[oai(bad_request_handler = "bad_request")]
pub enum ApiError {
    /// The request is malformed: bad JSON, a wrong type, a missing field or a bad parameter.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No or invalid credentials.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>, #[oai(header = "WWW-Authenticate")] String),
    /// Authenticated, but the role does not allow this.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// No such resource.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the current state (duplicate, still referenced, stale version).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// `If-Match` names a version that is no longer current.
    #[oai(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Json<Problem>),
    /// The body is larger than the server accepts.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body's Content-Type is not supported.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// The input is well-formed but breaks rules; `errors` lists every field.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// A versioned record was written without `If-Match` or `version`.
    #[oai(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(Json<Problem>),
    /// Too many attempts; retry after the given seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] u64),
    /// Unexpected server error (details are in the server log under the request id).
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database is unreachable right now; retry after the given seconds.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] u64),
}

/// A service error raised while extracting a request (e.g. the database is
/// down while checking a token), carried through poem to `bad_request`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ServiceFailure(pub ServiceError);

impl poem::error::ResponseError for ServiceFailure {
    fn status(&self) -> StatusCode {
        match self.0 {
            ServiceError::Unavailable(_) | ServiceError::DirectoryUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// poem-openapi's parse failures (bad JSON, wrong type, missing field,
/// bad parameter, wrong content type) and authentication failures, in our
/// shape.
fn bad_request(err: poem::Error) -> ApiError {
    use poem_openapi::error::{ContentTypeError, ParseParamError, ParseRequestPayloadError};
    if let Some(f) = err.downcast_ref::<super::security::AuthFailure>() {
        return ApiError::Unauthorized(
            Json(Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                f.0.clone(),
            )),
            "Bearer".into(),
        );
    }
    if let Some(f) = err.downcast_ref::<super::json_body::BodyFieldErrors>() {
        let detail = match f.0.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        return ApiError::BadRequest(Json(
            Problem::new(StatusCode::BAD_REQUEST, "invalid_body", detail).with_errors(f.0.clone()),
        ));
    }
    let err = match err.downcast::<ServiceFailure>() {
        Ok(f) => return ApiError::from(f.0),
        Err(e) => e,
    };
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        let p = Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            format!("parameter `{}`: {}", e.name, e.reason),
        )
        .with_errors(vec![FieldError::new(e.name, e.reason.clone())]);
        return ApiError::BadRequest(Json(p));
    }
    if let Some(e) = err.downcast_ref::<poem_openapi::error::ParsePathError>() {
        // poem-openapi names path parameters by position (`param0`), so the
        // field is the path itself; the reason says what was expected.
        let reason = e.reason.replace("\"integer_int64\"", "an integer id");
        let p = Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            format!("a path parameter is invalid: {reason}"),
        )
        .with_errors(vec![FieldError::new("path", reason)]);
        return ApiError::BadRequest(Json(p));
    }
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        if e.reason.contains(super::middleware::BODY_LIMIT_MESSAGE) {
            return ApiError::PayloadTooLarge(Json(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than the server accepts",
            )));
        }
        // poem-openapi names the type that failed, not the property, so
        // the error is attached to the body with the rule in words.
        let (field, message) = ("body".to_owned(), e.reason.clone());
        let p = Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("the request body is invalid: {}", e.reason),
        )
        .with_errors(vec![FieldError::new(field, message)]);
        return ApiError::BadRequest(Json(p));
    }
    if err.is::<ContentTypeError>() {
        return ApiError::UnsupportedMediaType(Json(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            err.to_string(),
        )));
    }
    match err.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(Json(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than the server accepts",
        ))),
        StatusCode::UNAUTHORIZED => ApiError::Unauthorized(
            Json(Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "authentication required: send `Authorization: Bearer <access token or shp_ API token>`",
            )),
            "Bearer".into(),
        ),
        _ => ApiError::BadRequest(Json(Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            err.to_string(),
        ))),
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        use StatusCode as S;
        match e {
            ServiceError::Validation(errors) => {
                let detail = match errors.as_slice() {
                    [one] => format!("{}: {}", one.field, one.message),
                    many => format!("{} fields are invalid", many.len()),
                };
                Self::Unprocessable(Json(
                    Problem::new(S::UNPROCESSABLE_ENTITY, "validation_failed", detail).with_errors(errors),
                ))
            }
            ServiceError::NotFound(what) => Self::NotFound(Json(Problem::new(
                S::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ))),
            ServiceError::Conflict(detail) => {
                Self::Conflict(Json(Problem::new(S::CONFLICT, "conflict", detail)))
            }
            ServiceError::StaleVersion { current, if_match } => {
                let detail =
                    format!("the record was changed by someone else; the current version is {current}");
                if if_match {
                    let mut p = Problem::new(S::PRECONDITION_FAILED, "precondition_failed", detail);
                    p.current_version = Some(current);
                    Self::PreconditionFailed(Json(p))
                } else {
                    let mut p = Problem::new(S::CONFLICT, "stale_version", detail);
                    p.current_version = Some(current);
                    Self::Conflict(Json(p))
                }
            }
            ServiceError::VersionRequired => Self::PreconditionRequired(Json(Problem::new(
                S::PRECONDITION_REQUIRED,
                "version_required",
                "send the version you read: an `If-Match` header with the ETag, or `version` in the body",
            ))),
            ServiceError::ConflictWith(detail, errors) => Self::Conflict(Json(
                Problem::new(S::CONFLICT, "conflict", detail).with_errors(errors),
            )),
            ServiceError::Unauthenticated(detail) => Self::Unauthorized(
                Json(Problem::new(S::UNAUTHORIZED, "unauthenticated", detail)),
                "Bearer".into(),
            ),
            ServiceError::Forbidden(detail) => {
                Self::Forbidden(Json(Problem::new(S::FORBIDDEN, "forbidden", detail)))
            }
            ServiceError::PasswordChangeRequired => Self::Forbidden(Json(Problem::new(
                S::FORBIDDEN,
                "password_change_required",
                "change your password first (POST /api/v1/auth/password)",
            ))),
            ServiceError::AccountDisabled => Self::Forbidden(Json(Problem::new(
                S::FORBIDDEN,
                "account_disabled",
                "this account is disabled; ask an administrator",
            ))),
            ServiceError::DirectoryUnavailable(cause) => {
                tracing::warn!(request_id = current_request_id(), %cause, "directory unavailable");
                Self::Unavailable(
                    Json(Problem::new(
                        S::SERVICE_UNAVAILABLE,
                        "directory_unavailable",
                        "the company directory cannot be reached right now; local accounts can still sign in",
                    )),
                    RETRY_AFTER_UNAVAILABLE,
                )
            }
            ServiceError::RateLimited { retry_after_secs } => Self::TooManyRequests(
                Json(Problem::new(
                    S::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("too many attempts; retry in {retry_after_secs} s"),
                )),
                retry_after_secs,
            ),
            ServiceError::Unavailable(cause) => {
                tracing::warn!(request_id = current_request_id(), %cause, "database unavailable");
                Self::Unavailable(
                    Json(Problem::new(
                        S::SERVICE_UNAVAILABLE,
                        "database_unavailable",
                        "the database is unreachable right now; retry shortly",
                    )),
                    RETRY_AFTER_UNAVAILABLE,
                )
            }
            ServiceError::Internal(cause) => {
                tracing::error!(request_id = current_request_id(), %cause, "internal error");
                Self::Internal(Json(Problem::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "an unexpected error occurred; the server log has details under this request id",
                )))
            }
        }
    }
}

/// Any `poem::Error` that escaped the OpenAPI layer (unknown path, wrong
/// method, body too large, …) as problem+json.
pub fn error_response(err: poem::Error) -> Response {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError, ParseRequestPayloadError,
    };
    // A typed ApiError that poem-openapi turned into an error: keep it.
    if err.is_from_response() {
        return err.into_response();
    }
    let from_request_parsing = err.is::<super::security::AuthFailure>()
        || err.is::<super::json_body::BodyFieldErrors>()
        || err.is::<ServiceFailure>()
        || err.is::<ParseParamError>()
        || err.is::<poem_openapi::error::ParsePathError>()
        || err.is::<ParseRequestPayloadError>()
        || err.is::<ParseMultipartError>()
        || err.is::<ContentTypeError>()
        || err.is::<AuthorizationError>();
    if from_request_parsing {
        return bad_request(err).into_response();
    }
    let status = err.status();
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such resource".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this method is not allowed on this resource".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "the request body is larger than the server accepts".to_owned(),
        ),
        s if s.is_server_error() => {
            tracing::error!(request_id = current_request_id(), error = %err, "unhandled error");
            (
                "internal_error",
                "an unexpected error occurred; the server log has details under this request id".to_owned(),
            )
        }
        _ => ("bad_request", err.to_string()),
    };
    problem_response(&Problem::new(status, code, detail))
}

pub fn problem_response(p: &Problem) -> Response {
    let mut resp = Json(p.clone()).into_response();
    resp.set_status(StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    resp.headers_mut().insert(
        poem::http::header::CONTENT_TYPE,
        poem::http::HeaderValue::from_static("application/problem+json; charset=utf-8"),
    );
    resp
}
