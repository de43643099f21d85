//! Ratings and reviews on the series page: the rating summary, the visitor's own review form
//! and the newest-first list. The whole section is one swappable fragment ([`FEEDBACK_ID`]), so
//! after a write the figures, the form and the list change together in place.
//!
//! Everything a person typed is rendered as text (Maud escapes it) inside elements that
//! isolate its direction (`dir="auto"` / `<bdi>`), so markup, `hx-*` attributes, `javascript:`
//! text and right-to-left overrides stay inert and cannot reorder the page around them.

use chrono::{DateTime, Utc};
use maud::{html, Markup};

use crate::format::{rating as format_rating, short_date, thousands};
use crate::forms::{csrf_field, Messages};
use crate::paths;

/// The section swapped after every review write.
pub const FEEDBACK_ID: &str = "feedback";
/// The review list inside it (swapped alone by its pager).
pub const REVIEWS_ID: &str = "reviews";
/// The rating badge in the series' facts, refreshed out of band after a write.
pub const SERIES_RATING_ID: &str = "series-rating";
/// The confirmation after a write; app.js moves focus to it so it is read out at once.
pub const NOTICE_ID: &str = "review-notice";
/// The review form's text box and its live character counter.
pub const BODY_FIELD_ID: &str = "field-review-body";
pub const BODY_COUNTER_ID: &str = "review-body-count";
/// Longest review text in characters (what the server accepts).
pub const MAX_BODY_CHARS: usize = 400;

/// The figures from `series_stats`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RatingSummary {
    pub average: Option<f64>,
    pub count: i64,
    /// Ratings with 1, 2, 3, 4 and 5 stars.
    pub distribution: [i64; 5],
}

#[derive(Clone, Debug)]
pub struct ReviewItem {
    pub account_id: i64,
    pub author: String,
    pub rating: i64,
    pub body: String,
    pub recorded_at: DateTime<Utc>,
}

/// Who is looking, as far as this section cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    Customer,
    Staff,
}

/// The review form's values: what was typed (after a refusal) or the saved review.
#[derive(Clone, Debug, Default)]
pub struct ReviewForm {
    pub rating: String,
    pub body: String,
}

pub struct FeedbackView<'a> {
    pub series_id: i64,
    pub summary: &'a RatingSummary,
    pub reviews: &'a [ReviewItem],
    pub reviews_page: u32,
    pub has_next: bool,
    pub viewer: Viewer,
    /// The signed-in customer's own review of this series, if any: marked "Your review" and
    /// listed first (and only there).
    pub own: Option<&'a ReviewItem>,
    pub form: &'a ReviewForm,
    pub errors: &'a dyn Messages,
    /// A confirmation to show once ("Your review was saved.").
    pub notice: Option<&'a str>,
    pub csrf_token: &'a str,
}

pub fn feedback_section(view: &FeedbackView) -> Markup {
    html! {
        section.feedback id=(FEEDBACK_ID) aria-labelledby="feedback-heading" {
            h2 id="feedback-heading" { "Ratings and reviews" }
            @if let Some(notice) = view.notice {
                div.flash.flash-success id=(NOTICE_ID) role="status" tabindex="-1" { (notice) }
            }
            div.feedback-grid {
                (summary(view.summary))
                div.my-review {
                    @match view.viewer {
                        Viewer::Customer => (review_form(view)),
                        Viewer::Anonymous => (sign_in_to_review(view.series_id)),
                        Viewer::Staff => p.muted { "Staff accounts do not write reviews. You can remove any review below." },
                    }
                }
            }
            (review_list(view))
        }
    }
}

/// The facts' rating badge, for a normal page (`oob` false) or replaced out of band after a
/// write (`oob` true).
pub fn series_rating(summary: &RatingSummary, oob: bool) -> Markup {
    html! {
        span id=(SERIES_RATING_ID) hx-swap-oob=[oob.then_some("true")] {
            (rating_badge(summary.average, summary.count))
        }
    }
}

fn summary(summary: &RatingSummary) -> Markup {
    let count = summary.count;
    html! {
        div.rating-summary id="rating-summary" data-ratings=(count) {
            @match summary.average {
                Some(average) => {
                    p.rating-average {
                        span.rating-average-value data-average=(format_rating(average)) { (format_rating(average)) }
                        span.muted { " out of 5" }
                    }
                    p.muted.rating-count {
                        (thousands(count)) @if count == 1 { " rating" } @else { " ratings" }
                    }
                }
                None => p.muted.rating-count { "No ratings yet." }
            }
            ul.distribution aria-label="How many ratings gave each number of stars" {
                @for stars in (1..=5usize).rev() {
                    @let n = summary.distribution[stars - 1];
                    li data-stars=(stars) data-count=(n) {
                        span.distribution-label { (stars) " ★" }
                        meter min="0" max=(count.max(1)) value=(n)
                            aria-label={(stars) " stars: " (n) " of " (count)} {}
                        span.distribution-count { (thousands(n)) }
                    }
                }
            }
        }
    }
}

