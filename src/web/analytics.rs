//! Staff analytics: the dashboard, each of the six results on its own page, the two reports,
//! the refresh button and its status, and the CSV downloads. Pages read the stored snapshot
//! only; a CSV is computed when it is asked for, so a download is exact as of that moment.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use poem::http::header;
use poem::web::{Data, Path};
use poem::{handler, IntoResponse, Response};
use serde::Deserialize;
use views::analytics::{
    CellView, ChartView, DashboardView, RegionForm, ResultView, SnapshotView, StatusView,
};

use super::access::RequireEmployee;
use super::common::{csv_download, see_other, staff_nav as nav};
use super::form::Form;
use super::middleware::RequestContext;
use super::state::State;
use crate::analytics::charts::{Chart, ChartKind};
use crate::analytics::dataset::Dataset;
use crate::analytics::queries::{self, AnalyticsQuery, RegionPair};
use crate::analytics::reports::{self, Report};
use crate::analytics::snapshot::{Snapshot, Status};
use crate::analytics::table::{sort_rows, Cell, Rows};
use crate::analytics::{csv, region_names};
use crate::db::page::Page;
use crate::error::Error;
use crate::web::errors::Result;

/// Rows of each result the dashboard shows; the result's own page has them all.
const PREVIEW_ROWS: u32 = 10;
/// Rows per page on a result's or report's own page (unless `per_page` says otherwise).
const PAGE_ROWS: u32 = 25;
/// The longest region name a comparison accepts (the column holds at most 100).
const MAX_REGION_CHARS: usize = 100;

#[derive(Debug, Default, Deserialize)]
pub struct TableParams {
    sort: Option<String>,
    dir: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
    a: Option<String>,
    b: Option<String>,
    /// `1`: the CSV starts with a UTF-8 byte-order mark (for spreadsheets); the on-screen
    /// download links ask for it, scripts' plain URLs get the bare file.
    bom: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct StatusParams {
    shown: Option<String>,
}

fn status_view(ctx: &RequestContext, status: &Status) -> StatusView {
    StatusView {
        as_of: status.computed_at,
        refreshing: status.refreshing(),
        csrf_token: ctx.csrf_token.clone(),
    }
}

/// The dashboard's view of a snapshot, built once per snapshot and process and shared by
/// every request after that (the router holds one, as endpoint data).
#[derive(Clone, Default)]
pub struct DashboardViews {
    current: Arc<Mutex<Option<Arc<SnapshotViewAsOf>>>>,
}

/// A snapshot's "as of" and the dashboard's view of it.
struct SnapshotViewAsOf {
    computed_at: DateTime<Utc>,
    view: SnapshotView,
}

impl DashboardViews {
    fn get(&self, computed_at: DateTime<Utc>) -> Option<Arc<SnapshotViewAsOf>> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .filter(|built| built.computed_at == computed_at)
    }

    fn set(&self, built: Arc<SnapshotViewAsOf>) {
        *self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(built);
    }
}

/// The dashboard's view of `snapshot`: charts, the first rows of each result and the region
/// choices.
async fn snapshot_view(
    state: &State,
    views: &DashboardViews,
    snapshot: &Snapshot,
) -> Result<Arc<SnapshotViewAsOf>> {
    if let Some(built) = views.get(snapshot.computed_at) {
        return Ok(built);
    }
    let regions = RegionPair::default();
    let preview = Page {
        number: 1,
        size: PREVIEW_ROWS,
    };
    let view = SnapshotView {
        charts: snapshot
            .charts
            .iter()
            .map(|chart| chart_view(chart, snapshot.computed_at))
            .collect(),
        results: snapshot
            .results
            .iter()
            .map(|(query, rows)| result_view(*query, rows, None, false, preview, &regions))
            .collect(),
        regions: region_form(state, &regions).await?,
    };
    let built = Arc::new(SnapshotViewAsOf {
        computed_at: snapshot.computed_at,
        view,
    });
    views.set(built.clone());
    Ok(built)
}

