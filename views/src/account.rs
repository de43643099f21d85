//! A viewer's own profile, password and account deletion.

use maud::{html, Markup};

use crate::auth::country_select;
use crate::catalog::Choice;
use crate::forms::{csrf_field, Input, Messages};
use crate::layout::{page, PageContext};
use crate::paths;

pub const PROFILE_FORM_ID: &str = "profile-form";
pub const PASSWORD_FORM_ID: &str = "password-form";
pub const DELETE_FORM_ID: &str = "delete-form";

#[derive(Clone, Debug, Default)]
pub struct ProfileValues {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub country_id: Option<i64>,
    /// Shown, never editable by the customer.
    pub monthly_subscription_cents: i64,
}

pub struct AccountView<'a> {
    pub profile: &'a ProfileValues,
    pub countries: &'a [Choice],
    pub profile_errors: &'a dyn Messages,
    pub password_errors: &'a dyn Messages,
    pub delete_errors: &'a dyn Messages,
    pub profile_saved: bool,
    /// The e-mail address changed: say that the old address was told.
    pub email_notice_sent: bool,
}

pub fn account_page(ctx: &PageContext, view: &AccountView) -> Markup {
    page(
        ctx,
        "My account",
        html! {
            h1 { "My account" }
            div.panels {
                (profile_form(ctx, view))
                (password_form(ctx, view.password_errors))
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
                    @if view.email_notice_sent { " A notice went to your previous e-mail address." }
                }
            }
            form method="post" action=(paths::ACCOUNT) hx-post=(paths::ACCOUNT) hx-target={"#" (PROFILE_FORM_ID)} hx-swap="outerHTML" novalidate {
                (csrf_field(&ctx.csrf_token))
                p.muted { "Username: " strong { (values.username) } " · Subscription: " (crate::format::money(values.monthly_subscription_cents)) " per month" }
                (Input::text("email", "E-mail", &values.email).kind("email").autocomplete("email").render(errors))
                div.field-row {
                    (Input::text("first_name", "First name", &values.first_name).autocomplete("given-name").render(errors))
                    (Input::text("last_name", "Last name", &values.last_name).autocomplete("family-name").render(errors))
                }
                (country_select(view.countries, values.country_id, errors))
                (Input::password("current_password", "Current password (only to change the e-mail address)", "current-password")
                    .scope("profile").optional().render(errors))
                button.button type="submit" { "Save profile" }
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
