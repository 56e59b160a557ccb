//! Assets over HTTP on both backends: create, read, scanner lookups,
//! validation (every error at once), optimistic concurrency, containment,
//! relations, history and revert.

use reqwest::Method;
use serde_json::{Value, json};

use crate::dual_test;
use crate::helpers::{Backend, Resp, TestApp, spawn_app};

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.post_auth("/api/v1/assets", token, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

fn lathe(tag: &str) -> Value {
    json!({
        "tag": tag, "name": "Lathe", "type": "machine", "manufacturer": "DMG Mori",
        "model": "CTX 450", "serial": "SN-77", "hostname": "cnc1", "ip": "10.0.0.7",
        "mac": "00-1A-2B-3C-4D-5E", "purchase_date": "2024-03-01", "notes": "Hall B, by the door"
    })
}

async fn patch_if_match(app: &TestApp, token: &str, path: &str, etag: &str, body: &Value) -> Resp {
    let req = app
        .request(Method::PATCH, path)
        .await
        .bearer_auth(token)
        .header("If-Match", etag)
        .json(body);
    app.send(req).await
}

async fn create_read_and_look_up(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let r = app.post_auth("/api/v1/assets", &t, &lathe("cnc-0001")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let a = r.json();
    let id = a["id"].as_i64().unwrap();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/assets/{id}").as_str())
    );
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(a["tag"], "CNC-0001");
    assert_eq!(a["type"], "machine");
    assert_eq!(a["type_name"], "Machine");
    assert_eq!(a["status"], "in_service");
    assert_eq!(a["mac"], "00:1a:2b:3c:4d:5e");
    assert_eq!(a["version"], 1);
    assert_eq!(a["created_by"], "admin");

    let g = app.get_auth(&format!("/api/v1/assets/{id}"), &t).await;
    assert_eq!(g.status, 200);
    assert_eq!(g.header("etag"), Some("\"1\""));
    assert_eq!(g.json(), a);

    // Scanners: any case finds the tag; serials list.
    let s = app.get_auth("/api/v1/assets/by-tag/cnc-0001", &t).await;
    assert_eq!(s.json()["id"], id);
    app.get_auth("/api/v1/assets/by-tag/NOPE-1", &t)
        .await
        .problem(404, "not_found");
    app.get_auth("/api/v1/assets/by-tag/%20%27;--", &t)
        .await
        .problem(404, "not_found");
    let s = app.get_auth("/api/v1/assets/by-serial/SN-77", &t).await;
    assert_eq!(s.json()["items"][0]["id"], id);
    let s = app.get_auth("/api/v1/assets/by-serial/none", &t).await;
    assert_eq!(s.json()["items"], json!([]));
    app.get_auth("/api/v1/assets/999999", &t)
        .await
        .problem(404, "not_found");
    app.get_auth("/api/v1/assets/abc", &t)
        .await
        .problem(400, "invalid_parameter");
}
dual_test!(create_read_and_look_up);

async fn every_error_at_once_and_nothing_written(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    create(&app, &t, lathe("CNC-1")).await;
    let r = app
        .post_auth(
            "/api/v1/assets",
            &t,
            &json!({
                "tag": "cnc-1", "name": " ", "type": "spaceship", "status": "broken",
                "ip": "10.0.0.256", "mac": "zz:zz", "purchase_date": "2024-02-30",
                "warranty_end": "tomorrow", "hostname": "bad host", "location_id": 424242,
                "parent_id": 515151
            }),
        )
        .await;
    let p = r.problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "tag",
        "name",
        "type",
        "status",
        "ip",
        "mac",
        "purchase_date",
        "warranty_end",
        "hostname",
        "location_id",
        "parent_id",
    ] {
        assert!(fields.contains(&f), "{f} missing from {p}");
    }
    let status = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "status")
        .unwrap();
    assert!(
        status["message"].as_str().unwrap().contains("in_service"),
        "{status}"
    );
    let ty = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "type")
        .unwrap();
    assert!(ty["message"].as_str().unwrap().contains("network_device"), "{ty}");

    // Custom fields the type does not have are named.
    let mut body = lathe("CNC-2");
    body["custom_fields"] = json!({"colour": "red"});
    let p = app
        .post_auth("/api/v1/assets", &t, &body)
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "custom_fields.colour");

    // Malformed and wrongly typed bodies are 400s naming the property.
    let r = app
        .send(
            app.request(Method::POST, "/api/v1/assets")
                .await
                .bearer_auth(&t)
                .header("content-type", "application/json")
                .body("{\"tag\": "),
        )
        .await;
    r.problem(400, "invalid_body");
    let p = app
        .post_auth(
            "/api/v1/assets",
            &t,
            &json!({"tag": ["X-7"], "name": "x", "type": "machine"}),
        )
        .await
        .problem(400, "invalid_body");
    assert_eq!(p["errors"][0]["field"], "tag");
    let p = app
        .post_auth(
            "/api/v1/assets",
            &t,
            &json!({"tag": "X-1", "name": "x".repeat(2000), "type": "machine"}),
        )
        .await
        .problem(400, "invalid_body");
    assert_eq!(p["errors"][0]["field"], "name");

    let h = app.get_auth("/api/v1/changes?entity=asset", &t).await.json();
    assert_eq!(h["total"], 1, "only the first asset was written: {h}");
}
dual_test!(every_error_at_once_and_nothing_written);

