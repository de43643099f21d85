//! What the staff-table tests share: a signed-in employee, requests with the CSRF header (and
//! htmx's `HX-Request`), and reading rows, versions and audit entries back.

use sea_query::{Expr, Func, Query};
use streamvault::admin::crud::{self, Record};
use streamvault::admin::entities;
use streamvault::admin::values::Value;
use streamvault::db::schema::{AuditLog, Computed};

pub(crate) use crate::catalog::demo_app;
use crate::helpers::{employee, Client, Page, TestApp};

/// An employee, signed in.
pub async fn staff(app: &TestApp, username: &str) -> Client {
    employee(app, username).await
}

/// A request as htmx sends it: the CSRF token as a header, `HX-Request: true`, form fields
/// in the body (in the query string for GET and DELETE, as htmx 2 does).
pub async fn htmx(client: &Client, method: &str, path: &str, fields: &[(&str, &str)]) -> Page {
    send(client, method, path, fields, true).await
}

pub async fn send(
    client: &Client,
    method: &str,
    path: &str,
    fields: &[(&str, &str)],
    is_htmx: bool,
) -> Page {
    let token = client.csrf().await;
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let url = format!("{}{}", client.base, path);
    let mut request = if method == reqwest::Method::GET || method == reqwest::Method::DELETE {
        client.http.request(method, url).query(fields)
    } else {
        client.http.request(method, url).form(fields)
    };
    request = request.header("X-CSRF-Token", token);
    if is_htmx {
        request = request.header("HX-Request", "true");
    }
    client.send(request).await
}

/// The id of the row a create answered with (`<tr … id="{slug}-row-{id}"`).
pub fn created_id(page: &Page, slug: &str) -> i64 {
    assert_eq!(page.status, 200, "create failed: {}", page.body);
    let marker = format!("id=\"{slug}-row-");
    let start = page.body.find(&marker).expect("a created row") + marker.len();
    let end = page.body[start..].find('"').expect("id closes") + start;
    page.body[start..end].parse().expect("numeric id")
}

pub async fn record(app: &TestApp, slug: &str, id: i64) -> Option<Record> {
    let def = entities::find(slug).expect("entity");
    crud::find(app.db(), def, id).await.expect("find")
}

pub async fn version(app: &TestApp, slug: &str, id: i64) -> String {
    record(app, slug, id)
        .await
        .expect("row exists")
        .version
        .to_string()
}

/// The stored value of one column, as an input would show it.
pub async fn stored(app: &TestApp, slug: &str, id: i64, column: &str) -> String {
    let def = entities::find(slug).expect("entity");
    let record = record(app, slug, id).await.expect("row exists");
    record
        .value(def, column)
        .map(Value::input_text)
        .expect("column")
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

/// Runs a `SELECT COUNT(…) AS n` query.
pub async fn count(app: &TestApp, query: &sea_query::SelectStatement) -> i64 {
    app.db()
        .fetch_optional::<Count>(query)
        .await
        .expect("count")
        .map_or(0, |c| c.n)
}

pub async fn audit_entries(app: &TestApp) -> i64 {
    let query = Query::select()
        .expr_as(Func::count(Expr::col(AuditLog::Id)), Computed::Count)
        .from(AuditLog::Table)
        .to_owned();
    count(app, &query).await
}

/// How many rows of `table` have `column = id`.
pub async fn rows_where(
    app: &TestApp,
    table: impl sea_query::IntoTableRef,
    column: impl sea_query::IntoColumnRef,
    id: i64,
) -> i64 {
    let query = Query::select()
        .expr_as(Func::count(Expr::col(sea_query::Asterisk)), Computed::Count)
        .from(table)
        .and_where(Expr::col(column).eq(id))
        .to_owned();
    count(app, &query).await
}
