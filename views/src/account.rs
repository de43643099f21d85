//! One's own account: profile, password, two-factor sign-in, and (customers only) deletion.

use maud::{html, Markup};

use crate::auth::country_select;
use crate::catalog::Choice;
use crate::forms::{csrf_field, Input, Messages};
use crate::layout::{page, PageContext};
use crate::paths;

pub const PROFILE_FORM_ID: &str = "profile-form";
pub const PASSWORD_FORM_ID: &str = "password-form";
pub const EMAIL_FORM_ID: &str = "email-form";
pub const MY_REVIEWS_ID: &str = "my-reviews";

/// One of the customer's own reviews, for the list on their account page.
#[derive(Clone, Debug)]
pub struct OwnReview {
    pub series_id: i64,
    pub title: String,
    pub rating: i64,
    pub body: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}
pub const DELETE_FORM_ID: &str = "delete-form";

#[derive(Clone, Debug, Default)]
pub struct ProfileValues {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub country_id: Option<i64>,
    /// Shown to customers, never editable by them; `None` for employees (they have none).
    pub monthly_subscription_cents: Option<i64>,
}

pub struct AccountView<'a> {
    pub profile: &'a ProfileValues,
    pub countries: &'a [Choice],
    pub profile_errors: &'a dyn Messages,
    pub password_errors: &'a dyn Messages,
    /// Messages for the e-mail form (`email`, `current_password`).
    pub email_errors: &'a dyn Messages,
    pub delete_errors: &'a dyn Messages,
    pub profile_saved: bool,
    /// The e-mail address changed: say that the old address was told.
    pub email_notice_sent: bool,
    /// The e-mail address typed into the e-mail form (the current one unless a change was
    /// refused).
    pub email_value: &'a str,
    /// One's reviews, newest first; `None` for staff (who write none).
    pub reviews: Option<&'a [OwnReview]>,
    /// Employees cannot delete their own account.
    pub can_delete: bool,
    pub two_factor_on: bool,
}

pub fn account_page(ctx: &PageContext, view: &AccountView) -> Markup {
    page(
        ctx,
        "My account",
        html! {
            h1 { "My account" }
            div.panels {
                (profile_form(ctx, view))
                (email_form(ctx, view))
                (password_form(ctx, view.password_errors))
                section.panel id="two-factor" {
                    h2 { "Two-factor sign-in" }
                    @if view.two_factor_on {
                        p { "On: signing in asks for a code from your authenticator app." }
                    } @else {
                        p { "Off: signing in asks only for your password." }
                    }
                    a.button href=(paths::ACCOUNT_2FA) { "Manage two-factor sign-in" }
                }
                @if let Some(reviews) = view.reviews {
                    (my_reviews(reviews))
                }
                @if view.can_delete {
                    section.panel.panel-danger id=(DELETE_FORM_ID) {
                        h2 { "Delete account" }
                        p { "This signs you out everywhere and removes your profile, ratings and reviews. It cannot be undone." }
                        form method="post" action=(paths::ACCOUNT_DELETE) novalidate {
                            (csrf_field(&ctx.csrf_token))
                            (Input::password("current_password", "Your password", "current-password").scope("delete").render(view.delete_errors))
                            button.button.button-danger type="submit" { "Delete my account" }
                        }
                    }
                }
            }
        },
    )
}

pub fn profile_form(ctx: &PageContext, view: &AccountView) -> Markup {
    let values = view.profile;
    let errors = view.profile_errors;
    html! {
        section.panel id=(PROFILE_FORM_ID) {
            h2 { "Profile" }
            @if view.profile_saved {
                div.flash.flash-success role="status" {
                    "Profile saved."
                }
            }
            form method="post" action=(paths::ACCOUNT) hx-post=(paths::ACCOUNT) hx-target={"#" (PROFILE_FORM_ID)} hx-swap="outerHTML" novalidate {
                (csrf_field(&ctx.csrf_token))
                p.muted {
                    "Username: " strong { (values.username) }
                    @if let Some(cents) = values.monthly_subscription_cents {
                        " · Subscription: " (crate::format::money(cents)) " per month"
                    }
                }
                div.field-row {
                    (Input::text("first_name", "First name", &values.first_name).autocomplete("given-name").render(errors))
                    (Input::text("last_name", "Last name", &values.last_name).autocomplete("family-name").render(errors))
                }
                (country_select(view.countries, values.country_id, errors))
                button.button type="submit" { "Save profile" }
            }
        }
    }
}

