//! Asset lists, search, export and the summary over HTTP on both backends.

use serde_json::{Value, json};

use crate::dual_test;
use crate::helpers::{Backend, TestApp, spawn_app};

/// A create body: the given fields over a minimal machine.
fn body(tag: &str, extra: Value) -> Value {
    let mut b = json!({"tag": tag, "name": format!("Asset {tag}"), "type": "machine"});
    if let (Some(b), Value::Object(extra)) = (b.as_object_mut(), extra) {
        b.extend(extra);
    }
    b
}

async fn create(app: &TestApp, token: &str, b: Value) -> Value {
    let r = app.post_auth("/api/v1/assets", token, &b).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

async fn list(app: &TestApp, token: &str, query: &str) -> Value {
    let r = app.get_auth(&format!("/api/v1/assets?{query}"), token).await;
    assert_eq!(r.status, 200, "{query}: {}", r.text);
    r.json()
}

/// The tags of a list response, in order.
async fn tags(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    list(app, token, query).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["tag"].as_str().unwrap().to_owned())
        .collect()
}

/// A small, varied inventory.
async fn seed(app: &TestApp, token: &str) {
    let rows = [
        body(
            "CNC-0001",
            json!({"name": "Lathe", "manufacturer": "DMG", "model": "CTX", "serial": "S1-ALPHA",
                   "hostname": "cnc1", "ip": "10.0.0.1", "notes": "Spindle bearing replaced"}),
        ),
        body(
            "CNC-0002",
            json!({"name": "Mill", "status": "maintenance", "manufacturer": "DMG", "model": "DMU",
                   "serial": "S2-BETA", "hostname": "cnc2", "ip": "10.0.0.2"}),
        ),
        body(
            "PC-0001",
            json!({"name": "Controller PC", "type": "computer", "manufacturer": "Siemens",
                   "serial": "XK-99_1", "hostname": "hmi1", "ip": "fe80::1"}),
        ),
        body(
            "PRN-0001",
            json!({"name": "Label printer", "type": "printer", "status": "spare",
                   "manufacturer": "Zebra", "notes": "50% toner"}),
        ),
    ];
    for b in rows {
        create(app, token, b).await;
    }
}

async fn filters_narrow_the_list(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    seed(&app, &t).await;
    let all = list(&app, &t, "").await;
    assert_eq!(all["total"], 4);
    assert_eq!(all["limit"], 50);
    assert_eq!(all["offset"], 0);
    // Default order: by tag.
    assert_eq!(
        tags(&app, &t, "").await,
        ["CNC-0001", "CNC-0002", "PC-0001", "PRN-0001"]
    );
    assert_eq!(tags(&app, &t, "status=maintenance").await, ["CNC-0002"]);
    assert_eq!(
        tags(&app, &t, "status=spare,maintenance").await,
        ["CNC-0002", "PRN-0001"]
    );
    assert_eq!(
        tags(&app, &t, "type=computer,printer").await,
        ["PC-0001", "PRN-0001"]
    );
    assert_eq!(tags(&app, &t, "manufacturer=DMG").await, ["CNC-0001", "CNC-0002"]);
    assert_eq!(tags(&app, &t, "manufacturer=DMG&model=DMU").await, ["CNC-0002"]);
    assert_eq!(tags(&app, &t, "hostname=hmi1").await, ["PC-0001"]);
    assert_eq!(tags(&app, &t, "hostname=HMI1").await, ["PC-0001"]);
    assert_eq!(tags(&app, &t, "ip=10.0.0.2").await, ["CNC-0002"]);
    // IPs compare in canonical form.
    assert_eq!(tags(&app, &t, "ip=FE80:0:0:0:0:0:0:1").await, ["PC-0001"]);
    // Tags ignore case.
    assert_eq!(tags(&app, &t, "tag=cnc-0001").await, ["CNC-0001"]);
    // Filters combine with AND.
    assert!(tags(&app, &t, "type=machine&status=spare").await.is_empty());
    // updated_since: everything was changed after a past time, nothing after a future one.
    assert_eq!(
        list(&app, &t, "updated_since=2020-01-01T00:00:00Z").await["total"],
        4
    );
    assert_eq!(
        list(&app, &t, "updated_since=2999-01-01T00:00:00%2B02:00").await["total"],
        0
    );
    // parent_id: assets inside another.
    let cnc = list(&app, &t, "tag=CNC-0001").await["items"][0]["id"].clone();
    create(
        &app,
        &t,
        body("PC-0002", json!({"type": "computer", "parent_id": cnc})),
    )
    .await;
    assert_eq!(tags(&app, &t, &format!("parent_id={cnc}")).await, ["PC-0002"]);
    // A viewer may list.
    let (viewer, _) = app.user_token("vera", "viewer").await;
    assert_eq!(list(&app, &viewer, "").await["total"], 5);
    app.get("/api/v1/assets").await.problem(401, "unauthenticated");
}
dual_test!(filters_narrow_the_list);

