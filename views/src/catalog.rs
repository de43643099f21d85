//! The public catalog: the list with its filters, and one series with its episodes.

use maud::{html, Markup};

use chrono::NaiveDate;

use crate::feedback::{feedback_section, series_rating, FeedbackView};
use crate::format::{compact, long_date, rating as format_rating, short_date, thousands};
use crate::layout::{page, PageContext};
use crate::paths;

/// Element id of the fragment that filter changes and paging swap.
pub const RESULTS_ID: &str = "catalog-results";

#[derive(Clone, Debug)]
pub struct CatalogItem {
    pub id: i64,
    pub title: String,
    pub poster_url: Option<String>,
    /// An uploaded poster (its renditions under /media/); wins over `poster_url`.
    pub poster_key: Option<String>,
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
    /// Whether a filter or a sort order other than the default is chosen (the folded filters
    /// open on a phone then, so the visitor sees what narrows the list).
    pub fn narrows(&self) -> bool {
        self.genre.is_some()
            || self.country.is_some()
            || self.language.is_some()
            || !self.sort.is_empty()
    }

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
    /// How many series match, on every page.
    pub total: i64,
}

/// Element id of the result count: the page's only live region (a screen reader announces
/// the new count after each search, not every card). htmx refreshes its text out of band,
/// so the region itself stays in the document.
pub const COUNT_ID: &str = "catalog-count";

/// One active filter, as a chip: what it says and the catalog URL without it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chip {
    pub label: String,
    pub remove_href: String,
}

impl CatalogQuery {
    /// A chip per active filter (search text, genre, country, language), each linking to the
    /// same list without that one filter, back on the first page. Unknown ids get no chip.
    pub fn chips(
        &self,
        genres: &[Choice],
        countries: &[Choice],
        languages: &[Choice],
    ) -> Vec<Chip> {
        let name = |choices: &[Choice], id: Option<i64>| {
            id.and_then(|id| choices.iter().find(|c| c.id == id))
                .map(|c| c.name.clone())
        };
        let mut chips = Vec::new();
        if !self.q.is_empty() {
            chips.push(Chip {
                label: ["Search: “", &self.q, "”"].concat(),
                remove_href: CatalogQuery {
                    q: String::new(),
                    ..self.clone()
                }
                .href(1),
            });
        }
        if let Some(genre) = name(genres, self.genre) {
            chips.push(Chip {
                label: ["Genre: ", &genre].concat(),
                remove_href: CatalogQuery {
                    genre: None,
                    ..self.clone()
                }
                .href(1),
            });
        }
        if let Some(country) = name(countries, self.country) {
            chips.push(Chip {
                label: ["Available in ", &country].concat(),
                remove_href: CatalogQuery {
                    country: None,
                    ..self.clone()
                }
                .href(1),
            });
        }
        if let Some(language) = name(languages, self.language) {
            chips.push(Chip {
                label: ["Language: ", &language].concat(),
                remove_href: CatalogQuery {
                    language: None,
                    ..self.clone()
                }
                .href(1),
            });
        }
        chips
    }
}

/// "128 series", "1 series", "No series".
pub fn count_text(total: i64) -> String {
    match total {
        0 => "No series match".to_owned(),
        n => [thousands(n).as_str(), " series"].concat(),
    }
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
            div.catalog-layout {
                (filters(view))
                div.catalog-main {
                    (result_count(view.total, false))
                    (catalog_results(view))
                }
            }
        },
    )
}