fn sign_in_to_review(series_id: i64) -> Markup {
    let back: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("next", &paths::series(series_id))
        .finish();
    html! {
        p { "Seen it? Tell other viewers what you think." }
        a.button href={(paths::LOGIN) "?" (back)} { "Sign in to review" }
        " "
        a.button.button-quiet href=(paths::REGISTER) { "Create an account" }
    }
}

fn review_form(view: &FeedbackView) -> Markup {
    let action = paths::series_feedback(view.series_id);
    let errors = view.errors;
    let rating_error = errors.message("rating");
    let body_error = errors.message("body");
    let chars = view.form.body.chars().count();
    let described_by = match body_error {
        Some(_) => [BODY_COUNTER_ID, " error-body"].concat(),
        None => BODY_COUNTER_ID.to_owned(),
    };
    html! {
        form.review-form id="review-form" method="post" action=(action)
            hx-post=(action) hx-target={"#" (FEEDBACK_ID)} hx-swap="outerHTML" novalidate {
            (csrf_field(view.csrf_token))
            h3 { @if view.own.is_some() { "Edit your review" } @else { "Write a review" } }
            @if !errors.is_empty() {
                div.flash.flash-error role="alert" { "Please correct the highlighted fields." }
            }
            fieldset.star-input.has-error[rating_error.is_some()]
                aria-describedby=[rating_error.map(|_| "error-rating")] {
                legend { "Your rating" }
                div.star-choices {
                    @for stars in 1..=5 {
                        @let id = ["rating-", &stars.to_string()].concat();
                        input.visually-hidden type="radio" id=(id) name="rating" value=(stars)
                            checked[view.form.rating.trim() == stars.to_string()] required;
                        label for=(id) {
                            (stars) " ★"
                            span.visually-hidden { @if stars == 1 { " star" } @else { " stars" } }
                        }
                    }
                }
                @if let Some(message) = rating_error {
                    p.field-error id="error-rating" { (message) }
                }
            }
            div.field.has-error[body_error.is_some()] {
                label for=(BODY_FIELD_ID) { "Your review " span.muted { "(optional)" } }
                textarea id=(BODY_FIELD_ID) name="body" rows="4" dir="auto"
                    data-counter=(BODY_COUNTER_ID) aria-describedby=(described_by)
                    aria-invalid=[body_error.map(|_| "true")] { (view.form.body) }
                p.char-count.over[chars > MAX_BODY_CHARS] id=(BODY_COUNTER_ID) data-max=(MAX_BODY_CHARS) {
                    (chars) " / " (MAX_BODY_CHARS) " characters"
                }
                @if let Some(message) = body_error {
                    p.field-error id="error-body" { (message) }
                }
            }
            div.form-actions {
                button.button type="submit" { @if view.own.is_some() { "Update review" } @else { "Post review" } }
            }
        }
        @if view.own.is_some() {
            form.inline-form method="post" action=(paths::series_feedback_delete(view.series_id))
                hx-delete=(action) hx-target={"#" (FEEDBACK_ID)} hx-swap="outerHTML"
                hx-params="none" hx-confirm="Delete your review?" {
                (csrf_field(view.csrf_token))
                button.button.button-quiet.button-danger-quiet type="submit" { "Delete my review" }
            }
        }
    }
}

fn review_list(view: &FeedbackView) -> Markup {
    let page = view.reviews_page;
    let page_href = |number: u32| -> String {
        let base = paths::series(view.series_id);
        if number <= 1 {
            base
        } else {
            [base.as_str(), "?reviews_page=", &number.to_string()].concat()
        }
    };
    html! {
        div.review-list-wrap id=(REVIEWS_ID) {
            h3 { "What viewers say" }
            @if view.reviews.is_empty() && (page > 1 || view.own.is_none()) {
                p.muted {
                    @if page > 1 { "No more reviews." } @else { "No reviews yet." }
                }
            } @else {
                ol.review-list {
                    @if let Some(own) = view.own.filter(|_| page == 1) {
                        (review_entry(view, own, true))
                    }
                    @for review in view.reviews.iter().filter(|r| Some(r.account_id) != view.own.map(|o| o.account_id)) {
                        (review_entry(view, review, false))
                    }
                }
            }
            @if page > 1 || view.has_next {
                nav.pager aria-label="Review pages" {
                    @if page > 1 {
                        a.button.button-quiet href={(page_href(page - 1)) "#" (REVIEWS_ID)} rel="prev"
                            hx-get=(page_href(page - 1)) hx-target={"#" (REVIEWS_ID)} hx-select={"#" (REVIEWS_ID)}
                            hx-swap="outerHTML" hx-push-url="true" { "← Newer" }
                    }
                    span.pager-current { "Page " (page) }
                    @if view.has_next {
                        a.button.button-quiet href={(page_href(page + 1)) "#" (REVIEWS_ID)} rel="next"
                            hx-get=(page_href(page + 1)) hx-target={"#" (REVIEWS_ID)} hx-select={"#" (REVIEWS_ID)}
                            hx-swap="outerHTML" hx-push-url="true" { "Older →" }
                    }
                }
            }
        }
    }
}

