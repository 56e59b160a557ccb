//! The location tree over HTTP on both backends: paths, the nested tree,
//! moves and renames of whole subtrees, sibling names, deletion rules,
//! version preconditions, roles and bad input.

use reqwest::Method;
use serde_json::{Value, json};

use crate::dual_test;
use crate::helpers::{Backend, Resp, TestApp, spawn_app};

const BASE: &str = "/api/v1/locations";

async fn create(app: &TestApp, token: &str, name: &str, kind: &str, parent: Option<i64>) -> Value {
    let r = app
        .post_auth(
            BASE,
            token,
            &json!({"name": name, "kind": kind, "parent_id": parent}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn get(app: &TestApp, token: &str, id: i64) -> Value {
    let r = app.get_auth(&format!("{BASE}/{id}"), token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

/// PATCH with `If-Match: "<version>"`.
async fn patch(app: &TestApp, token: &str, id: i64, version: i64, body: &Value) -> Resp {
    let req = app
        .request(Method::PATCH, &format!("{BASE}/{id}"))
        .await
        .bearer_auth(token)
        .header("If-Match", format!("\"{version}\""))
        .json(body);
    app.send(req).await
}

/// Moves `id` (at `version`) under `parent` and returns the moved location.
async fn move_to(app: &TestApp, token: &str, id: i64, version: i64, parent: Option<i64>) -> Value {
    let r = patch(app, token, id, version, &json!({ "parent_id": parent })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

fn path_of(v: &Value) -> &str {
    v["path"].as_str().unwrap()
}

async fn a_four_level_tree_has_paths_and_nests(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let r = app
        .post_auth(
            BASE,
            &t,
            &json!({"name": "  Plant 1 ", "kind": "site", "floor_x": 12.5, "floor_y": -3.0, "notes": "Main works"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let plant = r.json();
    assert_eq!(
        r.header("location"),
        Some(format!("{BASE}/{}", id(&plant)).as_str())
    );
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(plant["name"], "Plant 1");
    assert_eq!(plant["path"], "Plant 1");
    assert_eq!(plant["depth"], 0);
    assert_eq!(plant["parent_id"], Value::Null);
    assert_eq!(plant["floor_x"], 12.5);
    assert_eq!(plant["asset_count"], 0);
    assert_eq!(plant["version"], 1);

    let hall_b = create(&app, &t, "Hall B", "hall", Some(id(&plant))).await;
    let hall_a = create(&app, &t, "Hall A", "hall", Some(id(&plant))).await;
    let cell = create(&app, &t, "Cell 4", "cell", Some(id(&hall_b))).await;
    let station = create(&app, &t, "Station 1", "station", Some(id(&cell))).await;
    assert_eq!(path_of(&station), "Plant 1 / Hall B / Cell 4 / Station 1");
    assert_eq!(station["depth"], 3);
    assert_eq!(station["parent_id"], id(&cell));
    assert_eq!(station["kind"], "station");

    let r = app.get_auth(&format!("{BASE}/{}", id(&cell)), &t).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(path_of(&r.json()), "Plant 1 / Hall B / Cell 4");

    // The flat list: by path, filtered by parent, kind and substring.
    let all = app.get_auth(BASE, &t).await.json();
    assert_eq!(all["total"], 5);
    assert_eq!(all["limit"], 50);
    let paths: Vec<&str> = all["items"].as_array().unwrap().iter().map(path_of).collect();
    assert_eq!(
        paths,
        [
            "Plant 1",
            "Plant 1 / Hall A",
            "Plant 1 / Hall B",
            "Plant 1 / Hall B / Cell 4",
            "Plant 1 / Hall B / Cell 4 / Station 1"
        ]
    );
    let children = app
        .get_auth(&format!("{BASE}?parent_id={}", id(&plant)), &t)
        .await
        .json();
    assert_eq!(children["total"], 2);
    let halls = app.get_auth(&format!("{BASE}?kind=hall"), &t).await.json();
    assert_eq!(halls["total"], 2);
    let found = app.get_auth(&format!("{BASE}?q=hALL%20b"), &t).await.json();
    assert_eq!(found["total"], 3, "{found}");
    let page = app.get_auth(&format!("{BASE}?limit=2&offset=1"), &t).await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["name"], "Hall A");
    assert_eq!(page["total"], 5);
    let none = app.get_auth(&format!("{BASE}?q=50%25_off"), &t).await.json();
    assert_eq!(none["total"], 0);

    // The tree: nested, children by name, counts at every level.
    let tree = app.get_auth(&format!("{BASE}/tree"), &t).await;
    assert_eq!(tree.status, 200, "{}", tree.text);
    let tree = tree.json();
    assert_eq!(tree["location_count"], 5);
    let root = &tree["roots"][0];
    assert_eq!(tree["roots"].as_array().unwrap().len(), 1);
    assert_eq!(root["name"], "Plant 1");
    assert_eq!(root["total_asset_count"], 0);
    assert_eq!(root["children"][0]["id"], id(&hall_a));
    assert_eq!(root["children"][0]["children"], json!([]));
    let b_node = &root["children"][1];
    assert_eq!(b_node["id"], id(&hall_b));
    assert_eq!(b_node["children"][0]["name"], "Cell 4");
    let s_node = &b_node["children"][0]["children"][0];
    assert_eq!(s_node["path"], "Plant 1 / Hall B / Cell 4 / Station 1");
    assert_eq!(s_node["asset_count"], 0);
    assert_eq!(s_node["total_asset_count"], 0);
    // Asset counts: see assets_are_counted_and_keep_their_location.

    // A fixed number of statements however large the tree.
    let before = app.state.db.statement_count();
    app.get_auth(&format!("{BASE}/tree"), &t).await;
    let small = app.state.db.statement_count() - before;
    for i in 0..6 {
        create(
            &app,
            &t,
            &format!("Station {}", i + 2),
            "station",
            Some(id(&cell)),
        )
        .await;
    }
    let before = app.state.db.statement_count();
    let big = app.get_auth(&format!("{BASE}/tree"), &t).await.json();
    assert_eq!(big["location_count"], 11);
    assert_eq!(app.state.db.statement_count() - before, small);
}
dual_test!(a_four_level_tree_has_paths_and_nests);

async fn moving_a_subtree_rewrites_every_path(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let p1 = create(&app, &t, "Plant 1", "site", None).await;
    let p2 = create(&app, &t, "Plant 2", "site", None).await;
    let hall = create(&app, &t, "Hall B", "hall", Some(id(&p1))).await;
    let cell = create(&app, &t, "Cell 4", "cell", Some(id(&hall))).await;
    let st1 = create(&app, &t, "Station 1", "station", Some(id(&cell))).await;
    let st2 = create(&app, &t, "Station 2", "station", Some(id(&cell))).await;

    let moved = move_to(&app, &t, id(&hall), 1, Some(id(&p2))).await;
    assert_eq!(moved["path"], "Plant 2 / Hall B");
    assert_eq!(moved["parent_id"], id(&p2));
    assert_eq!(moved["version"], 2);
    assert_eq!(
        path_of(&get(&app, &t, id(&cell)).await),
        "Plant 2 / Hall B / Cell 4"
    );
    for (s, name) in [(&st1, "Station 1"), (&st2, "Station 2")] {
        let s = get(&app, &t, id(s)).await;
        assert_eq!(path_of(&s), format!("Plant 2 / Hall B / Cell 4 / {name}"));
        assert_eq!(s["depth"], 3);
        // Nothing of the descendants' own changed: same version.
        assert_eq!(s["version"], 1);
    }
    let under_p1 = app
        .get_auth(&format!("{BASE}?parent_id={}", id(&p1)), &t)
        .await
        .json();
    assert_eq!(under_p1["total"], 0);

    // Up to the top: the cell becomes a root, its stations follow.
    let root = move_to(&app, &t, id(&cell), 1, None).await;
    assert_eq!(root["path"], "Cell 4");
    assert_eq!(root["depth"], 0);
    assert_eq!(root["parent_id"], Value::Null);
    let s = get(&app, &t, id(&st2)).await;
    assert_eq!(path_of(&s), "Cell 4 / Station 2");
    assert_eq!(s["depth"], 1);

    // And back down two levels; the tree agrees with the records.
    move_to(&app, &t, id(&cell), 2, Some(id(&hall))).await;
    assert_eq!(
        path_of(&get(&app, &t, id(&st1)).await),
        "Plant 2 / Hall B / Cell 4 / Station 1"
    );
    let tree = app.get_auth(&format!("{BASE}/tree"), &t).await.json();
    let p2_node = &tree["roots"][1];
    assert_eq!(p2_node["name"], "Plant 2");
    let stations = &p2_node["children"][0]["children"][0]["children"];
    assert_eq!(stations[1]["path"], "Plant 2 / Hall B / Cell 4 / Station 2");
    assert_eq!(stations[1]["depth"], 3);

    // The moved lineage is live: the old ancestor is no longer an ancestor,
    // so Plant 1 may now go under the station; Plant 2 may not.
    move_to(&app, &t, id(&p1), 1, Some(id(&st1))).await;
    patch(&app, &t, id(&p2), 1, &json!({"parent_id": id(&st1)}))
        .await
        .problem(422, "validation_failed");
}
dual_test!(moving_a_subtree_rewrites_every_path);

async fn moving_under_itself_or_a_descendant_is_refused(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let plant = create(&app, &t, "Plant 1", "site", None).await;
    let hall = create(&app, &t, "Hall B", "hall", Some(id(&plant))).await;
    let cell = create(&app, &t, "Cell 4", "cell", Some(id(&hall))).await;
    let before = app.get_auth(BASE, &t).await.json();

    for target in [id(&cell), id(&hall)] {
        let r = patch(&app, &t, id(&hall), 1, &json!({"parent_id": target})).await;
        let p = r.problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], "parent_id", "{p}");
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("cannot move Plant 1 / Hall B under"),
            "{p}"
        );
    }
    let r = patch(&app, &t, id(&plant), 1, &json!({"parent_id": id(&cell)})).await;
    r.problem(422, "validation_failed");
    let r = patch(&app, &t, id(&hall), 1, &json!({"parent_id": 999_999})).await;
    let p = r.problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "parent_id");

    // Nothing changed: same paths, same versions.
    let after = app.get_auth(BASE, &t).await.json();
    assert_eq!(before["items"], after["items"]);
}
dual_test!(moving_under_itself_or_a_descendant_is_refused);

async fn renaming_renames_the_paths_below(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let plant = create(&app, &t, "Plant 1", "site", None).await;
    let hall = create(&app, &t, "Hall B", "hall", Some(id(&plant))).await;
    let cell = create(&app, &t, "Cell 4", "cell", Some(id(&hall))).await;
    let other = create(&app, &t, "Plant 10", "site", None).await;
    let other_hall = create(&app, &t, "Hall B", "hall", Some(id(&other))).await;

    // `version` in the body instead of If-Match.
    let r = app
        .patch_auth(
            &format!("{BASE}/{}", id(&plant)),
            &t,
            &json!({"name": " Werk Süd ", "kind": "building", "notes": "renamed", "version": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    let renamed = r.json();
    assert_eq!(renamed["name"], "Werk Süd");
    assert_eq!(renamed["kind"], "building");
    assert_eq!(renamed["notes"], "renamed");
    assert_eq!(path_of(&get(&app, &t, id(&hall)).await), "Werk Süd / Hall B");
    assert_eq!(
        path_of(&get(&app, &t, id(&cell)).await),
        "Werk Süd / Hall B / Cell 4"
    );
    // A neighbour whose path merely starts alike is untouched.
    assert_eq!(
        path_of(&get(&app, &t, id(&other_hall)).await),
        "Plant 10 / Hall B"
    );

    // Renaming the middle, and a case-only rename of itself is allowed.
    let r = patch(&app, &t, id(&hall), 1, &json!({"name": "HALL B"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        path_of(&get(&app, &t, id(&cell)).await),
        "Werk Süd / HALL B / Cell 4"
    );
    // Clearing optional fields with null.
    let r = patch(&app, &t, id(&plant), 2, &json!({"notes": null, "floor_x": 4.5})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["notes"], Value::Null);
    assert_eq!(r.json()["floor_x"], 4.5);
    // A PATCH that changes nothing writes nothing.
    let r = patch(&app, &t, id(&plant), 3, &json!({"name": "Werk Süd"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["version"], 3);
}
dual_test!(renaming_renames_the_paths_below);

async fn sibling_names_are_unique_ignoring_case(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let p1 = create(&app, &t, "Plant 1", "site", None).await;
    let p2 = create(&app, &t, "Plant 2", "site", None).await;
    create(&app, &t, "Hall B", "hall", Some(id(&p1))).await;
    let hall_a = create(&app, &t, "Hall A", "hall", Some(id(&p1))).await;
    let other_b = create(&app, &t, "hall b", "hall", Some(id(&p2))).await;

    for name in ["Hall B", "hall b", "  HALL B "] {
        let r = app
            .post_auth(
                BASE,
                &t,
                &json!({"name": name, "kind": "hall", "parent_id": id(&p1)}),
            )
            .await;
        let p = r.problem(409, "conflict");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("`Hall B` already exists in Plant 1"),
            "{p}"
        );
        assert_eq!(p["errors"][0]["field"], "name");
    }
    let r = app
        .post_auth(BASE, &t, &json!({"name": "PLANT 1", "kind": "site"}))
        .await;
    let p = r.problem(409, "conflict");
    assert!(p["detail"].as_str().unwrap().contains("at the top level"), "{p}");
    // Renaming into a sibling's name, and moving next to a namesake.
    patch(&app, &t, id(&hall_a), 1, &json!({"name": "hALL b"}))
        .await
        .problem(409, "conflict");
    patch(&app, &t, id(&other_b), 1, &json!({"parent_id": id(&p1)}))
        .await
        .problem(409, "conflict");
    assert_eq!(app.get_auth(BASE, &t).await.json()["total"], 5);
}
dual_test!(sibling_names_are_unique_ignoring_case);

async fn deleting_needs_an_empty_location(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let plant = create(&app, &t, "Plant 1", "site", None).await;
    let hall = create(&app, &t, "Hall B", "hall", Some(id(&plant))).await;
    let c4 = create(&app, &t, "Cell 4", "cell", Some(id(&hall))).await;
    let c5 = create(&app, &t, "Cell 5", "cell", Some(id(&hall))).await;

    let r = app.delete_auth(&format!("{BASE}/{}", id(&hall)), &t).await;
    let p = r.problem(409, "conflict");
    assert_eq!(
        p["detail"],
        "Hall B still holds 2 locations (Cell 4, Cell 5); move or delete them first"
    );
    assert_eq!(get(&app, &t, id(&hall)).await["version"], 1);

    for c in [&c4, &c5] {
        let r = app.delete_auth(&format!("{BASE}/{}", id(c)), &t).await;
        assert_eq!(r.status, 204, "{}", r.text);
    }
    // A stale If-Match refuses a delete too.
    let stale = app
        .request(Method::DELETE, &format!("{BASE}/{}", id(&hall)))
        .await
        .bearer_auth(&t)
        .header("If-Match", "\"7\"");
    app.send(stale).await.problem(412, "precondition_failed");
    let fresh = app
        .request(Method::DELETE, &format!("{BASE}/{}", id(&hall)))
        .await
        .bearer_auth(&t)
        .header("If-Match", "\"1\"");
    assert_eq!(app.send(fresh).await.status, 204);
    app.get_auth(&format!("{BASE}/{}", id(&hall)), &t)
        .await
        .problem(404, "not_found");
    app.delete_auth(&format!("{BASE}/{}", id(&hall)), &t)
        .await
        .problem(404, "not_found");
    // The name is free again.
    create(&app, &t, "Hall B", "hall", Some(id(&plant))).await;
}
dual_test!(deleting_needs_an_empty_location);

async fn writes_need_the_current_version(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let loc = create(&app, &t, "Plant 1", "site", None).await;
    let url = format!("{BASE}/{}", id(&loc));
    let r = patch(&app, &t, id(&loc), 1, &json!({"notes": "first"})).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let p = patch(&app, &t, id(&loc), 1, &json!({"notes": "late"}))
        .await
        .problem(412, "precondition_failed");
    assert_eq!(p["current_version"], 2);
    let p = app
        .patch_auth(&url, &t, &json!({"notes": "late", "version": 1}))
        .await
        .problem(409, "stale_version");
    assert_eq!(p["current_version"], 2);
    app.patch_auth(&url, &t, &json!({"notes": "blind"}))
        .await
        .problem(428, "version_required");
    let bad = app
        .request(Method::PATCH, &url)
        .await
        .bearer_auth(&t)
        .header("If-Match", "2")
        .json(&json!({"notes": "x"}));
    let p = app.send(bad).await.problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "If-Match");
    let weak = app
        .request(Method::PATCH, &url)
        .await
        .bearer_auth(&t)
        .header("If-Match", "W/\"2\"")
        .json(&json!({"notes": "second"}));
    assert_eq!(app.send(weak).await.status, 200);
    let now = get(&app, &t, id(&loc)).await;
    assert_eq!(now["notes"], "second");
    assert_eq!(now["version"], 3);
    app.patch_auth(&format!("{BASE}/999999"), &t, &json!({"version": 1}))
        .await
        .problem(404, "not_found");
}
dual_test!(writes_need_the_current_version);

async fn viewers_read_editors_write(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let (viewer, _) = app.user_token("vera", "viewer").await;
    let (editor, _) = app.user_token("eddie", "editor").await;
    let loc = create(&app, &editor, "Plant 1", "site", None).await;
    let url = format!("{BASE}/{}", id(&loc));

    for path in [BASE.to_owned(), format!("{BASE}/tree"), url.clone()] {
        let r = app.get_auth(&path, &viewer).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    app.post_auth(BASE, &viewer, &json!({"name": "Plant 2", "kind": "site"}))
        .await
        .problem(403, "forbidden");
    patch(&app, &viewer, id(&loc), 1, &json!({"name": "Mine"}))
        .await
        .problem(403, "forbidden");
    app.delete_auth(&url, &viewer).await.problem(403, "forbidden");
    app.get(BASE).await.problem(401, "unauthenticated");
    // Nothing changed; the editor may.
    assert_eq!(get(&app, &viewer, id(&loc)).await["version"], 1);
    let r = patch(&app, &editor, id(&loc), 1, &json!({"name": "Plant One"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.delete_auth(&url, &editor).await.status, 204);
}
dual_test!(viewers_read_editors_write);

async fn bad_input_names_every_field(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let r = app
        .post_auth(
            BASE,
            &t,
            &json!({
                "name": "   ",
                "kind": "palace",
                "parent_id": 424_242,
                "floor_x": 2e9,
                "floor_y": -1e300,
                "notes": "n".repeat(4001),
            }),
        )
        .await;
    let p = r.problem(422, "validation_failed");
    let mut fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["floor_x", "floor_y", "kind", "name", "notes", "parent_id"],
        "{p}"
    );
    let kind_msg = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "kind")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        kind_msg.contains("site, building, area, hall, line, cell, station"),
        "{kind_msg}"
    );

    for name in ["Hall/B", &"x".repeat(201), "Line\t1"] {
        let r = app
            .post_auth(BASE, &t, &json!({"name": name, "kind": "hall"}))
            .await;
        assert_eq!(r.problem(422, "validation_failed")["errors"][0]["field"], "name");
    }
    // Schema errors are 400s naming the property.
    let r = app
        .post_auth(BASE, &t, &json!({"name": "X", "kind": "site", "floor_x": "left"}))
        .await;
    let p = r.problem(400, "invalid_body");
    assert_eq!(p["errors"][0]["field"], "floor_x", "{p}");
    let r = app.post_auth(BASE, &t, &json!({"kind": "site"})).await;
    assert_eq!(r.problem(400, "invalid_body")["errors"][0]["field"], "name");

    // List parameters.
    let p = app
        .get_auth(&format!("{BASE}?limit=1001"), &t)
        .await
        .problem(400, "invalid_parameter");
    assert_eq!(p["errors"][0]["field"], "limit");
    app.get_auth(&format!("{BASE}?limit=0"), &t)
        .await
        .problem(400, "invalid_parameter");
    app.get_auth(&format!("{BASE}?offset=10000000000"), &t)
        .await
        .problem(400, "invalid_parameter");
    let p = app
        .get_auth(&format!("{BASE}?kind=palace"), &t)
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "kind");
    let r = app.get_auth(&format!("{BASE}?q=%25'%22%5C_"), &t).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.get_auth(&format!("{BASE}/abc"), &t).await.status, 400);
    // Nothing was created along the way.
    assert_eq!(app.get_auth(BASE, &t).await.json()["total"], 0);
}
dual_test!(bad_input_names_every_field);

async fn every_write_is_in_the_change_log(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let p1 = create(&app, &t, "Plant 1", "site", None).await;
    let p2 = create(&app, &t, "Plant 2", "site", None).await;
    let hall = create(&app, &t, "Hall B", "hall", Some(id(&p1))).await;
    move_to(&app, &t, id(&hall), 1, Some(id(&p2))).await;
    assert_eq!(
        app.delete_auth(&format!("{BASE}/{}", id(&hall)), &t).await.status,
        204
    );
    // A refused write records nothing.
    patch(&app, &t, id(&p1), 1, &json!({"parent_id": id(&p1)}))
        .await
        .problem(422, "validation_failed");

    let feed = app
        .get_auth(
            &format!("/api/v1/changes?entity=location&entity_id={}", id(&hall)),
            &t,
        )
        .await
        .json();
    let rows = feed["items"].as_array().unwrap();
    let actions: Vec<&str> = rows.iter().map(|c| c["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["delete", "update", "create"]);
    let moved = &rows[1];
    assert_eq!(moved["summary"], "Plant 2 / Hall B");
    assert_eq!(moved["actor"], "admin");
    assert!(moved["request_id"].is_string());
    assert_eq!(
        moved["changes"],
        json!({
            "parent_id": {"before": id(&p1), "after": id(&p2)},
            "path": {"before": "Plant 1 / Hall B", "after": "Plant 2 / Hall B"},
        })
    );
    assert_eq!(
        rows[2]["changes"]["name"],
        json!({"before": null, "after": "Hall B"})
    );
    assert_eq!(
        rows[0]["changes"]["kind"],
        json!({"before": "hall", "after": null})
    );
    let all = app.get_auth("/api/v1/changes?entity=location", &t).await.json();
    assert_eq!(all["total"], 5);
}
dual_test!(every_write_is_in_the_change_log);

/// Places an asset tagged `tag` in `location`; returns it.
async fn place_asset(app: &TestApp, token: &str, tag: &str, location: i64) -> Value {
    let body =
        json!({"tag": tag, "name": format!("Machine {tag}"), "type": "machine", "location_id": location});
    let r = app.post_auth("/api/v1/assets", token, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

async fn assets_are_counted_and_keep_their_location(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let plant = create(&app, &t, "Plant 1", "site", None).await;
    let hall = create(&app, &t, "Hall B", "hall", Some(id(&plant))).await;
    let c4 = create(&app, &t, "Cell 4", "cell", Some(id(&hall))).await;
    let c5 = create(&app, &t, "Cell 5", "cell", Some(id(&hall))).await;
    let mut cnc = Vec::new();
    for tag in ["CNC-1", "CNC-2", "CNC-3", "CNC-4"] {
        cnc.push(place_asset(&app, &t, tag, id(&c4)).await);
    }
    place_asset(&app, &t, "PRS-1", id(&hall)).await;

    assert_eq!(get(&app, &t, id(&c4)).await["asset_count"], 4);
    assert_eq!(get(&app, &t, id(&hall)).await["asset_count"], 1);
    let list = app
        .get_auth(&format!("{BASE}?parent_id={}", id(&hall)), &t)
        .await
        .json();
    assert_eq!(list["items"][0]["asset_count"], 4);
    assert_eq!(list["items"][1]["asset_count"], 0);

    let tree = app.get_auth(&format!("{BASE}/tree"), &t).await.json();
    let root = &tree["roots"][0];
    assert_eq!(
        (root["asset_count"].clone(), root["total_asset_count"].clone()),
        (json!(0), json!(5))
    );
    let h = &root["children"][0];
    assert_eq!(
        (h["asset_count"].clone(), h["total_asset_count"].clone()),
        (json!(1), json!(5))
    );
    assert_eq!(h["children"][0]["total_asset_count"], 4);
    assert_eq!(h["children"][1]["total_asset_count"], 0);

    let p = app
        .delete_auth(&format!("{BASE}/{}", id(&c4)), &t)
        .await
        .problem(409, "conflict");
    assert_eq!(
        p["detail"],
        "Cell 4 still holds 4 assets (CNC-1, CNC-2, CNC-3, … 1 more); move or delete them first"
    );
    let p = app
        .delete_auth(&format!("{BASE}/{}", id(&hall)), &t)
        .await
        .problem(409, "conflict");
    assert_eq!(
        p["detail"],
        "Hall B still holds 2 locations (Cell 4, Cell 5) and 1 asset (PRS-1); move or delete them first"
    );
    assert_eq!(
        app.delete_auth(&format!("{BASE}/{}", id(&c5)), &t).await.status,
        204
    );
    // Assets ride along when their location moves.
    move_to(&app, &t, id(&c4), 1, Some(id(&plant))).await;
    let tree = app.get_auth(&format!("{BASE}/tree"), &t).await.json();
    assert_eq!(tree["roots"][0]["children"][0]["name"], "Cell 4");
    assert_eq!(tree["roots"][0]["children"][0]["total_asset_count"], 4);
    assert_eq!(tree["roots"][0]["children"][1]["total_asset_count"], 1);
    let a = app
        .get_auth(&format!("/api/v1/assets/{}", id(&cnc[0])), &t)
        .await
        .json();
    assert_eq!(a["location_path"], "Plant 1 / Cell 4");
}
dual_test!(assets_are_counted_and_keep_their_location);

/// The repository helpers bulk import and asset filters build on.
async fn paths_and_lineages_resolve(b: Backend) {
    use shopdb::db::queries::locations;
    use shopdb::domain::inventory::LocationId;
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let plant = create(&app, &t, "Plant 1", "site", None).await;
    let hall = create(&app, &t, "Hall B", "hall", Some(id(&plant))).await;
    let cell = create(&app, &t, "Zelle Ä", "cell", Some(id(&hall))).await;
    create(&app, &t, "Plant 10", "site", None).await;
    let mut db = app.state.db.clone();

    for path in ["Plant 1 / Hall B / Zelle Ä", "plant 1/HALL B /  zelle ä"] {
        let found = locations::find_by_path(&mut db, path).await.unwrap();
        assert_eq!(found.map(|r| r.id.0), Some(id(&cell)), "{path}");
    }
    let hall_row = locations::find_by_path(&mut db, "PLANT 1 / hall b")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hall_row.id.0, id(&hall));
    for missing in ["Plant 1 / Hall C", "Hall B", "Plant 1 // Hall B", ""] {
        assert!(
            locations::find_by_path(&mut db, missing).await.unwrap().is_none(),
            "{missing}"
        );
    }

    let lineage = locations::lineage_of(&mut db, LocationId(id(&plant)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lineage, format!("/{}/", id(&plant)));
    let cell_lineage = locations::lineage_of(&mut db, LocationId(id(&cell)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        cell_lineage,
        format!("/{}/{}/{}/", id(&plant), id(&hall), id(&cell))
    );
    assert!(
        locations::lineage_of(&mut db, LocationId(999_999))
            .await
            .unwrap()
            .is_none()
    );
    // The subtree of Plant 1 is itself, the hall and the cell; not Plant 10.
    let mut ids: Vec<i64> = db
        .fetch_all(&locations::subtree_ids(&lineage))
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64>("id").unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, [id(&plant), id(&hall), id(&cell)]);
}
dual_test!(paths_and_lineages_resolve);

async fn the_tree_has_a_depth_limit(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let mut chain = vec![create(&app, &t, "L0", "site", None).await];
    for depth in 1..24 {
        let parent = id(chain.last().unwrap());
        chain.push(create(&app, &t, &format!("L{depth}"), "other", Some(parent)).await);
    }
    assert_eq!(chain[23]["depth"], 23);
    let r = app
        .post_auth(
            BASE,
            &t,
            &json!({"name": "L24", "kind": "other", "parent_id": id(&chain[23])}),
        )
        .await;
    let p = r.problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "parent_id");
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("24 levels"),
        "{p}"
    );

    // A two-level subtree fits under level 21 but not under level 22.
    let top = create(&app, &t, "Spare", "site", None).await;
    create(&app, &t, "Spare shelf", "other", Some(id(&top))).await;
    patch(&app, &t, id(&top), 1, &json!({"parent_id": id(&chain[22])}))
        .await
        .problem(422, "validation_failed");
    let moved = move_to(&app, &t, id(&top), 1, Some(id(&chain[21]))).await;
    assert_eq!(moved["depth"], 22);
}
dual_test!(the_tree_has_a_depth_limit);

async fn concurrent_namesakes_get_one_winner(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let plant = create(&app, &t, "Plant 1", "site", None).await;
    // Under a parent, and at the top level (no parent row to lock).
    let bodies = [
        json!({"name": "Hall B", "kind": "hall", "parent_id": id(&plant)}),
        json!({"name": "Plant 2", "kind": "site"}),
    ];
    for body in &bodies {
        let tries = (0..6).map(|_| app.post_auth(BASE, &t, body));
        let results = futures_util::future::join_all(tries).await;
        let mut statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409, 409, 409, 409, 409], "{body}");
    }
    let list = app.get_auth(BASE, &t).await.json();
    assert_eq!(list["total"], 3);
}
dual_test!(concurrent_namesakes_get_one_winner);

async fn a_rename_or_move_can_be_reverted(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let plant = create(&app, &t, "Plant 1", "site", None).await["id"]
        .as_i64()
        .unwrap();
    let other = create(&app, &t, "Plant 2", "site", None).await["id"]
        .as_i64()
        .unwrap();
    let hall = create(&app, &t, "Hall A", "hall", Some(plant)).await["id"]
        .as_i64()
        .unwrap();
    let r = patch(&app, &t, hall, 1, &json!({"name": "Hall B", "parent_id": other})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let feed = app
        .get_auth(&format!("/api/v1/changes?entity=location&entity_id={hall}"), &t)
        .await
        .json();
    let change = feed["items"][0]["id"].as_i64().unwrap();

    let r = app
        .post_auth(&format!("/api/v1/changes/{change}/revert"), &t, &json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["reverts_id"], change);
    let back = get(&app, &t, hall).await;
    assert_eq!(back["path"], "Plant 1 / Hall A");
    assert_eq!(back["parent_id"], plant);

    // Again: the name and parent changed since, so nothing is written.
    let p = app
        .post_auth(&format!("/api/v1/changes/{change}/revert"), &t, &json!({}))
        .await
        .problem(409, "conflict");
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "name"),
        "{p}"
    );
    assert_eq!(get(&app, &t, hall).await["path"], "Plant 1 / Hall A");

    // Its creation was followed by changes: revert those first.
    let created = feed["items"][1]["id"].as_i64().unwrap();
    let p = app
        .post_auth(&format!("/api/v1/changes/{created}/revert"), &t, &json!({}))
        .await
        .problem(409, "conflict");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("revert the later changes first"),
        "{p}"
    );
    assert_eq!(get(&app, &t, hall).await["path"], "Plant 1 / Hall A");
}
dual_test!(a_rename_or_move_can_be_reverted);

async fn change_of(app: &TestApp, t: &str, id: i64, action: &str) -> i64 {
    let feed = app
        .get_auth(
            &format!("/api/v1/changes?entity=location&entity_id={id}&action={action}"),
            t,
        )
        .await
        .json();
    feed["items"][0]["id"].as_i64().unwrap()
}

async fn a_creation_or_deletion_can_be_reverted(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let plant = id(&create(&app, &t, "Plant 1", "site", None).await);
    let r = app
        .post_auth(
            BASE,
            &t,
            &json!({"name": "Hall A", "kind": "hall", "parent_id": plant,
                    "floor_x": 12.5, "floor_y": -3.0, "notes": "North side"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let hall = id(&r.json());
    let cell = id(&create(&app, &t, "Cell 1", "cell", Some(hall)).await);

    // Undoing the hall's creation is a delete: refused while Cell 1 is inside.
    let created = change_of(&app, &t, hall, "create").await;
    let p = app
        .post_auth(&format!("/api/v1/changes/{created}/revert"), &t, &json!({}))
        .await
        .problem(409, "conflict");
    assert!(p["detail"].as_str().unwrap().contains("Cell 1"), "{p}");

    // Undoing Cell 1's creation deletes it, recorded as a revert.
    let cell_created = change_of(&app, &t, cell, "create").await;
    let r = app
        .post_auth(&format!("/api/v1/changes/{cell_created}/revert"), &t, &json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["action"], "delete");
    assert_eq!(r.json()["reverts_id"], cell_created);
    assert_eq!(app.get_auth(&format!("{BASE}/{cell}"), &t).await.status, 404);

    // Undoing that deletion brings Cell 1 back under its old id and path.
    let deleted = change_of(&app, &t, cell, "delete").await;
    let r = app
        .post_auth(&format!("/api/v1/changes/{deleted}/revert"), &t, &json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["action"], "create");
    let back = get(&app, &t, cell).await;
    assert_eq!(back["path"], "Plant 1 / Hall A / Cell 1");
    // Twice is a conflict: it exists again.
    app.post_auth(&format!("/api/v1/changes/{deleted}/revert"), &t, &json!({}))
        .await
        .problem(409, "conflict");

    // A deleted hall comes back with every recorded field.
    let r = app.delete_auth(&format!("{BASE}/{cell}"), &t).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app.delete_auth(&format!("{BASE}/{hall}"), &t).await;
    assert_eq!(r.status, 204, "{}", r.text);
    // Cell 1's deletion cannot come back before its hall: it names the parent.
    let cell_deleted = change_of(&app, &t, cell, "delete").await;
    let p = app
        .post_auth(&format!("/api/v1/changes/{cell_deleted}/revert"), &t, &json!({}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "parent_id", "{p}");
    // Its name taken by a newcomer at the same place is a conflict.
    let newcomer = id(&create(&app, &t, "hall a", "hall", Some(plant)).await);
    let hall_deleted = change_of(&app, &t, hall, "delete").await;
    app.post_auth(&format!("/api/v1/changes/{hall_deleted}/revert"), &t, &json!({}))
        .await
        .problem(409, "conflict");
    assert_eq!(
        app.delete_auth(&format!("{BASE}/{newcomer}"), &t).await.status,
        204
    );
    let r = app
        .post_auth(&format!("/api/v1/changes/{hall_deleted}/revert"), &t, &json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let back = get(&app, &t, hall).await;
    assert_eq!(back["name"], "Hall A");
    assert_eq!(back["kind"], "hall");
    assert_eq!(back["parent_id"], plant);
    assert_eq!(back["floor_x"], 12.5);
    assert_eq!(back["floor_y"], -3.0);
    assert_eq!(back["notes"], "North side");
    let r = app
        .post_auth(&format!("/api/v1/changes/{cell_deleted}/revert"), &t, &json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(get(&app, &t, cell).await["path"], "Plant 1 / Hall A / Cell 1");

    // Viewers cannot revert.
    let (viewer, _) = app.user_token("vera", "viewer").await;
    app.post_auth(
        &format!("/api/v1/changes/{hall_deleted}/revert"),
        &viewer,
        &json!({}),
    )
    .await
    .problem(403, "forbidden");
}
dual_test!(a_creation_or_deletion_can_be_reverted);
