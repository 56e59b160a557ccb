//! Accounts over HTTP on both backends: first run, sessions, refresh
//! rotation, revocation, roles, API tokens, abuse resistance, audit.

use serde_json::json;
use shopdb::config::HumanDuration;
use shopdb::service::auth::bootstrap::{AdminBootstrap, ensure_admin};

use crate::dual_test;
use crate::helpers::{
    ADMIN_PASSWORD, Backend, TestDb, USER_PASSWORD, spawn_app, spawn_app_with, start, test_config,
};

async fn first_run_generates_a_password_that_must_be_changed(b: Backend) {
    let Some(db) = TestDb::new(b).await else { return };
    let mut config = test_config(&db.url);
    config.admin.password = String::new();
    // What startup does on an empty database; the password is printed once.
    let conn = shopdb::db::Db::connect(&config.database).await.unwrap();
    let scopes = ["core"];
    shopdb::db::migrate::up(&conn, &scopes, false).await.unwrap();
    let AdminBootstrap::Generated(password) = ensure_admin(&conn, &config).await.unwrap() else {
        panic!("expected a generated password");
    };
    assert!(password.len() >= 16);
    assert!(matches!(
        ensure_admin(&conn, &config).await.unwrap(),
        AdminBootstrap::NotNeeded
    ));
    conn.close().await;

    let app = start(db, config).await.ok().expect("starts");
    let r = app.login("admin", &password).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert_eq!(body["must_change_password"], true);
    let token = body["access_token"].as_str().unwrap().to_owned();
    // Only the password change (and reading yourself) is allowed.
    app.get_auth("/api/v1/users", &token)
        .await
        .problem(403, "password_change_required");
    assert_eq!(app.get_auth("/api/v1/auth/me", &token).await.status, 200);
    let weak = app
        .post_auth(
            "/api/v1/auth/password",
            &token,
            &json!({"current_password": password, "new_password": "short"}),
        )
        .await;
    let p = weak.problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "new_password");
    let wrong = app
        .post_auth(
            "/api/v1/auth/password",
            &token,
            &json!({"current_password": "not it at all", "new_password": "A much better passphrase"}),
        )
        .await;
    assert_eq!(
        wrong.problem(422, "validation_failed")["errors"][0]["field"],
        "current_password"
    );
    let ok = app
        .post_auth(
            "/api/v1/auth/password",
            &token,
            &json!({"current_password": password, "new_password": "A much better passphrase"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json()["must_change_password"], false);
    let fresh = ok.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get_auth("/api/v1/users", &fresh).await.status, 200);
    // The old token died with the password change.
    app.get_auth("/api/v1/auth/me", &token)
        .await
        .problem(401, "unauthenticated");
    assert_eq!(app.login("admin", &password).await.status, 401);
}
dual_test!(first_run_generates_a_password_that_must_be_changed);

async fn unknown_user_and_wrong_password_look_the_same(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let wrong = app.login("admin", "not the password").await;
    let unknown = app.login("nobody-here", "not the password").await;
    let p1 = wrong.problem(401, "unauthenticated");
    let p2 = unknown.problem(401, "unauthenticated");
    assert_eq!(p1["detail"], p2["detail"]);
    assert!(
        wrong
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer"))
    );
    // An empty password never signs anyone in.
    app.login("admin", "").await.problem(401, "unauthenticated");
}
dual_test!(unknown_user_and_wrong_password_look_the_same);

async fn failed_sign_ins_are_rate_limited(b: Backend) {
    let Some(app) = spawn_app_with(b, |c| {
        c.auth.max_failed_logins = 3;
        c.auth.failed_login_window = HumanDuration::secs(600);
    })
    .await
    else {
        return;
    };
    for _ in 0..3 {
        assert_eq!(app.login("admin", "guess").await.status, 401);
    }
    let limited = app.login("admin", ADMIN_PASSWORD).await;
    limited.problem(429, "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 500 && retry <= 600, "{retry}");
    // The limited username is refused even with the right password (above);
    // another username from the same address is still judged on its own.
    assert_eq!(app.login("someone-else", "guess").await.status, 401);
}
dual_test!(failed_sign_ins_are_rate_limited);

#[tokio::test]
async fn failed_sign_ins_are_rate_limited_per_address() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| c.auth.max_failed_logins_per_address = 4).await
    else {
        return;
    };
    for i in 0..4 {
        assert_eq!(app.login(&format!("user{i}"), "guess").await.status, 401);
    }
    app.login("admin", ADMIN_PASSWORD)
        .await
        .problem(429, "rate_limited");
}

