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

/// Inserts or replaces a setting (an upsert, never `REPLACE INTO`).
pub async fn put(db: &Db, key: &str, value: &str) -> Result<(), DbError> {
    db.execute(&upsert(key, value, false)).await.map(|_| ())
}

/// Stores `value` unless the key already has one; returns the stored value.
/// Several instances starting together agree on whichever wrote first.
pub async fn get_or_insert(db: &Db, key: &str, value: &str) -> Result<String, DbError> {
    db.execute(&upsert(key, value, true)).await?;
    get(db, key).await?.ok_or(DbError::NotFound)
}

fn upsert(key: &str, value: &str, keep_existing: bool) -> sea_query::InsertStatement {
    let conflict = if keep_existing {
        // Rewrites the key with itself: a portable "do nothing" (MySQL
        // has no ON CONFLICT DO NOTHING).
        OnConflict::column(Settings::SettingKey)
            .update_column(Settings::SettingKey)
            .to_owned()
    } else {
        OnConflict::column(Settings::SettingKey)
            .update_columns([Settings::Value, Settings::UpdatedAt])
            .to_owned()
    };
    Query::insert()
        .into_table(Settings::Table)
        .columns([Settings::SettingKey, Settings::Value, Settings::UpdatedAt])
        .values_panic([key.into(), value.into(), timestamp(chrono::Utc::now()).into()])
        .on_conflict(conflict)
        .to_owned()
}
