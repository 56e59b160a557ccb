//! Bulk upserts and CSV imports over HTTP on both backends: dry runs,
//! all-or-nothing commits, upsert by tag, limits, history, CSV dialects,
//! mappings and the import body limit.

use reqwest::Method;
use serde_json::{Value, json};

use crate::dual_test;
use crate::helpers::{Backend, Resp, TestApp, spawn_app};

async fn bulk(app: &TestApp, t: &str, dry_run: bool, items: Value) -> Resp {
    app.post_auth(
        "/api/v1/assets/bulk",
        t,
        &json!({"dry_run": dry_run, "items": items}),
    )
    .await
}

async fn history_total(app: &TestApp, t: &str) -> i64 {
    let h = app.get_auth("/api/v1/changes?entity=asset", t).await.json();
    h["total"].as_i64().unwrap()
}

async fn by_tag(app: &TestApp, t: &str, tag: &str) -> Resp {
    app.get_auth(&format!("/api/v1/assets/by-tag/{tag}"), t).await
}

async fn csv(app: &TestApp, t: &str, path: &str, body: impl Into<reqwest::Body>) -> Resp {
    let req = app
        .request(Method::POST, path)
        .await
        .bearer_auth(t)
        .header("content-type", "text/csv")
        .body(body);
    app.send(req).await
}

fn items_mixed() -> Value {
    json!([
        {"tag": "cnc-1", "name": "Lathe", "type": "machine", "ip": "10.0.0.1"},
        {"tag": "cnc-2", "name": "Mill", "type": "machine", "ip": "999.1.1.1"},
        {"tag": "pc-1", "name": "Controller", "type": "computer", "mac": "00:11:22:33:44:55"},
        {"tag": "x-1", "name": "Thing", "type": "spaceship"},
        {"tag": "sw-1", "name": "Switch", "type": "network_device", "status": "spare"}
    ])
}

async fn dry_run_reports_and_writes_nothing(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let r = bulk(&app, &t, true, items_mixed()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let o = r.json();
    assert_eq!(o["dry_run"], true);
    assert_eq!(o["created"], 3);
    assert_eq!(o["updated"], 0);
    assert_eq!(o["error_count"], 2);
    let e = &o["errors"];
    assert_eq!(e[0]["index"], 1);
    assert_eq!(e[0]["tag"], "CNC-2");
    assert_eq!(e[0]["field"], "ip");
    assert_eq!(e[1]["index"], 3);
    assert_eq!(e[1]["field"], "type");
    assert!(e[1]["message"].as_str().unwrap().contains("machine"), "{e}");
    assert!(e[0].get("row").is_none(), "JSON items have no rows: {e}");
    assert_eq!(history_total(&app, &t).await, 0);
    by_tag(&app, &t, "CNC-1").await.problem(404, "not_found");

    // A clean dry run writes nothing either.
    let r = bulk(
        &app,
        &t,
        true,
        json!([{"tag": "a-1", "name": "A", "type": "other"}]),
    )
    .await;
    assert_eq!(r.json()["created"], 1);
    by_tag(&app, &t, "A-1").await.problem(404, "not_found");
}
dual_test!(dry_run_reports_and_writes_nothing);

async fn commit_is_all_or_nothing(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let p = bulk(&app, &t, false, items_mixed())
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["items[1].ip", "items[3].type"], "{p}");
    assert!(p["detail"].as_str().unwrap().contains("nothing was written"));
    assert_eq!(history_total(&app, &t).await, 0);
    by_tag(&app, &t, "CNC-1").await.problem(404, "not_found");

    // Without the bad items it all lands, each with its history entry,
    // field index and search text like a single write.
    let mut items = items_mixed();
    let list = items.as_array_mut().unwrap();
    list.remove(3);
    list[1]["ip"] = json!("10.0.0.2");
    let r = bulk(&app, &t, false, items).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let o = r.json();
    assert_eq!(
        (o["created"].as_i64(), o["error_count"].as_i64()),
        (Some(4), Some(0))
    );
    assert_eq!(o["dry_run"], false);
    let a = by_tag(&app, &t, "cnc-2").await.json();
    assert_eq!(a["ip"], "10.0.0.2");
    assert_eq!(a["version"], 1);
    assert_eq!(a["created_by"], "admin");
    let s = by_tag(&app, &t, "SW-1").await.json();
    assert_eq!(s["status"], "spare");
    let h = app
        .get_auth(&format!("/api/v1/changes?asset_id={}", a["id"]), &t)
        .await
        .json();
    assert_eq!(h["total"], 1, "{h}");
    let c = &h["items"][0];
    assert_eq!(c["action"], "create");
    assert_eq!(c["summary"], "CNC-2");
    assert_eq!(c["actor"], "admin");
    assert_eq!(c["changes"]["ip"]["after"], "10.0.0.2");
    assert_eq!(history_total(&app, &t).await, 4);

    // Viewers may not.
    let (viewer, _) = app.user_token("vera", "viewer").await;
    bulk(
        &app,
        &viewer,
        true,
        json!([{"tag": "v-1", "name": "V", "type": "other"}]),
    )
    .await
    .problem(403, "forbidden");
}
dual_test!(commit_is_all_or_nothing);

