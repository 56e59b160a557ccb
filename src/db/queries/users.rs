//! The `users` table.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Iden, Order, Query, SelectStatement};

use super::{now_ts, ts};
use crate::db::{DbError, Exec, Row};
use crate::domain::{Role, UserId, UserSource, Username};

#[derive(Iden)]
pub enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    Email,
    Role,
    Source,
    PasswordHash,
    MustChangePassword,
    Disabled,
    TokenVersion,
    DirectoryDn,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub source: UserSource,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub token_version: i64,
    pub directory_dn: Option<String>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn select() -> SelectStatement {
    use Users as U;
    Query::select()
        .columns([
            U::Id,
            U::Username,
            U::DisplayName,
            U::Email,
            U::Role,
            U::Source,
            U::PasswordHash,
            U::MustChangePassword,
            U::Disabled,
            U::TokenVersion,
            U::DirectoryDn,
            U::LastLoginAt,
            U::CreatedAt,
            U::UpdatedAt,
        ])
        .from(U::Table)
        .to_owned()
}

fn decode(r: &Row) -> Result<UserRow, DbError> {
    Ok(UserRow {
        id: UserId(r.get("id")?),
        username: r.get("username")?,
        display_name: r.get("display_name")?,
        email: r.get("email")?,
        role: r.get::<String>("role")?.parse().map_err(DbError::Other)?,
        source: r.get::<String>("source")?.parse().map_err(DbError::Other)?,
        password_hash: r.get("password_hash")?,
        must_change_password: r.get("must_change_password")?,
        disabled: r.get("disabled")?,
        token_version: r.get("token_version")?,
        directory_dn: r.get("directory_dn")?,
        last_login_at: r.get("last_login_at")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub async fn find_by_id(e: &mut impl Exec, id: UserId) -> Result<Option<UserRow>, DbError> {
    let stmt = select().and_where(Expr::col(Users::Id).eq(id.0)).to_owned();
    e.fetch_lookup(&stmt).await?.as_ref().map(decode).transpose()
}

pub async fn find_by_username(e: &mut impl Exec, username: &Username) -> Result<Option<UserRow>, DbError> {
    let stmt = select()
        .and_where(Expr::col(Users::Username).eq(username.as_str()))
        .to_owned();
    e.fetch_optional(&stmt).await?.as_ref().map(decode).transpose()
}

pub async fn list(e: &mut impl Exec, limit: u64, offset: u64) -> Result<Vec<UserRow>, DbError> {
    let stmt = select()
        .order_by(Users::Username, Order::Asc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode).collect()
}

pub async fn count(e: &mut impl Exec) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr_as(Expr::col(Users::Id).count(), "n")
        .from(Users::Table)
        .to_owned();
    e.fetch_optional(&stmt).await?.map_or(Ok(0), |r| r.get("n"))
}

pub struct NewUser<'a> {
    pub username: &'a Username,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub role: Role,
    pub source: UserSource,
    pub password_hash: Option<&'a str>,
    pub must_change_password: bool,
    pub directory_dn: Option<&'a str>,
}

/// Inserts a user; a taken username is `DbError::Conflict`.
pub async fn insert(e: &mut impl Exec, u: &NewUser<'_>) -> Result<UserId, DbError> {
    use Users as U;
    let now = now_ts();
    let stmt = Query::insert()
        .into_table(U::Table)
        .columns([
            U::Username,
            U::DisplayName,
            U::Email,
            U::Role,
            U::Source,
            U::PasswordHash,
            U::MustChangePassword,
            U::Disabled,
            U::TokenVersion,
            U::DirectoryDn,
            U::CreatedAt,
            U::UpdatedAt,
        ])
        .values_panic([
            u.username.as_str().into(),
            u.display_name.into(),
            u.email.map(str::to_owned).into(),
            u.role.as_str().into(),
            u.source.as_str().into(),
            u.password_hash.map(str::to_owned).into(),
            u.must_change_password.into(),
            false.into(),
            1_i64.into(),
            u.directory_dn.map(str::to_owned).into(),
            now.clone().into(),
            now.into(),
        ])
        .to_owned();
    Ok(UserId(e.execute(&stmt).await?.last_insert_id))
}

/// Fields an update may change; `None` leaves a field alone.
#[derive(Debug, Default, Clone)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub email: Option<Option<String>>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<Option<String>>,
    pub must_change_password: Option<bool>,
    pub directory_dn: Option<Option<String>>,
    /// Invalidate every outstanding access token of the user.
    pub bump_token_version: bool,
}

pub async fn update(e: &mut impl Exec, id: UserId, c: &UserChanges) -> Result<bool, DbError> {
    use Users as U;
    let mut stmt = Query::update();
    stmt.table(U::Table).value(U::UpdatedAt, now_ts());
    if let Some(v) = &c.display_name {
        stmt.value(U::DisplayName, v.clone());
    }
    if let Some(v) = &c.email {
        stmt.value(U::Email, v.clone());
    }
    if let Some(v) = c.role {
        stmt.value(U::Role, v.as_str());
    }
    if let Some(v) = c.disabled {
        stmt.value(U::Disabled, v);
    }
    if let Some(v) = &c.password_hash {
        stmt.value(U::PasswordHash, v.clone());
    }
    if let Some(v) = c.must_change_password {
        stmt.value(U::MustChangePassword, v);
    }
    if let Some(v) = &c.directory_dn {
        stmt.value(U::DirectoryDn, v.clone());
    }
    if c.bump_token_version {
        stmt.value(U::TokenVersion, Expr::col(U::TokenVersion).add(1));
    }
    stmt.and_where(Expr::col(U::Id).eq(id.0));
    Ok(e.execute(&stmt).await?.rows_affected > 0)
}

pub async fn touch_login(e: &mut impl Exec, id: UserId, at: DateTime<Utc>) -> Result<(), DbError> {
    let stmt = Query::update()
        .table(Users::Table)
        .value(Users::LastLoginAt, ts(at))
        .and_where(Expr::col(Users::Id).eq(id.0))
        .to_owned();
    e.execute(&stmt).await.map(|_| ())
}