async fn sorts_on_allowed_columns(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    seed(&app, &t).await;
    assert_eq!(
        tags(&app, &t, "sort=-tag").await,
        ["PRN-0001", "PC-0001", "CNC-0002", "CNC-0001"]
    );
    assert_eq!(
        tags(&app, &t, "sort=name").await,
        ["PC-0001", "PRN-0001", "CNC-0001", "CNC-0002"]
    );
    // Several columns: type, then newest first within a type.
    assert_eq!(
        tags(&app, &t, "sort=type,-created_at").await,
        ["PC-0001", "CNC-0002", "CNC-0001", "PRN-0001"]
    );
    assert_eq!(
        tags(&app, &t, "sort=manufacturer,-id").await,
        ["CNC-0002", "CNC-0001", "PC-0001", "PRN-0001"]
    );
    assert_eq!(
        tags(&app, &t, "sort=-status,tag").await,
        ["PRN-0001", "CNC-0002", "CNC-0001", "PC-0001"]
    );
}
dual_test!(sorts_on_allowed_columns);

async fn search_finds_substrings(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    seed(&app, &t).await;
    // Mid-word, any case.
    assert_eq!(tags(&app, &t, "q=ATH").await, ["CNC-0001"]);
    // In notes, in serials.
    assert_eq!(tags(&app, &t, "q=bearing").await, ["CNC-0001"]);
    assert_eq!(tags(&app, &t, "q=k-99").await, ["PC-0001"]);
    assert_eq!(tags(&app, &t, "q=lpha").await, ["CNC-0001"]);
    // One and two characters.
    assert_eq!(tags(&app, &t, "q=xk").await, ["PC-0001"]);
    assert_eq!(tags(&app, &t, "q=z").await, ["PRN-0001"]);
    // LIKE and FTS syntax are taken literally.
    assert_eq!(tags(&app, &t, "q=50%25").await, ["PRN-0001"]);
    assert_eq!(tags(&app, &t, "q=9_1").await, ["PC-0001"]);
    assert!(tags(&app, &t, "q=_").await.len() == 1);
    assert!(tags(&app, &t, "q=%22OR%22").await.is_empty());
    assert!(tags(&app, &t, "q=nothing-like-this").await.is_empty());
    // Search combines with filters and counts.
    let r = list(&app, &t, "q=cnc&status=maintenance").await;
    assert_eq!(r["total"], 1);
    assert_eq!(r["items"][0]["tag"], "CNC-0002");
    // The total is right on every page, also past the end.
    let r = list(&app, &t, "q=cnc&limit=1&offset=1&sort=-tag").await;
    assert_eq!(r["total"], 2);
    assert_eq!(r["items"][0]["tag"], "CNC-0001");
    let r = list(&app, &t, "q=cnc&offset=5").await;
    assert_eq!(r["total"], 2);
    assert!(r["items"].as_array().unwrap().is_empty());
    assert_eq!(list(&app, &t, "q=zzzz").await["total"], 0);
}
dual_test!(search_finds_substrings);

