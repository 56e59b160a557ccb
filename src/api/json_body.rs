//! `JsonBody<T>`: a JSON request body like poem-openapi's `Json<T>`, but a
//! body that does not fit the schema is answered with every offending
//! property named (`username: is required`, `role: must be one of …`).
//! poem-openapi's own error names only the Rust type that failed, which
//! tells an integrator nothing. The check walks the same schema the spec
//! publishes, so the messages agree with the contract.

use std::ops::Deref;

use poem::{FromRequest, Request, RequestBody, Result};
use poem_openapi::error::ParseRequestPayloadError;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, Type};
use serde_json::Value;

use crate::service::FieldError;

#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T> Deref for JsonBody<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The body broke the schema; each entry names a property and the rule.
#[derive(Debug, thiserror::Error)]
#[error("the request body does not match the schema")]
pub struct BodyFieldErrors(pub Vec<FieldError>);

impl poem::error::ResponseError for BodyFieldErrors {
    fn status(&self) -> poem::http::StatusCode {
        poem::http::StatusCode::BAD_REQUEST
    }
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        <poem_openapi::payload::Json<T> as Payload>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        let value = if data.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&data).map_err(|err| ParseRequestPayloadError {
                reason: err.to_string(),
            })?
        };
        match T::parse_from_json(Some(value.clone())) {
            Ok(v) => Ok(Self(v)),
            Err(e) => {
                let mut registry = Registry::new();
                T::register(&mut registry);
                let mut errors = Vec::new();
                check(&registry, &T::schema_ref(), &value, "", &mut errors);
                if errors.is_empty() {
                    errors.push(FieldError::new("body", e.into_message()));
                }
                Err(BodyFieldErrors(errors).into())
            }
        }
    }
}

poem_openapi::impl_apirequest_for_payload!(JsonBody<T>, T: ParseFromJSON);

fn resolve<'a>(registry: &'a Registry, r: &'a MetaSchemaRef) -> Option<&'a MetaSchema> {
    match r {
        MetaSchemaRef::Inline(s) => Some(s),
        MetaSchemaRef::Reference(name) => registry.schemas.get(name),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Collects every way `value` breaks `schema` (the subset of JSON Schema
/// our request types use: objects, required, types, lengths, ranges, enums,
/// date-times, arrays).
fn check(
    registry: &Registry,
    schema: &MetaSchemaRef,
    value: &Value,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let Some(s) = resolve(registry, schema) else {
        return;
    };
    let here = if path.is_empty() { "body" } else { path };
    let mut fail = |m: String| errors.push(FieldError::new(here, m));
    if !s.all_of.is_empty() {
        for part in &s.all_of {
            check(registry, part, value, path, errors);
        }
        return;
    }
    match s.ty {
        "object" => {
            let Some(obj) = value.as_object() else {
                fail("must be a JSON object".into());
                return;
            };
            for r in &s.required {
                if obj.get(*r).is_none_or(Value::is_null) {
                    errors.push(FieldError::new(join(path, r), "is required"));
                }
            }
            for (name, prop) in &s.properties {
                if let Some(v) = obj.get(*name).filter(|v| !v.is_null()) {
                    check(registry, prop, v, &join(path, name), errors);
                }
            }
        }
        "string" => {
            let Some(text) = value.as_str() else {
                fail("must be a string".into());
                return;
            };
            let n = text.chars().count();
            if let Some(max) = s.max_length
                && n > max
            {
                fail(format!("must be at most {max} characters"));
            }
            if let Some(min) = s.min_length
                && n < min
            {
                fail(format!("must be at least {min} characters"));
            }
            if !s.enum_items.is_empty() && !s.enum_items.contains(value) {
                let allowed: Vec<String> = s
                    .enum_items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                fail(format!("must be one of: {}", allowed.join(", ")));
            }
            if s.format == Some("date-time") && chrono::DateTime::parse_from_rfc3339(text).is_err() {
                fail("must be an RFC 3339 date-time, e.g. 2026-11-28T08:00:00Z".into());
            }
        }
        "integer" | "number" => {
            let Some(n) = value.as_f64() else {
                fail(format!(
                    "must be {}",
                    if s.ty == "integer" {
                        "an integer"
                    } else {
                        "a number"
                    }
                ));
                return;
            };
            if s.ty == "integer" && !(value.is_i64() || value.is_u64()) {
                fail("must be an integer".into());
            }
            if let Some(max) = s.maximum
                && n > max
            {
                fail(format!("must be at most {max}"));
            }
            if let Some(min) = s.minimum
                && n < min
            {
                fail(format!("must be at least {min}"));
            }
        }
        "boolean" if !value.is_boolean() => fail("must be true or false".into()),
        "array" => {
            let Some(items) = value.as_array() else {
                fail("must be an array".into());
                return;
            };
            if let Some(max) = s.max_items
                && items.len() > max
            {
                fail(format!("has {} items; at most {max} are allowed", items.len()));
                return;
            }
            if let Some(min) = s.min_items
                && items.len() < min
            {
                fail(format!("must have at least {min} item(s)"));
            }
            if let Some(item) = &s.items {
                for (i, v) in items.iter().enumerate() {
                    check(registry, item, v, &format!("{here}[{i}]"), errors);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem_openapi::{Enum, Object};

    #[derive(Enum)]
    #[oai(rename_all = "lowercase")]
    enum Colour {
        Red,
        Blue,
    }

    #[derive(Object)]
    struct Inner {
        #[oai(validator(maximum(value = "10")))]
        n: i64,
    }

    #[derive(Object)]
    struct Req {
        #[oai(validator(max_length = 5))]
        name: String,
        colour: Colour,
        when: Option<chrono::DateTime<chrono::Utc>>,
        inner: Option<Inner>,
        flag: Option<bool>,
    }

    fn errors(v: Value) -> Vec<(String, String)> {
        let mut registry = Registry::new();
        Req::register(&mut registry);
        let mut out = Vec::new();
        check(&registry, &Req::schema_ref(), &v, "", &mut out);
        out.into_iter().map(|e| (e.field, e.message)).collect()
    }

    #[test]
    fn names_every_offending_property() {
        let e = errors(
            serde_json::json!({"name": "toolong", "colour": "green", "when": "yesterday",
            "inner": {"n": 11}, "flag": "yes"}),
        );
        let fields: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["name", "colour", "when", "inner.n", "flag"], "{e:?}");
        assert!(e[0].1.contains("at most 5"));
        assert!(e[1].1.contains("red, blue"));
        let e = errors(serde_json::json!({"colour": "red"}));
        assert_eq!(e, [("name".to_owned(), "is required".to_owned())]);
        let e = errors(serde_json::json!([1]));
        assert_eq!(e[0].0, "body");
        assert!(errors(serde_json::json!({"name": "ok", "colour": "blue"})).is_empty());
    }
}