async fn upserts_by_tag(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let first = json!([
        {"tag": "cnc-1", "name": "Lathe", "type": "machine", "ip": "10.0.0.1", "notes": "by the door"},
        {"tag": "cnc-2", "name": "Mill", "type": "machine"}
    ]);
    assert_eq!(bulk(&app, &t, false, first.clone()).await.json()["created"], 2);

    // The same again: nothing changes.
    let o = bulk(&app, &t, false, first).await.json();
    assert_eq!(
        (
            o["created"].as_i64(),
            o["updated"].as_i64(),
            o["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(2)),
        "{o}"
    );
    assert_eq!(history_total(&app, &t).await, 2);

    // Patch semantics: only the properties present change; null clears;
    // any case of the tag matches; a new tag creates.
    let o = bulk(
        &app,
        &t,
        false,
        json!([
            {"tag": "CNC-1", "status": "maintenance", "notes": null},
            {"tag": "Cnc-2", "name": "Mill"},
            {"tag": "cnc-3", "name": "Press", "type": "machine"}
        ]),
    )
    .await
    .json();
    assert_eq!(
        (
            o["created"].as_i64(),
            o["updated"].as_i64(),
            o["unchanged"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{o}"
    );
    let a = by_tag(&app, &t, "cnc-1").await.json();
    assert_eq!(a["status"], "maintenance");
    assert_eq!(a["name"], "Lathe");
    assert_eq!(a["ip"], "10.0.0.1");
    assert_eq!(a["notes"], Value::Null);
    assert_eq!(a["version"], 2);
    let h = app
        .get_auth(&format!("/api/v1/changes?asset_id={}&action=update", a["id"]), &t)
        .await
        .json();
    assert_eq!(h["total"], 1);
    assert_eq!(h["items"][0]["changes"]["status"]["after"], "maintenance");
    assert_eq!(h["items"][0]["changes"]["notes"]["before"], "by the door");

    // A version, when given, must be current; for a new tag it makes no sense.
    let p = bulk(
        &app,
        &t,
        false,
        json!([
            {"tag": "cnc-1", "version": 1, "name": "Old"},
            {"tag": "cnc-9", "version": 1, "name": "New", "type": "machine"}
        ]),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "items[0].version");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("version 2"));
    assert_eq!(p["errors"][1]["field"], "items[1].version");
    let o = bulk(
        &app,
        &t,
        false,
        json!([{"tag": "cnc-1", "version": 2, "name": "Lathe 2"}]),
    )
    .await
    .json();
    assert_eq!(o["updated"], 1);

    // A type id works too; a type key wins over it, as in createAsset.
    let printer = app.get_auth("/api/v1/asset-types", &t).await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == "printer")
        .unwrap()["id"]
        .clone();
    let o = bulk(
        &app,
        &t,
        false,
        json!([
            {"tag": "prn-1", "name": "Printer", "type_id": printer},
            {"tag": "prn-2", "name": "Printer", "type": "other", "type_id": printer}
        ]),
    )
    .await
    .json();
    assert_eq!(o["created"], 2, "{o}");
    assert_eq!(by_tag(&app, &t, "prn-1").await.json()["type"], "printer");
    assert_eq!(by_tag(&app, &t, "prn-2").await.json()["type"], "other");

    // Name and type are needed to create.
    let p = bulk(&app, &t, false, json!([{"tag": "new-1"}]))
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["items[0].name", "items[0].type"]);
}
dual_test!(upserts_by_tag);

async fn limits_and_duplicates(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let many: Vec<Value> = (0..10_001)
        .map(|i| json!({"tag": format!("T-{i}"), "name": "x", "type": "other"}))
        .collect();
    let p = bulk(&app, &t, true, json!(many))
        .await
        .problem(400, "invalid_body");
    assert_eq!(p["errors"][0]["field"], "items");
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("10000"),
        "{p}"
    );
    let p = bulk(&app, &t, true, json!([])).await.problem(400, "invalid_body");
    assert_eq!(p["errors"][0]["field"], "items");

    // Exactly 10,000 is fine, and lands in one go.
    let r = bulk(&app, &t, false, json!(many[..10_000])).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["created"], 10_000);
    assert_eq!(history_total(&app, &t).await, 10_000);

    // The same tag twice: the later item is at fault.
    let p = bulk(
        &app,
        &t,
        false,
        json!([
            {"tag": "dup-1", "name": "A", "type": "other"},
            {"tag": "x-1", "name": "B", "type": "other"},
            {"tag": "DUP-1", "name": "C", "type": "other"}
        ]),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(p["errors"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["errors"][0]["field"], "items[2].tag");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("items[0]"));
    by_tag(&app, &t, "dup-1").await.problem(404, "not_found");
}
dual_test!(limits_and_duplicates);

