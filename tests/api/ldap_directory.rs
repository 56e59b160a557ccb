//! The LDAP / Active Directory adapter against a real OpenLDAP (`slapd.rs`):
//! sign-in, roles, filter injection, empty passwords, TLS, timeouts.

use std::time::{Duration, Instant};

use shopdb::config::{HumanDuration, LdapConfig};
use shopdb::ldap::{Directory, DirectoryError, DirectoryRole, DirectoryUser};

use crate::slapd::{ADMINS_GROUP, BASE, EDITORS_GROUP, Slapd, user_dn};

fn directory(cfg: &LdapConfig) -> Directory {
    Directory::new(cfg).unwrap_or_else(|e| panic!("Directory::new: {e}"))
}

fn alice() -> DirectoryUser {
    DirectoryUser {
        dn: user_dn("alice"),
        username: "alice".into(),
        display_name: Some("Alice Admin".into()),
        email: Some("alice@example.org".into()),
        groups: vec![ADMINS_GROUP.into()],
        role: Some(DirectoryRole::Admin),
    }
}

fn erin() -> DirectoryUser {
    DirectoryUser {
        dn: user_dn("erin"),
        username: "erin".into(),
        display_name: Some("Erin Editor".into()),
        email: Some("erin@example.org".into()),
        groups: vec![EDITORS_GROUP.into()],
        role: Some(DirectoryRole::Editor),
    }
}

#[track_caller]
fn assert_invalid(r: Result<DirectoryUser, DirectoryError>, what: &str) {
    assert!(
        matches!(r, Err(DirectoryError::InvalidCredentials)),
        "{what}: expected InvalidCredentials, got {r:?}"
    );
}

#[track_caller]
fn assert_unavailable(r: Result<DirectoryUser, DirectoryError>, what: &str) -> String {
    match r {
        Err(DirectoryError::Unavailable(m)) => m,
        other => panic!("{what}: expected Unavailable, got {other:?}"),
    }
}

