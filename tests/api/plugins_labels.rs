//! The labels plugin over HTTP on both backends: QR codes that decode back
//! to the asset's URL (PNG decoded, SVG rasterised from its path), label
//! SVGs that are well-formed XML at the template's size, ZPL, print sheets
//! (including 100 labels under a second), templates, and the print queue
//! kept by asset hooks and the reconcile job.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use quick_xml::events::Event;
use serde_json::{Value, json};
use shopdb::config::Config;

use crate::dual_test;
use crate::helpers::{Backend, Resp, TestApp, spawn_app_with};

const PUBLIC_URL: &str = "https://shopdb.plant1.example";

fn labels_on(c: &mut Config) {
    c.plugins.enabled = vec!["labels".into()];
    c.server.public_url = PUBLIC_URL.into();
}

async fn asset(app: &TestApp, t: &str, body: Value) -> i64 {
    let r = app.post_auth("/api/v1/assets", t, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

async fn lathe(app: &TestApp, t: &str, tag: &str) -> i64 {
    asset(
        app,
        t,
        json!({"tag": tag, "name": "Lathe DMG CTX 450", "type": "machine"}),
    )
    .await
}

async fn get_ok(app: &TestApp, path: &str, t: &str) -> Resp {
    let r = app.get_auth(path, t).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r
}

async fn get_bytes(app: &TestApp, path: &str, t: &str) -> (String, Vec<u8>) {
    let r = app.client.get(app.url(path)).bearer_auth(t).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    (ct, r.bytes().await.unwrap().to_vec())
}

/// Decodes the one QR code in a grayscale image.
fn decode(w: usize, h: usize, dark: impl Fn(usize, usize) -> bool) -> String {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| if dark(x, y) { 0 } else { 255 });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "expected one QR code");
    grids[0].decode().expect("QR decodes").1
}

fn decode_png(bytes: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h, stride) = (info.width as usize, info.height as usize, info.line_size);
    decode(w, h, |x, y| buf[y * stride + x] < 128)
}

/// A parsed SVG: the root's attributes, every element's attributes by
/// name, and the text content. Panics unless the document is well-formed.
struct Svg {
    root: BTreeMap<String, String>,
    elements: Vec<(String, BTreeMap<String, String>)>,
    text: String,
}

