//! Directory sign-in through the API against a real OpenLDAP `slapd`
//! (AD-flavoured: sAMAccountName, memberOf), on both database backends.

use serde_json::json;

use crate::dual_test;
use crate::helpers::{ADMIN_PASSWORD, Backend, spawn_app_with};
use crate::slapd::Slapd;

async fn directory_users_sign_in_with_their_group_role(b: Backend) {
    let slapd = Slapd::start();
    let ldap = slapd.ldap_config();
    let Some(app) = spawn_app_with(b, |c| c.auth.ldap = ldap).await else {
        return;
    };

    let r = app.login("alice", "alice-pass").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let u = &r.json()["user"];
    assert_eq!(u["role"], "admin");
    assert_eq!(u["source"], "ldap");
    assert_eq!(u["display_name"], "Alice Admin");
    assert_eq!(u["email"], "alice@example.org");
    // Just-in-time provisioning: the account now exists, without a password.
    let admin = app.admin_token().await;
    let users = app.get_auth("/api/v1/users", &admin).await.json();
    assert!(
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "alice" && u["source"] == "ldap")
    );
    // Case-insensitive sign-in name, same account.
    let again = app.login("ALICE", "alice-pass").await;
    assert_eq!(again.json()["user"]["id"], u["id"]);
    assert_eq!(
        app.login("erin", "erin-pass").await.json()["user"]["role"],
        "editor"
    );

    app.login("alice", "wrong").await.problem(401, "unauthenticated");
    app.login("nobody", "whatever")
        .await
        .problem(401, "unauthenticated");
    app.login("alice", "").await.problem(401, "unauthenticated");
    // In no mapped group and no default role: refused with a reason.
    let p = app.login("bob", "bob-pass").await.problem(403, "forbidden");
    assert!(p["detail"].as_str().unwrap().contains("no group"), "{p}");
    // Injection attempts never match anyone.
    for name in ["*", ")(uid=*", "alice)(|(uid=*", "al*", "\\", "alice\u{0}"] {
        assert_eq!(app.login(name, "alice-pass").await.status, 401, "{name:?}");
    }
    // A directory user cannot change a password here.
    let t = app.login("alice", "alice-pass").await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post_auth(
        "/api/v1/auth/password",
        &t,
        &json!({"current_password": "alice-pass", "new_password": "Something long enough"}),
    )
    .await
    .problem(409, "conflict");
}
dual_test!(directory_users_sign_in_with_their_group_role);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_role_admits_users_in_no_group() {
    let slapd = Slapd::start();
    let mut ldap = slapd.ldap_config();
    ldap.default_role = "viewer".into();
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| c.auth.ldap = ldap).await else {
        return;
    };
    let r = app.login("bob", "bob-pass").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["user"]["role"], "viewer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_down_gives_503_while_local_sign_in_keeps_working() {
    let mut slapd = Slapd::start();
    let ldap = slapd.ldap_config();
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| c.auth.ldap = ldap).await else {
        return;
    };
    assert_eq!(app.login("alice", "alice-pass").await.status, 200);
    slapd.stop();
    let r = app.login("alice", "alice-pass").await;
    r.problem(503, "directory_unavailable");
    assert!(r.header("retry-after").is_some());
    assert_eq!(app.login("admin", ADMIN_PASSWORD).await.status, 200);
}