async fn parents_and_relations_of_containment(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let r = bulk(
        &app,
        &t,
        false,
        json!([{"tag": "cnc-1", "name": "Lathe", "type": "machine"}]),
    )
    .await;
    assert_eq!(r.status, 200);
    let cnc = by_tag(&app, &t, "cnc-1").await.json();
    let o = bulk(
        &app,
        &t,
        false,
        json!([
            {"tag": "pc-1", "name": "Controller", "type": "computer", "parent_id": cnc["id"]},
            {"tag": "pc-2", "name": "HMI", "type": "computer", "parent_id": 999_999}
        ]),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(o["errors"][0]["field"], "items[1].parent_id");
    // A cycle through a bulk update is refused.
    bulk(
        &app,
        &t,
        false,
        json!([{"tag": "pc-1", "name": "Controller", "type": "computer", "parent_id": cnc["id"]}]),
    )
    .await;
    let pc = by_tag(&app, &t, "pc-1").await.json();
    assert_eq!(pc["parent_id"], cnc["id"]);
    let p = bulk(&app, &t, false, json!([{"tag": "cnc-1", "parent_id": pc["id"]}]))
        .await
        .problem(422, "validation_failed");
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("cycle"),
        "{p}"
    );
}
dual_test!(parents_and_relations_of_containment);

const CSV: &str = "Asset Tag,Name,Type,IP Address,Serial No.,Inside,Colour,Notes\n\
    cnc-1,Lathe,machine,10.0.0.1,SN-1,,red,\n\
    pc-1,Controller,computer,10.0.0.2,SN-2,CNC-1,blue,\"cabinet, left\"\n\
    pc-2,HMI,computer,,SN-3,cnc-1,,'=SUM(A1)\n";

