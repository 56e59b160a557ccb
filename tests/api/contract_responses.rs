//! Real responses against the published spec: what a generated client
//! would parse. Every property's type must match its schema, and a `null`
//! is only allowed where the spec says `nullable` (a strict client fails
//! on any other). The records are created with as little as possible, so
//! every optional property comes back unset.

use serde_json::{Value, json};

use crate::dual_test;
use crate::helpers::{Backend, spawn_app};

/// The checks a generated client relies on: OpenAPI 3.0 types, `nullable`,
/// `required`, `enum`, through `$ref`, `allOf`, `oneOf` / `anyOf`,
/// `items` and `additionalProperties`.
fn conform(spec: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &spec["components"]["schemas"][name];
        assert!(target.is_object(), "{at}: dangling $ref {r}");
        return conform(spec, target, v, at, errors);
    }
    if v.is_null() {
        // OAS 3.0.3: `nullable` adds null to an explicit `type`; a schema
        // with no type and no shape (`{}`, any JSON value) already has it.
        let shaped = ["type", "allOf", "oneOf", "anyOf", "enum", "properties"]
            .iter()
            .any(|k| schema.get(*k).is_some());
        if shaped && schema["nullable"] != json!(true) {
            errors.push(format!("{at}: null, but the spec does not say nullable"));
        }
        return;
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        conform(spec, part, v, at, errors);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema[key].as_array() {
            let fits = alternatives.iter().any(|alt| {
                let mut e = Vec::new();
                conform(spec, alt, v, at, &mut e);
                e.is_empty()
            });
            if !fits {
                errors.push(format!("{at}: matches none of {key}"));
            }
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(v)
    {
        errors.push(format!("{at}: {v} is not one of {allowed:?}"));
    }
    let fits = match schema["type"].as_str() {
        None => true,
        Some("object") => v.is_object(),
        Some("array") => v.is_array(),
        Some("string") => v.is_string(),
        Some("integer") => v.is_i64() || v.is_u64(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        Some(other) => panic!("{at}: unknown schema type {other}"),
    };
    if !fits {
        errors.push(format!("{at}: {v} is not of type {}", schema["type"]));
        return;
    }
    if let Some(obj) = v.as_object() {
        for key in schema["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            if !obj.contains_key(key) {
                errors.push(format!("{at}: required property `{key}` is missing"));
            }
        }
        for (key, value) in obj {
            let sub = &schema["properties"][key];
            let sub = if sub.is_object() {
                sub
            } else {
                &schema["additionalProperties"]
            };
            if sub.is_object() {
                conform(spec, sub, value, &format!("{at}.{key}"), errors);
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), v.as_array()) {
        for (i, item) in list.iter().enumerate() {
            conform(spec, items, item, &format!("{at}[{i}]"), errors);
        }
    }
}

/// The 200 response schema of `GET template`.
fn ok_schema<'a>(spec: &'a Value, template: &str) -> &'a Value {
    let content = &spec["paths"][template]["get"]["responses"]["200"]["content"];
    let json = content
        .as_object()
        .and_then(|c| c.iter().find(|(k, _)| k.contains("json")))
        .unwrap_or_else(|| panic!("GET {template}: no JSON 200 response in the spec"));
    &json.1["schema"]
}

async fn responses_conform_to_the_spec_nulls_included(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let spec: Value = serde_json::from_str(&shopdb::api::spec_json()).unwrap();

    // Bare records: every optional property unset.
    let r = app
        .post_auth(
            "/api/v1/locations",
            &t,
            &json!({"name": "Hall Z", "kind": "hall"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let loc = r.json()["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for tag in ["BARE-1", "BARE-2"] {
        let r = app
            .post_auth(
                "/api/v1/assets",
                &t,
                &json!({"tag": tag, "name": "Bare", "type": "other"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    let (a, other) = (ids[0], ids[1]);
    let r = app
        .post_auth(
            &format!("/api/v1/assets/{a}/relations"),
            &t,
            &json!({"kind": "connected_to", "target_id": other}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // A user without an e-mail address who never signed in.
    app.user_token("bare.viewer", "viewer").await;

    let reads = [
        ("/api/v1/assets/{id}", format!("/api/v1/assets/{a}")),
        ("/api/v1/assets", "/api/v1/assets?limit=10".to_owned()),
        (
            "/api/v1/assets",
            "/api/v1/assets?limit=10&fields=tag,ip,notes".to_owned(),
        ),
        (
            "/api/v1/assets/{id}/relations",
            format!("/api/v1/assets/{a}/relations"),
        ),
        (
            "/api/v1/assets/{id}/history",
            format!("/api/v1/assets/{a}/history"),
        ),
        ("/api/v1/changes", "/api/v1/changes".to_owned()),
        ("/api/v1/locations", "/api/v1/locations".to_owned()),
        ("/api/v1/locations/tree", "/api/v1/locations/tree".to_owned()),
        ("/api/v1/locations/{id}", format!("/api/v1/locations/{loc}")),
        ("/api/v1/asset-types", "/api/v1/asset-types".to_owned()),
        ("/api/v1/users", "/api/v1/users".to_owned()),
        ("/api/v1/tokens", "/api/v1/tokens".to_owned()),
        ("/api/v1/audit", "/api/v1/audit".to_owned()),
        ("/api/v1/summary", "/api/v1/summary".to_owned()),
    ];
    let mut errors = Vec::new();
    let mut nulls = 0;
    for (template, url) in &reads {
        let r = app.get_auth(url, &t).await;
        assert_eq!(r.status, 200, "GET {url}: {}", r.text);
        let body = r.json();
        nulls += body.to_string().matches(":null").count();
        conform(
            &spec,
            ok_schema(&spec, template),
            &body,
            &format!("GET {url}"),
            &mut errors,
        );
    }
    assert!(
        errors.is_empty(),
        "responses that break the spec:\n{}",
        errors.join("\n")
    );
    // The bare records did produce nulls to check.
    assert!(nulls > 20, "only {nulls} nulls in the responses");
}
dual_test!(responses_conform_to_the_spec_nulls_included);

/// An offset past what any database column can hold is a 400 naming
/// `offset` on every paged list (MySQL refused the bound value: a 500).
async fn offsets_past_the_maximum_are_a_400_on_every_list(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let a = app
        .post_auth(
            "/api/v1/assets",
            &t,
            &json!({"tag": "OFF-1", "name": "Offset", "type": "other"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let lists = [
        "/api/v1/assets".to_owned(),
        format!("/api/v1/assets/{a}/history"),
        "/api/v1/changes".to_owned(),
        "/api/v1/locations".to_owned(),
        "/api/v1/asset-types".to_owned(),
        "/api/v1/users".to_owned(),
        "/api/v1/audit".to_owned(),
    ];
    for list in &lists {
        for offset in ["18446744073709551615", "1000000001"] {
            let p = app
                .get_auth(&format!("{list}?offset={offset}"), &t)
                .await
                .problem(400, "invalid_parameter");
            assert_eq!(p["errors"][0]["field"], "offset", "{list}: {p}");
        }
        let r = app.get_auth(&format!("{list}?offset=1000000000"), &t).await;
        assert_eq!(r.status, 200, "{list}: {}", r.text);
    }
}
dual_test!(offsets_past_the_maximum_are_a_400_on_every_list);