/// The e-mail address in a small form of its own, with the password it needs (a hijacked
/// session alone cannot move the account to another address).
pub fn email_form(ctx: &PageContext, view: &AccountView) -> Markup {
    let errors = view.email_errors;
    html! {
        section.panel id=(EMAIL_FORM_ID) {
            h2 { "E-mail address" }
            @if view.email_notice_sent {
                div.flash.flash-success role="status" {
                    "E-mail address changed. A notice went to your previous e-mail address."
                }
            }
            p.muted { "Current: " strong { (view.profile.email) } }
            form method="post" action=(paths::ACCOUNT_EMAIL) hx-post=(paths::ACCOUNT_EMAIL) hx-target={"#" (EMAIL_FORM_ID)} hx-swap="outerHTML" novalidate {
                (csrf_field(&ctx.csrf_token))
                (Input::text("email", "New e-mail address", view.email_value).kind("email").autocomplete("email").render(errors))
                (Input::password("current_password", "Your password", "current-password").scope("email").render(errors))
                button.button type="submit" { "Change e-mail address" }
            }
        }
    }
}

/// Links to one's own reviews, newest first.
fn my_reviews(reviews: &[OwnReview]) -> Markup {
    html! {
        section.panel id=(MY_REVIEWS_ID) aria-labelledby="my-reviews-heading" {
            h2 id="my-reviews-heading" { "My reviews" }
            @if reviews.is_empty() {
                p.muted { "You have not reviewed any series yet. " a href=(paths::HOME) { "Find one in the catalog" } "." }
            } @else {
                ul.my-review-list {
                    @for review in reviews {
                        li {
                            a href={(paths::series(review.series_id)) "#" (crate::feedback::FEEDBACK_ID)} { (review.title) }
                            " "
                            span.rating role="img" aria-label={(review.rating) " out of 5 stars"} { (crate::feedback::stars(review.rating)) }
                            " "
                            time.muted datetime=(review.recorded_at.to_rfc3339()) { (crate::format::short_date(review.recorded_at.date_naive())) }
                            @if !review.body.is_empty() {
                                p.review-body.muted dir="auto" { (review.body) }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn password_form(ctx: &PageContext, errors: &dyn Messages) -> Markup {
    html! {
        section.panel id=(PASSWORD_FORM_ID) {
            h2 { "Change password" }
            p.muted { "Changing it signs you out everywhere else." }
            form method="post" action=(paths::ACCOUNT_PASSWORD) hx-post=(paths::ACCOUNT_PASSWORD) hx-target={"#" (PASSWORD_FORM_ID)} hx-swap="outerHTML" novalidate {
                (csrf_field(&ctx.csrf_token))
                (Input::password("current_password", "Current password", "current-password").scope("password").render(errors))
                (Input::password("password", "New password (12–64 characters)", "new-password").scope("password").render(errors))
                (Input::password("password_confirm", "Repeat the new password", "new-password").scope("password").render(errors))
                button.button type="submit" { "Change password" }
            }
        }
    }
}

pub const TOTP_SECRET_ID: &str = "totp-secret";
pub const TWO_FACTOR_FORM_ID: &str = "two-factor-form";

/// What the two-factor page shows.
pub enum TwoFactorView<'a> {
    /// Enrolment: the secret (base32) and its `otpauth://` URI, until a code confirms it.
    Enrol {
        secret_base32: &'a str,
        otpauth_uri: &'a str,
        /// The URI as an inline SVG QR code, drawn by the server.
        qr_svg: Option<&'a str>,
        error: Option<&'a str>,
    },
    /// Just turned on: the recovery codes, shown this once.
    Enabled { recovery_codes: &'a [String] },
    /// On: the form to turn it off (password and a code).
    On { errors: &'a dyn Messages },
    /// Just turned off.
    Disabled,
}

pub fn two_factor_page(ctx: &PageContext, view: &TwoFactorView) -> Markup {
    page(
        ctx,
        "Two-factor sign-in",
        html! {
            h1 { "Two-factor sign-in" }
            section.panel id=(TWO_FACTOR_FORM_ID) {
                @match view {
                    TwoFactorView::Enrol { secret_base32, otpauth_uri, qr_svg, error } => {
                        p { "Scan the code, or add this key to an authenticator app (time-based, 6 digits, 30 seconds), then enter the code it shows." }
                        @if let Some(svg) = qr_svg {
                            div.qr-code role="img" aria-label="QR code of the key" { (maud::PreEscaped(*svg)) }
                        }
                        p { "Key: " code id=(TOTP_SECRET_ID) { (secret_base32) } }
                        p { a href=(otpauth_uri) { "Open in an authenticator app" } }
                        @if let Some(error) = error {
                            div.flash.flash-error role="alert" { (error) }
                        }
                        form method="post" action=(paths::ACCOUNT_2FA) novalidate {
                            (csrf_field(&ctx.csrf_token))
                            (Input::text("code", "Code from the app", "").autocomplete("one-time-code").render(&crate::forms::NoMessages))
                            button.button type="submit" { "Turn on two-factor sign-in" }
                        }
                    }
                    TwoFactorView::Enabled { recovery_codes } => {
                        div.flash.flash-success role="status" { "Two-factor sign-in is on." }
                        p { "Keep these recovery codes somewhere safe. Each works once, instead of a code from the app. They are not shown again." }
                        ul id="recovery-codes" {
                            @for code in recovery_codes.iter() { li { code { (code) } } }
                        }
                        a.button href=(paths::ACCOUNT) { "Done" }
                    }
                    TwoFactorView::On { errors } => {
                        p { "Two-factor sign-in is on." }
                        h2 { "Turn it off" }
                        form method="post" action=(paths::ACCOUNT_2FA_DISABLE) novalidate {
                            (csrf_field(&ctx.csrf_token))
                            (Input::password("current_password", "Your password", "current-password").render(*errors))
                            (Input::text("code", "Code from the app, or a recovery code", "").autocomplete("one-time-code").render(*errors))
                            button.button.button-danger type="submit" { "Turn off two-factor sign-in" }
                        }
                    }
                    TwoFactorView::Disabled => {
                        div.flash.flash-success role="status" { "Two-factor sign-in is off." }
                        a.button href=(paths::ACCOUNT) { "Back to my account" }
                    }
                }
            }
        },
    )
}

pub const REAUTH_FORM_ID: &str = "reauth-form";

/// The answer to a dangerous staff action without a recent password: a password box and
/// the submitted fields again, posted to the same place, so one click repeats the action.
pub fn reauth_prompt(
    ctx: &PageContext,
    action: &str,
    fields: &[(String, String)],
    error: Option<&str>,
) -> Markup {
    html! {
        section.panel id=(REAUTH_FORM_ID) role="alertdialog" {
            h2 { "Confirm it is you" }
            p { "This change needs your password: enter it to continue." }
            @if let Some(error) = error {
                div.flash.flash-error role="alert" { (error) }
            }
            form method="post" action=(action) novalidate {
                (csrf_field(&ctx.csrf_token))
                @for (name, value) in fields {
                    input type="hidden" name=(name) value=(value);
                }
                (Input::password("current_password", "Your password", "current-password").render(&crate::forms::NoMessages))
                button.button type="submit" { "Confirm and continue" }
            }
        }
    }
}

pub fn reauth_page(
    ctx: &PageContext,
    action: &str,
    fields: &[(String, String)],
    error: Option<&str>,
) -> Markup {
    page(
        ctx,
        "Confirm it is you",
        html! { (reauth_prompt(ctx, action, fields, error)) },
    )
}
