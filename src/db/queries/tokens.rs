//! `refresh_tokens` (session rotation) and `api_tokens` (integrators).
//! Only SHA-256 hashes of the random tokens are stored.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};

use super::{now_ts, ts};
use crate::db::{DbError, Exec, Row};
use crate::domain::{Role, UserId};

#[derive(Iden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    Family,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RotatedAt,
    RevokedAt,
}

#[derive(Debug, Clone)]
pub struct RefreshRow {
    pub id: i64,
    pub user_id: UserId,
    pub family: String,
    pub expires_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert_refresh(
    e: &mut impl Exec,
    user: UserId,
    family: &str,
    hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    use RefreshTokens as R;
    let stmt = Query::insert()
        .into_table(R::Table)
        .columns([R::UserId, R::Family, R::TokenHash, R::CreatedAt, R::ExpiresAt])
        .values_panic([
            user.0.into(),
            family.into(),
            hash.into(),
            now_ts().into(),
            ts(expires_at).into(),
        ])
        .to_owned();
    e.execute(&stmt).await.map(|_| ())
}

pub async fn find_refresh(e: &mut impl Exec, hash: &str) -> Result<Option<RefreshRow>, DbError> {
    use RefreshTokens as R;
    let stmt = Query::select()
        .columns([
            R::Id,
            R::UserId,
            R::Family,
            R::ExpiresAt,
            R::RotatedAt,
            R::RevokedAt,
        ])
        .from(R::Table)
        .and_where(Expr::col(R::TokenHash).eq(hash))
        .to_owned();
    let Some(r) = e.fetch_lookup(&stmt).await? else {
        return Ok(None);
    };
    Ok(Some(RefreshRow {
        id: r.get("id")?,
        user_id: UserId(r.get("user_id")?),
        family: r.get("family")?,
        expires_at: r.get("expires_at")?,
        rotated_at: r.get("rotated_at")?,
        revoked_at: r.get("revoked_at")?,
    }))
}

/// Marks one token used. Returns false if it was already rotated (a
/// concurrent refresh won): the caller treats that as reuse.
pub async fn mark_rotated(e: &mut impl Exec, id: i64) -> Result<bool, DbError> {
    use RefreshTokens as R;
    let stmt = Query::update()
        .table(R::Table)
        .value(R::RotatedAt, now_ts())
        .and_where(Expr::col(R::Id).eq(id))
        .and_where(Expr::col(R::RotatedAt).is_null())
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

pub async fn revoke_family(e: &mut impl Exec, family: &str) -> Result<u64, DbError> {
    use RefreshTokens as R;
    let stmt = Query::update()
        .table(R::Table)
        .value(R::RevokedAt, now_ts())
        .and_where(Expr::col(R::Family).eq(family))
        .and_where(Expr::col(R::RevokedAt).is_null())
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected)
}

pub async fn revoke_all_for_user(e: &mut impl Exec, user: UserId) -> Result<u64, DbError> {
    use RefreshTokens as R;
    let stmt = Query::update()
        .table(R::Table)
        .value(R::RevokedAt, now_ts())
        .and_where(Expr::col(R::UserId).eq(user.0))
        .and_where(Expr::col(R::RevokedAt).is_null())
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected)
}

#[derive(Iden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    Prefix,
    TokenHash,
    Role,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(Debug, Clone)]