fn parse_svg(doc: &str) -> Svg {
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut elements = Vec::new();
    let mut text = String::new();
    let mut depth = 0i32;
    loop {
        let ev = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{doc}"));
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attrs: BTreeMap<String, String> = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.unescape_value().unwrap().into_owned(),
                        )
                    })
                    .collect();
                elements.push((name, attrs));
                if matches!(ev, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => depth -= 1,
            Event::Text(t) => {
                text.push_str(&t.unescape().unwrap());
                text.push('\n');
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
    assert_eq!(elements[0].0, "svg", "the root is <svg>");
    Svg {
        root: elements[0].1.clone(),
        elements,
        text,
    }
}

/// Rasterises the QR path (runs `M x y h n v1 h-n z` in module units) at 4
/// pixels per module with a white margin, and decodes it.
fn decode_svg_path(d: &str) -> String {
    let re = regex::Regex::new(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z").unwrap();
    let mut runs = Vec::new();
    for c in re.captures_iter(d) {
        let n = |i: usize| c[i].parse::<usize>().unwrap();
        assert_eq!(n(3), n(4));
        runs.push((n(1), n(2), n(3)));
    }
    assert!(!runs.is_empty(), "no modules in {d}");
    assert_eq!(re.replace_all(d, ""), "", "unexpected path data");
    let size = runs.iter().map(|(x, y, n)| (x + n).max(y + 1)).max().unwrap() + 4;
    let mut grid = vec![false; size * size];
    for (x, y, n) in runs {
        for i in x..x + n {
            grid[y * size + i] = true;
        }
    }
    let px = 4;
    decode(size * px, size * px, |x, y| grid[(y / px) * size + x / px])
}

fn qr_path(svg: &Svg) -> String {
    svg.elements
        .iter()
        .find(|(n, a)| n == "path" && a.get("id").is_some_and(|id| id.starts_with("qr")))
        .map(|(_, a)| a["d"].clone())
        .expect("a QR path")
}

async fn qr_codes_decode_back_to_the_asset_url(b: Backend) {
    let Some(app) = spawn_app_with(b, labels_on).await else {
        return;
    };
    let t = app.admin_token().await;
    let id = lathe(&app, &t, "CNC-0042").await;
    let url = format!("{PUBLIC_URL}/a/{id}");
    let base = format!("/api/v1/plugins/labels/assets/{id}");

    let (ct, png) = get_bytes(&app, &format!("{base}/qr.png"), &t).await;
    assert_eq!(ct, "image/png");
    assert_eq!(decode_png(&png), url);
    let (_, big) = get_bytes(&app, &format!("{base}/qr.png?scale=12&border=2"), &t).await;
    assert_eq!(decode_png(&big), url);

    let (ct, svg) = get_bytes(&app, &format!("{base}/qr.svg?size_mm=25"), &t).await;
    assert_eq!(ct, "image/svg+xml");
    let svg = parse_svg(std::str::from_utf8(&svg).unwrap());
    assert_eq!(
        (svg.root["width"].as_str(), svg.root["height"].as_str()),
        ("25mm", "25mm")
    );
    assert_eq!(decode_svg_path(&qr_path(&svg)), url);

    // The status tells the UI the same URL.
    let s = get_ok(&app, &base, &t).await.json();
    assert_eq!(s["url"], url.as_str());
    assert_eq!(s["tag"], "CNC-0042");

    // Unknown assets, bad parameters.
    app.get_auth("/api/v1/plugins/labels/assets/999999/qr.png", &t)
        .await
        .problem(404, "not_found");
    app.get_auth(&format!("{base}/qr.png?scale=0"), &t)
        .await
        .problem(400, "invalid_parameter");
    app.get(&format!("{base}/qr.png"))
        .await
        .problem(401, "unauthenticated");
}
dual_test!(qr_codes_decode_back_to_the_asset_url);

async fn label_svgs_have_the_template_size_and_fields(b: Backend) {
    let Some(app) = spawn_app_with(b, labels_on).await else {
        return;
    };
    let t = app.admin_token().await;
    let loc = app
        .post_auth(
            "/api/v1/locations",
            &t,
            &json!({"name": "Hall B & C", "kind": "area"}),
        )
        .await;
    assert_eq!(loc.status, 201, "{}", loc.text);
    let loc = loc.json()["id"].as_i64().unwrap();
    let id = asset(
        &app,
        &t,
        json!({"tag": "pc-7", "name": "Line PC <cell 4>", "type": "computer", "location_id": loc}),
    )
    .await;
    let url = format!("{PUBLIC_URL}/a/{id}");
    for (template, w, h) in [
        (None, "50mm", "25mm"),
        (Some("62x29"), "62mm", "29mm"),
        (Some("4x6in"), "101.6mm", "152.4mm"),
        (Some("a4-21"), "70mm", "42.3mm"),
    ] {
        let q = template.map(|k| format!("?template={k}")).unwrap_or_default();
        let r = get_ok(
            &app,
            &format!("/api/v1/plugins/labels/assets/{id}/label.svg{q}"),
            &t,
        )
        .await;
        assert_eq!(r.header("content-type"), Some("image/svg+xml"));
        assert!(r.header("content-disposition").unwrap().contains("PC-7.svg"));
        let svg = parse_svg(&r.text);
        assert_eq!(
            (svg.root["width"].as_str(), svg.root["height"].as_str()),
            (w, h),
            "{template:?}"
        );
        let (wn, hn) = (w.trim_end_matches("mm"), h.trim_end_matches("mm"));
        assert_eq!(svg.root["viewBox"], format!("0 0 {wn} {hn}"));
        // Long texts may wrap onto two lines.
        let text = svg.text.replace('\n', " ");
        for field in ["PC-7", "Line PC <cell 4>", "Hall B & C"] {
            assert!(text.contains(field), "{template:?}: {field} in {text}");
        }
        assert_eq!(decode_svg_path(&qr_path(&svg)), url, "{template:?}");
    }
    // A template without QR and location.
    let r = app
        .post_auth(
            "/api/v1/plugins/labels/templates",
            &t,
            &json!({"key": "text-only", "name": "Text only", "width_mm": 40, "height_mm": 12,
                    "show_qr": false, "show_location": false}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = get_ok(
        &app,
        &format!("/api/v1/plugins/labels/assets/{id}/label.svg?template=text-only"),
        &t,
    )
    .await;
    let svg = parse_svg(&r.text);
    assert_eq!(svg.root["width"], "40mm");
    assert!(!svg.elements.iter().any(|(n, _)| n == "path"));
    assert!(!svg.text.contains("Hall B"));
    app.get_auth(
        &format!("/api/v1/plugins/labels/assets/{id}/label.svg?template=nope"),
        &t,
    )
    .await
    .problem(422, "validation_failed");
}
dual_test!(label_svgs_have_the_template_size_and_fields);

async fn zpl_has_the_commands_and_the_field_data(b: Backend) {
    let Some(app) = spawn_app_with(b, labels_on).await else {
        return;
    };
    let t = app.admin_token().await;
    let id = lathe(&app, &t, "CNC-0042").await;
    let r = get_ok(&app, &format!("/api/v1/plugins/labels/assets/{id}/label.zpl"), &t).await;
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let z = r.text;
    assert!(z.starts_with("^XA") && z.trim_end().ends_with("^XZ"), "{z}");
    // 50 x 25 mm at 203 dpi.
    assert!(z.contains("^PW400") && z.contains("^LL200"), "{z}");
    assert!(z.contains("^BQN,2,"), "QR command: {z}");
    assert!(z.contains(&format!("^FDMA,{PUBLIC_URL}/a/{id}^FS")), "{z}");
    assert!(z.contains("^FDCNC-0042^FS"), "{z}");
    let fields: Vec<&str> = z
        .lines()
        .filter(|l| l.contains("^A0N"))
        .map(|l| &l[l.find("^FD").unwrap() + 3..l.len() - 3])
        .collect();
    assert_eq!(fields[0], "CNC-0042");
    assert_eq!(fields[1..].join(" "), "Lathe DMG CTX 450", "{z}");

    let r = get_ok(
        &app,
        &format!("/api/v1/plugins/labels/assets/{id}/label.zpl?dpi=300&template=62x29"),
        &t,
    )
    .await;
    assert!(
        r.text.contains("^PW732") && r.text.contains("^LL343"),
        "{}",
        r.text
    );
    app.get_auth(
        &format!("/api/v1/plugins/labels/assets/{id}/label.zpl?dpi=250"),
        &t,
    )
    .await
    .problem(422, "validation_failed");

    let other = lathe(&app, &t, "CNC-0043").await;
    let r = get_ok(
        &app,
        &format!("/api/v1/plugins/labels/sheet.zpl?ids={id},{other}"),
        &t,
    )
    .await;
    assert_eq!(r.header("x-label-count"), Some("2"));
    assert_eq!(r.text.matches("^XA").count(), 2);
    assert_eq!(r.text.matches("^XZ").count(), 2);
    assert!(r.header("content-disposition").unwrap().contains("labels.zpl"));
}
dual_test!(zpl_has_the_commands_and_the_field_data);

async fn sheets_print_any_selection_at_exact_size(b: Backend) {
    let Some(app) = spawn_app_with(b, labels_on).await else {
        return;
    };
    let t = app.admin_token().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(lathe(&app, &t, &format!("M-{i}")).await);
    }
    let list = |v: &[i64]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");

    // A4 sheet: 3 x 7 cells of 70 x 42.3 mm; skip 20 cells -> two pages.
    let r = get_ok(
        &app,
        &format!(
            "/api/v1/plugins/labels/sheet?template=a4-21&skip=20&ids={}",
            list(&ids[..3])
        ),
        &t,
    )
    .await;
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(r.header("x-label-count"), Some("3"));
    let html = r.text;
    assert!(html.contains("@page { size: 210mm 297mm; margin: 0; }"), "{html}");
    assert!(
        html.contains(".label { position: absolute; width: 70mm; height: 42.3mm;"),
        "{html}"
    );
    assert_eq!(html.matches("<div class=\"page\">").count(), 2);
    assert_eq!(html.matches("class=\"label\"").count(), 3);
    // Cell 20 is the last of row 7: 140 mm across, 0.45 + 6 x 42.3 down.
    assert!(
        html.contains(&format!("left: 140mm; top: 254.25mm\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"70mm\" height=\"42.3mm\" viewBox=\"0 0 70 42.3\" data-asset=\"{}\"", ids[0])),
        "{html}"
    );
    // Every label inside is well-formed SVG.
    for chunk in html.split("<svg ").skip(1) {
        let end = chunk.find("</svg>").unwrap();
        parse_svg(&format!("<svg {}</svg>", &chunk[..end]));
    }
    // Ids keep their order; tags join in; each asset once.
    let r = get_ok(
        &app,
        &format!(
            "/api/v1/plugins/labels/sheet?ids={},{}&tag=m-4,M-2",
            ids[3], ids[2]
        ),
        &t,
    )
    .await;
    let order: Vec<i64> = r
        .text
        .split("data-asset=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect();
    assert_eq!(order, [ids[3], ids[2], ids[4]]);
    // Label printer template: one page per label, page = label size.
    assert!(r.text.contains("@page { size: 50mm 25mm; margin: 0; }"));
    assert_eq!(r.text.matches("<div class=\"page\">").count(), 3);
    // The print queue: new assets are queued.
    let r = get_ok(&app, "/api/v1/plugins/labels/sheet?queued=true", &t).await;
    assert_eq!(r.header("x-label-count"), Some("5"));

    // Every selection problem at once; none at all is refused too.
    let p = app
        .get_auth(
            "/api/v1/plugins/labels/sheet?ids=999998,999999&tag=NOPE-1,a%20b",
            &t,
        )
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["tag", "ids", "tag"], "{p}");
    assert!(p.to_string().contains("999998, 999999"), "{p}");
    app.get_auth("/api/v1/plugins/labels/sheet", &t)
        .await
        .problem(422, "validation_failed");
    app.get_auth("/api/v1/plugins/labels/sheet?ids=1,x", &t)
        .await
        .problem(400, "invalid_parameter");
    app.get_auth(
        &format!(
            "/api/v1/plugins/labels/sheet?template=a4-21&skip=21&ids={}",
            ids[0]
        ),
        &t,
    )
    .await
    .problem(422, "validation_failed");
    // The assets list's filters select too (AND-ed, in `sort` order), after ids.
    let pc = asset(
        &app,
        &t,
        json!({"tag": "PC-1", "name": "Office PC", "type": "computer"}),
    )
    .await;
    let r = get_ok(&app, "/api/v1/plugins/labels/sheet?type=computer", &t).await;
    assert_eq!(r.header("x-label-count"), Some("1"));
    assert!(r.text.contains(&format!("data-asset=\"{pc}\"")));
    let r = get_ok(
        &app,
        &format!("/api/v1/plugins/labels/sheet.zpl?ids={pc}&type=machine&q=m-&sort=-tag"),
        &t,
    )
    .await;
    let tags: Vec<&str> = r
        .text
        .lines()
        .filter(|l| l.contains("^A0N") && (l.contains("^FDPC-1^FS") || l.contains("^FDM-")))
        .map(|l| &l[l.find("^FD").unwrap() + 3..l.len() - 3])
        .collect();
    assert_eq!(tags, ["PC-1", "M-4", "M-3", "M-2", "M-1", "M-0"]);
    app.get_auth("/api/v1/plugins/labels/sheet?status=bogus", &t)
        .await
        .problem(400, "invalid_parameter");
    let p = app
        .get_auth("/api/v1/plugins/labels/sheet?type=spaceship", &t)
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "type");
}
dual_test!(sheets_print_any_selection_at_exact_size);

async fn a_sheet_of_100_labels_renders_in_under_a_second(b: Backend) {
    let Some(app) = spawn_app_with(b, labels_on).await else {
        return;
    };
    let t = app.admin_token().await;
    let mut ids = Vec::new();
    for i in 0..100 {
        ids.push(
            asset(
                &app,
                &t,
                json!({"tag": format!("PERF-{i:03}"), "name": format!("Machine number {i} of the line"), "type": "machine"}),
            )
            .await,
        );
    }
    let list = ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    let path = format!("/api/v1/plugins/labels/sheet?template=a4-21&ids={list}");
    // A generous sanity bound, not a benchmark (docs/PERFORMANCE.md has the figure).
    let started = Instant::now();
    let r = get_ok(&app, &path, &t).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "100 labels took {took:?}");
    assert_eq!(r.header("x-label-count"), Some("100"));
    assert_eq!(r.text.matches("<div class=\"page\">").count(), 5);
    let started = Instant::now();
    let r = get_ok(&app, &format!("/api/v1/plugins/labels/sheet.zpl?ids={list}"), &t).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(r.text.matches("^XA").count(), 100);
}
dual_test!(a_sheet_of_100_labels_renders_in_under_a_second);

async fn templates_presets_are_read_only_and_admins_manage_their_own(b: Backend) {
    let Some(app) = spawn_app_with(b, labels_on).await else {
        return;
    };
    let t = app.admin_token().await;
    let (viewer, _) = app.user_token("vera", "viewer").await;
    let base = "/api/v1/plugins/labels/templates";
    let list = get_ok(&app, base, &viewer).await.json();
    let a4 = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "a4-21")
        .unwrap()
        .clone();
    assert_eq!(a4["builtin"], true);
    assert_eq!(a4["labels_per_page"], 21);
    assert_eq!(a4["sheet"]["columns"], 3);
    assert_eq!(a4["sheet"]["rows"], 7);
    assert_eq!(a4["height_mm"], 42.3);
    let preset = format!("{base}/{}", a4["id"]);
    app.patch_auth(&preset, &t, &json!({"name": "Mine", "version": 1}))
        .await
        .problem(409, "conflict");
    app.delete_auth(&preset, &t).await.problem(409, "conflict");

    // Six columns of 38 mm do not fit across A4.
    let body = json!({"key": "Cab-Door", "name": "Cabinet door", "width_mm": 38, "height_mm": 19,
                      "sheet": {"page_width_mm": 210, "page_height_mm": 297, "columns": 6, "rows": 13,
                                "margin_top_mm": 10.7, "margin_left_mm": 4.75, "gap_x_mm": 2.5}});
    app.post_auth(base, &viewer, &body)
        .await
        .problem(403, "forbidden");
    // Keys are lower case: this one is refused, with the fit check.
    let p = app
        .post_auth(base, &t, &body)
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["key", "sheet.columns"], "{p}");
    let mut body = body;
    body["key"] = json!("cab-door");
    body["sheet"]["columns"] = json!(5);
    body["width_mm"] = json!(38.1);
    let r = app.post_auth(base, &t, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = r.json();
    let loc = r.header("location").unwrap().to_owned();
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(created["labels_per_page"], 65);
    assert_eq!(created["builtin"], false);
    app.post_auth(base, &t, &body).await.problem(409, "conflict");

    // Update with If-Match; a stale one is 412.
    let req = app
        .request(reqwest::Method::PATCH, &loc)
        .await
        .bearer_auth(&t)
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "Cabinet door (5 x 13)", "show_location": false}));
    let r = app.send(req).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["version"], 2);
    assert_eq!(r.json()["show_location"], false);
    let req = app
        .request(reqwest::Method::PATCH, &loc)
        .await
        .bearer_auth(&t)
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "x"}));
    app.send(req).await.problem(412, "precondition_failed");
    app.patch_auth(&loc, &t, &json!({"name": "x"}))
        .await
        .problem(428, "version_required");
    // Removing the sheet makes it a label-printer template.
    let r = app
        .patch_auth(&loc, &t, &json!({"sheet": null, "version": 2}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json()["sheet"].is_null());
    assert_eq!(r.json()["labels_per_page"], 1);

    let r = app.delete_auth(&loc, &t).await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.get_auth(&loc, &t).await.problem(404, "not_found");
}
dual_test!(templates_presets_are_read_only_and_admins_manage_their_own);

