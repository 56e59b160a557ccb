//! `audit_events`: the security trail (sign-ins, tokens, role and password changes).

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Iden, Order, Query, SelectStatement};

use super::{now_ts, ts};
use crate::db::{DbError, Exec};

#[derive(Iden)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorId,
    Actor,
    Action,
    Target,
    ClientAddr,
    RequestId,
    Detail,
}

#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub actor_id: Option<i64>,
    pub actor: Option<String>,
    pub action: &'static str,
    pub target: Option<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
}

pub async fn insert(e: &mut impl Exec, ev: &NewEvent) -> Result<(), DbError> {
    use AuditEvents as A;
    let stmt = Query::insert()
        .into_table(A::Table)
        .columns([
            A::At,
            A::ActorId,
            A::Actor,
            A::Action,
            A::Target,
            A::ClientAddr,
            A::RequestId,
            A::Detail,
        ])
        .values_panic([
            now_ts().into(),
            ev.actor_id.into(),
            ev.actor.clone().into(),
            ev.action.into(),
            ev.target.clone().into(),
            ev.client_addr.clone().into(),
            ev.request_id.clone().into(),
            ev.detail.clone().into(),
        ])
        .to_owned();
    e.execute(&stmt).await.map(|_| ())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

fn filtered(mut stmt: SelectStatement, f: &Filter) -> SelectStatement {
    use AuditEvents as A;
    if let Some(a) = &f.action {
        stmt.and_where(Expr::col(A::Action).eq(a.clone()));
    }
    if let Some(a) = &f.actor {
        stmt.and_where(Expr::col(A::Actor).eq(a.clone()));
    }
    if let Some(s) = f.since {
        stmt.and_where(Expr::col(A::At).gte(ts(s)));
    }
    stmt
}

pub async fn list(e: &mut impl Exec, f: &Filter, limit: u64, offset: u64) -> Result<Vec<EventRow>, DbError> {
    use AuditEvents as A;
    let base = Query::select()
        .columns([
            A::Id,
            A::At,
            A::ActorId,
            A::Actor,
            A::Action,
            A::Target,
            A::ClientAddr,
            A::RequestId,
            A::Detail,
        ])
        .from(A::Table)
        .to_owned();
    let stmt = filtered(base, f)
        .order_by(A::Id, Order::Desc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(EventRow {
                id: r.get("id")?,
                at: r.get("at")?,
                actor_id: r.get("actor_id")?,
                actor: r.get("actor")?,
                action: r.get("action")?,
                target: r.get("target")?,
                client_addr: r.get("client_addr")?,
                request_id: r.get("request_id")?,
                detail: r.get("detail")?,
            })
        })
        .collect()
}

pub async fn count(e: &mut impl Exec, f: &Filter) -> Result<i64, DbError> {
    use AuditEvents as A;
    let base = Query::select()
        .expr_as(Expr::col(A::Id).count(), "n")
        .from(A::Table)
        .to_owned();
    let stmt = filtered(base, f);
    e.fetch_optional(&stmt).await?.map_or(Ok(0), |r| r.get("n"))
}
