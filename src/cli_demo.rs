//! `shopdb demo`: seeds a demo site through the inventory services, acting
//! as the local operator.

use std::process::ExitCode;

use crate::cli::fail;
use crate::config::Config;
use crate::domain::{Role, UserId};
use crate::service::ServiceError;
use crate::service::auth::principal::{Credential, Principal, RequestCtx};
use crate::service::inventory::demo::{self, DemoOptions};
use crate::startup::prepare_state;

pub async fn demo(config: Config, assets: usize, seed: u64, force: bool) -> ExitCode {
    let state = match prepare_state(config).await {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let who = Principal {
        user_id: UserId(0),
        username: "shopdb-demo".into(),
        role: Role::Admin,
        credential: Credential::Session {
            must_change_password: false,
        },
    };
    let ctx = RequestCtx {
        client_addr: Some("local shell".into()),
        request_id: Some(format!("demo-seed-{seed}")),
    };
    println!(
        "seeding a demo site with {assets} assets into {} …",
        state.db.describe()
    );
    let code = match demo::seed(&state, &who, &ctx, DemoOptions { assets, seed, force }).await {
        Ok(r) => {
            println!(
                "seeded {} assets ({} new, {} updated, {} unchanged), {} new locations, {} relations and {} later edits in {:.1} s",
                r.created + r.updated + r.unchanged,
                r.created,
                r.updated,
                r.unchanged,
                r.locations,
                r.relations,
                r.updates,
                r.took.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(ServiceError::Conflict(m)) => {
            eprintln!("shopdb: {m}");
            ExitCode::from(2)
        }
        Err(ServiceError::Validation(list)) => {
            for f in list {
                eprintln!("shopdb: {}", f.message);
            }
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("shopdb: {e}");
            ExitCode::from(1)
        }
    };
    state.db.close().await;
    code
}