#[handler]
#[tracing::instrument(skip_all)]
pub async fn dashboard(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Data(views_cache): Data<&DashboardViews>,
    RequireEmployee(_staff): RequireEmployee,
) -> Result<Response> {
    let (status, snapshot) = state.analytics.current().await?;
    let parts = match &snapshot {
        Some(snapshot) => Some(snapshot_view(state, views_cache, snapshot).await?),
        None => None,
    };
    let view = DashboardView {
        status: status_view(ctx, &status),
        snapshot: parts.as_deref().map(|built| &built.view),
        reports: Report::ALL
            .iter()
            // Spreadsheets open these: they ask for the byte-order mark.
            .map(|r| {
                (
                    r.title(),
                    r.page_href(),
                    [r.csv_href().as_str(), "?bom=1"].concat(),
                )
            })
            .collect(),
    };
    Ok(views::analytics::dashboard_page(&ctx.page(), &nav(), &view).into_response())
}

#[handler]
#[tracing::instrument(skip_all)]
pub async fn refresh(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(_staff): RequireEmployee,
) -> Result<Response> {
    state.analytics.request_refresh().await?;
    if ctx.is_htmx {
        let status = state.analytics.status().await?;
        return Ok(views::analytics::status_fragment(&status_view(ctx, &status)).into_response());
    }
    Ok(see_other(
        views::paths::ADMIN_ANALYTICS,
        None,
        state.config.secure_cookies(),
    ))
}