async fn refresh_tokens_rotate_and_reuse_revokes_the_family(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let first = app.login("admin", ADMIN_PASSWORD).await.json();
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();
    let second = app
        .post_json("/api/v1/auth/refresh", &json!({"refresh_token": r1}))
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    let r2 = second.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert_eq!(
        app.get_auth("/api/v1/auth/me", second.json()["access_token"].as_str().unwrap())
            .await
            .status,
        200
    );
    // Presenting r1 again: refused, and r2 (same family) dies with it.
    app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": r1}))
        .await
        .problem(401, "unauthenticated");
    app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": r2}))
        .await
        .problem(401, "unauthenticated");
    app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": "garbage"}))
        .await
        .problem(401, "unauthenticated");
    // Another session of the same user is untouched.
    let other = app.login("admin", ADMIN_PASSWORD).await.json();
    let again = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": other["refresh_token"]}),
        )
        .await;
    assert_eq!(again.status, 200);
    let token = app.admin_token().await;
    let audit = app
        .get_auth("/api/v1/audit?action=refresh_token_reuse", &token)
        .await
        .json();
    assert_eq!(audit["total"], 1, "{audit}");
}
dual_test!(refresh_tokens_rotate_and_reuse_revokes_the_family);

async fn logout_ends_the_session(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let s = app.login("admin", ADMIN_PASSWORD).await.json();
    let access = s["access_token"].as_str().unwrap();
    let r = app
        .post_auth(
            "/api/v1/auth/logout",
            access,
            &json!({"refresh_token": s["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.post_json(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": s["refresh_token"]}),
    )
    .await
    .problem(401, "unauthenticated");
    app.post_json("/api/v1/auth/logout", &json!({}))
        .await
        .problem(401, "unauthenticated");
}
dual_test!(logout_ends_the_session);

async fn disabling_or_demoting_a_user_ends_their_sessions(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let (editor, id) = app.user_token("erin", "editor").await;
    let refresh = app.login("erin", USER_PASSWORD).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.get_auth("/api/v1/auth/me", &editor).await.json()["role"],
        "editor"
    );

    let r = app
        .patch_auth(&format!("/api/v1/users/{id}"), &admin, &json!({"role": "viewer"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["role"], "viewer");
    let p = app
        .get_auth("/api/v1/auth/me", &editor)
        .await
        .problem(401, "unauthenticated");
    assert!(p["detail"].as_str().unwrap().contains("sign in again"), "{p}");
    app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
        .await
        .problem(401, "unauthenticated");

    let viewer = app.login("erin", USER_PASSWORD).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .patch_auth(&format!("/api/v1/users/{id}"), &admin, &json!({"disabled": true}))
        .await;
    assert_eq!(r.json()["disabled"], true);
    app.get_auth("/api/v1/auth/me", &viewer)
        .await
        .problem(401, "unauthenticated");
    app.login("erin", USER_PASSWORD)
        .await
        .problem(403, "account_disabled");

    // Admins cannot lock themselves out.
    let me = app.get_auth("/api/v1/auth/me", &admin).await.json()["id"]
        .as_i64()
        .unwrap();
    app.patch_auth(&format!("/api/v1/users/{me}"), &admin, &json!({"disabled": true}))
        .await
        .problem(409, "conflict");
    let audit = app.get_auth("/api/v1/audit", &admin).await.json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "role_changed",
        "user_disabled",
        "user_created",
        "login",
        "admin_bootstrapped",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}
dual_test!(disabling_or_demoting_a_user_ends_their_sessions);

async fn roles_are_enforced_with_401_versus_403(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let (viewer, viewer_id) = app.user_token("vic", "viewer").await;
    let (editor, _) = app.user_token("ed", "editor").await;
    app.get("/api/v1/users").await.problem(401, "unauthenticated");
    app.get_auth("/api/v1/users", &viewer)
        .await
        .problem(403, "forbidden");
    app.get_auth("/api/v1/users", &editor)
        .await
        .problem(403, "forbidden");
    app.get_auth("/api/v1/audit", &editor)
        .await
        .problem(403, "forbidden");
    app.post_auth(
        "/api/v1/users",
        &editor,
        &json!({"username": "x", "role": "admin", "password": USER_PASSWORD}),
    )
    .await
    .problem(403, "forbidden");
    // Anyone may read their own record, nobody else's.
    assert_eq!(
        app.get_auth(&format!("/api/v1/users/{viewer_id}"), &viewer)
            .await
            .status,
        200
    );
    app.get_auth("/api/v1/users/1", &viewer)
        .await
        .problem(403, "forbidden");
}
dual_test!(roles_are_enforced_with_401_versus_403);

async fn admins_manage_users_with_every_field_error_at_once(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let admin = app.admin_token().await;
    let bad = app
        .post_auth(
            "/api/v1/users",
            &admin,
            &json!({"username": "bad name!", "role": "editor", "password": "short", "email": "not-an-email"}),
        )
        .await;
    let p = bad.problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"username") && fields.contains(&"email"), "{p}");
    let created = app
        .post_auth(
            "/api/v1/users",
            &admin,
            &json!({"username": "Maria.Lopez", "display_name": "Maria López", "role": "editor", "password": USER_PASSWORD, "email": "maria@example.com"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let u = created.json();
    assert_eq!(u["username"], "maria.lopez");
    assert_eq!(u["display_name"], "Maria López");
    assert_eq!(u["must_change_password"], true);
    assert_eq!(
        created.header("location").unwrap(),
        format!("/api/v1/users/{}", u["id"])
    );
    let dup = app
        .post_auth(
            "/api/v1/users",
            &admin,
            &json!({"username": "MARIA.LOPEZ", "role": "viewer", "password": USER_PASSWORD}),
        )
        .await;
    assert_eq!(
        dup.problem(422, "validation_failed")["errors"][0]["field"],
        "username"
    );
    let common = app
        .post_auth(
            "/api/v1/users",
            &admin,
            &json!({"username": "op1", "role": "viewer", "password": "password1234"}),
        )
        .await;
    assert_eq!(
        common.problem(422, "validation_failed")["errors"][0]["field"],
        "password"
    );
    let list = app.get_auth("/api/v1/users?limit=1", &admin).await.json();
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    app.get_auth("/api/v1/users?limit=1001", &admin)
        .await
        .problem(400, "invalid_parameter");
    app.get_auth("/api/v1/users/999999", &admin)
        .await
        .problem(404, "not_found");
    // Reset password: the user must change it and old sessions end.
    let id = u["id"].as_i64().unwrap();
    let r = app
        .post_auth(
            &format!("/api/v1/users/{id}/password"),
            &admin,
            &json!({"password": "Temporary pass 2026"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let l = app.login("maria.lopez", "Temporary pass 2026").await.json();
    assert_eq!(l["must_change_password"], true);
}
dual_test!(admins_manage_users_with_every_field_error_at_once);

async fn api_tokens_work_until_revoked_and_are_capped_by_role(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let (editor, _) = app.user_token("integrator", "editor").await;
    let too_high = app
        .post_auth("/api/v1/tokens", &editor, &json!({"name": "x", "role": "admin"}))
        .await;
    assert_eq!(
        too_high.problem(422, "validation_failed")["errors"][0]["field"],
        "role"
    );
    let past = app
        .post_auth(
            "/api/v1/tokens",
            &editor,
            &json!({"name": "x", "role": "viewer", "expires_at": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(
        past.problem(422, "validation_failed")["errors"][0]["field"],
        "expires_at"
    );

    let created = app
        .post_auth(
            "/api/v1/tokens",
            &editor,
            &json!({"name": "ERP sync", "role": "viewer"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let c = created.json();
    let secret = c["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("shp_") && secret.len() > 40);
    assert!(secret.starts_with(c["api_token"]["prefix"].as_str().unwrap()));
    let id = c["api_token"]["id"].as_i64().unwrap();

    let me = app.get_auth("/api/v1/auth/me", &secret).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json()["username"], "integrator");
    // Its role is the token's (viewer), not the owner's (editor).
    app.get_auth("/api/v1/users", &secret)
        .await
        .problem(403, "forbidden");
    // A token cannot mint tokens.
    app.post_auth("/api/v1/tokens", &secret, &json!({"name": "y", "role": "viewer"}))
        .await
        .problem(403, "forbidden");

    let list = app.get_auth("/api/v1/tokens", &editor).await.json();
    let listed = &list.as_array().unwrap()[0];
    assert_eq!(listed["name"], "ERP sync");
    assert_eq!(listed["active"], true);
    assert!(listed.get("token").is_none(), "the secret is never listed again");
    assert!(listed["last_used_at"].is_string(), "{listed}");
    app.get_auth("/api/v1/tokens?all=true", &editor)
        .await
        .problem(403, "forbidden");

    let r = app.delete_auth(&format!("/api/v1/tokens/{id}"), &editor).await;
    assert_eq!(r.status, 204);
    let p = app
        .get_auth("/api/v1/auth/me", &secret)
        .await
        .problem(401, "unauthenticated");
    assert!(p["detail"].as_str().unwrap().contains("revoked"), "{p}");
    app.get_auth("/api/v1/auth/me", "shp_not-a-real-token")
        .await
        .problem(401, "unauthenticated");

    let admin = app.admin_token().await;
    let audit = app
        .get_auth("/api/v1/audit?actor=integrator", &admin)
        .await
        .json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"api_token_created") && actions.contains(&"api_token_revoked"),
        "{actions:?}"
    );
    let first = &audit["items"][0];
    assert_eq!(first["client_addr"], "127.0.0.1");
    assert!(first["request_id"].as_str().is_some_and(|r| !r.is_empty()));
}
dual_test!(api_tokens_work_until_revoked_and_are_capped_by_role);

async fn disabling_the_owner_stops_their_api_tokens(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let (editor, id) = app.user_token("bot-owner", "editor").await;
    let secret = app
        .post_auth(
            "/api/v1/tokens",
            &editor,
            &json!({"name": "bot", "role": "editor"}),
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.get_auth("/api/v1/auth/me", &secret).await.status, 200);
    let admin = app.admin_token().await;
    app.patch_auth(&format!("/api/v1/users/{id}"), &admin, &json!({"disabled": true}))
        .await;
    app.get_auth("/api/v1/auth/me", &secret)
        .await
        .problem(401, "unauthenticated");
}
dual_test!(disabling_the_owner_stops_their_api_tokens);

/// Forged and broken JWTs, signed with the site's real key where that
/// matters, must all be refused.
#[tokio::test]
async fn forged_and_expired_access_tokens_are_refused() {
    use base64::Engine as _;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    const SECRET: &str = "0123456789abcdef0123456789abcdef-test";
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| c.auth.jwt_secret = SECRET.into()).await else {
        return;
    };
    let good = app.admin_token().await;
    assert_eq!(app.get_auth("/api/v1/auth/me", &good).await.status, 200);
    let now = chrono::Utc::now().timestamp();
    let claims = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut c = json!({"iss": "shopdb", "aud": "shopdb", "sub": "1", "exp": now + 600, "nbf": now - 10,
            "iat": now - 10, "jti": "x", "role": "admin", "ver": 1, "name": "admin"});
        f(&mut c);
        c
    };
    let sign = |alg: Algorithm, key: &[u8], c: &serde_json::Value| {
        encode(&Header::new(alg), c, &EncodingKey::from_secret(key)).unwrap()
    };
    // Sanity: a correctly forged token with the real key works, so the
    // refusals below are about the one thing each case changes.
    let ok = sign(Algorithm::HS256, SECRET.as_bytes(), &claims(&|_| {}));
    assert_eq!(app.get_auth("/api/v1/auth/me", &ok).await.status, 200);
    let b64 = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let cases: Vec<(&str, String)> = vec![
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT"})),
                b64(&claims(&|_| {}))
            ),
        ),
        (
            "HS512",
            sign(Algorithm::HS512, SECRET.as_bytes(), &claims(&|_| {})),
        ),
        (
            "wrong key",
            sign(
                Algorithm::HS256,
                b"another-key-another-key-another-key",
                &claims(&|_| {}),
            ),
        ),
        (
            "wrong iss",
            sign(
                Algorithm::HS256,
                SECRET.as_bytes(),
                &claims(&|c| c["iss"] = json!("evil")),
            ),
        ),
        (
            "wrong aud",
            sign(
                Algorithm::HS256,
                SECRET.as_bytes(),
                &claims(&|c| c["aud"] = json!("other")),
            ),
        ),
        (
            "expired",
            sign(
                Algorithm::HS256,
                SECRET.as_bytes(),
                &claims(&|c| c["exp"] = json!(now - 3600)),
            ),
        ),
        (
            "not yet valid",
            sign(
                Algorithm::HS256,
                SECRET.as_bytes(),
                &claims(&|c| c["nbf"] = json!(now + 3600)),
            ),
        ),
        (
            "no exp",
            sign(
                Algorithm::HS256,
                SECRET.as_bytes(),
                &claims(&|c| {
                    c.as_object_mut().unwrap().remove("exp");
                }),
            ),
        ),
        (
            "stale version",
            sign(
                Algorithm::HS256,
                SECRET.as_bytes(),
                &claims(&|c| c["ver"] = json!(0)),
            ),
        ),
        ("tampered payload", {
            let parts: Vec<&str> = good.split('.').collect();
            format!(
                "{}.{}.{}",
                parts[0],
                b64(&claims(&|c| c["role"] = json!("admin"))),
                parts[2]
            )
        }),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (name, token) in cases {
        let r = app.get_auth("/api/v1/auth/me", &token).await;
        assert_eq!(r.status, 401, "{name}: {}", r.text);
        r.problem(401, "unauthenticated");
    }
}

#[tokio::test]
async fn the_generated_jwt_secret_is_shared_through_the_database() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let token = app.admin_token().await;
    let db = app.stop().await;
    // A second instance (same database, no configured secret) accepts it.
    let config = test_config(&db.url);
    let again = start(db, config).await.ok().expect("restarts");
    assert_eq!(again.get_auth("/api/v1/auth/me", &token).await.status, 200);
}

async fn malformed_bodies_get_400_problems_that_name_the_field(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let raw = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(body)
    };
    app.send(raw("{\"username\": "))
        .await
        .problem(400, "invalid_body");
    let p = app
        .send(raw("{\"username\": [1], \"password\": \"x\"}"))
        .await
        .problem(400, "invalid_body");
    assert_eq!(
        p["errors"],
        json!([{"field": "username", "message": "must be a string"}]),
        "{p}"
    );
    let p = app
        .send(raw("{\"username\": \"admin\"}"))
        .await
        .problem(400, "invalid_body");
    assert_eq!(
        p["errors"],
        json!([{"field": "password", "message": "is required"}]),
        "{p}"
    );
    assert_eq!(p["detail"], "password: is required");
    let p = app.send(raw("{}")).await.problem(400, "invalid_body");
    assert_eq!(p["errors"].as_array().unwrap().len(), 2, "{p}");
    let p = app.send(raw("[]")).await.problem(400, "invalid_body");
    assert_eq!(p["errors"][0]["field"], "body");
    let wrong_type = app
        .send(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .header("content-type", "text/plain")
                .body("hi"),
        )
        .await;
    wrong_type.problem(415, "unsupported_media_type");
    let long = "a".repeat(300);
    let p = app
        .send(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"username": long, "password": "x"})),
        )
        .await;
    let pr = p.problem(400, "invalid_body");
    assert_eq!(pr["errors"][0]["field"], "username");
    assert_eq!(pr["errors"][0]["message"], "must be at most 256 characters");
    // Enum values are checked against the published choices.
    let admin = app.admin_token().await;
    let pr = app
        .post_auth(
            "/api/v1/users",
            &admin,
            &json!({"username": "x1", "role": "superuser", "password": USER_PASSWORD}),
        )
        .await
        .problem(400, "invalid_body");
    assert_eq!(pr["errors"][0]["field"], "role");
    assert!(
        pr["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("viewer, editor, admin"),
        "{pr}"
    );
    // Nothing was written by any of these: no user, no audit row.
    let audit = app
        .get_auth("/api/v1/audit?action=login_failed", &admin)
        .await
        .json();
    assert_eq!(audit["total"], 0, "{audit}");
}
dual_test!(malformed_bodies_get_400_problems_that_name_the_field);

#[test]
fn every_protected_operation_documents_security_401_and_403() {
    let spec: serde_json::Value = serde_json::from_str(&shopdb::api::spec_json()).unwrap();
    let public = ["getMeta", "login", "refreshSession"];
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            if public.contains(&id) {
                continue;
            }
            let security = op["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} has no security"));
            let schemes: Vec<&str> = security
                .iter()
                .flat_map(|s| s.as_object().unwrap().keys())
                .map(String::as_str)
                .collect();
            assert!(
                schemes.contains(&"session") && schemes.contains(&"apiToken"),
                "{id}: {schemes:?}"
            );
            assert!(
                op["responses"].get("401").is_some() && op["responses"].get("403").is_some(),
                "{id}"
            );
            let text = format!("{} {}", op["summary"], op["description"]);
            assert!(
                text.contains("role") || text.contains("Any role"),
                "{id} does not say which role it needs"
            );
        }
    }
}

#[tokio::test]
async fn client_address_comes_from_trusted_proxies_only() {
    for (trusted, expected) in [(true, "10.1.2.3"), (false, "127.0.0.1")] {
        let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
            if trusted {
                c.server.trusted_proxies = vec!["127.0.0.1".into()];
            }
        })
        .await
        else {
            return;
        };
        let r = app
            .send(
                app.client
                    .post(app.url("/api/v1/auth/login"))
                    .header("x-forwarded-for", "203.0.113.9, 10.1.2.3")
                    .json(&json!({"username": "admin", "password": "wrong password"})),
            )
            .await;
        assert_eq!(r.status, 401);
        let admin = app.admin_token().await;
        let audit = app
            .get_auth("/api/v1/audit?action=login_failed", &admin)
            .await
            .json();
        assert_eq!(
            audit["items"][0]["client_addr"], expected,
            "trusted={trusted}: {audit}"
        );
    }
}
