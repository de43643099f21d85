//! Sign-in, registration and password-reset pages.

use maud::{html, Markup};

use crate::catalog::Choice;
use crate::forms::{csrf_field, Input, Messages, NoMessages};
use crate::layout::{page, PageContext};
use crate::paths;

pub const LOGIN_FORM_ID: &str = "login-form";

fn form_errors_summary(errors: &dyn Messages, general: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = general {
            div.flash.flash-error role="alert" { (message) }
        } @else if !errors.is_empty() {
            div.flash.flash-error role="alert" { "Please correct the highlighted fields." }
        }
    }
}

pub fn login_page(
    ctx: &PageContext,
    username: &str,
    next: Option<&str>,
    error: Option<&str>,
) -> Markup {
    page(
        ctx,
        "Sign in",
        html! {
            section.auth-card {
                h1 { "Sign in" }
                (form_errors_summary(&NoMessages, error))
                form id=(LOGIN_FORM_ID) method="post" action=(paths::LOGIN) {
                    (csrf_field(&ctx.csrf_token))
                    @if let Some(next) = next { input type="hidden" name="next" value=(next); }
                    (Input::text("username", "Username", username).autocomplete("username").render(&NoMessages))
                    (Input::password("password", "Password", "current-password").render(&NoMessages))
                    button.button.button-wide type="submit" { "Sign in" }
                }
                p.auth-links {
                    a href=(paths::FORGOT_PASSWORD) { "Forgot your password?" }
                    " · "
                    a href=(paths::REGISTER) { "Create an account" }
                }
            }
        },
    )
}

#[derive(Clone, Debug, Default)]
pub struct RegisterValues {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub country_id: Option<i64>,
}

pub fn register_page(
    ctx: &PageContext,
    values: &RegisterValues,
    countries: &[Choice],
    errors: &dyn Messages,
) -> Markup {
    page(
        ctx,
        "Create an account",
        html! {
            section.auth-card {
                h1 { "Create your account" }
                (form_errors_summary(errors, None))
                form method="post" action=(paths::REGISTER) novalidate {
                    (csrf_field(&ctx.csrf_token))
                    (Input::text("username", "Username", &values.username).autocomplete("username").render(errors))
                    (Input::text("email", "E-mail", &values.email).kind("email").autocomplete("email").render(errors))
                    div.field-row {
                        (Input::text("first_name", "First name", &values.first_name).autocomplete("given-name").render(errors))
                        (Input::text("last_name", "Last name", &values.last_name).autocomplete("family-name").render(errors))
                    }
                    (country_select(countries, values.country_id, errors))
                    (Input::password("password", "Password (12–64 characters)", "new-password").render(errors))
                    (Input::password("password_confirm", "Repeat the password", "new-password").render(errors))
                    button.button.button-wide type="submit" { "Create account" }
                }
                p.auth-links { "Already have an account? " a href=(paths::LOGIN) { "Sign in" } }
            }
        },
    )
}

pub fn country_select(countries: &[Choice], chosen: Option<i64>, errors: &dyn Messages) -> Markup {
    let error = errors.message("country_id");
    html! {
        div.field.has-error[error.is_some()] {
            label for="field-country_id" { "Country" }
            select id="field-country_id" name="country_id" {
                option value="" { "Choose…" }
                @for country in countries {
                    option value=(country.id) selected[chosen == Some(country.id)] { (country.name) }
                }
            }
            @if let Some(message) = error { p.field-error { (message) } }
        }
    }
}

pub fn forgot_password_page(ctx: &PageContext, email: &str, errors: &dyn Messages) -> Markup {
    page(
        ctx,
        "Forgot your password?",
        html! {
            section.auth-card {
                h1 { "Forgot your password?" }
                p { "Enter the e-mail address of your account and we will send you a link to choose a new password." }
                (form_errors_summary(errors, None))
                form method="post" action=(paths::FORGOT_PASSWORD) novalidate {
                    (csrf_field(&ctx.csrf_token))
                    (Input::text("email", "E-mail", email).kind("email").autocomplete("email").render(errors))
                    button.button.button-wide type="submit" { "Send reset link" }
                }
                p.auth-links { a href=(paths::LOGIN) { "Back to sign in" } }
            }
        },
    )
}

/// The same answer whether or not the address belongs to an account.
pub fn forgot_password_sent_page(ctx: &PageContext) -> Markup {
    page(
        ctx,
        "Check your e-mail",
        html! {
            section.auth-card {
                h1 { "Check your e-mail" }
                p { "If an account uses that address, a link to choose a new password is on its way. The link works once and expires in 60 minutes." }
                p.auth-links { a href=(paths::LOGIN) { "Back to sign in" } }
            }
        },
    )
}

pub fn reset_password_page(ctx: &PageContext, token: &str, errors: &dyn Messages) -> Markup {
    page(
        ctx,
        "Choose a new password",
        html! {
            section.auth-card {
                h1 { "Choose a new password" }
                (form_errors_summary(errors, None))
                form method="post" action=(paths::reset_password(token)) novalidate {
                    (csrf_field(&ctx.csrf_token))
                    (Input::password("password", "New password (12–64 characters)", "new-password").render(errors))
                    (Input::password("password_confirm", "Repeat the new password", "new-password").render(errors))
                    button.button.button-wide type="submit" { "Set new password" }
                }
            }
        },
    )
}

pub fn reset_password_invalid_page(ctx: &PageContext) -> Markup {
    page(
        ctx,
        "Link invalid or expired",
        html! {
            section.auth-card {
                h1 { "This link is invalid or has expired" }
                p { "Reset links work once and expire after 60 minutes. You can ask for a new one." }
                a.button href=(paths::FORGOT_PASSWORD) { "Send a new link" }
            }
        },
    )
}

pub const SECOND_FACTOR_FORM_ID: &str = "second-factor-form";

/// The second step of a sign-in with two-factor on: a code from the app, or a recovery code.
pub fn second_factor_page(ctx: &PageContext, next: Option<&str>, error: Option<&str>) -> Markup {
    page(
        ctx,
        "Two-factor sign-in",
        html! {
            section.auth-card {
                h1 { "Two-factor sign-in" }
                (form_errors_summary(&NoMessages, error))
                p { "Enter the 6-digit code from your authenticator app, or one of your unused recovery codes." }
                form id=(SECOND_FACTOR_FORM_ID) method="post" action=(paths::LOGIN_2FA) {
                    (csrf_field(&ctx.csrf_token))
                    @if let Some(next) = next { input type="hidden" name="next" value=(next); }
                    (Input::text("code", "Code", "").autocomplete("one-time-code").render(&NoMessages))
                    button.button.button-wide type="submit" { "Sign in" }
                }
                form method="post" action=(paths::LOGOUT) {
                    (csrf_field(&ctx.csrf_token))
                    button.button.button-link type="submit" { "Cancel" }
                }
            }
        },
    )
}
