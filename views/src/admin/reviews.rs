//! Review moderation: every review, newest first, searched and filtered, each with a remove
//! button (the staff removal route, which brings the visitor back to this list).

use chrono::{DateTime, Utc};
use maud::{html, Markup};

use super::table::SelectOption;
use super::{admin_page, NavLink};
use crate::format::{thousands, timestamp};
use crate::forms::csrf_field;
use crate::layout::PageContext;
use crate::paths;

pub const REVIEWS_ID: &str = "staff-reviews";

pub struct ReviewItem {
    pub series_id: i64,
    pub title: String,
    pub account_id: i64,
    pub username: String,
    pub rating: i64,
    pub body: String,
    pub at: DateTime<Utc>,
}

pub struct ReviewsView {
    pub q: String,
    pub series_id: Option<i64>,
    pub rating: Option<i64>,
    pub page: u32,
    pub pages: u32,
    pub total: i64,
    pub series_choices: Vec<SelectOption>,
    pub reviews: Vec<ReviewItem>,
    pub csrf_token: String,
}

impl ReviewsView {
    pub fn href(&self, page: u32) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        if let Some(series) = self.series_id {
            query.append_pair("series", &series.to_string());
        }
        if let Some(rating) = self.rating {
            query.append_pair("rating", &rating.to_string());
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            paths::ADMIN_REVIEWS.to_owned()
        } else {
            [paths::ADMIN_REVIEWS, "?", &query].concat()
        }
    }
}

pub fn reviews_page(ctx: &PageContext, nav: &[NavLink], view: &ReviewsView) -> Markup {
    let target = ["#", REVIEWS_ID].concat();
    admin_page(
        ctx,
        "Reviews",
        nav,
        html! {
            div.admin-head { h1 { "Reviews" } }
            form.admin-toolbar method="get" action=(paths::ADMIN_REVIEWS) role="search"
                hx-get=(paths::ADMIN_REVIEWS) hx-target=(target) hx-swap="outerHTML" hx-push-url="true"
                hx-trigger="input changed delay:300ms from:input[name=q], change, submit" {
                label.filter.filter-search {
                    span { "Search" }
                    input type="search" name="q" value=(view.q) maxlength="100" autocomplete="off"
                        placeholder="Review, series or reviewer";
                }
                label.filter {
                    span { "Series" }
                    select name="series" {
                        option value="" { "All" }
                        @for option in &view.series_choices {
                            option value=(option.value) selected[view.series_id == Some(option.value)] { (option.label) }
                        }
                    }
                }
                label.filter {
                    span { "Rating" }
                    select name="rating" {
                        option value="" { "Any" }
                        @for stars in 1..=5i64 {
                            option value=(stars) selected[view.rating == Some(stars)] { (stars) " ★" }
                        }
                    }
                }
                noscript { button.button type="submit" { "Apply" } }
            }
            (reviews_section(view))
        },
    )
}

pub fn reviews_section(view: &ReviewsView) -> Markup {
    let target = ["#", REVIEWS_ID].concat();
    let back = view.href(view.page);
    html! {
        section.admin-table-section id=(REVIEWS_ID) aria-live="polite" {
            p.table-summary.muted {
                (thousands(view.total)) " " (if view.total == 1 { "review" } else { "reviews" })
                @if view.pages > 1 { " · page " (view.page) " of " (view.pages) }
            }
            @if view.reviews.is_empty() {
                p.empty-state { "No reviews" @if !view.q.is_empty() || view.series_id.is_some() || view.rating.is_some() { " match the search" } "." }
            } @else {
                div.table-scroll {
                    table.table.admin-table.reviews-table {
                        thead { tr { th { "When" } th { "Series" } th { "Reviewer" } th.num { "Rating" } th { "Review" } th.actions-col { "Actions" } } }
                        tbody {
                            @for review in &view.reviews {
                                (review_row(review, &back, &view.csrf_token))
                            }
                        }
                    }
                }
            }
            @if view.pages > 1 {
                nav.pager aria-label="Pages" {
                    @if view.page > 1 {
                        @let href = view.href(view.page - 1);
                        a.button.button-quiet.button-small href=(href) hx-get=(href) hx-target=(target) hx-swap="outerHTML" hx-push-url="true" rel="prev" { "← Newer" }
                    }
                    span.pager-current { "Page " (view.page) " of " (view.pages) }
                    @if view.page < view.pages {
                        @let href = view.href(view.page + 1);
                        a.button.button-quiet.button-small href=(href) hx-get=(href) hx-target=(target) hx-swap="outerHTML" hx-push-url="true" rel="next" { "Older →" }
                    }
                }
            }
        }
    }
}

fn review_row(review: &ReviewItem, back: &str, csrf_token: &str) -> Markup {
    let row_id = [
        "review-",
        &review.series_id.to_string(),
        "-",
        &review.account_id.to_string(),
    ]
    .concat();
    let remove = [
        paths::admin_feedback_delete(review.series_id, review.account_id).as_str(),
        "?",
        &form_urlencoded::Serializer::new(String::new())
            .append_pair("_return", back)
            .finish(),
    ]
    .concat();
    let confirm = [
        "Remove the review of “",
        &review.title,
        "” by ",
        &review.username,
        "?",
    ]
    .concat();
    html! {
        tr id=(row_id) {
            td.nowrap { (timestamp(review.at)) }
            td.truncate title=(review.title) { a href=(paths::admin_row("series", review.series_id)) { (review.title) } }
            td.truncate title=(review.username) { a href=(paths::admin_row("customers", review.account_id)) { (review.username) } }
            td.num { (review.rating) " ★" }
            td.review-body { (review.body) }
            td.actions {
                form method="post" action=(remove) hx-post=(remove) hx-target={"#" (row_id)} hx-swap="outerHTML" hx-confirm=(confirm) {
                    (csrf_field(csrf_token))
                    button.button.button-danger-outline.button-small type="submit" { "Remove" }
                }
            }
        }
    }
}

/// What replaces a removed review's row.
pub fn removed_row(series_id: i64, account_id: i64) -> Markup {
    let row_id = [
        "review-",
        &series_id.to_string(),
        "-",
        &account_id.to_string(),
    ]
    .concat();
    html! {
        tr id=(row_id) .removed-row {
            td colspan="6" { p.row-message.flash-success role="status" { "The review was removed." } }
        }
    }
}
