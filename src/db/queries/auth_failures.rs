//! `auth_failures`: failed sign-ins, counted per username and per client
//! address within a window. In the database so every instance sees them.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Iden, Query};

use super::{now_ts, ts};
use crate::db::{DbError, Exec};

#[derive(Iden)]
enum AuthFailures {
    Table,
    Id,
    Kind,
    Subject,
    FailedAt,
}

pub const BY_USER: &str = "user";
pub const BY_ADDR: &str = "addr";

pub async fn record(e: &mut impl Exec, kind: &str, subject: &str) -> Result<(), DbError> {
    use AuthFailures as F;
    let stmt = Query::insert()
        .into_table(F::Table)
        .columns([F::Kind, F::Subject, F::FailedAt])
        .values_panic([kind.into(), subject.into(), now_ts().into()])
        .to_owned();
    e.execute(&stmt).await.map(|_| ())
}

/// Failures since `since`, and the oldest of them (to compute Retry-After).
pub async fn recent(
    e: &mut impl Exec,
    kind: &str,
    subject: &str,
    since: DateTime<Utc>,
) -> Result<(i64, Option<DateTime<Utc>>), DbError> {
    use AuthFailures as F;
    let stmt = Query::select()
        .expr_as(Expr::col(F::Id).count(), "n")
        .expr_as(Expr::col(F::FailedAt).min(), "oldest")
        .from(F::Table)
        .and_where(Expr::col(F::Kind).eq(kind))
        .and_where(Expr::col(F::Subject).eq(subject))
        .and_where(Expr::col(F::FailedAt).gte(ts(since)))
        .to_owned();
    match e.fetch_optional(&stmt).await? {
        Some(r) => Ok((r.get("n")?, r.get("oldest")?)),
        None => Ok((0, None)),
    }
}

/// A successful sign-in clears the username's record.
pub async fn clear(e: &mut impl Exec, kind: &str, subject: &str) -> Result<(), DbError> {
    let stmt = Query::delete()
        .from_table(AuthFailures::Table)
        .and_where(Expr::col(AuthFailures::Kind).eq(kind))
        .and_where(Expr::col(AuthFailures::Subject).eq(subject))
        .to_owned();
    e.execute(&stmt).await.map(|_| ())
}

/// Drops records older than any window that could still count them.
pub async fn prune(e: &mut impl Exec, before: DateTime<Utc>) -> Result<u64, DbError> {
    let stmt = Query::delete()
        .from_table(AuthFailures::Table)
        .and_where(Expr::col(AuthFailures::FailedAt).lt(ts(before)))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected)
}
