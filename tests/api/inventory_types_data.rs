//! Field definition changes checked against existing assets, over HTTP on
//! both backends: assets are created through `POST /api/v1/assets`, and
//! their history read at `/api/v1/assets/{id}/history`.

use serde_json::{Value, json};

use crate::dual_test;
use crate::helpers::{Backend, TestApp, spawn_app};

const TYPES: &str = "/api/v1/asset-types";
const ASSETS: &str = "/api/v1/assets";

async fn new_asset(app: &TestApp, token: &str, type_key: &str, tag: &str, custom: Value) -> Value {
    let r = app
        .post_auth(
            ASSETS,
            token,
            &json!({"tag": tag, "name": format!("Asset {tag}"), "type": type_key,
                    "status": "in_service", "custom_fields": custom}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

async fn get_asset(app: &TestApp, token: &str, id: &Value) -> Value {
    let r = app.get_auth(&format!("{ASSETS}/{id}"), token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

/// Creates a type with fields; returns (type URL, field URLs by position).
async fn new_type(app: &TestApp, token: &str, key: &str, fields: Value) -> (String, Vec<String>) {
    let r = app
        .post_auth(TYPES, token, &json!({"key": key, "name": key, "fields": fields}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let t = r.json();
    let url = format!("{TYPES}/{}", t["id"]);
    let fields = t["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{url}/fields/{}", f["id"]))
        .collect();
    (url, fields)
}

fn error_fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_definition_change_is_checked_against_existing_assets(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let (url, fields) = new_type(&app, &admin, "cnc", json!([{"key": "rpm", "kind": "integer"}])).await;
    let rpm = &fields[0];
    new_asset(&app, &admin, "cnc", "M-0001", json!({"rpm": 5})).await;
    let m2 = new_asset(&app, &admin, "cnc", "M-0002", json!({"rpm": 500})).await;

    // Refused: the violating asset is named by tag, with the reason.
    let p = app
        .patch_auth(rpm, &admin, &json!({"max": 100}))
        .await
        .problem(409, "conflict");
    assert_eq!(error_fields(&p), ["M-0002"], "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 100"),
        "{p}"
    );
    assert_eq!(app.get_auth(rpm, &admin).await.json()["max"], Value::Null);
    assert_eq!(app.get_auth(&url, &admin).await.json()["version"], 1);

    // A dry run reports the same without changing anything.
    let r = app
        .patch_auth(&format!("{rpm}?dry_run=true"), &admin, &json!({"max": 100}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let report = r.json();
    assert_eq!(report["ok"], false);
    assert_eq!(report["assets_checked"], 2);
    assert_eq!(report["violation_count"], 1);
    assert_eq!(report["violations"][0]["tag"], "M-0002");
    assert_eq!(report["violations"][0]["asset_id"], m2["id"]);
    assert_eq!(app.get_auth(rpm, &admin).await.json()["max"], Value::Null);

    // A kind the values cannot take is refused too.
    let p = app
        .patch_auth(rpm, &admin, &json!({"kind": "boolean"}))
        .await
        .problem(409, "conflict");
    assert_eq!(error_fields(&p), ["M-0001", "M-0002"]);

    // A rule every asset meets is applied.
    let r = app.patch_auth(rpm, &admin, &json!({"max": 1000})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(get_asset(&app, &admin, &m2["id"]).await["version"], m2["version"]);

    // The type lists its assets.
    assert_eq!(app.get_auth(&url, &admin).await.json()["asset_count"], 2);
}
dual_test!(a_definition_change_is_checked_against_existing_assets);

async fn a_required_field_needs_a_default_that_fills_existing_assets(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let (url, _) = new_type(&app, &admin, "press", json!([])).await;
    let a = new_asset(&app, &admin, "press", "P-0001", json!({})).await;
    let b2 = new_asset(&app, &admin, "press", "P-0002", json!({})).await;
    let add = format!("{url}/fields");

    let p = app
        .post_auth(
            &add,
            &admin,
            &json!({"key": "coolant", "kind": "text", "required": true}),
        )
        .await
        .problem(409, "conflict");
    assert_eq!(error_fields(&p), ["P-0001", "P-0002"]);
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("default"),
        "{p}"
    );
    assert_eq!(app.get_auth(&url, &admin).await.json()["fields"], json!([]));

    let r = app
        .post_auth(
            &format!("{add}?dry_run=true"),
            &admin,
            &json!({"key": "coolant", "kind": "text", "required": true, "default": "emulsion"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["ok"], true);
    assert_eq!(r.json()["assets_to_update"], 2);
    assert_eq!(app.get_auth(&url, &admin).await.json()["fields"], json!([]));

    let r = app
        .post_auth(
            &add,
            &admin,
            &json!({"key": "coolant", "kind": "text", "required": true, "default": "emulsion"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    for before in [&a, &b2] {
        let after = get_asset(&app, &admin, &before["id"]).await;
        assert_eq!(after["custom_fields"]["coolant"], "emulsion");
        assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);
    }
}
dual_test!(a_required_field_needs_a_default_that_fills_existing_assets);

async fn a_unique_field_needs_distinct_values(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let (_, fields) = new_type(&app, &admin, "plc", json!([{"key": "sn", "kind": "text"}])).await;
    let sn = &fields[0];
    new_asset(&app, &admin, "plc", "PLC-1", json!({"sn": "ABC-1"})).await;
    let second = new_asset(&app, &admin, "plc", "PLC-2", json!({"sn": "abc-1"})).await;

    // Letter case does not make values distinct (MySQL's index ignores it).
    let p = app
        .patch_auth(sn, &admin, &json!({"unique": true}))
        .await
        .problem(409, "conflict");
    assert_eq!(error_fields(&p), ["PLC-1", "PLC-2"]);
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("PLC-2"),
        "{p}"
    );

    let r = app
        .patch_auth(
            &format!("{ASSETS}/{}", second["id"]),
            &admin,
            &json!({"custom_fields": {"sn": "XYZ-9"}, "version": second["version"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.patch_auth(sn, &admin, &json!({"unique": true})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["unique"], true);

    // The backfilled unique keys now hold: a third asset cannot reuse a value.
    let r = app
        .post_auth(
            ASSETS,
            &admin,
            &json!({"tag": "PLC-3", "name": "PLC 3", "type": "plc", "status": "in_service",
                    "custom_fields": {"sn": "ABC-1"}}),
        )
        .await;
    assert!(matches!(r.status.as_u16(), 409 | 422), "{}", r.text);
}
dual_test!(a_unique_field_needs_distinct_values);

async fn renaming_a_field_moves_the_values(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let (_, fields) = new_type(&app, &admin, "hmi", json!([{"key": "addr", "kind": "text"}])).await;
    let a = new_asset(&app, &admin, "hmi", "HMI-1", json!({"addr": "FE80::1"})).await;
    let r = app
        .patch_auth(&fields[0], &admin, &json!({"key": "plc_ip", "kind": "ip"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = get_asset(&app, &admin, &a["id"]).await;
    assert_eq!(after["custom_fields"], json!({"plc_ip": "fe80::1"}));
    assert_eq!(after["version"], a["version"].as_i64().unwrap() + 1);
}
dual_test!(renaming_a_field_moves_the_values);

async fn deleting_a_field_removes_values_and_keeps_history(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let (url, fields) = new_type(
        &app,
        &admin,
        "robot",
        json!([{"key": "axes", "kind": "integer"}, {"key": "vendor", "kind": "text"}]),
    )
    .await;
    let a = new_asset(&app, &admin, "robot", "R-1", json!({"axes": 6, "vendor": "KUKA"})).await;
    let untouched = new_asset(&app, &admin, "robot", "R-2", json!({"vendor": "ABB"})).await;

    let r = app.delete_auth(&fields[0], &admin).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let after = get_asset(&app, &admin, &a["id"]).await;
    assert_eq!(after["custom_fields"], json!({"vendor": "KUKA"}));
    assert_eq!(after["version"], a["version"].as_i64().unwrap() + 1);
    let same = get_asset(&app, &admin, &untouched["id"]).await;
    assert_eq!(
        same["version"], untouched["version"],
        "assets without a value are not rewritten"
    );
    assert_eq!(app.get_auth(&url, &admin).await.json()["version"], 2);

    // The asset's history keeps the old value.
    let r = app
        .get_auth(&format!("{ASSETS}/{}/history", a["id"]), &admin)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let latest = &r.json()["items"][0];
    assert_eq!(
        latest["changes"]["custom_fields.axes"],
        json!({"before": 6, "after": null})
    );
}
dual_test!(deleting_a_field_removes_values_and_keeps_history);

async fn a_type_in_use_is_not_deleted(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let (url, _) = new_type(&app, &admin, "scanner", json!([])).await;
    new_asset(&app, &admin, "scanner", "S-1", json!({})).await;
    new_asset(&app, &admin, "scanner", "S-2", json!({})).await;
    let p = app.delete_auth(&url, &admin).await.problem(409, "conflict");
    assert!(p["detail"].as_str().unwrap().contains("2 assets"), "{p}");
    assert_eq!(app.get_auth(&url, &admin).await.json()["asset_count"], 2);
}
dual_test!(a_type_in_use_is_not_deleted);

async fn a_refusal_lists_fifty_violations_and_counts_the_rest(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let (_, fields) = new_type(&app, &admin, "pc", json!([{"key": "ram_gb", "kind": "integer"}])).await;
    for i in 0..53 {
        new_asset(&app, &admin, "pc", &format!("PC-{i:04}"), json!({"ram_gb": 64})).await;
    }
    let p = app
        .patch_auth(&fields[0], &admin, &json!({"max": 32}))
        .await
        .problem(409, "conflict");
    assert_eq!(p["errors"].as_array().unwrap().len(), 50);
    assert_eq!(p["errors"][0]["field"], "PC-0000");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("53") && detail.contains("and 3 more"), "{detail}");
    let r = app
        .patch_auth(
            &format!("{}?dry_run=true", fields[0]),
            &admin,
            &json!({"max": 32}),
        )
        .await;
    assert_eq!(r.json()["violation_count"], 53);
    assert_eq!(r.json()["violations"].as_array().unwrap().len(), 53);
}
dual_test!(a_refusal_lists_fifty_violations_and_counts_the_rest);