fn review_entry(view: &FeedbackView, review: &ReviewItem, own: bool) -> Markup {
    html! {
        li.review.review-own[own] id={"review-" (review.account_id)} {
            div.review-head {
                strong.review-author { bdi { (review.author) } }
                @if own { span.badge.badge-own { "Your review" } }
                span.rating role="img" aria-label={(review.rating) " out of 5 stars"} { (stars(review.rating)) }
                time.muted datetime=(review.recorded_at.to_rfc3339()) { (short_date(review.recorded_at.date_naive())) }
            }
            @if !review.body.is_empty() {
                p.review-body dir="auto" { (review.body) }
            }
            @if view.viewer == Viewer::Staff {
                (staff_remove(view, review))
            }
        }
    }
}

fn staff_remove(view: &FeedbackView, review: &ReviewItem) -> Markup {
    let path = paths::admin_feedback(view.series_id, review.account_id);
    html! {
        form.inline-form method="post" action=(paths::admin_feedback_delete(view.series_id, review.account_id))
            hx-delete=(path) hx-target={"#" (FEEDBACK_ID)} hx-swap="outerHTML" hx-params="none"
            hx-confirm="Remove this review? The audit log keeps a copy." {
            (csrf_field(view.csrf_token))
            button.button.button-quiet.button-small type="submit" {
                "Remove review" span.visually-hidden { " by " (review.author) }
            }
        }
    }
}

/// "★★★★☆" for 4.
pub fn stars(rating: i64) -> String {
    let filled = rating.clamp(0, 5) as usize;
    ["★".repeat(filled), "☆".repeat(5 - filled)].concat()
}

/// A series' average rating and how many gave it, or "Not rated yet".
pub fn rating_badge(avg: Option<f64>, ratings: i64) -> Markup {
    html! {
        @match avg {
            Some(avg) => span.rating title={(ratings) " ratings"} { "★ " (format_rating(avg)) span.muted { " (" (ratings) ")" } },
            None => span.rating.muted { "Not rated yet" },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::NoMessages;

    fn view<'a>(
        reviews: &'a [ReviewItem],
        summary: &'a RatingSummary,
        form: &'a ReviewForm,
    ) -> FeedbackView<'a> {
        FeedbackView {
            series_id: 7,
            summary,
            reviews,
            reviews_page: 1,
            has_next: false,
            viewer: Viewer::Staff,
            own: None,
            form,
            errors: &NoMessages,
            notice: None,
            csrf_token: "tok",
        }
    }

    #[test]
    fn review_text_is_inert() {
        let body = "<script>alert(1)</script><img src=x onerror=alert(1)> <div hx-get=\"/x\" hx-trigger=\"load\">x</div> <a href=\"javascript:alert(1)\">y</a> \u{202E}gnp.exe";
        let reviews = [ReviewItem {
            account_id: 3,
            author: "mallory".into(),
            rating: 1,
            body: body.into(),
            recorded_at: Utc::now(),
        }];
        let summary = RatingSummary::default();
        let form = ReviewForm::default();
        let html = feedback_section(&view(&reviews, &summary, &form)).into_string();
        for live in ["<script>", "<img", "<div hx-get", "<a href=\"javascript:"] {
            assert!(!html.contains(live), "{live} in {html}");
        }
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("<p class=\"review-body\" dir=\"auto\">"));
    }

    #[test]
    fn distribution_lists_five_to_one() {
        let summary = RatingSummary {
            average: Some(3.5),
            count: 4,
            distribution: [1, 0, 1, 0, 2],
        };
        let html = summary_html(&summary);
        let five = html.find("data-stars=\"5\" data-count=\"2\"");
        let one = html.find("data-stars=\"1\" data-count=\"1\"");
        assert!(five.is_some() && one.is_some() && five < one, "{html}");
        assert!(html.contains("3.5"));
    }

    fn summary_html(s: &RatingSummary) -> String {
        summary(s).into_string()
    }
}
