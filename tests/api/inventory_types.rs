//! Asset types and their custom field definitions over HTTP, on both
//! backends: reading the seeded types, creating types with fields of every
//! kind, every error at once, roles, versions, built-in types, field
//! changes. (Changes checked against existing assets are in
//! `inventory_types_data`, which needs the assets API.)

use reqwest::Method;
use serde_json::{Value, json};

use crate::dual_test;
use crate::helpers::{Backend, TestApp, spawn_app};

const TYPES: &str = "/api/v1/asset-types";

/// PATCH with an `If-Match` header.
async fn patch_if_match(
    app: &TestApp,
    path: &str,
    token: &str,
    etag: &str,
    body: &Value,
) -> crate::helpers::Resp {
    app.send(
        app.request(Method::PATCH, path)
            .await
            .bearer_auth(token)
            .header("If-Match", etag)
            .json(body),
    )
    .await
}

fn error_fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

fn keys(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap().to_owned())
        .collect()
}

async fn seeded_types_are_listed_in_fixed_statements(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let (viewer, _) = app.user_token("vera", "viewer").await;
    let r = app.get_auth(TYPES, &viewer).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.json();
    assert_eq!(
        keys(&list),
        ["computer", "machine", "network_device", "other", "printer"]
    );
    assert_eq!(list["total"], 5);
    assert_eq!(list["limit"], 50);
    let machine = &list["items"][1];
    assert_eq!(machine["name"], "Machine");
    assert_eq!(machine["builtin"], true);
    assert_eq!(machine["asset_count"], 0);
    assert_eq!(machine["version"], 1);
    assert_eq!(machine["fields"], json!([]));

    // The statement count of a list does not grow with types or fields.
    let before = app.state.db.statement_count();
    app.get_auth(TYPES, &viewer).await;
    let five = app.state.db.statement_count() - before;
    let admin = app.admin_token().await;
    for i in 0..4 {
        let r = app
            .post_auth(
                TYPES,
                &admin,
                &json!({"key": format!("robot_{i}"), "name": format!("Robot {i}"),
                    "fields": [{"key": "axes", "kind": "integer"}, {"key": "vendor", "kind": "text"}]}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let before = app.state.db.statement_count();
    let r = app.get_auth(TYPES, &viewer).await;
    assert_eq!(app.state.db.statement_count() - before, five);
    assert_eq!(r.json()["total"], 9);
    assert_eq!(r.json()["items"][5]["fields"][1]["key"], "vendor");

    // Paging follows the list conventions: over the max is a 400.
    let r = app.get_auth(&format!("{TYPES}?limit=2&offset=1"), &viewer).await;
    assert_eq!(keys(&r.json()), ["machine", "network_device"]);
    app.get_auth(&format!("{TYPES}?limit=1001"), &viewer)
        .await
        .problem(400, "invalid_parameter");
}
dual_test!(seeded_types_are_listed_in_fixed_statements);

async fn a_type_with_fields_of_every_kind_reads_back(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let body = json!({
        "key": "cnc_mill",
        "name": "CNC mill",
        "description": "  Milling centres  ",
        "fields": [
            {"key": "controller", "label": "Controller", "kind": "select",
             "choices": ["Sinumerik 840D", "Fanuc 31i", "Heidenhain TNC 640"], "default": "Fanuc 31i",
             "help": "The CNC control"},
            {"key": "spindle_rpm", "label": "Max spindle speed", "kind": "integer",
             "min": 0, "max": 40000, "required": true, "default": 12000},
            {"key": "table_load_kg", "kind": "decimal", "min": 0.5},
            {"key": "has_probe", "kind": "boolean", "default": false},
            {"key": "last_calibration", "kind": "date"},
            {"key": "manual", "kind": "url", "pattern": "https://wiki\\.plant\\.local/.*"},
            {"key": "plc_ip", "kind": "ip", "default": "FE80::1"},
            {"key": "serial_plc", "label": "PLC serial", "kind": "text", "unique": true,
             "pattern": "[A-Z]{2}-[0-9]{4}", "min": 7, "max": 7, "position": 50}
        ]
    });
    let r = app.post_auth(TYPES, &admin, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"1\""));
    let location = r.header("location").unwrap().to_owned();
    let created = r.json();
    assert_eq!(location, format!("{TYPES}/{}", created["id"]));
    assert_eq!(created["description"], "Milling centres");
    assert_eq!(created["builtin"], false);
    assert_eq!(created["asset_count"], 0);

    let (viewer, _) = app.user_token("vera", "viewer").await;
    let r = app.get_auth(&location, &viewer).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"1\""));
    let t = r.json();
    assert_eq!(t, created);
    let f = t["fields"].as_array().unwrap();
    let kinds: Vec<&str> = f.iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "select", "integer", "decimal", "boolean", "date", "url", "ip", "text"
        ]
    );
    assert_eq!(
        f[0]["choices"],
        json!(["Sinumerik 840D", "Fanuc 31i", "Heidenhain TNC 640"])
    );
    assert_eq!(f[0]["default"], "Fanuc 31i");
    assert_eq!(f[0]["help"], "The CNC control");
    assert_eq!(f[1]["required"], true);
    assert_eq!(f[1]["min"].as_f64(), Some(0.0));
    assert_eq!(f[1]["max"].as_f64(), Some(40000.0));
    assert_eq!(f[2]["label"], "table_load_kg", "the label defaults to the key");
    assert_eq!(f[2]["min"].as_f64(), Some(0.5));
    assert_eq!(f[2]["choices"], json!([]));
    assert_eq!(f[3]["default"], false);
    assert_eq!(f[5]["pattern"], "https://wiki\\.plant\\.local/.*");
    assert_eq!(f[6]["default"], "fe80::1", "defaults are stored canonical");
    assert_eq!(f[7]["unique"], true);
    assert_eq!(f[7]["position"], 50);
    assert_eq!(f[0]["position"], 0);

    // One field by its own URL.
    let fid = f[7]["id"].as_i64().unwrap();
    let r = app.get_auth(&format!("{location}/fields/{fid}"), &viewer).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), f[7]);
    assert_eq!(r.header("etag"), Some("\"1\""));
    app.get_auth(&format!("{location}/fields/999999"), &viewer)
        .await
        .problem(404, "not_found");
    app.get_auth(&format!("{TYPES}/999999"), &viewer)
        .await
        .problem(404, "not_found");

    // The type is listed with its fields.
    let list = app.get_auth(TYPES, &viewer).await.json();
    assert_eq!(keys(&list)[0], "cnc_mill");
    assert_eq!(list["items"][0]["fields"].as_array().unwrap().len(), 8);
}
dual_test!(a_type_with_fields_of_every_kind_reads_back);