async fn csv_preview_and_import(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let r = csv(&app, &t, "/api/v1/assets/import/preview", CSV).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let p = r.json();
    assert_eq!(p["delimiter"], ",");
    assert_eq!(p["row_count"], 3);
    assert_eq!(p["columns"][0], "Asset Tag");
    assert_eq!(
        p["suggested_mapping"],
        json!({"Asset Tag": "tag", "Name": "name", "Type": "type", "IP Address": "ip",
               "Serial No.": "serial", "Inside": "parent", "Notes": "notes"})
    );
    assert_eq!(p["unmapped_columns"], json!(["Colour"]));
    assert_eq!(p["sample"][1][5], "CNC-1");
    assert!(
        p["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "location")
    );

    // Dry run: nothing written, the unmapped column reported.
    let r = csv(&app, &t, "/api/v1/assets/import?dry_run=true", CSV).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let o = r.json();
    assert_eq!(
        (o["created"].as_i64(), o["error_count"].as_i64()),
        (Some(3), Some(0)),
        "{o}"
    );
    assert_eq!(o["ignored_columns"], json!(["Colour"]));
    assert_eq!(o["rows"], 3);
    assert_eq!(o["mapping"]["Inside"], "parent");
    by_tag(&app, &t, "cnc-1").await.problem(404, "not_found");

    // Commit: parents by tag, created in the same file before their contents.
    let o = csv(&app, &t, "/api/v1/assets/import", CSV).await.json();
    assert_eq!(o["created"], 3, "{o}");
    let cnc = by_tag(&app, &t, "cnc-1").await.json();
    let pc = by_tag(&app, &t, "pc-1").await.json();
    assert_eq!(pc["parent_id"], cnc["id"]);
    assert_eq!(pc["notes"], "cabinet, left");
    let hmi = by_tag(&app, &t, "pc-2").await.json();
    assert_eq!(hmi["notes"], "=SUM(A1)", "the export's formula guard is dropped");
    assert_eq!(hmi["parent_id"], cnc["id"]);
    let h = app
        .get_auth(&format!("/api/v1/changes?asset_id={}", pc["id"]), &t)
        .await
        .json();
    assert_eq!(h["items"][0]["changes"]["parent_id"]["after"], cnc["id"], "{h}");

    // Again: all unchanged. Then one change and one cleared cell.
    let o = csv(&app, &t, "/api/v1/assets/import", CSV).await.json();
    assert_eq!(o["unchanged"], 3, "{o}");
    let edited = CSV.replace("pc-1,Controller,computer,10.0.0.2", "pc-1,Controller,computer,");
    let o = csv(&app, &t, "/api/v1/assets/import", edited).await.json();
    assert_eq!(
        (o["updated"].as_i64(), o["unchanged"].as_i64()),
        (Some(1), Some(2)),
        "{o}"
    );
    assert_eq!(by_tag(&app, &t, "pc-1").await.json()["ip"], Value::Null);
}
dual_test!(csv_preview_and_import);

async fn csv_errors_name_rows_lines_and_columns(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let file = "tag;name;type;ip;location;parent\r\n\
        a-1;One;machine;10.0.0.1;;\r\n\
        a-2;\"Two\r\nlines\";machine;not-an-ip;Plant 9 / Hall Z;\r\n\
        a-3;Three;machine;;;a-4\r\n\
        a-4;Four;machine;;;\r\n";
    let r = csv(&app, &t, "/api/v1/assets/import?dry_run=true", file).await;
    let o = r.json();
    assert_eq!(o["created"], 2, "{o}");
    let e = o["errors"].as_array().unwrap();
    assert_eq!(e.len(), 3, "{o}");
    assert_eq!((e[0]["row"].as_i64(), e[0]["line"].as_i64()), (Some(2), Some(3)));
    assert_eq!(e[0]["column"], "location");
    assert_eq!(e[0]["field"], "location_id");
    assert_eq!(e[1]["column"], "ip");
    assert_eq!(e[1]["tag"], "A-2");
    assert_eq!((e[2]["row"].as_i64(), e[2]["line"].as_i64()), (Some(3), Some(5)));
    assert_eq!(e[2]["column"], "parent");
    assert!(e[2]["message"].as_str().unwrap().contains("before"), "{o}");

    let p = csv(&app, &t, "/api/v1/assets/import", file)
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "rows[2].location_id");
    assert_eq!(history_total(&app, &t).await, 0);

    // A broken file is refused naming its line.
    let p = csv(&app, &t, "/api/v1/assets/import", "tag,name\na-1,x\na-2,y,z\n")
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "file");
    assert!(
        p["errors"][0]["message"].as_str().unwrap().starts_with("line 3"),
        "{p}"
    );
    let p = csv(&app, &t, "/api/v1/assets/import/preview", &b"tag\n\xff\n"[..])
        .await
        .problem(422, "validation_failed");
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("line 2"),
        "{p}"
    );
    // No tag column and no mapping.
    let p = csv(&app, &t, "/api/v1/assets/import", "what,ever\n1,2\n")
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "mapping");
    // Not CSV at all.
    let req = app
        .request(Method::POST, "/api/v1/assets/import")
        .await
        .bearer_auth(&t)
        .json(&json!({"x": 1}));
    app.send(req).await.problem(415, "unsupported_media_type");
}
dual_test!(csv_errors_name_rows_lines_and_columns);