/// Cheap, private CA certificate that signed nothing slapd serves.
fn unrelated_ca(dir: &std::path::Path) -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Some other CA");
    let path = dir.join("other-ca.pem");
    std::fs::write(&path, params.self_signed(&key).unwrap().pem()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_right_password_gives_user_with_groups_and_role() {
    let slapd = Slapd::start();
    let d = directory(&slapd.ldap_config());
    assert_eq!(d.authenticate("alice", "alice-pass").await.unwrap(), alice());
    assert_eq!(d.authenticate("erin", "erin-pass").await.unwrap(), erin());
    // The directory matches names case-insensitively; the result is normalised.
    assert_eq!(d.authenticate("ALICE", "alice-pass").await.unwrap(), alice());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_wrong_password_and_unknown_user_are_invalid_credentials() {
    let slapd = Slapd::start();
    let d = directory(&slapd.ldap_config());
    assert_invalid(d.authenticate("alice", "wrong").await, "wrong password");
    assert_invalid(
        d.authenticate("alice", "bob-pass").await,
        "someone else's password",
    );
    assert_invalid(
        d.authenticate("alice", "alice-pass ").await,
        "password with a trailing space",
    );
    assert_invalid(d.authenticate("nobody", "alice-pass").await, "unknown user");
    assert_invalid(d.lookup("nobody").await, "lookup of an unknown user");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_user_without_group_gets_no_role_unless_default_role() {
    let slapd = Slapd::start();
    let d = directory(&slapd.ldap_config());
    match d.authenticate("bob", "bob-pass").await {
        Err(DirectoryError::NoRole(dn)) => assert_eq!(dn, user_dn("bob")),
        other => panic!("expected NoRole, got {other:?}"),
    }
    // A wrong password never reveals that the account exists but has no role.
    assert_invalid(d.authenticate("bob", "wrong").await, "bob, wrong password");

    let d = directory(&LdapConfig {
        default_role: "viewer".into(),
        ..slapd.ldap_config()
    });
    let bob = d.authenticate("bob", "bob-pass").await.unwrap();
    assert_eq!(bob.role, Some(DirectoryRole::Viewer));
    assert_eq!(bob.groups, Vec::<String>::new());
    assert_eq!(bob.email.as_deref(), Some("bob@example.org"));
    // The default never lowers a mapped role.
    assert_eq!(
        d.authenticate("alice", "alice-pass").await.unwrap().role,
        Some(DirectoryRole::Admin)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_filter_injection_never_matches_someone_else() {
    let slapd = Slapd::start();
    // default_role viewer: a wrongly matched entry would sign in, not fail with NoRole.
    let d = directory(&LdapConfig {
        default_role: "viewer".into(),
        ..slapd.ldap_config()
    });
    let attempts = [
        "*",
        ")(uid=*",
        "alice)(|(uid=*",
        "alice)(|(sAMAccountName=*",
        "*)(objectClass=*",
        "\\",
        "al*",
        "*lice",
        "e*",
        "b*",
        "star\\2a",
        "alice\0",
        "\0",
    ];
    for name in attempts {
        for password in ["alice-pass", "bob-pass", "erin-pass", "star-pass"] {
            assert_invalid(
                d.authenticate(name, password).await,
                &format!("{name:?} / {password}"),
            );
        }
        assert_invalid(d.lookup(name).await, &format!("lookup {name:?}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_user_named_star_signs_in_but_star_alone_does_not() {
    let slapd = Slapd::start();
    let d = directory(&LdapConfig {
        default_role: "viewer".into(),
        ..slapd.ldap_config()
    });
    let star = d.authenticate("star*", "star-pass").await.unwrap();
    assert_eq!(star.dn, user_dn("star*"));
    assert_eq!(star.username, "star*");
    assert_eq!(star.role, Some(DirectoryRole::Viewer));
    assert_invalid(d.authenticate("*", "star-pass").await, "`*` with star-pass");
    assert_invalid(d.authenticate("star", "star-pass").await, "`star` with star-pass");
    assert_invalid(d.authenticate("st*", "star-pass").await, "`st*` with star-pass");
    assert_invalid(
        d.authenticate("star*", "alice-pass").await,
        "star* with alice's password",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_empty_password_is_refused_without_any_bind() {
    let mut slapd = Slapd::start();
    // This slapd accepts an "unauthenticated" bind (DN + empty password) as success...
    let (conn, mut ldap) = ldap3::LdapConnAsync::new(&slapd.url).await.unwrap();
    ldap3::drive!(conn);
    let res = ldap.simple_bind(&user_dn("alice"), "").await.unwrap();
    assert_eq!(
        res.rc, 0,
        "fixture: slapd should accept an unauthenticated bind: {res:?}"
    );
    ldap.unbind().await.unwrap();

    // ...so the adapter must refuse an empty password itself.
    let d = directory(&slapd.ldap_config());
    assert_invalid(d.authenticate("alice", "").await, "empty password");
    assert_invalid(d.authenticate("nobody", "").await, "unknown user, empty password");

    // And before touching the network: with the directory gone, still
    // InvalidCredentials (not Unavailable), as for empty or NUL names.
    slapd.stop();
    assert_invalid(
        d.authenticate("alice", "").await,
        "empty password, directory down",
    );
    assert_invalid(
        d.authenticate("", "alice-pass").await,
        "empty name, directory down",
    );
    assert_invalid(
        d.authenticate("ali\0ce", "alice-pass").await,
        "NUL in name, directory down",
    );
    assert_unavailable(d.authenticate("alice", "alice-pass").await, "directory down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_group_search_mode_gives_the_same_roles() {
    let slapd = Slapd::start();
    // A group whose member DN contains `*`: the DN is escaped in the group filter.
    let viewers = format!("cn=shopdb-viewers,ou=groups,{BASE}");
    slapd.ldapadd(&format!(
        "dn: {viewers}\nobjectClass: groupOfNames\nobjectClass: group\ncn: shopdb-viewers\nmember: {}\n",
        user_dn("star*")
    ));
    let with_viewers = |c: LdapConfig| LdapConfig {
        viewer_groups: vec![viewers.clone()],
        ..c
    };

    let by_search = with_viewers(LdapConfig {
        group_attribute: String::new(),
        group_base: format!("ou=groups,{BASE}"),
        group_filter: "(&(objectClass=group)(member={dn}))".into(),
        ..slapd.ldap_config()
    });
    // group_base empty: groups are searched under user_base.
    let under_user_base = with_viewers(LdapConfig {
        group_attribute: String::new(),
        group_base: String::new(),
        user_base: BASE.into(),
        group_filter: "(&(objectClass=groupOfNames)(member={dn}))".into(),
        ..slapd.ldap_config()
    });
    let by_attribute = with_viewers(slapd.ldap_config());

    for cfg in [by_attribute, by_search, under_user_base] {
        let d = directory(&cfg);
        assert_eq!(
            d.authenticate("alice", "alice-pass").await.unwrap(),
            alice(),
            "{cfg:?}"
        );
        assert_eq!(
            d.authenticate("erin", "erin-pass").await.unwrap(),
            erin(),
            "{cfg:?}"
        );
        let star = d.authenticate("star*", "star-pass").await.unwrap();
        assert_eq!(
            (star.groups, star.role),
            (vec![viewers.clone()], Some(DirectoryRole::Viewer)),
            "{cfg:?}"
        );
        assert!(
            matches!(
                d.authenticate("bob", "bob-pass").await,
                Err(DirectoryError::NoRole(_))
            ),
            "{cfg:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_role_mapping_ignores_dn_case_and_spaces() {
    let slapd = Slapd::start();
    let d = directory(&LdapConfig {
        admin_groups: vec!["CN=ShopDB-Admins, OU=Groups, DC=Example, DC=Org".into()],
        editor_groups: vec!["cn=shopdb-editors , ou=groups,dc=example,dc=org".into()],
        ..slapd.ldap_config()
    });
    assert_eq!(
        d.authenticate("alice", "alice-pass").await.unwrap().role,
        Some(DirectoryRole::Admin)
    );
    assert_eq!(
        d.authenticate("erin", "erin-pass").await.unwrap().role,
        Some(DirectoryRole::Editor)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_ambiguous_name_is_invalid_credentials() {
    let slapd = Slapd::start();
    let mut ldif = String::new();
    for uid in ["dup1", "dup2"] {
        ldif.push_str(&format!(
            "dn: uid={uid},ou=people,{BASE}\nobjectClass: inetOrgPerson\nobjectClass: user\nuid: {uid}\n\
             sAMAccountName: dup\ncn: {uid}\nsn: {uid}\nuserPassword: dup-pass\n\n"
        ));
    }
    slapd.ldapadd(&ldif);
    let d = directory(&LdapConfig {
        default_role: "viewer".into(),
        ..slapd.ldap_config()
    });
    assert_invalid(d.authenticate("dup", "dup-pass").await, "two entries named dup");
    assert_invalid(d.lookup("dup").await, "lookup of two entries named dup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_lookup_returns_dn_groups_and_role_without_password() {
    let slapd = Slapd::start();
    let d = directory(&slapd.ldap_config());
    assert_eq!(d.lookup("alice").await.unwrap(), alice());
    assert_eq!(d.lookup("erin").await.unwrap(), erin());
    let bob = d.lookup("bob").await.unwrap();
    assert_eq!((bob.dn.as_str(), bob.role), (user_dn("bob").as_str(), None));
    assert_eq!(bob.display_name.as_deref(), Some("Bob User"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_service_account_problems_are_unavailable_or_config() {
    let slapd = Slapd::start();
    let d = directory(&LdapConfig {
        bind_password: "wrong".into(),
        ..slapd.ldap_config()
    });
    let m = assert_unavailable(
        d.authenticate("alice", "alice-pass").await,
        "wrong service password",
    );
    assert!(m.contains("service account"), "{m}");
    assert_unavailable(d.lookup("alice").await, "lookup, wrong service password");

    // Anonymous search (empty bind_dn) may not read anything here: slapd
    // hides the base (noSuchObject), reported as a configuration problem.
    let d = directory(&LdapConfig {
        bind_dn: String::new(),
        bind_password: String::new(),
        ..slapd.ldap_config()
    });
    match d.authenticate("alice", "alice-pass").await {
        Err(DirectoryError::Config(m)) => assert!(m.contains("bind_dn"), "{m}"),
        other => panic!("expected Config for an anonymous search that sees nothing, got {other:?}"),
    }

    let d = directory(&LdapConfig {
        user_base: format!("ou=nowhere,{BASE}"),
        ..slapd.ldap_config()
    });
    match d.authenticate("alice", "alice-pass").await {
        Err(DirectoryError::Config(m)) => assert!(m.contains("ou=nowhere"), "{m}"),
        other => panic!("expected Config for a missing user_base, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_plaintext_needs_allow_plaintext() {
    // Config::validate reports it too; Directory::new refuses on its own.
    let plain = Slapd::config_for_url("ldap://127.0.0.1:389");
    let cfg = LdapConfig {
        allow_plaintext: false,
        ..plain.clone()
    };
    match Directory::new(&cfg) {
        Err(DirectoryError::Config(m)) => assert!(m.contains("allow_plaintext"), "{m}"),
        other => panic!("expected Config, got {other:?}"),
    }
    assert!(
        Directory::new(&LdapConfig {
            allow_plaintext: false,
            starttls: true,
            ..plain.clone()
        })
        .is_ok()
    );
    let both = LdapConfig {
        url: "ldaps://127.0.0.1:636".into(),
        starttls: true,
        ..plain
    };
    assert!(matches!(Directory::new(&both), Err(DirectoryError::Config(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_ldaps_verifies_the_certificate() {
    let slapd = Slapd::start_tls();
    let ldaps = slapd.ldaps_url.clone().unwrap();
    let ca = slapd.ca_pem_path().to_str().unwrap().to_owned();
    let tls = |c: LdapConfig| LdapConfig {
        url: ldaps.clone(),
        allow_plaintext: false,
        ..c
    };

    let d = directory(&tls(LdapConfig {
        ca_file: ca.clone(),
        ..slapd.ldap_config()
    }));
    assert_eq!(d.authenticate("alice", "alice-pass").await.unwrap(), alice());
    assert_invalid(d.authenticate("alice", "wrong").await, "ldaps, wrong password");

    // No ca_file: system roots, which do not know the test CA.
    let d = directory(&tls(slapd.ldap_config()));
    let m = assert_unavailable(
        d.authenticate("alice", "alice-pass").await,
        "ldaps without the CA",
    );
    assert!(m.to_lowercase().contains("certificate"), "{m}");

    // Another CA: untrusted too.
    let dir = tempfile::tempdir().unwrap();
    let d = directory(&tls(LdapConfig {
        ca_file: unrelated_ca(dir.path()),
        ..slapd.ldap_config()
    }));
    assert_unavailable(
        d.authenticate("alice", "alice-pass").await,
        "ldaps with another CA",
    );

    // insecure_skip_verify accepts it.
    let d = directory(&tls(LdapConfig {
        insecure_skip_verify: true,
        ..slapd.ldap_config()
    }));
    assert_eq!(d.authenticate("alice", "alice-pass").await.unwrap(), alice());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_starttls_on_the_plain_port() {
    let slapd = Slapd::start_tls();
    let ca = slapd.ca_pem_path().to_str().unwrap().to_owned();
    let starttls = |c: LdapConfig| LdapConfig {
        starttls: true,
        allow_plaintext: false,
        ..c
    };

    let d = directory(&starttls(LdapConfig {
        ca_file: ca.clone(),
        ..slapd.ldap_config()
    }));
    assert_eq!(d.authenticate("erin", "erin-pass").await.unwrap(), erin());
    assert_eq!(d.lookup("alice").await.unwrap(), alice());

    let dir = tempfile::tempdir().unwrap();
    let d = directory(&starttls(LdapConfig {
        ca_file: unrelated_ca(dir.path()),
        ..slapd.ldap_config()
    }));
    assert_unavailable(
        d.authenticate("erin", "erin-pass").await,
        "StartTLS with another CA",
    );

    let d = directory(&starttls(LdapConfig {
        insecure_skip_verify: true,
        ..slapd.ldap_config()
    }));
    assert_eq!(d.authenticate("erin", "erin-pass").await.unwrap(), erin());

    // A server without TLS refuses StartTLS: no silent fallback to plaintext.
    let plain = Slapd::start();
    let d = directory(&starttls(LdapConfig {
        ca_file: ca,
        ..plain.ldap_config()
    }));
    assert_unavailable(
        d.authenticate("erin", "erin-pass").await,
        "StartTLS on a server without TLS",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_directory_stopped_mid_test_is_unavailable_quickly() {
    let mut slapd = Slapd::start();
    let d = directory(&slapd.ldap_config());
    assert_eq!(d.authenticate("alice", "alice-pass").await.unwrap(), alice());
    slapd.stop();
    let started = Instant::now();
    assert_unavailable(d.authenticate("alice", "alice-pass").await, "directory stopped");
    assert_unavailable(d.lookup("alice").await, "lookup, directory stopped");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_unresponsive_directory_times_out() {
    // Accepts connections and never answers (a hung server or a black hole).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let base = LdapConfig {
        timeout: HumanDuration(Duration::from_millis(300)),
        ..Slapd::config_for_url(&format!("ldap://127.0.0.1:{port}"))
    };
    let cases = [
        ("plain", base.clone()),
        (
            "ldaps",
            LdapConfig {
                url: format!("ldaps://127.0.0.1:{port}"),
                insecure_skip_verify: true,
                ..base.clone()
            },
        ),
        (
            "StartTLS",
            LdapConfig {
                starttls: true,
                insecure_skip_verify: true,
                ..base.clone()
            },
        ),
    ];
    for (what, cfg) in cases {
        let d = directory(&cfg);
        let started = Instant::now();
        let m = assert_unavailable(d.authenticate("alice", "alice-pass").await, what);
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_millis(1500),
            "{what}: took {took:?}"
        );
        assert!(m.contains("300ms") || m.contains("timeout"), "{what}: {m}");
    }
    hold.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_concurrent_sign_ins() {
    let slapd = Slapd::start();
    let d = std::sync::Arc::new(directory(&slapd.ldap_config()));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let d = d.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                d.authenticate("alice", "alice-pass").await.map(|u| u.role)
            } else {
                d.authenticate("erin", "wrong").await.map(|u| u.role)
            }
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let r = t.await.unwrap();
        if i % 2 == 0 {
            assert_eq!(r.unwrap(), Some(DirectoryRole::Admin));
        } else {
            assert!(matches!(r, Err(DirectoryError::InvalidCredentials)), "{r:?}");
        }
    }
}