async fn queue(app: &TestApp, t: &str) -> Value {
    get_ok(app, "/api/v1/plugins/labels/queue", t).await.json()
}

async fn the_queue_follows_asset_writes_hooks_and_the_reconcile_job(b: Backend) {
    let Some(app) = spawn_app_with(b, labels_on).await else {
        return;
    };
    let t = app.admin_token().await;
    let (editor, _) = app.user_token("eddie", "editor").await;
    let (viewer, _) = app.user_token("vera", "viewer").await;
    let hall = app
        .post_auth(
            "/api/v1/locations",
            &t,
            &json!({"name": "Hall A", "kind": "area"}),
        )
        .await
        .json();
    let id = asset(
        &app,
        &editor,
        json!({"tag": "CNC-1", "name": "Lathe", "type": "machine", "location_id": hall["id"]}),
    )
    .await;
    // Created: queued as new (the hook ran in the create's transaction).
    let q = queue(&app, &viewer).await;
    assert_eq!(q["total"], 1);
    assert_eq!(q["items"][0]["reason"], "new");
    assert_eq!(q["items"][0]["queued_by"], "eddie");
    assert_eq!(q["items"][0]["location_path"], "Hall A");
    let status = format!("/api/v1/plugins/labels/assets/{id}");
    let s = get_ok(&app, &status, &viewer).await.json();
    assert_eq!(s["queued"]["reason"], "new");
    assert!(s["printed"].is_null());
    assert_eq!(s["up_to_date"], false);

    // Printed: remembered, out of the queue. Viewers may print but not record.
    let printed = json!({"asset_ids": [id], "template": "62x29"});
    app.post_auth("/api/v1/plugins/labels/printed", &viewer, &printed)
        .await
        .problem(403, "forbidden");
    let r = app
        .post_auth("/api/v1/plugins/labels/printed", &editor, &printed)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["count"], 1);
    assert_eq!(queue(&app, &viewer).await["total"], 0);
    let s = get_ok(&app, &status, &viewer).await.json();
    assert_eq!(s["up_to_date"], true);
    assert_eq!(s["printed"]["template"], "62x29");
    assert_eq!(s["printed"]["location_path"], "Hall A");

    // A change that is not on the label: nothing to reprint.
    let r = app
        .patch_auth(
            &format!("/api/v1/assets/{id}"),
            &editor,
            &json!({"serial": "SN-1", "version": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(queue(&app, &viewer).await["total"], 0);
    // A new name is: queued as changed.
    let r = app
        .patch_auth(
            &format!("/api/v1/assets/{id}"),
            &editor,
            &json!({"name": "Lathe 2", "version": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let q = queue(&app, &viewer).await;
    assert_eq!(
        (q["total"].clone(), q["items"][0]["reason"].clone()),
        (json!(1), json!("changed"))
    );
    assert_eq!(get_ok(&app, &status, &viewer).await.json()["up_to_date"], false);
    app.post_auth(
        "/api/v1/plugins/labels/printed",
        &editor,
        &json!({"asset_ids": [id]}),
    )
    .await;
    assert_eq!(queue(&app, &viewer).await["total"], 0);

    // A renamed location changes the printed path: no asset write, so the
    // reconcile job (one pass run here) queues it; a second pass adds nothing.
    let r = app
        .patch_auth(
            &format!("/api/v1/locations/{}", hall["id"]),
            &t,
            &json!({"name": "Hall A (north)", "version": hall["version"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(queue(&app, &viewer).await["total"], 0);
    assert_eq!(
        shopdb::plugins::labels::service::reconcile(&app.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        shopdb::plugins::labels::service::reconcile(&app.state.db)
            .await
            .unwrap(),
        0
    );
    let q = queue(&app, &viewer).await;
    assert_eq!(q["items"][0]["reason"], "changed");
    assert!(q["items"][0]["queued_by"].is_null());

    // By hand: add and remove.
    let other = lathe(&app, &t, "CNC-2").await;
    let r = app
        .post_auth(
            "/api/v1/plugins/labels/queue/remove",
            &editor,
            &json!({"asset_ids": [other]}),
        )
        .await;
    assert_eq!(r.json()["count"], 1);
    let r = app
        .post_auth(
            "/api/v1/plugins/labels/queue",
            &editor,
            &json!({"asset_ids": [other, id]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["count"], 1, "only CNC-2 was not queued");
    let p = app
        .post_auth(
            "/api/v1/plugins/labels/queue",
            &editor,
            &json!({"asset_ids": [999999]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "asset_ids");

    // Deleting the asset takes its queue and print rows with it.
    let r = app.delete_auth(&format!("/api/v1/assets/{id}"), &t).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let q = queue(&app, &viewer).await;
    assert_eq!(q["total"], 1);
    assert_eq!(q["items"][0]["tag"], "CNC-2");
}
dual_test!(the_queue_follows_asset_writes_hooks_and_the_reconcile_job);

async fn new_assets_stay_out_of_the_queue_when_configured(b: Backend) {
    let Some(app) = spawn_app_with(b, |c| {
        labels_on(c);
        c.plugins.settings.insert(
            "labels".into(),
            toml::from_str::<toml::Value>("queue_new_assets = false\ndefault_template = \"a4-21\"").unwrap(),
        );
    })
    .await
    else {
        return;
    };
    let t = app.admin_token().await;
    let id = lathe(&app, &t, "CNC-9").await;
    assert_eq!(queue(&app, &t).await["total"], 0);
    // The configured default template applies when none is named.
    let r = get_ok(&app, &format!("/api/v1/plugins/labels/assets/{id}/label.svg"), &t).await;
    assert!(r.text.contains("width=\"70mm\" height=\"42.3mm\""), "{}", r.text);
}
dual_test!(new_assets_stay_out_of_the_queue_when_configured);

async fn bulk_writes_run_the_hooks_too(b: Backend) {
    let Some(app) = spawn_app_with(b, labels_on).await else {
        return;
    };
    let t = app.admin_token().await;
    let bulk = |items: Value| json!({"dry_run": false, "items": items});
    let r = app
        .post_auth(
            "/api/v1/assets/bulk",
            &t,
            &bulk(json!([
                {"tag": "B-1", "name": "Press", "type": "machine"},
                {"tag": "B-2", "name": "Robot", "type": "machine"}
            ])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let q = queue(&app, &t).await;
    assert_eq!(q["total"], 2, "{q}");
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["reason"] == "new")
    );
    // Print both, then rename one through the bulk path: only it comes back.
    let ids: Vec<i64> = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["asset_id"].as_i64().unwrap())
        .collect();
    app.post_auth("/api/v1/plugins/labels/printed", &t, &json!({"asset_ids": ids}))
        .await;
    let r = app
        .post_auth(
            "/api/v1/assets/bulk",
            &t,
            &bulk(json!([
                {"tag": "B-1", "name": "Press 2", "type": "machine"},
                {"tag": "B-2", "name": "Robot", "type": "machine"}
            ])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let q = queue(&app, &t).await;
    assert_eq!(q["total"], 1, "{q}");
    assert_eq!(
        (q["items"][0]["tag"].as_str(), q["items"][0]["reason"].as_str()),
        (Some("B-1"), Some("changed"))
    );
}
dual_test!(bulk_writes_run_the_hooks_too);