pub struct ApiTokenRow {
    pub id: i64,
    pub user_id: UserId,
    pub name: String,
    pub prefix: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn decode_api(r: &Row) -> Result<ApiTokenRow, DbError> {
    Ok(ApiTokenRow {
        id: r.get("id")?,
        user_id: UserId(r.get("user_id")?),
        name: r.get("name")?,
        prefix: r.get("prefix")?,
        role: r.get::<String>("role")?.parse().map_err(DbError::Other)?,
        created_at: r.get("created_at")?,
        expires_at: r.get("expires_at")?,
        last_used_at: r.get("last_used_at")?,
        revoked_at: r.get("revoked_at")?,
    })
}

fn select_api() -> sea_query::SelectStatement {
    use ApiTokens as A;
    Query::select()
        .columns(
            [
                A::Id,
                A::UserId,
                A::Name,
                A::Prefix,
                A::Role,
                A::CreatedAt,
                A::ExpiresAt,
                A::LastUsedAt,
                A::RevokedAt,
            ]
            .map(|c| (A::Table, c)),
        )
        .from(A::Table)
        .to_owned()
}

pub struct NewApiToken<'a> {
    pub user: UserId,
    pub name: &'a str,
    pub prefix: &'a str,
    pub hash: &'a str,
    pub role: Role,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert_api(e: &mut impl Exec, t: &NewApiToken<'_>) -> Result<i64, DbError> {
    use ApiTokens as A;
    let stmt = Query::insert()
        .into_table(A::Table)
        .columns([
            A::UserId,
            A::Name,
            A::Prefix,
            A::TokenHash,
            A::Role,
            A::CreatedAt,
            A::ExpiresAt,
        ])
        .values_panic([
            t.user.0.into(),
            t.name.into(),
            t.prefix.into(),
            t.hash.into(),
            t.role.as_str().into(),
            now_ts().into(),
            t.expires_at.map(ts).into(),
        ])
        .to_owned();
    Ok(e.execute(&stmt).await?.last_insert_id)
}

/// An API token and what its checks need of its owner.
#[derive(Debug, Clone)]
pub struct ApiTokenWithOwner {
    pub token: ApiTokenRow,
    pub owner_username: String,
    pub owner_role: Role,
    pub owner_disabled: bool,
}

/// The token with this hash joined to its owner: one statement per
/// API-token request instead of two.
pub async fn find_api_with_owner(
    e: &mut impl Exec,
    hash: &str,
) -> Result<Option<ApiTokenWithOwner>, DbError> {
    use super::users::Users as U;
    let stmt = select_api()
        .expr_as(Expr::col((U::Table, U::Username)), "owner_username")
        .expr_as(Expr::col((U::Table, U::Role)), "owner_role")
        .expr_as(Expr::col((U::Table, U::Disabled)), "owner_disabled")
        .inner_join(
            U::Table,
            Expr::col((U::Table, U::Id)).equals((ApiTokens::Table, ApiTokens::UserId)),
        )
        .and_where(Expr::col((ApiTokens::Table, ApiTokens::TokenHash)).eq(hash))
        .to_owned();
    let Some(r) = e.fetch_lookup(&stmt).await? else {
        return Ok(None);
    };
    Ok(Some(ApiTokenWithOwner {
        token: decode_api(&r)?,
        owner_username: r.get("owner_username")?,
        owner_role: r.get::<String>("owner_role")?.parse().map_err(DbError::Other)?,
        owner_disabled: r.get("owner_disabled")?,
    }))
}

pub async fn find_api(e: &mut impl Exec, id: i64) -> Result<Option<ApiTokenRow>, DbError> {
    let stmt = select_api().and_where(Expr::col(ApiTokens::Id).eq(id)).to_owned();
    e.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(decode_api)
        .transpose()
}

/// Tokens of one user, or of everyone (`None`), newest first.
pub async fn list_api(e: &mut impl Exec, owner: Option<UserId>) -> Result<Vec<ApiTokenRow>, DbError> {
    let mut stmt = select_api();
    if let Some(u) = owner {
        stmt.and_where(Expr::col(ApiTokens::UserId).eq(u.0));
    }
    stmt.order_by(ApiTokens::Id, Order::Desc);
    e.fetch_all(&stmt).await?.iter().map(decode_api).collect()
}

pub async fn revoke_api(e: &mut impl Exec, id: i64) -> Result<bool, DbError> {
    let stmt = Query::update()
        .table(ApiTokens::Table)
        .value(ApiTokens::RevokedAt, now_ts())
        .and_where(Expr::col(ApiTokens::Id).eq(id))
        .and_where(Expr::col(ApiTokens::RevokedAt).is_null())
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected > 0)
}

/// Records use, at most once a minute per token so busy integrations do
/// not turn every read into a write.
pub async fn touch_api(e: &mut impl Exec, id: i64, now: DateTime<Utc>) -> Result<(), DbError> {
    use ApiTokens as A;
    let stale = ts(now - chrono::Duration::seconds(60));
    let stmt = Query::update()
        .table(A::Table)
        .value(A::LastUsedAt, ts(now))
        .and_where(Expr::col(A::Id).eq(id))
        .and_where(
            Expr::col(A::LastUsedAt)
                .is_null()
                .or(Expr::col(A::LastUsedAt).lt(stale)),
        )
        .to_owned();
    e.execute(&stmt).await.map(|_| ())
}
