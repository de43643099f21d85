//! The public catalog: the list with its filters, and one series with its episodes.

use maud::{html, Markup};

use chrono::NaiveDate;

use crate::format::{long_date, rating as format_rating, short_date, thousands};
use crate::layout::{page, PageContext};
use crate::paths;

/// Element id of the fragment that filter changes and paging swap.
pub const RESULTS_ID: &str = "catalog-results";

#[derive(Clone, Debug)]
pub struct CatalogItem {
    pub id: i64,
    pub title: String,
    pub production_house: String,
    pub genres: Vec<String>,
    pub avg_rating: Option<f64>,
    pub ratings: i64,
    pub total_viewers: i64,
    pub release_year: i32,
}

#[derive(Clone, Debug)]
pub struct Choice {
    pub id: i64,
    pub name: String,
}

/// The filters as the visitor chose them, to refill the form and build paging links.
#[derive(Clone, Debug, Default)]
pub struct CatalogQuery {
    pub q: String,
    pub genre: Option<i64>,
    pub country: Option<i64>,
    pub language: Option<i64>,
    pub sort: &'static str,
    pub page: u32,
}

impl CatalogQuery {
    /// The catalog URL for these filters on `page`.
    pub fn href(&self, page: u32) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        for (name, value) in [
            ("genre", self.genre),
            ("country", self.country),
            ("language", self.language),
        ] {
            if let Some(id) = value {
                query.append_pair(name, &id.to_string());
            }
        }
        if !self.sort.is_empty() {
            query.append_pair("sort", self.sort);
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            paths::HOME.to_owned()
        } else {
            [paths::HOME, "?", &query].concat()
        }
    }
}

pub struct CatalogView<'a> {
    pub items: &'a [CatalogItem],
    pub query: &'a CatalogQuery,
    pub genres: &'a [Choice],
    pub countries: &'a [Choice],
    pub languages: &'a [Choice],
    /// (value, label) pairs, the first being the default.
    pub sorts: &'a [(&'static str, &'static str)],
    pub has_next: bool,
}

pub fn catalog_page(ctx: &PageContext, view: &CatalogView) -> Markup {
    page(
        ctx,
        "Catalog",
        html! {
            section.hero {
                h1 { "Find your next series" }
                p.lede { "Browse the catalog, see what people are watching and what they think of it." }
            }
            (filters(view))
            (catalog_results(view))
        },
    )
}

fn filters(view: &CatalogView) -> Markup {
    let query = view.query;
    let select = |name: &str, label: &str, choices: &[Choice], chosen: Option<i64>| {
        html! {
            label.filter {
                span { (label) }
                select name=(name) {
                    option value="" { "All" }
                    @for choice in choices {
                        option value=(choice.id) selected[chosen == Some(choice.id)] { (choice.name) }
                    }
                }
            }
        }
    };
    html! {
        form.filters method="get" action=(paths::HOME) role="search"
            hx-get=(paths::HOME) hx-target={"#" (RESULTS_ID)} hx-select={"#" (RESULTS_ID)} hx-swap="outerHTML"
            hx-push-url="true" hx-trigger="input changed delay:300ms from:input[name=q], change" {
            label.filter.filter-search {
                span { "Search titles" }
                input type="search" name="q" value=(query.q) placeholder="e.g. Northern Lights" maxlength="100" autocomplete="off";
            }
            (select("genre", "Genre", view.genres, query.genre))
            (select("country", "Available in", view.countries, query.country))
            (select("language", "Language", view.languages, query.language))
            label.filter {
                span { "Sort by" }
                select name="sort" {
                    @for (value, label) in view.sorts {
                        option value=(value) selected[*value == query.sort] { (label) }
                    }
                }
            }
            noscript { button.button type="submit" { "Apply" } }
        }
    }
}

/// The swappable list of results with its pager.
pub fn catalog_results(view: &CatalogView) -> Markup {
    let query = view.query;
    html! {
        section id=(RESULTS_ID) aria-live="polite" {
            @if view.items.is_empty() {
                div.empty-state {
                    h2 { "Nothing matches those filters" }
                    p { "Try a shorter search or clear a filter." }
                    a.button href=(paths::HOME) { "Show everything" }
                }
            } @else {
                ul.card-grid {
                    @for item in view.items {
                        li { (catalog_card(item)) }
                    }
                }
            }
            @if query.page > 1 || view.has_next {
                nav.pager aria-label="Pages" hx-boost="true" hx-target={"#" (RESULTS_ID)} hx-select={"#" (RESULTS_ID)} hx-swap="outerHTML" {
                    @if query.page > 1 {
                        a.button.button-quiet href=(query.href(query.page - 1)) rel="prev" { "← Previous" }
                    }
                    span.pager-current { "Page " (query.page) }
                    @if view.has_next {
                        a.button.button-quiet href=(query.href(query.page + 1)) rel="next" { "Next →" }
                    }
                }
            }
        }
    }
}

