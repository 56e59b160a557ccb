//! Writing a validated chunk: multi-row inserts for new assets, their
//! index rows, search texts and change-log entries; one version-checked
//! UPDATE per changed asset, with its side rows batched too; then the
//! enabled plugins' asset hooks, one call per asset, in the same
//! transaction (as for single writes).

use std::time::Instant;

use crate::db::Tx;
use crate::db::queries::asset_bulk::{self, IndexRow};
use crate::db::queries::asset_search::{self, SearchText};
use crate::db::queries::assets::{self, AssetFields};
use crate::db::queries::changes::NewChange;
use crate::domain::inventory::AssetId;
use crate::plugins::{AssetChange, AssetEvent, hooks};
use crate::service::ServiceError;
use crate::service::inventory::history::{self, action, entity};

use super::{Engine, Plan};

impl Engine<'_> {
    fn change(
        &self,
        id: AssetId,
        action: &'static str,
        tag: &str,
        changes: serde_json::Map<String, serde_json::Value>,
    ) -> NewChange {
        NewChange {
            actor_id: Some(self.who.user_id.0),
            actor: Some(self.who.username.clone()),
            request_id: self.ctx.request_id.clone(),
            entity: entity::ASSET,
            entity_id: id.0,
            asset_id: Some(id.0),
            action,
            summary: tag.to_owned(),
            changes,
            ..NewChange::default()
        }
    }

    pub(super) async fn write_chunk(&mut self, tx: &mut Tx, plans: Vec<Plan>) -> Result<(), ServiceError> {
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        for p in plans {
            match p {
                Plan::Create {
                    valid,
                    deferred_parent,
                } => creates.push((valid, deferred_parent)),
                Plan::Update { current, valid } => updates.push((current, valid)),
            }
        }
        let mut index_rows: Vec<IndexRow> = Vec::new();
        let mut changes = Vec::with_capacity(creates.len() + updates.len());
        // (asset, before, after) for the plugin hooks, when any plugin is on.
        let hooked = self.plugins.iter().next().is_some();
        let mut written: Vec<(AssetId, Option<AssetFields>, AssetFields)> = Vec::new();

        if !creates.is_empty() {
            let started = Instant::now();
            let fields: Vec<_> = creates.iter().map(|(v, _)| &v.fields).collect();
            asset_bulk::insert_many(tx, &fields, &self.who.username).await?;
            let tags: Vec<&str> = fields.iter().map(|f| f.tag.as_str()).collect();
            let ids = asset_bulk::ids_by_tags(tx, &tags).await?;
            self.timings.insert += started.elapsed();
            let started = Instant::now();
            let mut search = Vec::with_capacity(creates.len());
            for (mut valid, deferred) in creates {
                let id = *ids.get(&valid.fields.tag).ok_or_else(|| {
                    ServiceError::Internal(format!("asset {} vanished after its insert", valid.fields.tag))
                })?;
                if let Some(p) = deferred {
                    let parent = *ids.get(&p).ok_or_else(|| {
                        ServiceError::Internal(format!("parent {p} of {} was not inserted", valid.fields.tag))
                    })?;
                    asset_bulk::set_parent(tx, id, parent).await?;
                    valid.fields.parent_id = Some(parent);
                }
                self.lookups.note_assets([(id, valid.fields.parent_id)]);
                index_rows.extend(valid.index.index.iter().map(|(f, v, u)| (id, *f, v.clone(), *u)));
                search.push(SearchText::of(id, &valid.fields));
                let snapshot = history::snapshot(&valid.fields.to_flat(), true);
                changes.push(self.change(id, action::CREATE, &valid.fields.tag, snapshot));
                if hooked {
                    written.push((id, None, valid.fields));
                }
            }
            asset_bulk::replace_field_values(tx, &[], &index_rows).await?;
            asset_search::put(tx, &search, false).await?;
            index_rows.clear();
            self.timings.side_rows += started.elapsed();
        }

        if !updates.is_empty() {
            let started = Instant::now();
            let mut clear = Vec::new();
            let mut search = Vec::new();
            for (current, valid) in updates {
                let diff = history::diff(&current.fields.to_flat(), &valid.fields.to_flat());
                if !assets::update(tx, current.id, current.version, &valid.fields, &self.who.username).await?
                {
                    return Err(ServiceError::Conflict(format!(
                        "asset {} was changed by someone else during this run; nothing was written, run it again",
                        current.fields.tag
                    )));
                }
                if current.fields.custom_fields != valid.fields.custom_fields
                    || current.fields.type_id != valid.fields.type_id
                {
                    clear.push(current.id);
                    index_rows.extend(
                        valid
                            .index
                            .index
                            .iter()
                            .map(|(f, v, u)| (current.id, *f, v.clone(), *u)),
                    );
                }
                let text = SearchText::of(current.id, &valid.fields);
                if text.body != current.fields.search_body() {
                    search.push(text);
                }
                changes.push(self.change(current.id, action::UPDATE, &valid.fields.tag, diff));
                if hooked {
                    written.push((current.id, Some(current.fields), valid.fields));
                }
            }
            asset_bulk::replace_field_values(tx, &clear, &index_rows).await?;
            if !search.is_empty() {
                asset_search::put(tx, &search, true).await?;
            }
            self.timings.updates += started.elapsed();
        }
        let started = Instant::now();
        asset_bulk::insert_changes(tx, &changes).await?;
        self.timings.history += started.elapsed();
        for (id, before, after) in &written {
            let change = match before {
                Some(before) => AssetChange::Updated { before, after },
                None => AssetChange::Created { after },
            };
            let event = AssetEvent {
                asset: *id,
                change,
                who: self.who,
                ctx: self.ctx,
                reverts: None,
            };
            hooks::asset_changed(self.plugins, tx, &event).await?;
        }
        Ok(())
    }
}
