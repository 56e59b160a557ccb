//! The `settings` key/value table (e.g. the generated JWT secret).

use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};

use crate::db::{Db, DbError, timestamp};

#[derive(Iden)]
enum Settings {
    Table,
    SettingKey,
    Value,
    UpdatedAt,
}

pub async fn get(db: &Db, key: &str) -> Result<Option<String>, DbError> {
    let stmt = Query::select()
        .column(Settings::Value)
        .from(Settings::Table)
        .and_where(Expr::col(Settings::SettingKey).eq(key))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .map(|r| r.get("value"))
        .transpose()
}

/// Stores `value` unless the key already has one; returns the stored value.
/// Several instances starting together agree on whichever wrote first.
pub async fn get_or_insert(db: &Db, key: &str, value: &str) -> Result<String, DbError> {
    let stmt = Query::insert()
        .into_table(Settings::Table)
        .columns([Settings::SettingKey, Settings::Value, Settings::UpdatedAt])
        .values_panic([key.into(), value.into(), timestamp(chrono::Utc::now()).into()])
        // Rewrites the key with itself: a portable "do nothing" (MySQL has
        // no ON CONFLICT DO NOTHING; never REPLACE INTO, which deletes).
        .on_conflict(
            OnConflict::column(Settings::SettingKey)
                .update_column(Settings::SettingKey)
                .to_owned(),
        )
        .to_owned();
    db.execute(&stmt).await?;
    get(db, key).await?.ok_or(DbError::NotFound)
}
