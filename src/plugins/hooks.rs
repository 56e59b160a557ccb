//! Asset hooks: every enabled plugin hears of every asset create, update
//! and delete — inside the write's transaction, after the core rows (and
//! the change-log row) are written, before the commit.
//!
//! Why inside the transaction (ADR 0008): a hook's own writes commit or
//! roll back together with the asset, and a hook that fails rolls the
//! whole write back, so there is never a half-done write (an asset saved
//! but its plugin rows missing, or the reverse). The price: hooks must be
//! quick database work. Anything slow or remote (an HTTP call to Zabbix)
//! goes into the plugin's own queue table in the hook and is done by one
//! of its background jobs after the commit.
//!
//! Order: plugins in `REGISTRY` order; within a plugin, its own code decides.

use crate::db::Tx;
use crate::db::queries::assets::AssetFields;
use crate::domain::inventory::AssetId;
use crate::service::ServiceError;
use crate::service::auth::principal::{Principal, RequestCtx};

use super::Plugins;

/// What happened to the asset. `before`/`after` are the stored fields.
#[derive(Debug, Clone, Copy)]
pub enum AssetChange<'a> {
    Created {
        after: &'a AssetFields,
    },
    Updated {
        before: &'a AssetFields,
        after: &'a AssetFields,
    },
    Deleted {
        before: &'a AssetFields,
    },
}

/// One asset write, as hooks see it.
#[derive(Debug, Clone, Copy)]
pub struct AssetEvent<'a> {
    pub asset: AssetId,
    pub change: AssetChange<'a>,
    pub who: &'a Principal,
    pub ctx: &'a RequestCtx,
    /// The change being reverted, when this write is a revert.
    pub reverts: Option<i64>,
}

impl AssetEvent<'_> {
    pub fn kind(&self) -> &'static str {
        match self.change {
            AssetChange::Created { .. } => "create",
            AssetChange::Updated { .. } => "update",
            AssetChange::Deleted { .. } => "delete",
        }
    }
}