/// The status line the dashboard polls while a refresh is on its way; once a snapshot other
/// than the one on screen (`shown`) has landed, htmx reloads the whole page.
#[handler]
pub async fn refresh_status(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(_staff): RequireEmployee,
    Form(params): Form<StatusParams>,
) -> Result<Response> {
    let status = state.analytics.status().await?;
    let shown = params.shown.unwrap_or_default();
    let on_screen = status
        .computed_at
        .map(|at| at.to_rfc3339())
        .unwrap_or_default();
    let mut response =
        views::analytics::status_fragment(&status_view(ctx, &status)).into_response();
    if ctx.is_htmx && !status.refreshing() && on_screen != shown {
        response
            .headers_mut()
            .insert("HX-Refresh", header::HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// `/admin/analytics/{q}`: one result with every row, sorted and paged; `{q}.csv`: the
/// result as a file.
#[handler]
#[tracing::instrument(skip_all)]
pub async fn result(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(_staff): RequireEmployee,
    Path(name): Path<String>,
    Form(params): Form<TableParams>,
) -> Result<Response> {
    let (query, is_csv) = named::<AnalyticsQuery>(&name)?;
    let regions = region_pair(&params)?;
    let live = query == AnalyticsQuery::Regions && regions != RegionPair::default();
    let (sort, descending) = sort_param(&params, query.header())?;
    if is_csv {
        let mut rows = queries::run(&state.db, query, &regions).await?;
        if let Some(column) = sort {
            sort_rows(&mut rows, column, descending);
        }
        return csv_response(state, query, rows, &params);
    }
    let page = Page::parse(
        params.page.as_deref(),
        params.per_page.as_deref(),
        PAGE_ROWS,
    )?;
    let (status, snapshot) = state.analytics.current().await?;
    let live_rows = if live {
        queries::run(&state.db, query, &regions).await?
    } else {
        Vec::new()
    };
    let rows = match snapshot.as_deref().and_then(|s| s.result(query)) {
        Some(stored) if !live => stored.as_slice(),
        _ => live_rows.as_slice(),
    };
    let view = result_view(query, rows, sort, descending, page, &regions);
    let region_choices = if query == AnalyticsQuery::Regions {
        Some(region_form(state, &regions).await?)
    } else {
        None
    };
    Ok(table_response(ctx, &status, &view, region_choices.as_ref()))
}

/// `/admin/reports/{report}`: the stored report, sorted and paged; `{report}.csv`: the
/// report computed now, as a file.
#[handler]
#[tracing::instrument(skip_all)]
pub async fn report(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(_staff): RequireEmployee,
    Path(name): Path<String>,
    Form(params): Form<TableParams>,
) -> Result<Response> {
    let (report, is_csv) = named::<Report>(&name)?;
    let sort = report.sort_key(params.sort.as_deref())?;
    // Reports open on their biggest figures first.
    let descending = descending(&params, true)?;
    if is_csv {
        let mut rows = reports::compute_rows(&state.db, report).await?;
        // The file follows the order the page shows when it names one (its download link
        // does); a plain URL keeps the report's own order.
        let asked = params.sort.is_some() || params.dir.is_some();
        if let (true, Some(column)) = (asked, report.header().iter().position(|h| *h == sort.name))
        {
            sort_rows(&mut rows, column, descending);
        }
        return csv_response(state, report, rows, &params);
    }
    let page = Page::parse(
        params.page.as_deref(),
        params.per_page.as_deref(),
        PAGE_ROWS,
    )?;
    let (status, _) = state.analytics.current().await?;
    let (rows, has_next) = reports::page(&state.db, report, sort, descending, page).await?;
    let sortable = report
        .header()
        .iter()
        .map(|h| report.sort_keys().iter().any(|k| k.name == *h))
        .collect();
    let shown = Shown {
        rows: &rows,
        sortable,
        sort: Some(sort.name),
        descending,
        page,
        has_next,
        total_rows: None,
        keep_query: String::new(),
    };
    Ok(table_response(
        ctx,
        &status,
        &dataset_view(report, shown),
        None,
    ))
}

/// Where a dataset's page and CSV file are (the paths live in `views`).
trait Linked: Dataset {
    fn page_href(self) -> String;
    fn csv_href(self) -> String;
}

impl Linked for AnalyticsQuery {
    fn page_href(self) -> String {
        views::paths::analytics_result(self.slug())
    }
    fn csv_href(self) -> String {
        views::paths::analytics_csv(self.slug())
    }
}

impl Linked for Report {
    fn page_href(self) -> String {
        views::paths::report(self.slug())
    }
    fn csv_href(self) -> String {
        views::paths::report_csv(self.slug())
    }
}

/// `name.csv` names a dataset's download, `name` its page; unknown names are 404.
fn named<D: Dataset>(name: &str) -> Result<(D, bool)> {
    let (slug, is_csv) = match name.strip_suffix(".csv") {
        Some(slug) => (slug, true),
        None => (name, false),
    };
    let dataset = D::from_slug(slug).ok_or(Error::NotFound)?;
    Ok((dataset, is_csv))
}

/// One page of a dataset's rows and how it is ordered.
struct Shown<'a> {
    rows: &'a [Vec<Cell>],
    sortable: Vec<bool>,
    sort: Option<&'static str>,
    descending: bool,
    page: Page,
    has_next: bool,
    total_rows: Option<usize>,
    /// Query parameters that choose the data itself (the regions compared), kept by every
    /// link and by the CSV link.
    keep_query: String,
}

fn dataset_view<D: Linked>(dataset: D, shown: Shown<'_>) -> ResultView {
    // The download follows what is on screen: the data's own parameters, then its order,
    // with a byte-order mark so spreadsheets read accented titles.
    let mut query = form_urlencoded::Serializer::new(shown.keep_query.clone());
    if let Some(sort) = shown.sort {
        query.append_pair("sort", sort);
        query.append_pair("dir", if shown.descending { "desc" } else { "asc" });
    }
    query.append_pair("bom", "1");
    let csv_href = [dataset.csv_href().as_str(), "?", &query.finish()].concat();
    ResultView {
        slug: dataset.slug(),
        title: dataset.title(),
        description: dataset.description(),
        header: dataset.header().to_vec(),
        sortable: shown.sortable,
        rows: cells(shown.rows, dataset.header()),
        base_href: dataset.page_href(),
        keep_query: shown.keep_query,
        sort: shown.sort,
        descending: shown.descending,
        page: shown.page.number,
        has_next: shown.has_next,
        total_rows: shown.total_rows,
        csv_href,
    }
}

/// A result or report table: just the swappable section for htmx, else its own page.
fn table_response(
    ctx: &RequestContext,
    status: &Status,
    view: &ResultView,
    regions: Option<&RegionForm>,
) -> Response {
    if ctx.is_htmx {
        return views::analytics::result_section(view, regions).into_response();
    }
    views::analytics::result_page(
        &ctx.page(),
        &nav(),
        &status_view(ctx, status),
        view,
        regions,
    )
    .into_response()
}

/// `?a=` and `?b=`: the regions to compare (bound as values; empty means the default).
fn region_pair(params: &TableParams) -> Result<RegionPair> {
    let default = RegionPair::default();
    let pick = |value: Option<&str>, fallback: String, name: &str| -> Result<String> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(fallback),
            Some(v) if v.chars().count() > MAX_REGION_CHARS || v.chars().any(char::is_control) => {
                Err(Error::BadRequest(
                    [name, " must be a region name of at most 100 characters"].concat(),
                )
                .into())
            }
            Some(v) => Ok(v.to_owned()),
        }
    };
    Ok(RegionPair {
        a: pick(params.a.as_deref(), default.a, "a")?,
        b: pick(params.b.as_deref(), default.b, "b")?,
    })
}