fn catalog_card(item: &CatalogItem) -> Markup {
    html! {
        article.card {
            a.card-link href=(paths::series(item.id)) {
                div class={"poster poster-" (item.id.rem_euclid(6))} aria-hidden="true" {
                    span { (initials(&item.title)) }
                }
                div.card-body {
                    h3.card-title { (item.title) }
                    p.card-meta { (item.production_house) " · " (item.release_year) }
                    @if !item.genres.is_empty() {
                        ul.tags {
                            @for genre in &item.genres { li { (genre) } }
                        }
                    }
                    div.card-stats {
                        (rating_badge(item.avg_rating, item.ratings))
                        span.viewers title="Total viewers" { (thousands(item.total_viewers)) " viewers" }
                    }
                }
            }
        }
    }
}

pub fn rating_badge(avg: Option<f64>, ratings: i64) -> Markup {
    html! {
        @match avg {
            Some(avg) => span.rating title={(ratings) " ratings"} { "★ " (format_rating(avg)) span.muted { " (" (ratings) ")" } },
            None => span.rating.muted { "Not rated yet" },
        }
    }
}

#[derive(Clone, Debug)]
pub struct SeriesDetail {
    pub id: i64,
    pub title: String,
    pub production_house: String,
    pub language: String,
    pub origin_country: String,
    pub release_date: NaiveDate,
    pub planned_episodes: i64,
    pub genres: Vec<String>,
    pub available_in: Vec<String>,
    pub avg_rating: Option<f64>,
    pub ratings: i64,
    pub total_viewers: i64,
}

#[derive(Clone, Debug)]
pub struct EpisodeItem {
    pub number: i64,
    pub title: String,
    pub total_viewers: i64,
    pub tech_interrupt: bool,
}

#[derive(Clone, Debug)]
pub struct ReviewItem {
    pub author: String,
    pub rating: i64,
    pub body: String,
    pub recorded_on: NaiveDate,
}

pub fn series_page(
    ctx: &PageContext,
    series: &SeriesDetail,
    episodes: &[EpisodeItem],
    reviews: &[ReviewItem],
) -> Markup {
    page(
        ctx,
        &series.title,
        html! {
            p.breadcrumb { a href=(paths::HOME) { "← Catalog" } }
            article.series {
                div.series-head {
                    div class={"poster poster-large poster-" (series.id.rem_euclid(6))} aria-hidden="true" {
                        span { (initials(&series.title)) }
                    }
                    div.series-summary {
                        h1 { (series.title) }
                        p.card-meta { (series.production_house) " · " (series.origin_country) " · " (series.language) }
                        @if !series.genres.is_empty() {
                            ul.tags { @for genre in &series.genres { li { (genre) } } }
                        }
                        dl.facts {
                            div { dt { "Released" } dd { (long_date(series.release_date)) } }
                            div { dt { "Episodes" } dd { (episodes.len()) " of " (series.planned_episodes) " planned" } }
                            div { dt { "Total viewers" } dd { (thousands(series.total_viewers)) } }
                            div { dt { "Rating" } dd { (rating_badge(series.avg_rating, series.ratings)) } }
                        }
                        @if !series.available_in.is_empty() {
                            p.available { "Available in " (series.available_in.join(", ")) }
                        }
                    }
                }
                section.episodes {
                    h2 { "Episodes" }
                    @if episodes.is_empty() {
                        p.muted { "No episodes have been published yet." }
                    } @else {
                        table.table {
                            thead { tr { th scope="col" { "#" } th scope="col" { "Title" } th.num scope="col" { "Viewers" } th scope="col" { "" } } }
                            tbody {
                                @for episode in episodes {
                                    tr {
                                        td { (episode.number) }
                                        td { (episode.title) }
                                        td.num { (thousands(episode.total_viewers)) }
                                        td { @if episode.tech_interrupt { span.badge.badge-warn title="This episode had a technical interruption" { "interrupted" } } }
                                    }
                                }
                            }
                        }
                    }
                }
                section.reviews {
                    h2 { "Reviews" }
                    @if reviews.is_empty() {
                        p.muted { "No reviews yet." }
                    } @else {
                        ul.review-list {
                            @for review in reviews {
                                li.review {
                                    div.review-head {
                                        strong { (review.author) }
                                        span.rating { (stars(review.rating)) }
                                        span.muted { (short_date(review.recorded_on)) }
                                    }
                                    @if !review.body.is_empty() { p { (review.body) } }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn stars(rating: i64) -> String {
    let filled = rating.clamp(0, 5) as usize;
    ["★".repeat(filled), "☆".repeat(5 - filled)].concat()
}

fn initials(title: &str) -> String {
    title
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .filter(|c| c.is_alphanumeric())
        .take(2)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_links_keep_the_filters() {
        let query = CatalogQuery {
            q: "a&b".into(),
            genre: Some(2),
            sort: "rating",
            page: 1,
            ..Default::default()
        };
        assert_eq!(query.href(2), "/?q=a%26b&genre=2&sort=rating&page=2");
        assert_eq!(CatalogQuery::default().href(1), "/");
    }
}