/// The live result count; `oob` for the copy an htmx answer carries next to the results.
fn result_count(total: i64, oob: bool) -> Markup {
    html! {
        @if oob {
            p id=(COUNT_ID) hx-swap-oob="innerHTML" { (count_text(total)) }
        } @else {
            p.result-count id=(COUNT_ID) role="status" aria-live="polite" aria-atomic="true" { (count_text(total)) }
        }
    }
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
        form.filters method="get" action=(paths::HOME) role="search" aria-label="Search and filter the catalog"
            hx-get=(paths::HOME) hx-target={"#" (RESULTS_ID)} hx-select={"#" (RESULTS_ID)} hx-swap="outerHTML"
            hx-push-url="true"
            // Typing searches after a pause; a chosen filter applies at once. (A bare `change`
            // would also fire when the search box loses focus, re-sending the same search just
            // as a visitor taps a result.)
            hx-trigger="input changed delay:300ms from:input[name=q], change from:.more-filters select" {
            label.filter.filter-search {
                span { "Search titles" }
                input type="search" name="q" value=(query.q) placeholder="e.g. Northern Lights" maxlength="100" autocomplete="off";
            }
            // One button on a phone; always open on wider screens (see app.css and app.js).
            details.more-filters open[query.narrows()] {
                summary.button.button-quiet { "Filters and sort" }
                div.more-filters-body {
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
                }
            }
            noscript { button.button type="submit" { "Apply" } }
        }
    }
}

/// What an htmx search or page change receives: the results, and the count out of band.
pub fn catalog_update(view: &CatalogView) -> Markup {
    html! {
        (catalog_results(view))
        (result_count(view.total, true))
    }
}