/// The ids of a list response, in order.
async fn ids(app: &TestApp, token: &str, query: &str) -> Vec<i64> {
    list(app, token, query).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// Search over several MySQL search blocks (64 assets each, ADR 0006):
/// every kind of write shows at once, concurrent writers to one block lose
/// nothing, and a search-only page (picked from the search tables) agrees
/// with the same search under a filter that changes nothing.
async fn search_follows_every_write_across_blocks(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let items: Vec<Value> = (0..150)
        .map(|i| {
            json!({"tag": format!("BLK-{i:04}"), "name": format!("Press {i}"), "type": "machine",
                   "serial": format!("SER-{}", 149 - i),
                   "notes": if i % 7 == 0 { "hydraulic leak" } else { "ok" }})
        })
        .collect();
    let r = app
        .post_auth(
            "/api/v1/assets/bulk",
            &t,
            &json!({"dry_run": false, "items": items}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let leaks: Vec<String> = (0..150).step_by(7).map(|i| format!("BLK-{i:04}")).collect();
    assert_eq!(tags(&app, &t, "q=hydraulic&limit=1000").await, leaks);
    for (sort, filter) in [("tag", ""), ("-tag", ""), ("id", ""), ("-id", ""), ("serial", "")] {
        let fast = ids(&app, &t, &format!("q=leak&sort={sort}{filter}")).await;
        let slow = ids(&app, &t, &format!("q=leak&sort={sort}&type=machine")).await;
        assert_eq!(fast, slow, "sort={sort}");
        assert_eq!(fast.len(), leaks.len());
        // Pages add up to the whole, with the total on each.
        let page = list(&app, &t, &format!("q=leak&sort={sort}&limit=5&offset=10")).await;
        assert_eq!(page["total"], leaks.len());
        let got: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        assert_eq!(got, fast[10..15]);
    }

    // An update: the old text is gone, the new one found.
    let first = list(&app, &t, "tag=BLK-0000").await["items"][0].clone();
    let id = first["id"].as_i64().unwrap();
    let r = app
        .patch_auth(
            &format!("/api/v1/assets/{id}"),
            &t,
            &json!({"notes": "gearbox noise", "version": first["version"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(list(&app, &t, "q=hydraulic").await["total"], leaks.len() - 1);
    assert_eq!(tags(&app, &t, "q=gearbox").await, ["BLK-0000"]);
    // A deletion, and its revert.
    let r = app.delete_auth(&format!("/api/v1/assets/{id}"), &t).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(tags(&app, &t, "q=gearbox").await.is_empty());
    let feed = app
        .get_auth(
            &format!("/api/v1/changes?entity=asset&entity_id={id}&action=delete"),
            &t,
        )
        .await
        .json();
    let deleted = feed["items"][0]["id"].as_i64().unwrap();
    let r = app
        .post_auth(&format!("/api/v1/changes/{deleted}/revert"), &t, &json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(tags(&app, &t, "q=gearbox").await, ["BLK-0000"]);

    // Concurrent creations land in the same (last) block: none is lost.
    let bodies: Vec<Value> = (0..12)
        .map(|i| {
            json!({"tag": format!("NEW-{i:02}"), "name": "Robot cell", "type": "machine",
                   "notes": format!("torque sensor {i}")})
        })
        .collect();
    let creates = bodies.iter().map(|b| app.post_auth("/api/v1/assets", &t, b));
    for r in futures_util::future::join_all(creates).await {
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let found = tags(&app, &t, "q=torque%20sensor").await;
    assert_eq!(found, (0..12).map(|i| format!("NEW-{i:02}")).collect::<Vec<_>>());
}
dual_test!(search_follows_every_write_across_blocks);

async fn bad_parameters_are_400s_naming_them(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let field = |p: &Value| p["errors"][0]["field"].as_str().unwrap().to_owned();
    let message = |p: &Value| p["errors"][0]["message"].as_str().unwrap().to_owned();

    let p = app
        .get_auth("/api/v1/assets?limit=1001", &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(field(&p), "limit");
    assert!(p["detail"].as_str().unwrap().contains("1000"), "{p}");
    app.get_auth("/api/v1/assets?limit=0", &t)
        .await
        .problem(400, "invalid_parameter");

    let p = app
        .get_auth("/api/v1/assets?sort=-colour", &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(field(&p), "sort");
    assert!(message(&p).contains("tag, name, type, status, location"), "{p}");

    let p = app
        .get_auth("/api/v1/assets?sort=tag;DROP%20TABLE%20assets", &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(field(&p), "sort");

    let p = app
        .get_auth("/api/v1/assets?fields=tag,password", &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(field(&p), "fields");
    assert!(message(&p).contains("custom_fields"), "{p}");

    let p = app
        .get_auth("/api/v1/assets?status=broken", &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(field(&p), "status");
    assert!(message(&p).contains("in_service"), "{p}");

    let p = app
        .get_auth("/api/v1/assets?type=spaceship", &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(field(&p), "type");
    assert!(message(&p).contains("machine"), "{p}");

    let p = app
        .get_auth("/api/v1/assets?cf_colour=red", &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(field(&p), "cf_colour");

    let p = app
        .get_auth("/api/v1/assets?location=999999", &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(field(&p), "location");

    let p = app
        .get_auth("/api/v1/assets?updated_since=yesterday", &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(field(&p), "updated_since");

    let p = app
        .get_auth("/api/v1/assets?ip=10.0.0.999", &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(field(&p), "ip");

    // Several at once: each is named.
    let p = app
        .get_auth("/api/v1/assets?status=x&sort=y&fields=z", &t)
        .await
        .problem(400, "invalid_parameter");
    let named: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["status", "sort", "fields"]);

    // Exports check the same filters before streaming anything.
    let p = app
        .get_auth("/api/v1/assets/export?status=broken", &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(field(&p), "status");
    app.get_auth("/api/v1/assets/export?format=xml", &t)
        .await
        .problem(400, "invalid_parameter");
}
dual_test!(bad_parameters_are_400s_naming_them);

async fn sparse_fields_and_paging(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    seed(&app, &t).await;
    // Without `fields`: every property, unset ones as null.
    let full = list(&app, &t, "tag=PRN-0001").await["items"][0].clone();
    assert_eq!(full["type"], "printer");
    assert_eq!(full["status"], "spare");
    assert!(
        full["hostname"].is_null() && full.get("hostname").is_some(),
        "{full}"
    );
    assert!(full["custom_fields"].is_object());
    assert!(full["version"].is_i64());
    // With `fields`: id and exactly what was asked, nulls included.
    let r = list(&app, &t, "tag=PRN-0001&fields=tag,hostname,status").await;
    let item = r["items"][0].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["hostname", "id", "status", "tag"]);
    assert!(item["hostname"].is_null());
    assert_eq!(item["status"], "spare");
    // Paging: total counts every match whatever the page.
    let r = list(&app, &t, "limit=2&offset=1").await;
    assert_eq!(r["total"], 4);
    assert_eq!(r["limit"], 2);
    assert_eq!(r["offset"], 1);
    let page: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["tag"].as_str().unwrap())
        .collect();
    assert_eq!(page, ["CNC-0002", "PC-0001"]);
    let r = list(&app, &t, "offset=10").await;
    assert_eq!(r["total"], 4);
    assert!(r["items"].as_array().unwrap().is_empty());
}
dual_test!(sparse_fields_and_paging);

async fn statements(app: &TestApp) -> u64 {
    let text = app.get("/metrics").await.text;
    text.lines()
        .find_map(|l| l.strip_prefix("shopdb_db_statements_total "))
        .and_then(|n| n.trim().parse().ok())
        .expect("statement counter in /metrics")
}

async fn a_list_runs_a_fixed_number_of_statements(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    for i in 0..30 {
        create(
            &app,
            &t,
            body(
                &format!("N-{i:03}"),
                json!({"manufacturer": "DMG", "parent_id": null}),
            ),
        )
        .await;
    }
    let query = "manufacturer=DMG&type=machine&q=asset&sort=-name";
    let mut deltas = Vec::new();
    for limit in [5, 500] {
        let before = statements(&app).await;
        let r = list(&app, &t, &format!("{query}&limit={limit}")).await;
        let after = statements(&app).await;
        assert_eq!(r["total"], 30);
        assert_eq!(
            r["items"].as_array().unwrap().len(),
            if limit == 5 { 5 } else { 30 }
        );
        deltas.push(after - before);
    }
    assert_eq!(deltas[0], deltas[1], "statements per list: {deltas:?}");
    // Auth, the type lookup, count and page: a handful, not one per row.
    assert!(deltas[0] <= 6, "{deltas:?}");
}
dual_test!(a_list_runs_a_fixed_number_of_statements);

async fn csv_export_streams_every_match(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    seed(&app, &t).await;
    create(
        &app,
        &t,
        body(
            "CNC-0003",
            json!({"name": "=HYPERLINK(\"http://evil\")", "notes": "line 1\nline \"2\", with comma"}),
        ),
    )
    .await;
    let r = app
        .get_auth("/api/v1/assets/export?format=csv&manufacturer=DMG", &t)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.header("content-type").unwrap().starts_with("text/csv"),
        "{:?}",
        r.headers
    );
    let cd = r.header("content-disposition").unwrap();
    assert!(
        cd.starts_with("attachment; filename=\"assets-") && cd.ends_with(".csv\""),
        "{cd}"
    );
    let mut rd = csv::Reader::from_reader(r.text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header[..18],
        [
            "tag",
            "name",
            "type",
            "status",
            "location",
            "location_id",
            "parent_tag",
            "manufacturer",
            "model",
            "serial",
            "hostname",
            "ip",
            "mac",
            "owner",
            "department",
            "purchase_date",
            "warranty_end",
            "notes"
        ]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let tags: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(tags, ["CNC-0001", "CNC-0002"]);
    assert_eq!(&rows[0][1], "Lathe");
    assert_eq!(&rows[0][2], "machine");
    assert_eq!(&rows[0][3], "in_service");
    assert_eq!(&rows[0][9], "S1-ALPHA");
    assert_eq!(&rows[0][11], "10.0.0.1");
    assert_eq!(&rows[1][3], "maintenance");

    // Everything; quoting survives the round trip; formulas become text.
    let r = app.get_auth("/api/v1/assets/export", &t).await;
    let mut rd = csv::Reader::from_reader(r.text.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    let evil = rows.iter().find(|r| &r[0] == "CNC-0003").unwrap();
    assert_eq!(&evil[1], "'=HYPERLINK(\"http://evil\")");
    assert_eq!(&evil[17], "line 1\nline \"2\", with comma");

    // No match: just the header.
    let r = app
        .get_auth("/api/v1/assets/export?q=nothing-like-this", &t)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text.lines().count(), 1, "{}", r.text);
}
dual_test!(csv_export_streams_every_match);

async fn jsonl_export_is_one_asset_per_line(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    seed(&app, &t).await;
    let r = app
        .get_auth("/api/v1/assets/export?format=jsonl&type=machine", &t)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/x-ndjson")
    );
    assert!(r.header("content-disposition").unwrap().ends_with(".jsonl\""));
    let lines: Vec<Value> = r.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["tag"], "CNC-0001");
    assert_eq!(lines[0]["type"], "machine");
    assert_eq!(lines[0]["serial"], "S1-ALPHA");
    assert_eq!(lines[1]["tag"], "CNC-0002");
    assert!(lines[1]["version"].is_i64());
}
dual_test!(jsonl_export_is_one_asset_per_line);

async fn summary_counts_by_status_type_and_location(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    // An empty site: every status and type at zero.
    let r = app.get_auth("/api/v1/summary", &t).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = r.json();
    assert_eq!(s["total"], 0);
    assert_eq!(s["by_status"].as_array().unwrap().len(), 6);
    assert!(s["by_type"].as_array().unwrap().iter().all(|t| t["count"] == 0));
    assert_eq!(
        s["by_location"],
        json!([{"location_id": null, "name": null, "count": 0}])
    );
    assert!(s["recent_changes"].as_array().unwrap().is_empty());

    seed(&app, &t).await;
    let (viewer, _) = app.user_token("vera", "viewer").await;
    let s = app.get_auth("/api/v1/summary", &viewer).await.json();
    assert_eq!(s["total"], 4);
    let status = |name: &str| {
        s["by_status"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["status"] == name)
            .unwrap()["count"]
            .clone()
    };
    assert_eq!(status("in_service"), 2);
    assert_eq!(status("maintenance"), 1);
    assert_eq!(status("spare"), 1);
    assert_eq!(status("retired"), 0);
    let of_type = |key: &str| {
        s["by_type"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(of_type("machine")["count"], 2);
    assert_eq!(of_type("machine")["name"], "Machine");
    assert_eq!(of_type("computer")["count"], 1);
    assert_eq!(of_type("network_device")["count"], 0);
    assert_eq!(
        s["by_location"],
        json!([{"location_id": null, "name": null, "count": 4}])
    );
    let recent = s["recent_changes"].as_array().unwrap();
    assert_eq!(recent.len(), 4);
    assert_eq!(recent[0]["entity"], "asset");
    assert_eq!(recent[0]["action"], "create");
    assert_eq!(recent[0]["actor"], "admin");
    assert!(recent[0]["summary"].as_str().unwrap().contains("PRN-0001"));
    assert!(recent[0]["asset_id"].is_i64());
    app.get("/api/v1/summary").await.problem(401, "unauthenticated");
}
dual_test!(summary_counts_by_status_type_and_location);

async fn every_filter_and_sort_column_runs(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let all_filters = "status=planned,spare&type=machine,printer&manufacturer=DMG&model=CTX\
        &tag=cnc-1&hostname=h1&ip=::1&parent_id=1&updated_since=2026-01-01T00:00:00Z";
    for q in ["", "&q=x", "&q=lathe%22%27--"] {
        let r = list(&app, &t, &format!("{all_filters}{q}")).await;
        assert_eq!(r["total"], 0);
        for format in ["csv", "jsonl"] {
            let r = app
                .get_auth(
                    &format!("/api/v1/assets/export?format={format}&{all_filters}{q}"),
                    &t,
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
    }
    for col in [
        "tag",
        "name",
        "type",
        "status",
        "location",
        "manufacturer",
        "model",
        "serial",
        "hostname",
        "ip",
        "updated_at",
        "created_at",
        "purchase_date",
        "warranty_end",
        "id",
    ] {
        list(&app, &t, &format!("sort={col}")).await;
        list(&app, &t, &format!("sort=-{col},tag")).await;
    }
}
dual_test!(every_filter_and_sort_column_runs);

async fn location(app: &TestApp, token: &str, name: &str, kind: &str, parent: Option<i64>) -> i64 {
    let r = app
        .post_auth(
            "/api/v1/locations",
            token,
            &json!({"name": name, "kind": kind, "parent_id": parent}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

async fn location_filter_covers_the_subtree(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let plant1 = location(&app, &t, "Plant 1", "site", None).await;
    let hall = location(&app, &t, "Hall B", "hall", Some(plant1)).await;
    let cell = location(&app, &t, "Cell 4", "cell", Some(hall)).await;
    let plant2 = location(&app, &t, "Plant 2", "site", None).await;
    for (tag, loc) in [
        ("A-1", Some(plant1)),
        ("A-2", Some(hall)),
        ("A-3", Some(cell)),
        ("A-4", Some(plant2)),
        ("A-5", None),
    ] {
        create(&app, &t, body(tag, json!({"location_id": loc}))).await;
    }
    assert_eq!(
        tags(&app, &t, &format!("location={plant1}")).await,
        ["A-1", "A-2", "A-3"]
    );
    assert_eq!(
        tags(&app, &t, &format!("location={plant1}&include_descendants=false")).await,
        ["A-1"]
    );
    assert_eq!(tags(&app, &t, &format!("location={hall}")).await, ["A-2", "A-3"]);
    assert_eq!(tags(&app, &t, &format!("location={cell}")).await, ["A-3"]);
    assert_eq!(tags(&app, &t, &format!("location={plant2}")).await, ["A-4"]);
    // Sorting by location is by path; no location sorts first.
    assert_eq!(
        tags(&app, &t, "sort=location").await,
        ["A-5", "A-1", "A-2", "A-3", "A-4"]
    );
    assert_eq!(
        tags(&app, &t, "sort=-location").await,
        ["A-4", "A-3", "A-2", "A-1", "A-5"]
    );
    let item = &list(&app, &t, "tag=A-3").await["items"][0];
    assert_eq!(item["location_path"], "Plant 1 / Hall B / Cell 4");
    // The summary counts each root's whole subtree.
    let s = app.get_auth("/api/v1/summary", &t).await.json();
    assert_eq!(
        s["by_location"],
        json!([
            {"location_id": plant1, "name": "Plant 1", "count": 3},
            {"location_id": plant2, "name": "Plant 2", "count": 1},
            {"location_id": null, "name": null, "count": 1},
        ])
    );
    // Exports take the same filter and show the path.
    let r = app
        .get_auth(&format!("/api/v1/assets/export?location={hall}"), &t)
        .await;
    let mut rd = csv::Reader::from_reader(r.text.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "A-2");
    assert_eq!(&rows[0][4], "Plant 1 / Hall B");
    assert_eq!(rows[0][5].parse::<i64>().unwrap(), hall);
    // A root whose id starts with the same digits ("/1/" and "/10/") is
    // another subtree.
    let mut filler = plant2;
    while !filler.to_string().starts_with(&plant1.to_string()) || filler == plant1 {
        filler = location(&app, &t, &format!("Site {filler}"), "site", None).await;
    }
    create(&app, &t, body("A-6", json!({"location_id": filler}))).await;
    assert_eq!(
        tags(&app, &t, &format!("location={plant1}")).await,
        ["A-1", "A-2", "A-3"]
    );
    assert_eq!(tags(&app, &t, &format!("location={filler}")).await, ["A-6"]);
}
dual_test!(location_filter_covers_the_subtree);

/// Defines a custom field on a type through the asset type API.
async fn field(app: &TestApp, token: &str, type_key: &str, key: &str, kind: &str, choices: Option<Value>) {
    let types = app.get_auth("/api/v1/asset-types", token).await.json();
    let id = types["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == type_key)
        .unwrap()["id"]
        .clone();
    let mut def = json!({"key": key, "kind": kind});
    if let Some(c) = choices {
        def["choices"] = c;
    }
    let r = app
        .post_auth(&format!("/api/v1/asset-types/{id}/fields"), token, &def)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn custom_field_filters(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    field(&app, &t, "machine", "rpm", "integer", None).await;
    field(
        &app,
        &t,
        "machine",
        "controller",
        "select",
        Some(json!(["Sinumerik", "Fanuc"])),
    )
    .await;
    field(&app, &t, "computer", "os", "text", None).await;
    // The same key, as text, on another type.
    field(&app, &t, "computer", "rpm", "text", None).await;
    let cf = |v: Value| json!({ "custom_fields": v });
    create(
        &app,
        &t,
        body("M-1", cf(json!({"rpm": 12000, "controller": "Sinumerik"}))),
    )
    .await;
    create(
        &app,
        &t,
        body("M-2", cf(json!({"rpm": 8000, "controller": "Fanuc"}))),
    )
    .await;
    let mut pc = body("C-1", cf(json!({"os": "Win 11", "rpm": "12000"})));
    pc["type"] = json!("computer");
    create(&app, &t, pc).await;

    // Each field compares in its own form: 12000 the number, "12000" the text.
    assert_eq!(tags(&app, &t, "cf_rpm=12000").await, ["C-1", "M-1"]);
    assert_eq!(tags(&app, &t, "cf_rpm=%2012000%20&type=machine").await, ["M-1"]);
    assert_eq!(tags(&app, &t, "cf_controller=Fanuc").await, ["M-2"]);
    assert_eq!(tags(&app, &t, "cf_os=Win%2011").await, ["C-1"]);
    assert_eq!(
        tags(&app, &t, "cf_rpm=12000&cf_controller=Sinumerik").await,
        ["M-1"]
    );
    assert!(
        tags(&app, &t, "cf_rpm=12000&cf_controller=Fanuc")
            .await
            .is_empty()
    );
    // Text the integer field cannot hold still matches the text field (none here).
    assert!(tags(&app, &t, "cf_rpm=fast").await.is_empty());
    // Custom field values are searchable.
    assert_eq!(tags(&app, &t, "q=sinumer").await, ["M-1"]);

    let bad = |query: &'static str| {
        let app = &app;
        let t = &t;
        async move {
            let p = app
                .get_auth(&format!("/api/v1/assets?{query}"), t)
                .await
                .problem(400, "invalid_parameter");
            (
                p["errors"][0]["field"].as_str().unwrap().to_owned(),
                p["errors"][0]["message"].as_str().unwrap().to_owned(),
            )
        }
    };
    let (f, m) = bad("cf_controller=Heidenhain").await;
    assert_eq!(f, "cf_controller");
    assert!(m.contains("Sinumerik, Fanuc"), "{m}");
    let (f, m) = bad("cf_rpm=fast&type=machine").await;
    assert_eq!(f, "cf_rpm");
    assert!(m.contains("whole number"), "{m}");
    let (f, _) = bad("cf_os=x&type=machine").await;
    assert_eq!(f, "cf_os");
    let (f, _) = bad("cf_colour=red").await;
    assert_eq!(f, "cf_colour");
    let (f, _) = bad("cf_=x").await;
    assert_eq!(f, "cf_");

    // Exports get a column per custom field of the exported types.
    let r = app.get_auth("/api/v1/assets/export?type=machine", &t).await;
    let mut rd = csv::Reader::from_reader(r.text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header[18..], ["cf_controller", "cf_rpm"]);
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][0], "M-1");
    assert_eq!(&rows[0][18], "Sinumerik");
    assert_eq!(&rows[0][19], "12000");
    let r = app.get_auth("/api/v1/assets/export?cf_os=Win%2011", &t).await;
    let mut rd = csv::Reader::from_reader(r.text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header[18..], ["cf_controller", "cf_os", "cf_rpm"]);
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][19], "Win 11");
}
dual_test!(custom_field_filters);

async fn exports_read_in_chunks_with_flat_statement_cost(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    // Volume straight into the table: 2,345 rows cross two chunk borders.
    let n = 2345;
    {
        use sea_query::{Alias, Query};
        let now = shopdb::db::timestamp(chrono::Utc::now());
        let mut insert = Query::insert();
        insert.into_table(Alias::new("assets")).columns(
            [
                "tag",
                "name",
                "type_id",
                "status",
                "custom_fields",
                "version",
                "created_at",
                "updated_at",
            ]
            .map(Alias::new),
        );
        for i in 0..n {
            insert.values_panic([
                format!("BULK-{i:05}").into(),
                format!("Bulk {i}").into(),
                1.into(),
                "in_service".into(),
                "{}".into(),
                1.into(),
                now.clone().into(),
                now.clone().into(),
            ]);
        }
        app.state.db.execute(&insert).await.unwrap();
    }
    let before = statements(&app).await;
    let r = app.get_auth("/api/v1/assets/export?format=jsonl", &t).await;
    let used = statements(&app).await - before;
    assert_eq!(r.status, 200);
    let ids: Vec<i64> = r
        .text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), n);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in id order, no repeats");
    // Auth, the custom field columns and three chunks: not one per row.
    assert!(used <= 6, "{used} statements");
    let r = app.get_auth("/api/v1/assets/export?format=csv", &t).await;
    assert_eq!(r.text.lines().count(), n + 1);
}
dual_test!(exports_read_in_chunks_with_flat_statement_cost);

/// A scanner's read: one statement checks the API token with its owner,
/// one reads the asset (with its type and location).
async fn a_read_by_id_with_an_api_token_runs_two_statements(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let asset = create(&app, &t, body("SCAN-001", json!({}))).await;
    let path = format!("/api/v1/assets/{}", asset["id"]);
    let token = app
        .post_auth(
            "/api/v1/tokens",
            &t,
            &json!({"name": "scanner", "role": "viewer"}),
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The first use records `last_used_at` (at most once a minute).
    assert_eq!(app.get_auth(&path, &token).await.status, 200);
    let before = statements(&app).await;
    let r = app.get_auth(&path, &token).await;
    let after = statements(&app).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["tag"], "SCAN-001");
    assert_eq!(after - before, 2);
}
dual_test!(a_read_by_id_with_an_api_token_runs_two_statements);