/// Runs every enabled plugin's hook in order; the first error stops the
/// rest and is returned (the caller's transaction is then dropped, which
/// rolls back the write).
pub async fn asset_changed(
    plugins: &Plugins,
    tx: &mut Tx,
    event: &AssetEvent<'_>,
) -> Result<(), ServiceError> {
    for p in plugins.iter() {
        if let Err(e) = p.on_asset(tx, event).await {
            tracing::warn!(
                plugin = p.info().id,
                asset = event.asset.0,
                action = event.kind(),
                error = %e,
                "a plugin hook refused the asset write; nothing was saved"
            );
            return Err(e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Hooks against a real SQLite database: they run in registry order,
    //! inside the write's transaction, and a failing hook leaves nothing.

    use std::any::Any;
    use std::sync::{Arc, Mutex};

    use futures_util::future::BoxFuture;

    use super::*;
    use crate::config::Config;
    use crate::db::Db;
    use crate::db::queries::assets;
    use crate::domain::{Role, UserId};
    use crate::plugins::{Plugin, PluginInfo, Section};
    use crate::service::auth::AuthRuntime;
    use crate::service::auth::jwt::JwtKeys;
    use crate::service::auth::principal::Credential;
    use crate::service::inventory::assets::draft::{AssetDraft, TypeSel};
    use crate::state::AppState;

    fn no_start(_: &Section) -> Result<Arc<dyn Plugin>, Vec<String>> {
        Err(vec!["test plugin".into()])
    }

    static FIRST: PluginInfo = PluginInfo {
        id: "first",
        version: "0",
        description: "test",
        config_keys: &[],
        start: no_start,
    };
    static SECOND: PluginInfo = PluginInfo {
        id: "second",
        version: "0",
        description: "test",
        config_keys: &[],
        start: no_start,
    };

    /// Records each call; `fail_on` makes it refuse that action.
    struct Recorder {
        info: &'static PluginInfo,
        log: Arc<Mutex<Vec<String>>>,
        fail_on: Option<&'static str>,
    }

    impl Plugin for Recorder {
        fn info(&self) -> &'static PluginInfo {
            self.info
        }
        fn on_asset<'a>(
            &'a self,
            tx: &'a mut Tx,
            ev: &'a AssetEvent<'a>,
        ) -> BoxFuture<'a, Result<(), ServiceError>> {
            Box::pin(async move {
                // The core row is visible inside the transaction.
                let stored = assets::find(tx, ev.asset).await?;
                assert_eq!(
                    stored.is_some(),
                    !matches!(ev.change, AssetChange::Deleted { .. })
                );
                if let Ok(mut l) = self.log.lock() {
                    l.push(format!("{}:{}", self.info.id, ev.kind()));
                }
                if self.fail_on == Some(ev.kind()) {
                    return Err(ServiceError::Conflict(format!("{} says no", self.info.id)));
                }
                Ok(())
            })
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    async fn state(dir: &tempfile::TempDir, plugins: Plugins) -> AppState {
        let mut config = Config::default();
        config.database.url = format!("sqlite://{}", dir.path().join("t.sqlite").display());
        let db = Db::connect(&config.database).await.unwrap();
        crate::db::migrate::up(&db, &["core"], false).await.unwrap();
        let auth = AuthRuntime {
            jwt: JwtKeys::new(&[7u8; 32], &config.auth),
            directory: None,
        };
        AppState::new(config, db, auth, plugins)
    }

    fn editor() -> Principal {
        Principal {
            user_id: UserId(1),
            username: "ed".into(),
            role: Role::Admin,
            credential: Credential::ApiToken { token_id: 1 },
        }
    }

    fn draft(tag: &str) -> AssetDraft {
        AssetDraft {
            tag: tag.into(),
            name: "Lathe".into(),
            type_sel: Some(TypeSel::Key("machine".into())),
            ..AssetDraft::default()
        }
    }

    async fn count(state: &AppState) -> usize {
        assets::find_by_tag(&mut state.db.clone(), "T-1")
            .await
            .unwrap()
            .into_iter()
            .count()
    }

    #[tokio::test]
    async fn hooks_run_in_order_inside_the_transaction_and_a_failure_undoes_the_write() {
        use crate::service::inventory::assets as svc;
        let dir = tempfile::tempdir().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let plugins = Plugins::from_instances(vec![
            Arc::new(Recorder {
                info: &FIRST,
                log: log.clone(),
                fail_on: None,
            }),
            Arc::new(Recorder {
                info: &SECOND,
                log: log.clone(),
                fail_on: Some("update"),
            }),
        ]);
        let state = state(&dir, plugins).await;
        let (who, ctx) = (editor(), RequestCtx::default());

        let row = svc::create(&state, &who, &ctx, draft("T-1")).await.unwrap();
        assert_eq!(*log.lock().unwrap(), ["first:create", "second:create"]);

        // The second plugin refuses updates: nothing of the update stays.
        let patch = svc::AssetPatch {
            name: Some("Mill".into()),
            ..svc::AssetPatch::default()
        };
        let expected = crate::service::inventory::ExpectedVersion {
            version: row.version,
            if_match: false,
        };
        let err = svc::update(&state, &who, &ctx, row.id, expected, patch)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ServiceError::Conflict(ref m) if m == "second says no"),
            "{err:?}"
        );
        let now = svc::get(&state, &who, row.id).await.unwrap();
        assert_eq!((now.fields.name.as_str(), now.version), ("Lathe", row.version));
        let changes =
            crate::db::queries::changes::later_for_entity(&mut state.db.clone(), "asset", row.id.0, 0)
                .await
                .unwrap();
        assert_eq!(changes.len(), 1, "only the creation is in the change log");

        svc::delete(&state, &who, &ctx, row.id, None).await.unwrap();
        assert_eq!(count(&state).await, 0);
        assert_eq!(
            *log.lock().unwrap(),
            [
                "first:create",
                "second:create",
                "first:update",
                "second:update",
                "first:delete",
                "second:delete"
            ]
        );
    }
}