/// The swappable list of results with its active-filter chips and pager. Not a live region:
/// only the count is announced.
pub fn catalog_results(view: &CatalogView) -> Markup {
    let query = view.query;
    let chips = query.chips(view.genres, view.countries, view.languages);
    html! {
        section id=(RESULTS_ID) aria-labelledby="results-heading" {
            h2.visually-hidden id="results-heading" { "Results" }
            @if !chips.is_empty() {
                // Plain links (no JavaScript needed); htmx boosts them to swap in place.
                ul.chips aria-label="Active filters" hx-boost="true" hx-target={"#" (RESULTS_ID)}
                    hx-select={"#" (RESULTS_ID)} hx-swap="outerHTML" {
                    @for chip in &chips {
                        li {
                            a.chip href=(chip.remove_href) {
                                (chip.label)
                                span.chip-x aria-hidden="true" { "×" }
                                span.visually-hidden { " (remove this filter)" }
                            }
                        }
                    }
                    @if chips.len() > 1 {
                        li {
                            a.chip.chip-clear href=(CatalogQuery { sort: query.sort, ..CatalogQuery::default() }.href(1)) {
                                "Clear all"
                            }
                        }
                    }
                }
            }
            @if view.items.is_empty() {
                div.empty-state {
                    h3 { "Nothing matches those filters" }
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
    // Short lines, so two rows of titles fit a laptop's first screen; the series page has
    // the production house and the exact figures.
    html! {
        article.card {
            a.card-link href=(paths::series(item.id)) {
                (poster(item.id, &item.title, item.poster_key.as_deref(), item.poster_url.as_deref(), false))
                div.card-body {
                    h3.card-title { (item.title) }
                    // Genres as list items: a name holding a comma stays one genre.
                    div.card-meta title=(item.production_house) {
                        (item.release_year)
                        @if !item.genres.is_empty() {
                            " · "
                            ul.inline-list aria-label="Genres" { @for genre in &item.genres { li { (genre) } } }
                        }
                    }
                    div.card-stats {
                        @match item.avg_rating {
                            Some(avg) => span.rating title={(item.ratings) " ratings"} { "★ " (format_rating(avg)) },
                            None => span.rating.muted { "Not rated" },
                        }
                        span.viewers title={(thousands(item.total_viewers)) " viewers"} { (compact(item.total_viewers)) " viewers" }
                    }
                }
            }
        }
    }
}

/// How wide a card's poster shows (app.css): 6 a row beside the filters on a desktop, 4 on
/// a tablet, 2 on a phone. The browser picks the one rendition that covers it.
const CARD_SIZES: &str =
    "(min-width: 1180px) 150px, (min-width: 900px) 15vw, (min-width: 600px) 24vw, 48vw";

/// A poster: the series' image when it has a usable one, over a gradient tile with its
/// initials (the placeholder, and what shows while or if the image fails to load).
fn poster(id: i64, title: &str, key: Option<&str>, url: Option<&str>, large: bool) -> Markup {
    // Cards: 2 a row on a phone, up to 6 on a desktop; the series page: one column on a phone.
    let sizes = if large {
        "(min-width: 700px) 280px, 60vw"
    } else {
        CARD_SIZES
    };
    html! {
        div class={"poster poster-" (id.rem_euclid(6)) @if large { " poster-large" }} aria-hidden="true" {
            span { (initials(title)) }
            @if let Some(key) = key {
                (crate::poster::picture(key, sizes, "poster-img", large))
            } @else if let Some(url) = url.and_then(safe_image_url) {
                img.poster-img src=(url) alt="" loading="lazy" decoding="async" referrerpolicy="no-referrer";
            }
        }
    }
}

/// An image address the page may load: `https://…` or a path on this site. Anything else
/// (`javascript:`, `data:`, `//host`, text with spaces or controls) is ignored, so a bad
/// poster URL shows the placeholder instead.
pub fn safe_image_url(url: &str) -> Option<&str> {
    let url = url.trim();
    let local = url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\");
    let https = url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        && url.len() > 8;
    let clean = !url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\'));
    ((local || https) && clean && url.len() <= 500).then_some(url)
}

#[derive(Clone, Debug)]
pub struct SeriesDetail {
    pub id: i64,
    pub title: String,
    pub poster_url: Option<String>,
    /// An uploaded poster (its renditions under /media/); wins over `poster_url`.
    pub poster_key: Option<String>,
    pub production_house: String,
    pub language: String,
    pub origin_country: String,
    pub release_date: NaiveDate,
    pub planned_episodes: i64,
    pub genres: Vec<String>,
    pub subtitles: Vec<String>,
    pub dubbings: Vec<String>,
    pub releases: Vec<ReleaseItem>,
    pub total_viewers: i64,
}

#[derive(Clone, Debug)]
pub struct ReleaseItem {
    pub country: String,
    pub released_on: NaiveDate,
}

#[derive(Clone, Debug)]
pub struct EpisodeItem {
    pub number: i64,
    pub title: String,
    pub total_viewers: i64,
    pub tech_interrupt: bool,
}

#[derive(Clone, Debug)]
pub struct ScheduleItem {
    pub episode_number: i64,
    pub episode_title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

pub struct SeriesView<'a> {
    pub series: &'a SeriesDetail,
    pub episodes: &'a [EpisodeItem],
    pub schedules: &'a [ScheduleItem],
    /// Staff see the technical-interruption flags; the cached data is shared, so the
    /// choice is made here, per request.
    pub show_staff_columns: bool,
    pub feedback: FeedbackView<'a>,
    /// Decides which airing windows are on now and which comes next.
    pub today: NaiveDate,
}

pub fn series_page(ctx: &PageContext, view: &SeriesView) -> Markup {
    let series = view.series;
    let episodes = view.episodes;
    page(
        ctx,
        &series.title,
        html! {
            p.breadcrumb { a href=(paths::HOME) { "← Catalog" } }
            article.series {
                div.series-head {
                    (poster(series.id, &series.title, series.poster_key.as_deref(), series.poster_url.as_deref(), true))
                    div.series-summary {
                        h1 { (series.title) }
                        @if view.show_staff_columns {
                            p.staff-edit {
                                a.button.button-quiet.button-small href=(paths::admin_row("series", series.id)) { "Edit in admin" }
                            }
                        }
                        p.card-meta { (series.production_house) " · " (series.origin_country) " · " (series.language) }
                        @if !series.genres.is_empty() {
                            ul.tags aria-label="Genres" { @for genre in &series.genres { li { (genre) } } }
                        }
                        dl.facts {
                            div { dt { "Released" } dd { (long_date(series.release_date)) } }
                            div { dt { "Episodes" } dd { (episodes.len()) " of " (series.planned_episodes) " planned" } }
                            div { dt { "Total viewers" } dd { (thousands(series.total_viewers)) } }
                            div { dt { "Rating" } dd { (series_rating(view.feedback.summary, false)) } }
                        }
                        // The details sit beside the poster, so the top card has no empty half.
                        section.head-about aria-labelledby="about-heading" {
                            h2 id="about-heading" { "About" }
                            dl.detail-list {
                                div { dt { "Production house" } dd { (series.production_house) } }
                                div { dt { "Origin country" } dd { (series.origin_country) } }
                                div { dt { "Original language" } dd { (series.language) } }
                                div { dt { "Genres" } dd { (list_or(&series.genres, "None listed")) } }
                                div { dt { "Subtitles" } dd { (list_or(&series.subtitles, "None")) } }
                                div { dt { "Dubbed in" } dd { (list_or(&series.dubbings, "None")) } }
                            }
                        }
                    }
                }
                div.series-details {
                    section.detail-panel aria-labelledby="availability-heading" {
                        h2 id="availability-heading" { "Where it is available" }
                        @if series.releases.is_empty() {
                            p.muted { "Not released in any country yet." }
                        } @else {
                            ul.release-list {
                                @for release in &series.releases {
                                    li {
                                        span { (release.country) }
                                        time.muted datetime=(release.released_on.to_string()) { "since " (short_date(release.released_on)) }
                                    }
                                }
                            }
                        }
                    }
                    section.detail-panel aria-labelledby="schedule-heading" {
                        h2 id="schedule-heading" { "On air and coming up" }
                        @if view.schedules.is_empty() {
                            p.muted { "Nothing scheduled." }
                        } @else {
                            (crate::schedule::schedule_list(view.schedules, view.today))
                        }
                    }
                }
                section.episodes aria-labelledby="episodes-heading" {
                    h2 id="episodes-heading" { "Episodes" }
                    @if episodes.is_empty() {
                        p.muted { "No episodes have been published yet." }
                    } @else {
                        div.table-scroll {
                            table.table {
                                caption.visually-hidden { "Episodes of " (series.title) ", in order, with their viewers" }
                                thead {
                                    tr {
                                        th scope="col" { "#" }
                                        th scope="col" { "Title" }
                                        th.num scope="col" { "Viewers" }
                                        @if view.show_staff_columns { th scope="col" { "Technical interruption" } }
                                    }
                                }
                                tbody {
                                    @for episode in episodes {
                                        tr {
                                            td { (episode.number) }
                                            td { (episode.title) }
                                            td.num { (thousands(episode.total_viewers)) }
                                            @if view.show_staff_columns {
                                                td {
                                                    @if episode.tech_interrupt {
                                                        span.badge.badge-warn { "interrupted" }
                                                    } @else {
                                                        span.muted { "no" }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (feedback_section(&view.feedback))
            }
        },
    )
}

fn list_or(names: &[String], empty: &str) -> String {
    if names.is_empty() {
        empty.to_owned()
    } else {
        names.join(", ")
    }
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

    #[test]
    fn only_https_or_local_posters_load() {
        assert_eq!(
            safe_image_url("https://img.example/p.jpg"),
            Some("https://img.example/p.jpg")
        );
        assert_eq!(safe_image_url("/assets/p.png"), Some("/assets/p.png"));
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:image/svg+xml,<svg onload=alert(1)>",
            "//evil.example/p.png",
            "http://plain.example/p.png",
            "https://",
            "https://a.example/p.png\" onerror=\"alert(1)",
            "",
        ] {
            assert_eq!(safe_image_url(bad), None, "{bad}");
        }
    }
}