async fn every_definition_error_is_reported_at_once(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let r = app
        .post_auth(
            TYPES,
            &admin,
            &json!({
                "key": "Bad Key",
                "name": " ",
                "fields": [
                    {"key": "os", "kind": "text", "pattern": "("},
                    {"key": "controller", "kind": "select"},
                    {"key": "rpm", "kind": "integer", "min": 10, "max": 1},
                    {"key": "level", "kind": "integer", "max": 5, "default": 9},
                    {"key": "shade", "kind": "colour"},
                    {"key": "os", "kind": "boolean", "choices": ["yes"]},
                    {"key": "Serial", "kind": "text", "pattern": "(a{1000}){1000}"},
                    {"key": "ctrl", "kind": "select", "choices": ["A", "A", ""]}
                ]
            }),
        )
        .await;
    let p = r.problem(422, "validation_failed");
    assert_eq!(
        error_fields(&p),
        [
            "key",
            "name",
            "fields[0].pattern",
            "fields[1].choices",
            "fields[2].min",
            "fields[3].default",
            "fields[4].kind",
            "fields[5].key",
            "fields[5].choices",
            "fields[6].key",
            "fields[6].pattern",
            "fields[7].choices[1]",
            "fields[7].choices[2]",
        ],
        "{p}"
    );
    let message = |field: &str| -> String {
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(message("fields[4].kind").contains("text, integer, decimal, boolean, date, select, url, ip"));
    assert!(message("fields[3].default").contains("at most 5"));
    assert!(message("fields[0].pattern").contains("regular expression"));
    assert!(message("fields[5].key").contains("fields[0].key"));
    // Nothing was created.
    assert_eq!(app.get_auth(TYPES, &admin).await.json()["total"], 5);

    // A taken key is a conflict; oversized strings are refused by the schema.
    app.post_auth(TYPES, &admin, &json!({"key": "machine", "name": "Again"}))
        .await
        .problem(409, "conflict");
    let p = app
        .post_auth(TYPES, &admin, &json!({"key": "big", "name": "x".repeat(5000)}))
        .await
        .problem(400, "invalid_body");
    assert_eq!(error_fields(&p), ["name"]);
    let p = app
        .post_auth(
            TYPES,
            &admin,
            &json!({"key": "big", "name": "Big", "fields": [{"key": "k", "kind": "text", "help": "h".repeat(5000)}]}),
        )
        .await
        .problem(400, "invalid_body");
    assert_eq!(error_fields(&p), ["fields[0].help"]);

    // The same rules on the field endpoints, named without a prefix.
    let machine = app.get_auth(TYPES, &admin).await.json()["items"][1]["id"].clone();
    let fields = format!("{TYPES}/{machine}/fields");
    let p = app
        .post_auth(
            &fields,
            &admin,
            &json!({"key": "os", "kind": "text", "pattern": "("}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(error_fields(&p), ["pattern"]);
    let p = app
        .post_auth(&fields, &admin, &json!({"key": "os", "kind": "colour"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(error_fields(&p), ["kind"]);
    let p = app
        .post_auth(
            &fields,
            &admin,
            &json!({"key": "n", "kind": "date", "min": 1, "pattern": "x"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(error_fields(&p), ["pattern", "min"]);
    let p = app
        .post_auth(
            &fields,
            &admin,
            &json!({"key": "sn", "kind": "text", "unique": true, "default": "X"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(error_fields(&p), ["default"]);
}
dual_test!(every_definition_error_is_reported_at_once);

async fn only_admins_change_types_and_fields(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let r = app
        .post_auth(
            TYPES,
            &admin,
            &json!({"key": "robot", "name": "Robot", "fields": [{"key": "axes", "kind": "integer"}]}),
        )
        .await;
    let t = r.json();
    let url = format!("{TYPES}/{}", t["id"]);
    let field = format!("{url}/fields/{}", t["fields"][0]["id"]);
    let (editor, _) = app.user_token("eddie", "editor").await;
    let (viewer, _) = app.user_token("vera", "viewer").await;
    for token in [&editor, &viewer] {
        app.post_auth(TYPES, token, &json!({"key": "x", "name": "X"}))
            .await
            .problem(403, "forbidden");
        app.patch_auth(&url, token, &json!({"name": "Robot arm", "version": 1}))
            .await
            .problem(403, "forbidden");
        app.delete_auth(&url, token).await.problem(403, "forbidden");
        app.post_auth(
            &format!("{url}/fields"),
            token,
            &json!({"key": "payload", "kind": "decimal"}),
        )
        .await
        .problem(403, "forbidden");
        app.patch_auth(&field, token, &json!({"label": "Axes"}))
            .await
            .problem(403, "forbidden");
        app.delete_auth(&field, token).await.problem(403, "forbidden");
        // Reading is for everyone.
        assert_eq!(app.get_auth(&url, token).await.status, 200);
        assert_eq!(app.get_auth(&field, token).await.status, 200);
        assert_eq!(app.get_auth(TYPES, token).await.status, 200);
    }
    // Nothing changed.
    let r = app.get_auth(&url, &admin).await;
    assert_eq!(r.json(), t);
    assert_eq!(app.get_auth(TYPES, &admin).await.json()["total"], 6);
    app.get(TYPES).await.problem(401, "unauthenticated");
}
dual_test!(only_admins_change_types_and_fields);

async fn type_updates_need_the_current_version(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let t = app
        .post_auth(
            TYPES,
            &admin,
            &json!({"key": "robot", "name": "Robot", "description": "Arms"}),
        )
        .await
        .json();
    let url = format!("{TYPES}/{}", t["id"]);

    app.patch_auth(&url, &admin, &json!({"name": "Robot arm"}))
        .await
        .problem(428, "version_required");
    let r = patch_if_match(&app, &url, &admin, "\"1\"", &json!({"name": "Robot arm"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(r.json()["name"], "Robot arm");
    assert_eq!(r.json()["description"], "Arms");
    assert_eq!(r.json()["key"], "robot");

    // Stale: 412 with If-Match, 409 with a body version; nothing written.
    let p = patch_if_match(&app, &url, &admin, "\"1\"", &json!({"name": "Lost"}))
        .await
        .problem(412, "precondition_failed");
    assert_eq!(p["current_version"], 2);
    let p = app
        .patch_auth(&url, &admin, &json!({"name": "Lost", "version": 1}))
        .await
        .problem(409, "stale_version");
    assert_eq!(p["current_version"], 2);
    assert_eq!(app.get_auth(&url, &admin).await.json()["name"], "Robot arm");

    // A body version works too; null clears the description.
    let r = app
        .patch_auth(&url, &admin, &json!({"description": null, "version": 2}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["description"], Value::Null);
    assert_eq!(r.json()["version"], 3);
    let p = app
        .patch_auth(&url, &admin, &json!({"name": "", "version": 3}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(error_fields(&p), ["name"]);
    app.patch_auth(
        &format!("{TYPES}/999999"),
        &admin,
        &json!({"name": "X", "version": 1}),
    )
    .await
    .problem(404, "not_found");
}
dual_test!(type_updates_need_the_current_version);

async fn builtin_types_are_renamed_not_deleted(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let machine = app.get_auth(TYPES, &admin).await.json()["items"][1].clone();
    assert_eq!(machine["key"], "machine");
    let url = format!("{TYPES}/{}", machine["id"]);
    let p = app.delete_auth(&url, &admin).await.problem(409, "conflict");
    assert!(p["detail"].as_str().unwrap().contains("built-in"), "{p}");

    let r = patch_if_match(
        &app,
        &url,
        &admin,
        "\"1\"",
        &json!({"name": "Production machine"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["name"], "Production machine");
    assert_eq!(r.json()["key"], "machine");
    assert_eq!(r.json()["builtin"], true);
    assert_eq!(
        app.get_auth(&url, &admin).await.json()["name"],
        "Production machine"
    );
}
dual_test!(builtin_types_are_renamed_not_deleted);

async fn an_unused_type_is_deleted(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let t = app
        .post_auth(
            TYPES,
            &admin,
            &json!({"key": "scanner", "name": "Scanner", "fields": [{"key": "dpi", "kind": "integer"}]}),
        )
        .await
        .json();
    let url = format!("{TYPES}/{}", t["id"]);
    // A stale If-Match is refused; none is fine.
    let r = app
        .send(
            app.request(Method::DELETE, &url)
                .await
                .bearer_auth(&admin)
                .header("If-Match", "\"7\""),
        )
        .await;
    r.problem(412, "precondition_failed");
    let r = app.delete_auth(&url, &admin).await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.get_auth(&url, &admin).await.problem(404, "not_found");
    app.delete_auth(&url, &admin).await.problem(404, "not_found");
    assert_eq!(app.get_auth(TYPES, &admin).await.json()["total"], 5);
    // The key is free again.
    let r = app
        .post_auth(TYPES, &admin, &json!({"key": "scanner", "name": "Scanner"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["fields"], json!([]));
}
dual_test!(an_unused_type_is_deleted);

async fn field_definitions_change_freely_without_assets(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let t = app
        .post_auth(
            TYPES,
            &admin,
            &json!({"key": "press", "name": "Press", "fields": [{"key": "tonnage", "kind": "integer"}]}),
        )
        .await
        .json();
    let url = format!("{TYPES}/{}", t["id"]);
    let fields = format!("{url}/fields");

    // Add: 201 with Location; the type's version moves on.
    let r = app
        .post_auth(
            &fields,
            &admin,
            &json!({"key": "die_height", "label": "Die height", "kind": "decimal", "required": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    let field = r.header("location").unwrap().to_owned();
    assert_eq!(field, format!("{fields}/{}", r.json()["id"]));
    assert_eq!(r.json()["position"], 1, "appended after the last field");
    app.post_auth(&fields, &admin, &json!({"key": "die_height", "kind": "text"}))
        .await
        .problem(409, "conflict");

    // A dry run reports and changes nothing.
    let r = app
        .patch_auth(
            &format!("{field}?dry_run=true"),
            &admin,
            &json!({"kind": "integer"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"ok": true, "assets_checked": 0, "assets_to_update": 0, "violation_count": 0, "violations": []})
    );
    assert_eq!(r.header("etag"), Some("\"2\""));
    let r = app
        .post_auth(
            &format!("{fields}?dry_run=true"),
            &admin,
            &json!({"key": "stroke", "kind": "integer", "required": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["ok"], true);
    assert_eq!(app.get_auth(&url, &admin).await.json()["version"], 2);

    // Change kind, rules, key and label at once.
    let r = app
        .patch_auth(
            &field,
            &admin,
            &json!({"key": "shut_height_mm", "label": "Shut height", "kind": "integer", "min": 100, "max": 900,
                    "required": false, "unique": true, "help": "Measured at BDC"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"3\""));
    let f = r.json();
    assert_eq!(f["key"], "shut_height_mm");
    assert_eq!(f["kind"], "integer");
    assert_eq!(f["unique"], true);
    assert_eq!(f["help"], "Measured at BDC");
    assert_eq!(app.get_auth(&field, &admin).await.json(), f);

    // Errors name the property; clearing with null works.
    let p = app
        .patch_auth(&field, &admin, &json!({"kind": "colour"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(error_fields(&p), ["kind"]);
    let p = app
        .patch_auth(&field, &admin, &json!({"kind": "text", "pattern": "("}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(error_fields(&p), ["pattern"]);
    let p = app
        .patch_auth(&field, &admin, &json!({"kind": "boolean"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        error_fields(&p),
        ["min", "max"],
        "bounds must be cleared first: {p}"
    );
    let r = app
        .patch_auth(
            &field,
            &admin,
            &json!({"kind": "boolean", "min": null, "max": null, "help": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["min"], Value::Null);
    assert_eq!(r.json()["help"], Value::Null);
    let tonnage = t["fields"][0]["id"].clone();
    app.patch_auth(
        &format!("{fields}/{tonnage}"),
        &admin,
        &json!({"key": "shut_height_mm"}),
    )
    .await
    .problem(409, "conflict");

    // Stale If-Match on a field write.
    let r = app
        .send(
            app.request(Method::PATCH, &field)
                .await
                .bearer_auth(&admin)
                .header("If-Match", "\"1\"")
                .json(&json!({"label": "X"})),
        )
        .await;
    assert_eq!(r.problem(412, "precondition_failed")["current_version"], 4);

    // Delete: 204, gone from the type, version bumped.
    let r = app.delete_auth(&field, &admin).await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.get_auth(&field, &admin).await.problem(404, "not_found");
    let t = app.get_auth(&url, &admin).await.json();
    assert_eq!(t["version"], 5);
    let left: Vec<&str> = t["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(left, ["tonnage"]);
}
dual_test!(field_definitions_change_freely_without_assets);
