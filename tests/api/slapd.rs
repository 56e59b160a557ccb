//! A real, private OpenLDAP `slapd` for LDAP / Active Directory tests.
//!
//! Each `Slapd` runs in the foreground (`-d 0`) from its own temporary
//! folder on free 127.0.0.1 ports and is killed by pid on drop. It starts in
//! well under a second: the data is loaded with `ldapadd` once the port
//! answers (so the memberof overlay fills `memberOf`, as AD does).
//!
//! Directory (base `dc=example,dc=org`, passwords stored in clear):
//! - admin `cn=admin,dc=example,dc=org` / `admin-pass` (rootdn)
//! - service account `cn=svc-shopdb,ou=service,dc=example,dc=org` / `svc-pass`: reads everything
//! - `ou=people`: `alice` (shopdb-admins, "Alice Admin", alice@example.org), `bob` (no group),
//!   `erin` (shopdb-editors), `star*` (a name with a literal `*`); passwords `<name>-pass`,
//!   each with `uid`, `sAMAccountName`, `userPrincipalName` and `objectClass: user`
//! - `ou=groups`: `shopdb-admins`, `shopdb-editors` (`groupOfNames` + AD's `group`)
//!
//! Anonymous clients can only bind (no reads), and `allow bind_anon_dn` makes
//! slapd accept an "unauthenticated" bind (a DN with an empty password) as
//! success, as some directories do: the adapter must never send one.

#![allow(dead_code)]

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use shopdb::config::{Config, HumanDuration, LdapConfig};

pub const SLAPD: &str = "/usr/sbin/slapd";
pub const BASE: &str = "dc=example,dc=org";
pub const ADMIN_DN: &str = "cn=admin,dc=example,dc=org";
pub const ADMIN_PASSWORD: &str = "admin-pass";
pub const SVC_DN: &str = "cn=svc-shopdb,ou=service,dc=example,dc=org";
pub const SVC_PASSWORD: &str = "svc-pass";
pub const PEOPLE: &str = "ou=people,dc=example,dc=org";
pub const ADMINS_GROUP: &str = "cn=shopdb-admins,ou=groups,dc=example,dc=org";
pub const EDITORS_GROUP: &str = "cn=shopdb-editors,ou=groups,dc=example,dc=org";

const INSTALL_HINT: &str = "OpenLDAP is needed for the LDAP tests: \
    `echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections; apt-get install -y slapd ldap-utils`";

/// Active Directory attributes with equality rules (Debian's msuser.schema has none).
const AD_SCHEMA: &str = "\
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
        EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
        SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
        EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
        SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' AUXILIARY
        MAY ( sAMAccountName $ userPrincipalName ) )
objectclass ( 1.2.840.113556.1.5.8 NAME 'group' AUXILIARY
        MAY ( sAMAccountName ) )
";

/// DN of a test user by sign-in name.
pub fn user_dn(name: &str) -> String {
    format!("uid={name},{PEOPLE}")
}

pub struct Slapd {
    /// `ldap://127.0.0.1:PORT` (StartTLS available when started with `start_tls`).
    pub url: String,
    /// `ldaps://127.0.0.1:PORT` when started with `start_tls`.
    pub ldaps_url: Option<String>,
    child: Option<Child>,
    ca_pem: Option<PathBuf>,
    dir: tempfile::TempDir,
}

impl Slapd {
    /// Plain `ldap://` only.
    pub fn start() -> Slapd {
        Self::launch(false)
    }

    /// Also serves `ldaps://` (and StartTLS on `url`) with a leaf certificate
    /// for IP 127.0.0.1 signed by a private CA (`ca_pem_path()`).
    pub fn start_tls() -> Slapd {
        Self::launch(true)
    }

    /// The PEM file of the CA that signed the server certificate.
    pub fn ca_pem_path(&self) -> &Path {
        self.ca_pem
            .as_deref()
            .expect("ca_pem_path() needs Slapd::start_tls()")
    }

    /// Settings for this directory, AD flavour: users by `sAMAccountName`,
    /// groups from `memberOf`, alice's group → admin, erin's → editor,
    /// `default_role` empty (refuse), plain `ldap://` allowed, 3 s timeout.
    pub fn ldap_config(&self) -> LdapConfig {
        Self::config_for_url(&self.url)
    }