async fn updates_need_the_current_version(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let a = create(&app, &t, lathe("CNC-1")).await;
    let path = format!("/api/v1/assets/{}", a["id"]);

    app.patch_auth(&path, &t, &json!({"name": "Lathe 2"}))
        .await
        .problem(428, "version_required");
    let r = patch_if_match(
        &app,
        &t,
        &path,
        "\"1\"",
        &json!({"name": "Lathe 2", "ip": null, "status": "maintenance"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    let u = r.json();
    assert_eq!(u["name"], "Lathe 2");
    assert_eq!(u["ip"], Value::Null);
    assert_eq!(u["status"], "maintenance");
    assert_eq!(u["serial"], "SN-77", "untouched fields stay");
    assert_eq!(u["version"], 2);

    let p = patch_if_match(&app, &t, &path, "\"1\"", &json!({"name": "Stale"}))
        .await
        .problem(412, "precondition_failed");
    assert_eq!(p["current_version"], 2);
    let p = app
        .patch_auth(&path, &t, &json!({"version": 1, "name": "Stale"}))
        .await
        .problem(409, "stale_version");
    assert_eq!(p["current_version"], 2);
    patch_if_match(&app, &t, &path, "7", &json!({"name": "x"}))
        .await
        .problem(422, "validation_failed");
    let now = app.get_auth(&path, &t).await.json();
    assert_eq!(now["name"], "Lathe 2", "stale writes changed nothing");

    // A bad update changes nothing either.
    let p = app
        .patch_auth(&path, &t, &json!({"version": 2, "name": "ok", "ip": "nope"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "ip");
    assert_eq!(app.get_auth(&path, &t).await.json()["name"], "Lathe 2");

    // Viewers read but never write.
    let (viewer, _) = app.user_token("vera", "viewer").await;
    assert_eq!(app.get_auth(&path, &viewer).await.status, 200);
    app.patch_auth(&path, &viewer, &json!({"version": 2, "name": "v"}))
        .await
        .problem(403, "forbidden");
    app.post_auth("/api/v1/assets", &viewer, &lathe("V-1"))
        .await
        .problem(403, "forbidden");
}
dual_test!(updates_need_the_current_version);

async fn concurrent_updates_never_overwrite(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let a = create(&app, &t, lathe("CNC-1")).await;
    let path = format!("/api/v1/assets/{}", a["id"]);
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (app, t, path) = (app.clone(), t.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            let r = app
                .patch_auth(&path, &t, &json!({"version": 1, "name": format!("writer {i}")}))
                .await;
            r.status.as_u16()
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.unwrap());
    }
    codes.sort_unstable();
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 1, "{codes:?}");
    assert!(codes.iter().all(|c| *c == 200 || *c == 409), "{codes:?}");
    let now = app.get_auth(&path, &t).await.json();
    assert_eq!(now["version"], 2);
    let h = app.get_auth(&format!("{path}/history"), &t).await.json();
    assert_eq!(h["total"], 2, "one create, one update: {h}");
}
dual_test!(concurrent_updates_never_overwrite);

async fn containment_and_deletion(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let machine = create(&app, &t, lathe("CNC-1")).await;
    let mid = machine["id"].as_i64().unwrap();
    let pc = create(
        &app,
        &t,
        json!({"tag": "PC-1", "name": "Controller PC", "type": "computer", "parent_id": mid}),
    )
    .await;
    let pid = pc["id"].as_i64().unwrap();
    let kids = app
        .get_auth(&format!("/api/v1/assets/{mid}/children"), &t)
        .await
        .json();
    assert_eq!(kids["items"][0]["tag"], "PC-1");

    // The machine cannot go inside its own PC (a cycle), nor inside itself.
    let p = app
        .patch_auth(
            &format!("/api/v1/assets/{mid}"),
            &t,
            &json!({"version": 1, "parent_id": pid}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "parent_id");
    let p = app
        .patch_auth(
            &format!("/api/v1/assets/{mid}"),
            &t,
            &json!({"version": 1, "parent_id": mid}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "parent_id");

    // Deleting is for admins, and not while something is inside.
    let (editor, _) = app.user_token("ed", "editor").await;
    app.delete_auth(&format!("/api/v1/assets/{pid}"), &editor)
        .await
        .problem(403, "forbidden");
    let p = app
        .delete_auth(&format!("/api/v1/assets/{mid}"), &t)
        .await
        .problem(409, "conflict");
    assert!(p["detail"].as_str().unwrap().contains("PC-1"), "{p}");
    // Retiring is a status change editors make.
    let r = app
        .patch_auth(
            &format!("/api/v1/assets/{pid}"),
            &editor,
            &json!({"version": 1, "status": "retired"}),
        )
        .await;
    assert_eq!(r.json()["status"], "retired");
    assert_eq!(
        app.delete_auth(&format!("/api/v1/assets/{pid}"), &t).await.status,
        204
    );
    assert_eq!(
        app.delete_auth(&format!("/api/v1/assets/{mid}"), &t).await.status,
        204
    );
    app.get_auth(&format!("/api/v1/assets/{mid}"), &t)
        .await
        .problem(404, "not_found");
}
dual_test!(containment_and_deletion);

async fn relations_read_from_both_ends(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let cnc = create(&app, &t, lathe("CNC-1")).await["id"].as_i64().unwrap();
    let pc = create(
        &app,
        &t,
        json!({"tag": "PC-1", "name": "HMI", "type": "computer"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post_auth(
            &format!("/api/v1/assets/{pc}/relations"),
            &t,
            &json!({"kind": "controls", "target_id": cnc}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rel = r.json();
    assert_eq!(rel["direction"], "outgoing");
    assert_eq!(rel["label"], "controls");
    assert_eq!(rel["asset"]["tag"], "CNC-1");

    let from_cnc = app
        .get_auth(&format!("/api/v1/assets/{cnc}/relations"), &t)
        .await
        .json();
    assert_eq!(from_cnc["items"][0]["direction"], "incoming");
    assert_eq!(from_cnc["items"][0]["label"], "controlled by");
    assert_eq!(from_cnc["items"][0]["asset"]["tag"], "PC-1");

    app.post_auth(
        &format!("/api/v1/assets/{pc}/relations"),
        &t,
        &json!({"kind": "controls", "target_id": cnc}),
    )
    .await
    .problem(409, "conflict");
    let p = app
        .post_auth(
            &format!("/api/v1/assets/{pc}/relations"),
            &t,
            &json!({"kind": "owns", "target_id": pc}),
        )
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["kind", "target_id"]);

    let hist = app
        .get_auth(&format!("/api/v1/assets/{cnc}/history"), &t)
        .await
        .json();
    let rel_change = &hist["items"][0];
    assert_eq!(rel_change["entity"], "relation");
    assert_eq!(rel_change["summary"], "PC-1 controls CNC-1");

    // Either end removes it.
    let rid = rel["id"].as_i64().unwrap();
    assert_eq!(
        app.delete_auth(&format!("/api/v1/assets/{cnc}/relations/{rid}"), &t)
            .await
            .status,
        204
    );
    assert_eq!(
        app.get_auth(&format!("/api/v1/assets/{pc}/relations"), &t)
            .await
            .json()["items"],
        json!([])
    );
    app.delete_auth(&format!("/api/v1/assets/{cnc}/relations/{rid}"), &t)
        .await
        .problem(404, "not_found");
}
dual_test!(relations_read_from_both_ends);

async fn history_records_and_reverts(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let a = create(&app, &t, lathe("CNC-1")).await;
    let id = a["id"].as_i64().unwrap();
    let path = format!("/api/v1/assets/{id}");
    let r = app
        .patch_auth(
            &path,
            &t,
            &json!({"version": 1, "name": "Lathe 2", "model": "CTX 500"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let request_id = r.header("x-request-id").unwrap().to_owned();

    let h = app.get_auth(&format!("{path}/history"), &t).await.json();
    assert_eq!(h["total"], 2);
    let upd = &h["items"][0];
    assert_eq!(upd["action"], "update");
    assert_eq!(upd["actor"], "admin");
    assert_eq!(upd["request_id"], request_id.as_str());
    assert_eq!(
        upd["changes"],
        json!({
            "name": {"before": "Lathe", "after": "Lathe 2"},
            "model": {"before": "CTX 450", "after": "CTX 500"}
        })
    );
    assert_eq!(h["items"][1]["action"], "create");
    assert_eq!(h["items"][1]["changes"]["tag"]["after"], "CNC-1");

    // Revert the update: a new change restoring the old values.
    let change = upd["id"].as_i64().unwrap();
    let r = app
        .post_auth(&format!("/api/v1/changes/{change}/revert"), &t, &json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rev = r.json();
    assert_eq!(rev["reverts_id"], change);
    assert_eq!(
        rev["changes"]["name"],
        json!({"before": "Lathe 2", "after": "Lathe"})
    );
    let now = app.get_auth(&path, &t).await.json();
    assert_eq!(
        (
            now["name"].as_str(),
            now["model"].as_str(),
            now["version"].as_i64()
        ),
        (Some("Lathe"), Some("CTX 450"), Some(3))
    );

    // Reverting it again conflicts: the name changed since.
    let p = app
        .post_auth(&format!("/api/v1/changes/{change}/revert"), &t, &json!({}))
        .await
        .problem(409, "conflict");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"name") && fields.contains(&"model"), "{p}");
    assert_eq!(
        app.get_auth(&path, &t).await.json()["version"],
        3,
        "a refused revert writes nothing"
    );

    // Revert a delete: the asset comes back under its id.
    assert_eq!(app.delete_auth(&path, &t).await.status, 204);
    let del = app
        .get_auth("/api/v1/changes?entity=asset&action=delete", &t)
        .await
        .json();
    let del_id = del["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        app.post_auth(&format!("/api/v1/changes/{del_id}/revert"), &t, &json!({}))
            .await
            .status,
        201
    );
    let back = app.get_auth(&path, &t).await.json();
    assert_eq!(back["tag"], "CNC-1");
    assert_eq!(back["serial"], "SN-77");
    assert_eq!(
        app.get_auth("/api/v1/assets/by-tag/CNC-1", &t).await.json()["id"],
        id
    );

    // Global feed filters.
    let f = app
        .get_auth("/api/v1/changes?actor=admin&limit=2", &t)
        .await
        .json();
    assert_eq!(f["items"].as_array().unwrap().len(), 2);
    assert!(f["total"].as_i64().unwrap() >= 5);
    let none = app.get_auth("/api/v1/changes?actor=nobody", &t).await.json();
    assert_eq!(none["total"], 0);
    app.get_auth("/api/v1/changes?limit=1001", &t)
        .await
        .problem(400, "invalid_parameter");
    app.post_auth("/api/v1/changes/99999/revert", &t, &json!({}))
        .await
        .problem(404, "not_found");
}
dual_test!(history_records_and_reverts);

async fn history_retention_purges_only_old_changes(b: Backend) {
    let Some(app) = crate::helpers::spawn_app_with(b, |c| c.history.retention_days = 30).await else {
        return;
    };
    let t = app.admin_token().await;
    let a = create(&app, &t, lathe("CNC-1")).await;
    let path = format!("/api/v1/assets/{}", a["id"]);
    assert_eq!(
        app.patch_auth(&path, &t, &json!({"version": 1, "name": "Lathe 2"}))
            .await
            .status,
        200
    );
    // Age the creation by 40 days, as if it had happened then.
    let old = shopdb::db::timestamp(chrono::Utc::now() - chrono::Duration::days(40));
    use sea_query::ExprTrait as _;
    let stmt = sea_query::Query::update()
        .table(sea_query::Alias::new("change_log"))
        .value(sea_query::Alias::new("at"), old)
        .and_where(sea_query::Expr::col(sea_query::Alias::new("action")).eq("create"))
        .to_owned();
    app.state.db.execute(&stmt).await.unwrap();

    let purged = shopdb::service::inventory::history::purge_expired(&app.state)
        .await
        .unwrap();
    assert_eq!(purged, 1);
    let h = app.get_auth(&format!("{path}/history"), &t).await.json();
    assert_eq!(h["total"], 1);
    assert_eq!(h["items"][0]["action"], "update");
}
dual_test!(history_retention_purges_only_old_changes);

async fn unique_custom_values_ignore_case_on_every_backend(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let machine = app.type_id(&t, "machine").await;
    let r = app
        .post_auth(
            &format!("/api/v1/asset-types/{machine}/fields"),
            &t,
            &json!({"key": "plc_id", "label": "PLC id", "kind": "text", "unique": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut a = lathe("CNC-1");
    a["custom_fields"] = json!({"plc_id": "PLC-AB"});
    create(&app, &t, a).await;
    let mut b2 = lathe("CNC-2");
    b2["custom_fields"] = json!({"plc_id": "plc-ab"});
    let p = app
        .post_auth("/api/v1/assets", &t, &b2)
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "custom_fields.plc_id");
}
dual_test!(unique_custom_values_ignore_case_on_every_backend);