async fn csv_semicolons_bom_and_a_mapping(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let file = "\u{feff}Inventar;Bezeichnung;Art;Farbe;Hersteller\r\n\
        M-1;Drehmaschine;machine;rot;\"DMG; Mori\"\r\n\
        M-2;Fräse;machine;blau;Hermle\r\n";
    let p = csv(&app, &t, "/api/v1/assets/import/preview", file).await.json();
    assert_eq!(p["delimiter"], ";");
    assert_eq!(p["columns"][0], "Inventar", "the BOM is not part of the name");
    assert_eq!(p["sample"][0][4], "DMG; Mori");

    let form = |mapping: Value| {
        reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(file.as_bytes().to_vec())
                    .file_name("assets.csv")
                    .mime_str("text/csv")
                    .unwrap(),
            )
            .text("mapping", mapping.to_string())
    };
    let send = |dry: bool, mapping: Value| {
        let app = &app;
        let t = &t;
        async move {
            let req = app
                .request(Method::POST, &format!("/api/v1/assets/import?dry_run={dry}"))
                .await
                .bearer_auth(t)
                .multipart(form(mapping));
            app.send(req).await
        }
    };
    let p = send(
        true,
        json!({"Inventar": "tag", "Bezeichnung": "name", "Art": "farbe", "Nope": "name"}),
    )
    .await
    .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["mapping.Art", "mapping.Nope"], "{p}");
    let p = send(true, json!({"Inventar": "tag", "Farbe": "custom_fields.colour"}))
        .await
        .problem(422, "validation_failed");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no asset type"),
        "{p}"
    );

    let mapping = json!({"Inventar": "tag", "Bezeichnung": "name", "Art": "type",
                         "Hersteller": "manufacturer", "Farbe": null});
    let r = send(false, mapping).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let o = r.json();
    assert_eq!(o["created"], 2);
    assert_eq!(o["ignored_columns"], json!(["Farbe"]));
    let m = by_tag(&app, &t, "m-2").await.json();
    assert_eq!(m["name"], "Fräse");
    assert_eq!(by_tag(&app, &t, "m-1").await.json()["manufacturer"], "DMG; Mori");
}
dual_test!(csv_semicolons_bom_and_a_mapping);