    /// `ldap_config()` for another URL (e.g. a server that never answers).
    // The `..` keeps compiling when a field is added to LdapConfig.
    #[allow(clippy::needless_update)]
    pub fn config_for_url(url: &str) -> LdapConfig {
        LdapConfig {
            enabled: true,
            url: url.to_owned(),
            starttls: false,
            ca_file: String::new(),
            insecure_skip_verify: false,
            allow_plaintext: true,
            bind_dn: SVC_DN.into(),
            bind_password: SVC_PASSWORD.into(),
            user_base: PEOPLE.into(),
            user_filter: "(&(objectClass=user)(sAMAccountName={username}))".into(),
            username_attribute: "sAMAccountName".into(),
            display_name_attribute: "displayName".into(),
            email_attribute: "mail".into(),
            group_attribute: "memberOf".into(),
            group_base: String::new(),
            group_filter: "(&(objectClass=group)(member={dn}))".into(),
            admin_groups: vec![ADMINS_GROUP.into()],
            editor_groups: vec![EDITORS_GROUP.into()],
            viewer_groups: Vec::new(),
            default_role: String::new(),
            timeout: HumanDuration::secs(3),
            // Any field added later keeps its default.
            ..Config::default().auth.ldap
        }
    }

    /// Kills slapd now (the "directory went down" case). Idempotent.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Adds entries as the directory admin (LDIF on stdin of `ldapadd`).
    pub fn ldapadd(&self, ldif: &str) {
        run_ldapadd(&self.url, ldif).unwrap_or_else(|e| panic!("ldapadd failed: {e}\n{}", self.log()));
    }

    fn log(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default();
        format!("slapd output:\n{log}")
    }