/// `sort` names a column of the result; `dir` is `asc` or `desc`.
fn sort_param(params: &TableParams, header: &[&'static str]) -> Result<(Option<usize>, bool)> {
    let sort = match params
        .sort
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(name) => Some(
            header
                .iter()
                .position(|h| *h == name)
                .ok_or_else(|| Error::BadRequest("unknown sort column".into()))?,
        ),
    };
    Ok((sort, descending(params, false)?))
}

/// `dir`: `asc` or `desc`, or `by_default` when absent.
fn descending(params: &TableParams, by_default: bool) -> Result<bool> {
    match params.dir.as_deref().map(str::trim) {
        None | Some("") => Ok(by_default),
        Some("asc") => Ok(false),
        Some("desc") => Ok(true),
        Some(_) => Err(Error::BadRequest("dir must be asc or desc".into()).into()),
    }
}

async fn region_form(state: &State, regions: &RegionPair) -> Result<RegionForm> {
    let mut choices = region_names(&state.db).await?;
    for chosen in [&regions.a, &regions.b] {
        if !choices.contains(chosen) {
            choices.push(chosen.clone());
        }
    }
    Ok(RegionForm {
        a: regions.a.clone(),
        b: regions.b.clone(),
        choices,
    })
}

/// Cells as the page shows them: counts with thousands separators, except identifiers and
/// ranks, and dates in the house format (the CSV keeps every number bare and dates in ISO).
fn cells(rows: &[Vec<Cell>], header: &[&str]) -> Vec<Vec<CellView>> {
    rows.iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .map(|(i, cell)| {
                    let name = header.get(i).copied().unwrap_or_default();
                    let plain = name == "id" || name.ends_with("_id") || name == "rank";
                    let text = match cell {
                        Cell::Int(n) if !plain => views::format::thousands(*n),
                        // Days and moments as every staff page writes them.
                        Cell::Date(day) => views::format::short_date(*day),
                        Cell::Moment(at) => views::format::timestamp(*at),
                        _ => cell.display(),
                    };
                    CellView {
                        text,
                        numeric: cell.is_numeric(),
                    }
                })
                .collect()
        })
        .collect()
}

/// One page of a stored result; only a sorted page copies the rows (to sort them).
fn result_view(
    query: AnalyticsQuery,
    rows: &[Vec<Cell>],
    sort: Option<usize>,
    descending: bool,
    page: Page,
    regions: &RegionPair,
) -> ResultView {
    let sorted: Rows;
    let rows = match sort {
        Some(column) => {
            let mut copy = rows.to_vec();
            sort_rows(&mut copy, column, descending);
            sorted = copy;
            sorted.as_slice()
        }
        None => rows,
    };
    let total = rows.len();
    let start = (page.offset() as usize).min(total);
    let end = (start + page.size as usize).min(total);
    let keep_query = if query == AnalyticsQuery::Regions && *regions != RegionPair::default() {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("a", &regions.a)
            .append_pair("b", &regions.b)
            .finish()
    } else {
        String::new()
    };
    let page_rows = &rows[start..end];
    let named: Rows;
    let page_rows = if query == AnalyticsQuery::Regions {
        named = region_labels(page_rows, regions);
        named.as_slice()
    } else {
        page_rows
    };
    let shown = Shown {
        rows: page_rows,
        sortable: vec![true; query.header().len()],
        sort: sort.and_then(|i| query.header().get(i).copied()),
        descending,
        page,
        has_next: end < total,
        total_rows: Some(total),
        keep_query,
    };
    dataset_view(query, shown)
}