async fn imports_may_pass_the_body_limit(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    // ~2.6 MB of CSV: over the 2 MiB global limit, under import.max_bytes.
    let mut file = String::from("tag,name,type,manufacturer,model,notes\n");
    let mut n = 0;
    while file.len() < 2_600_000 {
        n += 1;
        file.push_str(&format!(
            "BIG-{n:06},Machine number {n},machine,Maker {m},Model {m}-X,{pad}\n",
            m = n % 17,
            pad = "x".repeat(60)
        ));
    }
    let r = csv(&app, &t, "/api/v1/assets/import?dry_run=true", file).await;
    assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(500)]);
    assert_eq!(r.json()["created"], n);
    assert_eq!(r.json()["error_count"], 0);

    // Everywhere else the global limit stands.
    let big = json!({"tag": "X-1", "name": "x", "type": "other", "notes": "y".repeat(3 * 1024 * 1024)});
    app.post_auth("/api/v1/assets", &t, &big)
        .await
        .problem(413, "payload_too_large");
    assert_eq!(history_total(&app, &t).await, 0);
}
dual_test!(imports_may_pass_the_body_limit);

async fn imports_write_in_chunks(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    // 2,500 rows: three chunks; each PC sits in the machine above it, some
    // in the same chunk and one across a chunk boundary.
    let mut file = String::from("tag,name,type,parent,ip\n");
    for i in 0..1250 {
        file.push_str(&format!(
            "CNC-{i:05},Machine {i},machine,,10.1.{}.{}\n",
            i / 250,
            i % 250
        ));
        file.push_str(&format!("PC-{i:05},Controller {i},computer,CNC-{i:05},\n"));
    }
    let r = csv(&app, &t, "/api/v1/assets/import", file.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["created"], 2500);
    for i in [0, 499, 500, 1249] {
        let cnc = by_tag(&app, &t, &format!("CNC-{i:05}")).await.json();
        let pc = by_tag(&app, &t, &format!("PC-{i:05}")).await.json();
        assert_eq!(pc["parent_id"], cnc["id"], "PC-{i:05}");
        let kids = app
            .get_auth(&format!("/api/v1/assets/{}/children", cnc["id"]), &t)
            .await
            .json();
        assert_eq!(kids["items"][0]["tag"], format!("PC-{i:05}"));
    }
    assert_eq!(history_total(&app, &t).await, 2500);
    // Re-import with a few changes: updates land, the rest is unchanged.
    let edited = file
        .replace("Machine 7,", "Machine seven,")
        .replace("Controller 1200,", "Controller twelve hundred,");
    let o = csv(&app, &t, "/api/v1/assets/import", edited).await.json();
    assert_eq!(
        (o["updated"].as_i64(), o["unchanged"].as_i64()),
        (Some(2), Some(2498)),
        "{o}"
    );
    assert_eq!(by_tag(&app, &t, "CNC-00007").await.json()["version"], 2);
}
dual_test!(imports_write_in_chunks);