    fn launch(tls: bool) -> Slapd {
        assert!(Path::new(SLAPD).is_file(), "{SLAPD} not found. {INSTALL_HINT}");
        assert!(
            Command::new("ldapadd")
                .arg("-VV")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok(),
            "ldapadd not found. {INSTALL_HINT}"
        );
        let dir = tempfile::Builder::new()
            .prefix("shopdb-slapd-")
            .tempdir()
            .expect("tempdir");
        let ca_pem = tls.then(|| write_certificates(dir.path()));
        std::fs::write(dir.path().join("ad.schema"), AD_SCHEMA).expect("write schema");

        // A free port can be taken by someone else between our probe and
        // slapd's bind: slapd then exits, and we retry with new ports.
        let mut last_error = String::new();
        for _attempt in 0..5 {
            let port = free_port();
            let ldaps_port = tls.then(free_port);
            match try_launch(dir.path(), port, ldaps_port) {
                Ok(child) => {
                    let mut slapd = Slapd {
                        url: format!("ldap://127.0.0.1:{port}"),
                        ldaps_url: ldaps_port.map(|p| format!("ldaps://127.0.0.1:{p}")),
                        child: Some(child),
                        ca_pem,
                        dir,
                    };
                    match run_ldapadd(&slapd.url, &data_ldif()) {
                        Ok(()) => return slapd,
                        Err(e) => {
                            let log = slapd.log();
                            slapd.stop();
                            panic!("loading the test directory failed: {e}\n{log}");
                        }
                    }
                }
                Err(e) => last_error = e,
            }
        }
        panic!("slapd did not start: {last_error}");
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Writes the config, starts slapd and waits (bounded) until it accepts connections.
fn try_launch(dir: &Path, port: u16, ldaps_port: Option<u16>) -> Result<Child, String> {
    let data = dir.join("data");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| format!("mkdir {}: {e}", data.display()))?;
    let conf = dir.join("slapd.conf");
    std::fs::write(&conf, slapd_conf(dir, ldaps_port.is_some())).map_err(|e| format!("write conf: {e}"))?;
    let mut urls = format!("ldap://127.0.0.1:{port}/");
    if let Some(p) = ldaps_port {
        urls.push_str(&format!(" ldaps://127.0.0.1:{p}/"));
    }
    let log = std::fs::File::create(dir.join("slapd.log")).map_err(|e| format!("log file: {e}"))?;
    let mut child = Command::new(SLAPD)
        // -d 0: stay in the foreground (our child, killed by pid), no debug output.
        .args(["-d", "0", "-f"])
        .arg(&conf)
        .arg("-h")
        .arg(&urls)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot run {SLAPD}: {e}. {INSTALL_HINT}"))?;

    let ports = std::iter::once(port).chain(ldaps_port).collect::<Vec<_>>();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(dir.join("slapd.log")).unwrap_or_default();
            return Err(format!("slapd exited ({status}) on ports {ports:?}:\n{log}"));
        }
        let ready = ports.iter().all(|p| {
            TcpStream::connect_timeout(
                &SocketAddr::from(([127, 0, 0, 1], *p)),
                Duration::from_millis(100),
            )
            .is_ok()
        });
        if ready {
            return Ok(child);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "slapd did not accept connections on {ports:?} within 10 s"
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn slapd_conf(dir: &Path, tls: bool) -> String {
    let d = dir.display();
    let tls = if tls {
        format!(
            "TLSCACertificateFile {d}/ca.pem\nTLSCertificateFile {d}/server.pem\nTLSCertificateKeyFile {d}/server.key\n"
        )
    } else {
        String::new()
    };
    format!(
        r#"include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include {d}/ad.schema

pidfile {d}/slapd.pid
argsfile {d}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof

# A DN with an empty password binds as anonymous instead of failing.
allow bind_anon_dn
{tls}
database mdb
maxsize 10485760
suffix "{BASE}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {d}/data
index objectClass eq
index uid,cn,sAMAccountName,userPrincipalName eq
index member,memberOf eq

overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE

access to attrs=userPassword
    by anonymous auth
    by * none
access to dn.subtree="{BASE}"
    by dn.exact="{SVC_DN}" read
    by self read
    by * none
"#
    )
}

fn person(uid: &str, password: &str, cn: &str, extra: &str) -> String {
    format!(
        "dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nobjectClass: user\nuid: {uid}\n\
         sAMAccountName: {uid}\nuserPrincipalName: {uid}@example.org\ncn: {cn}\nsn: {cn}\n\
         userPassword: {password}\n{extra}\n"
    )
}

fn data_ldif() -> String {
    let mut ldif = format!(
        "dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n\
         dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: ou=groups,{BASE}\nobjectClass: organizationalUnit\nou: groups\n\n\
         dn: ou=service,{BASE}\nobjectClass: organizationalUnit\nou: service\n\n\
         dn: {SVC_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n\
         cn: svc-shopdb\nuserPassword: {SVC_PASSWORD}\n\n"
    );
    ldif.push_str(&person(
        "alice",
        "alice-pass",
        "Alice Admin",
        "displayName: Alice Admin\nmail: alice@example.org\n",
    ));
    ldif.push_str(&person(
        "bob",
        "bob-pass",
        "Bob User",
        "displayName: Bob User\nmail: bob@example.org\n",
    ));
    ldif.push_str(&person(
        "erin",
        "erin-pass",
        "Erin Editor",
        "displayName: Erin Editor\nmail: erin@example.org\n",
    ));
    ldif.push_str(&person(
        "star*",
        "star-pass",
        "Star Name",
        "displayName: Star Name\n",
    ));
    for (group, member) in [(ADMINS_GROUP, "alice"), (EDITORS_GROUP, "erin")] {
        let cn = group
            .trim_start_matches("cn=")
            .split(',')
            .next()
            .unwrap_or_default();
        ldif.push_str(&format!(
            "dn: {group}\nobjectClass: groupOfNames\nobjectClass: group\ncn: {cn}\nmember: {}\n\n",
            user_dn(member)
        ));
    }
    ldif
}

fn run_ldapadd(url: &str, ldif: &str) -> Result<(), String> {
    let mut child = Command::new("ldapadd")
        .args(["-x", "-H", url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run ldapadd: {e}. {INSTALL_HINT}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(ldif.as_bytes())
        .map_err(|e| format!("writing to ldapadd: {e}"))?;
    let out = child.wait_with_output().map_err(|e| format!("ldapadd: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ldapadd {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A CA (CA:TRUE) and a server leaf (CA:FALSE, SAN IP:127.0.0.1) signed by
/// it: rustls rejects a self-signed end-entity certificate. Returns the CA path.
fn write_certificates(dir: &Path) -> PathBuf {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
        KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ShopDB test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().expect("server key");
    let mut leaf_params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("server params");
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_params.use_authority_key_identifier_extension = true;
    let leaf_cert = leaf_params
        .signed_by(&leaf_key, &issuer)
        .expect("server certificate");

    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, ca_cert.pem()).expect("write ca.pem");
    std::fs::write(dir.join("server.pem"), leaf_cert.pem()).expect("write server.pem");
    std::fs::write(dir.join("server.key"), leaf_key.serialize_pem()).expect("write server.key");
    ca_path
}
