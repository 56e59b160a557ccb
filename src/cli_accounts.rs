//! `shopdb user …` and `shopdb ldap test`: account work from the shell,
//! through the same services as the API (validation, audit), acting as the
//! trusted local operator.

use std::io::BufRead as _;
use std::process::ExitCode;

use crate::cli::{LdapCmd, RoleArg, UserCmd, fail};
use crate::config::Config;
use crate::db::queries::users as user_repo;
use crate::domain::{Role, UserId, Username};
use crate::ldap::{Directory, DirectoryError};
use crate::service::ServiceError;
use crate::service::auth::principal::{Credential, Principal, RequestCtx};
use crate::service::auth::users::{self, CreateUser, UpdateUser};
use crate::startup::prepare_state;

fn operator() -> Principal {
    Principal {
        user_id: UserId(0),
        username: "shopdb-cli".into(),
        role: Role::Admin,
        credential: Credential::Session {
            must_change_password: false,
        },
    }
}

fn read_password(from_stdin: bool, prompt: &str) -> Result<String, String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password(prompt)
        .map_err(|e| format!("cannot read the password: {e} (use --password-stdin)"))?;
    let again = rpassword::prompt_password("Repeat: ").map_err(|e| e.to_string())?;
    if first != again {
        return Err("the passwords differ".into());
    }
    Ok(first)
}

fn report(e: &ServiceError) -> ExitCode {
    match e {
        ServiceError::Validation(errors) => {
            for f in errors {
                eprintln!("shopdb: {}: {}", f.field, f.message);
            }
            ExitCode::from(2)
        }
        ServiceError::NotFound(what) => {
            eprintln!("shopdb: {what} not found");
            ExitCode::from(2)
        }
        other => {
            eprintln!("shopdb: {other}");
            ExitCode::from(1)
        }
    }
}

pub async fn user(config: Config, cmd: UserCmd) -> ExitCode {
    // The startup path minus the listener: migrations, secret, admin.
    let state = match prepare_state(config).await {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let who = operator();
    let ctx = RequestCtx {
        client_addr: Some("local shell".into()),
        request_id: None,
    };
    let find = |name: String| {
        let state = state.clone();
        async move {
            let u = Username::parse(&name).map_err(|e| {
                ServiceError::Validation(vec![crate::service::FieldError::new("username", e)])
            })?;
            user_repo::find_by_username(&mut state.db.clone(), &u)
                .await?
                .ok_or_else(|| ServiceError::NotFound(format!("user {u}")))
        }
    };
    let result: Result<(), ServiceError> = async {
        match cmd {
            UserCmd::Add {
                username,
                role,
                display_name,
                email,
                password_stdin,
                must_change,
            } => {
                let password = read_password(password_stdin, "Password: ").map_err(|e| {
                    ServiceError::Validation(vec![crate::service::FieldError::new("password", e)])
                })?;
                let role = match role {
                    RoleArg::Viewer => Role::Viewer,
                    RoleArg::Editor => Role::Editor,
                    RoleArg::Admin => Role::Admin,
                };
                let u = users::create(
                    &state,
                    &ctx,
                    &who,
                    CreateUser {
                        username,
                        display_name,
                        email,
                        role,
                        password,
                        must_change_password: must_change,
                    },
                )
                .await?;
                println!("created user {} (id {}, role {})", u.username, u.id, u.role);
            }
            UserCmd::Passwd {
                username,
                password_stdin,
                must_change,
            } => {
                let u = find(username).await?;
                let password = read_password(password_stdin, "New password: ").map_err(|e| {
                    ServiceError::Validation(vec![crate::service::FieldError::new("password", e)])
                })?;
                users::reset_password(&state, &ctx, &who, u.id, &password, must_change).await?;
                println!("password of {} changed; their sessions were ended", u.username);
            }
            UserCmd::Disable { username } => {
                let u = find(username).await?;
                let upd = UpdateUser {
                    disabled: Some(true),
                    ..UpdateUser::default()
                };
                users::update(&state, &ctx, &who, u.id, upd).await?;
                println!("disabled {}", u.username);
            }
            UserCmd::Enable { username } => {
                let u = find(username).await?;
                let upd = UpdateUser {
                    disabled: Some(false),
                    ..UpdateUser::default()
                };
                users::update(&state, &ctx, &who, u.id, upd).await?;
                println!("enabled {}", u.username);
            }
            UserCmd::List => {
                let page = users::list(&state, &who, 1000, 0).await?;
                println!(
                    "{:<6} {:<24} {:<8} {:<6} {:<9} last sign-in",
                    "id", "username", "role", "source", "state"
                );
                for u in page.items {
                    println!(
                        "{:<6} {:<24} {:<8} {:<6} {:<9} {}",
                        u.id,
                        u.username,
                        u.role,
                        u.source.as_str(),
                        if u.disabled { "disabled" } else { "active" },
                        u.last_login_at.map_or("-".to_owned(), |t| t.to_rfc3339())
                    );
                }
            }
        }
        Ok(())
    }
    .await;
    state.db.close().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

pub async fn ldap(config: &Config, cmd: LdapCmd) -> ExitCode {
    let LdapCmd::Test {
        username,
        password_stdin,
    } = cmd;
    if !config.auth.ldap.enabled {
        eprintln!(
            "shopdb: auth.ldap.enabled is false: directory sign-in is off (set SHOPDB_AUTH__LDAP__ENABLED=true)"
        );
        return ExitCode::from(2);
    }
    let dir = match Directory::new(&config.auth.ldap) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("shopdb: {e}");
            return ExitCode::from(2);
        }
    };
    let result = if password_stdin {
        match read_password(true, "") {
            Ok(p) => dir.authenticate(&username, &p).await,
            Err(e) => {
                eprintln!("shopdb: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        dir.lookup(&username).await
    };
    match result {
        Ok(u) => {
            println!("user:     {}", u.username);
            println!("dn:       {}", u.dn);
            println!("name:     {}", u.display_name.as_deref().unwrap_or("-"));
            println!("email:    {}", u.email.as_deref().unwrap_or("-"));
            println!("groups:");
            for g in &u.groups {
                println!("  {g}");
            }
            let refused = u.role.is_none();
            match u.role {
                Some(r) => println!(
                    "role:     {} (sign-in would succeed{})",
                    r.as_str(),
                    if password_stdin { ", password checked" } else { "" }
                ),
                None => println!(
                    "role:     none: sign-in would be refused (no mapped group, auth.ldap.default_role empty)"
                ),
            }
            if refused {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(DirectoryError::InvalidCredentials) => {
            println!("not found, or wrong password: sign-in would fail");
            ExitCode::from(1)
        }
        Err(DirectoryError::NoRole(dn)) => {
            println!(
                "password ok for {dn}, but no mapped group and no default role: sign-in would be refused"
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("shopdb: {e}");
            ExitCode::from(1)
        }
    }
}