/// The regions result as the page says it: "North America only", "Europe only", "Both"
/// instead of the CSV's codes (`a_only`, `b_only`, `both`).
fn region_labels(rows: &[Vec<Cell>], regions: &RegionPair) -> Rows {
    rows.iter()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Cell::Text(code) if code == "a_only" => {
                        Cell::text([&regions.a, " only"].concat())
                    }
                    Cell::Text(code) if code == "b_only" => {
                        Cell::text([&regions.b, " only"].concat())
                    }
                    Cell::Text(code) if code == "both" => Cell::text("Both"),
                    other => other.clone(),
                })
                .collect()
        })
        .collect()
}

/// A month label of the monthly chart (`2026-12`) in words ("Dec 2026"); the month the
/// snapshot was computed in is marked partial, so its short bar does not read as a collapse.
fn month_label(label: &str, as_of: DateTime<Utc>) -> String {
    let Some(first) = chrono::NaiveDate::parse_from_str(&[label, "-01"].concat(), "%Y-%m-%d").ok()
    else {
        return label.to_owned();
    };
    let words = first.format("%b %Y").to_string();
    if as_of.format("%Y-%m").to_string() == label {
        [words.as_str(), " (partial month)"].concat()
    } else {
        words
    }
}

fn chart_view(chart: &Chart, as_of: DateTime<Utc>) -> ChartView {
    let monthly = chart.slug == "reviews-per-month";
    let labels: Vec<String> = chart
        .labels
        .iter()
        .map(|l| {
            if monthly {
                month_label(l, as_of)
            } else {
                l.clone()
            }
        })
        .collect();
    let kind = match chart.kind {
        ChartKind::HorizontalBar => "horizontalBar",
        ChartKind::Bar => "bar",
        ChartKind::Line => "line",
        ChartKind::Doughnut => "doughnut",
    };
    let number = |cell: &Cell| -> serde_json::Value {
        match cell {
            Cell::Int(n) => serde_json::Value::from(*n),
            Cell::Hundredths(h) => serde_json::Value::from(*h as f64 / 100.0),
            _ => serde_json::Value::Null,
        }
    };
    let data = serde_json::json!({
        "type": kind,
        "labels": labels,
        "datasets": chart.datasets.iter().map(|d| serde_json::json!({
            "label": d.label,
            "data": d.values.iter().map(number).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    ChartView {
        slug: chart.slug.clone(),
        title: chart.title.clone(),
        data_json: data.to_string(),
        label_heading: chart.label_heading.clone(),
        dataset_labels: chart.datasets.iter().map(|d| d.label.clone()).collect(),
        rows: labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                (
                    label.clone(),
                    chart
                        .datasets
                        .iter()
                        .map(|d| d.values.get(i).map(Cell::display).unwrap_or_default())
                        .collect(),
                )
            })
            .collect(),
    }
}

/// A CSV download: `attachment`, named after the dataset and the day, with a byte-order
/// mark when `bom=1` asks for one.
fn csv_response<D: Dataset>(
    state: &State,
    dataset: D,
    rows: Rows,
    params: &TableParams,
) -> Result<Response> {
    let bom = match params.bom.as_deref().map(str::trim) {
        None | Some("" | "0") => false,
        Some("1") => true,
        Some(_) => return Err(Error::BadRequest("bom must be 0 or 1".into()).into()),
    };
    Ok(csv_download(
        dataset.slug(),
        state.clock.now().date_naive(),
        csv::write(dataset.header(), &rows),
        bom,
    ))
}

#[cfg(test)]
mod month_tests {
    use super::*;

    #[test]
    fn the_current_month_is_marked_partial() {
        let as_of = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 3, 13, 0, 0)
            .single()
            .expect("a moment");
        assert_eq!(month_label("2026-11", as_of), "Nov 2026");
        assert_eq!(month_label("2026-12", as_of), "Dec 2026 (partial month)");
        assert_eq!(month_label("junk", as_of), "junk");
    }
}