async fn create_location(app: &TestApp, t: &str, name: &str, kind: &str, parent: Option<i64>) -> i64 {
    let r = app
        .post_auth(
            "/api/v1/locations",
            t,
            &json!({"name": name, "kind": kind, "parent_id": parent}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

async fn custom_fields_locations_and_an_export_round_trip(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let r = app
        .post_auth(
            "/api/v1/asset-types",
            &t,
            &json!({"key": "cnc_mill", "name": "CNC mill", "fields": [
                {"key": "spindle_rpm", "label": "Max spindle speed", "kind": "integer", "max": 40000},
                {"key": "has_probe", "kind": "boolean"},
                {"key": "serial_plc", "label": "PLC serial", "kind": "text", "unique": true}
            ]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let plant = create_location(&app, &t, "Plant 1", "site", None).await;
    let hall = create_location(&app, &t, "Hall B", "hall", Some(plant)).await;

    let file = "tag,name,type,location,Max spindle speed,cf_has_probe,PLC serial\n\
        m-1,Mill one,cnc_mill,plant 1/hall b,12000,yes,AB-1234\n\
        m-2,Mill two,cnc_mill,Plant 1 / Hall B,fast,no,XY-0001\n\
        m-3,Mill three,cnc_mill,,,,ab-1234\n\
        p-1,Printer,printer,,,,\n";
    let p = csv(&app, &t, "/api/v1/assets/import/preview", file).await.json();
    assert_eq!(
        p["suggested_mapping"]["Max spindle speed"],
        "custom_fields.spindle_rpm"
    );
    assert_eq!(p["suggested_mapping"]["cf_has_probe"], "custom_fields.has_probe");
    assert_eq!(p["suggested_mapping"]["PLC serial"], "custom_fields.serial_plc");
    assert!(
        p["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "custom_fields.spindle_rpm")
    );

    let o = csv(&app, &t, "/api/v1/assets/import?dry_run=true", file)
        .await
        .json();
    let e = o["errors"].as_array().unwrap();
    assert_eq!(e.len(), 2, "{o}");
    assert_eq!(
        (e[0]["row"].as_i64(), e[0]["field"].as_str()),
        (Some(2), Some("custom_fields.spindle_rpm"))
    );
    assert_eq!(e[0]["column"], "Max spindle speed");
    assert_eq!(
        (e[1]["row"].as_i64(), e[1]["column"].as_str()),
        (Some(3), Some("PLC serial"))
    );
    assert!(
        e[1]["message"].as_str().unwrap().contains("row 1"),
        "unique within the file: {o}"
    );

    let fixed = file
        .replace("fast,no", "9000,no")
        .replace(",,,,ab-1234", ",,,,CD-5678");
    let o = csv(&app, &t, "/api/v1/assets/import", fixed.clone()).await.json();
    assert_eq!(o["created"], 4, "{o}");
    let m1 = by_tag(&app, &t, "m-1").await.json();
    assert_eq!(m1["location_id"], hall);
    assert_eq!(
        m1["custom_fields"],
        json!({"spindle_rpm": 12000, "has_probe": true, "serial_plc": "AB-1234"})
    );
    // The index and the search text are written like a single write's.
    let l = app
        .get_auth("/api/v1/assets?cf_spindle_rpm=9000", &t)
        .await
        .json();
    assert_eq!(l["items"][0]["tag"], "M-2", "{l}");
    let l = app.get_auth("/api/v1/assets?q=cd-56", &t).await.json();
    assert_eq!(l["items"][0]["tag"], "M-3", "{l}");

    // A value held by a stored asset is refused for another (any case).
    let p = bulk(
        &app,
        &t,
        false,
        json!([{"tag": "m-2", "custom_fields": {"serial_plc": "ab-1234"}}]),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "items[0].custom_fields.serial_plc");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&m1["id"].to_string())
    );

    // What the export writes, the import reads back unchanged.
    let r = app.get_auth("/api/v1/assets/export?format=csv", &t).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let o = csv(&app, &t, "/api/v1/assets/import", r.text.clone())
        .await
        .json();
    assert_eq!(
        (
            o["unchanged"].as_i64(),
            o["updated"].as_i64(),
            o["error_count"].as_i64()
        ),
        (Some(4), Some(0), Some(0)),
        "{o}"
    );
    assert_eq!(o["mapping"]["location_id"], "location");
    assert!(
        o["ignored_columns"]
            .as_array()
            .unwrap()
            .contains(&json!("location")),
        "{o}"
    );
    // Edited in a spreadsheet: one value changes.
    let edited = r.text.replace("Mill two", "Mill 2");
    let o = csv(&app, &t, "/api/v1/assets/import", edited).await.json();
    assert_eq!(
        (o["updated"].as_i64(), o["unchanged"].as_i64()),
        (Some(1), Some(3)),
        "{o}"
    );
}
dual_test!(custom_fields_locations_and_an_export_round_trip);
