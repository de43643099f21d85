//! One's own account, for customers and employees: profile, password, two-factor sign-in,
//! and (customers only) deletion. Every query is keyed by the signed-in account's id, never
//! by an id from the request.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{handler, Response};
use serde::Deserialize;
use views::account::{AccountView, OwnReview, ProfileValues};

use super::access::{RequireCustomer, RequireSignedIn};
use super::common::{country_choices, form_status, see_other, with_status};
use super::cookies;
use super::form::Form;
use super::middleware::{FlashCode, RequestContext};
use super::password_check::{current_password_ok, password_throttle, verify_current_password};
use super::state::State;
use crate::auth::accounts::{self, Account, ProfileInput};
use crate::auth::settings::{self, ProfileSaved};
use crate::auth::two_factor::{self, Confirmed, Status};
use crate::auth::{deletion, password, totp, CurrentUser, Role};
use crate::db::schema::Accounts;
use crate::error::Error;
use crate::feedback;
use crate::validation::FieldErrors;
use crate::web::errors::Result;

fn profile_values(account: &Account) -> ProfileValues {
    ProfileValues {
        username: account.username.clone(),
        email: account.email.clone(),
        first_name: account.first_name.clone(),
        last_name: account.last_name.clone(),
        country_id: account.country_id,
        // Staff have no subscription: nothing to show.
        monthly_subscription_cents: (account.role == Role::Customer)
            .then_some(account.monthly_subscription_cents),
    }
}

async fn load(state: &State, user: &CurrentUser) -> Result<Account> {
    Ok(accounts::find_by_id(&state.db, user.account_id)
        .await?
        .ok_or(Error::NotFound)?)
}

/// What the account page shows after a request: values, messages per form, and which form
/// just saved.
#[derive(Default)]
struct Outcome {
    profile: ProfileValues,
    profile_errors: FieldErrors,
    password_errors: FieldErrors,
    delete_errors: FieldErrors,
    profile_saved: bool,
    /// The e-mail address changed: a notice went to the old one.
    email_notice_sent: bool,
    /// What the e-mail form shows (a refused new address stays typed); else the current one.
    email_value: Option<String>,
    is_customer: bool,
    two_factor_on: bool,
}

impl Outcome {
    fn showing(account: &Account) -> Self {
        Outcome {
            profile: profile_values(account),
            is_customer: account.role == Role::Customer,
            ..Outcome::default()
        }
    }
}

/// The whole page, or for htmx just the form that was submitted.
async fn render(
    state: &State,
    ctx: &RequestContext,
    outcome: Outcome,
    fragment: Fragment,
    status: StatusCode,
) -> Result<Response> {
    let countries = country_choices(state).await?;
    let two_factor_on = match &ctx.user {
        Some(user) => two_factor::is_on(&state.db, user.account_id).await?,
        None => outcome.two_factor_on,
    };
    // Staff write no reviews: their page has no list.
    let reviews: Option<Vec<OwnReview>> = match (&ctx.user, outcome.is_customer) {
        (Some(user), true) => Some(
            feedback::by_account(&state.db, user.account_id)
                .await?
                .into_iter()
                .map(|r| OwnReview {
                    series_id: r.series_id,
                    title: r.title,
                    rating: r.rating,
                    body: r.body,
                    recorded_at: r.recorded_at,
                })
                .collect(),
        ),
        _ => None,
    };
    let view = AccountView {
        profile: &outcome.profile,
        countries: &countries,
        profile_errors: &outcome.profile_errors,
        // The profile and e-mail forms share one set of messages: each shows its own fields.
        email_errors: &outcome.profile_errors,
        email_value: outcome
            .email_value
            .as_deref()
            .unwrap_or(&outcome.profile.email),
        reviews: reviews.as_deref(),
        password_errors: &outcome.password_errors,
        delete_errors: &outcome.delete_errors,
        profile_saved: outcome.profile_saved,
        email_notice_sent: outcome.email_notice_sent,
        can_delete: outcome.is_customer,
        two_factor_on,
    };
    let page = ctx.page();
    let markup = match (ctx.is_htmx, fragment) {
        (true, Fragment::Profile) => views::account::profile_form(&page, &view),
        (true, Fragment::Email) => views::account::email_form(&page, &view),
        (true, Fragment::Password) => views::account::password_form(&page, view.password_errors),
        _ => views::account::account_page(&page, &view),
    };
    Ok(with_status(markup, status))
}

#[derive(Clone, Copy)]
enum Fragment {
    Page,
    Profile,
    Email,
    Password,
}

#[handler]
pub async fn show(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireSignedIn(user): RequireSignedIn,
) -> Result<Response> {
    let account = load(state, &user).await?;
    render(
        state,
        ctx,
        Outcome::showing(&account),
        Fragment::Page,
        StatusCode::OK,
    )
    .await
}

/// `POST /account`: the profile fields. `email` (with `current_password`) is still taken
/// here for older forms and scripts; left out, the address stays as it is.
#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    email: Option<String>,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    country_id: Option<String>,
    #[serde(default)]
    current_password: String,
}

/// `POST /account/email`: a new address and the password that allows it.
#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
}

const WRONG_PASSWORD: &str = "That is not your current password.";

/// Saves the profile (names and country; the e-mail address too when one is sent).
#[handler]
#[tracing::instrument(skip_all, fields(account_id = user.account_id))]
pub async fn update_profile(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireSignedIn(user): RequireSignedIn,
    Form(form): Form<ProfileForm>,
) -> Result<Response> {
    let account = load(state, &user).await?;
    let input = ProfileInput {
        email: form.email.unwrap_or_else(|| account.email.clone()),
        first_name: form.first_name,
        last_name: form.last_name,
        country_id: form.country_id,
    };
    save_profile(
        state,
        ctx,
        &account,
        input,
        &form.current_password,
        Fragment::Profile,
    )
    .await
}

/// Changes the e-mail address (the profile's other fields stay as they are).
#[handler]
#[tracing::instrument(skip_all, fields(account_id = user.account_id))]
pub async fn change_email(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireSignedIn(user): RequireSignedIn,
    Form(form): Form<EmailForm>,
) -> Result<Response> {
    let account = load(state, &user).await?;
    let input = ProfileInput {
        email: form.email,
        first_name: account.first_name.clone(),
        last_name: account.last_name.clone(),
        country_id: account.country_id.map(|id| id.to_string()),
    };
    save_profile(
        state,
        ctx,
        &account,
        input,
        &form.current_password,
        Fragment::Email,
    )
    .await
}

/// Validates and saves a profile. Changing the e-mail address needs the current password (a
/// hijacked session alone cannot take the account over) and sends a notice to the old address.
async fn save_profile(
    state: &State,
    ctx: &RequestContext,
    account: &Account,
    input: ProfileInput,
    current_password: &str,
    fragment: Fragment,
) -> Result<Response> {
    // A new address is throttled before anything else: the answer may say that another
    // account uses it, so probing addresses stays within the same budget as passwords.
    let email_changes = accounts::normalize_email(&input.email) != account.email;
    if email_changes {
        password_throttle(state, ctx, account).await?;
    }
    let (profile, mut errors) = accounts::validate_profile(&state.db, &input).await?;
    if email_changes
        && !errors.has("email")
        && accounts::taken(&state.db, Accounts::Email, &profile.email, Some(account.id)).await?
    {
        errors.add("email", accounts::EMAIL_TAKEN);
    }
    let mut values = profile_values(account);
    values.first_name = profile.first_name.clone();
    values.last_name = profile.last_name.clone();
    values.country_id = profile.country_id;

    if email_changes {
        if current_password.is_empty() {
            errors.add(
                "current_password",
                "Enter your current password to change the e-mail address.",
            );
        } else if !verify_current_password(state, account, current_password).await? {
            errors.add("current_password", WRONG_PASSWORD);
        }
    }

    if errors.is_empty() {
        match settings::update_profile(&state.db, account, &profile, state.clock.now()).await? {
            ProfileSaved::Saved { email_changed } => {
                if email_changed {
                    tracing::info!("e-mail address changed");
                }
            }
            ProfileSaved::EmailTaken => errors.add("email", accounts::EMAIL_TAKEN),
        }
    }
    let saved = errors.is_empty();
    if saved {
        values.email = profile.email.clone();
    }
    let status = form_status(&errors);
    let outcome = Outcome {
        profile: values,
        profile_errors: errors,
        // The e-mail form says its own "changed"; "Profile saved." is the profile form's.
        profile_saved: saved && !matches!(fragment, Fragment::Email),
        email_notice_sent: saved && email_changes,
        email_value: (!saved).then(|| profile.email.clone()),
        is_customer: account.role == Role::Customer,
        ..Outcome::default()
    };
    render(state, ctx, outcome, fragment, status).await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// Changes the password and, in the same commit, ends every session of the account and
/// starts this browser on a new session id (its old id is dead at once), and retires unused
/// reset links. A notice is e-mailed after the commit.
#[handler]
#[tracing::instrument(skip_all, fields(account_id = user.account_id))]
pub async fn change_password(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireSignedIn(user): RequireSignedIn,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    let account = load(state, &user).await?;
    let mut errors = FieldErrors::new();
    if !current_password_ok(state, ctx, &account, &form.current_password).await? {
        errors.add("current_password", WRONG_PASSWORD);
    }
    accounts::check_new_password(&mut errors, &form.password, &form.password_confirm);
    if !errors.is_empty() {
        let outcome = Outcome {
            password_errors: errors,
            ..Outcome::showing(&account)
        };
        return render(
            state,
            ctx,
            outcome,
            Fragment::Password,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }

    let password_hash = password::hash(&form.password).await?;
    let raw_session =
        settings::change_password(&state.db, account.id, &password_hash, state.clock.now()).await?;
    tracing::info!("password changed; session renewed");

    // The page's CSRF token belongs to the old session id: load the page afresh.
    let secure = state.config.secure_cookies();
    let mut response = if ctx.is_htmx {
        let mut response = Response::builder()
            .status(StatusCode::OK)
            .header("HX-Redirect", views::paths::ACCOUNT)
            .finish();
        cookies::set(
            &mut response,
            cookies::FLASH,
            FlashCode::PasswordChanged.code(),
            secure,
        );
        response
    } else {
        see_other(
            views::paths::ACCOUNT,
            Some(FlashCode::PasswordChanged),
            secure,
        )
    };
    cookies::set(&mut response, cookies::SESSION, &raw_session, secure);
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    current_password: String,
}

/// Deletes the account after the password is confirmed: sessions, reset tokens and reviews go
/// with it in one unit of work (`deletion::delete_account`).
#[handler]
#[tracing::instrument(skip_all, fields(account_id = user.account_id))]
pub async fn delete(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireCustomer(user): RequireCustomer,
    Form(form): Form<DeleteForm>,
) -> Result<Response> {
    let account = load(state, &user).await?;
    if !current_password_ok(state, ctx, &account, &form.current_password).await? {
        let mut errors = FieldErrors::new();
        errors.add("current_password", WRONG_PASSWORD);
        let outcome = Outcome {
            delete_errors: errors,
            ..Outcome::showing(&account)
        };
        return render(
            state,
            ctx,
            outcome,
            Fragment::Page,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let reviews = deletion::delete_account(&state.db, account.id).await?;
    tracing::info!(reviews, "account deleted");
    let secure = state.config.secure_cookies();
    let mut response = see_other(views::paths::HOME, Some(FlashCode::AccountDeleted), secure);
    cookies::clear(&mut response, cookies::SESSION, secure);
    Ok(response)
}

const ISSUER: &str = "StreamVault";

/// `GET /account/2fa`: enrolment (the pending secret, created on first visit and kept until
/// confirmed), or the form to turn it off when it is on.
#[handler]
pub async fn two_factor_page(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireSignedIn(user): RequireSignedIn,
) -> Result<Response> {
    show_two_factor(state, ctx, &user, None, StatusCode::OK).await
}

async fn show_two_factor(
    state: &State,
    ctx: &RequestContext,
    user: &CurrentUser,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response> {
    let markup =
        match two_factor::start_enrolment(&state.db, &state.totp_key, user.account_id).await? {
            Status::Pending { secret } => {
                let secret_base32 = totp::base32(&secret);
                let otpauth_uri = totp::otpauth_uri(ISSUER, &user.username, &secret);
                let qr_svg = qr_svg(&otpauth_uri);
                views::account::two_factor_page(
                    &ctx.page(),
                    &views::account::TwoFactorView::Enrol {
                        secret_base32: &secret_base32,
                        otpauth_uri: &otpauth_uri,
                        qr_svg: qr_svg.as_deref(),
                        error,
                    },
                )
            }
            Status::On | Status::Off => views::account::two_factor_page(
                &ctx.page(),
                &views::account::TwoFactorView::On {
                    errors: &FieldErrors::new(),
                },
            ),
        };
    Ok(with_status(markup, status))
}

/// The URI as an SVG QR code (markup we generate from our own data), or `None` if it does not
/// fit a QR code (the link and the key are shown anyway).
fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    // Inline in the page: the XML declaration has no place there.
    svg.find("<svg").map(|start| svg[start..].to_owned())
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    current_password: String,
}

const WRONG_CODE: &str = "That code is not valid: enter the current code from your app.";

/// `POST /account/2fa` with `code`: completes the enrolment when the code is valid for the
/// pending secret, and shows the recovery codes once. Codes are throttled and counted like
/// passwords.
#[handler]
#[tracing::instrument(skip_all, fields(account_id = user.account_id))]
pub async fn two_factor_confirm(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireSignedIn(user): RequireSignedIn,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    let account = load(state, &user).await?;
    password_throttle(state, ctx, &account).await?;
    let key = state
        .limits
        .account_key(&state.db, &account.username)
        .await?;
    let now = state.clock.now();
    let outcome = match totp::parse_code(&form.code) {
        Some(code) => {
            two_factor::confirm(&state.db, &state.totp_key, account.id, code, now).await?
        }
        None => Confirmed::WrongCode,
    };
    match outcome {
        Confirmed::On { recovery_codes } => {
            state.limits.record_success(&state.db, key).await?;
            tracing::info!("two-factor sign-in turned on");
            let markup = views::account::two_factor_page(
                &ctx.page(),
                &views::account::TwoFactorView::Enabled {
                    recovery_codes: &recovery_codes,
                },
            );
            Ok(with_status(markup, StatusCode::OK))
        }
        Confirmed::WrongCode => {
            state.limits.record_failure(&state.db, key, now).await?;
            show_two_factor(
                state,
                ctx,
                &user,
                Some(WRONG_CODE),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Confirmed::NothingPending => Ok(see_other(
            views::paths::ACCOUNT_2FA,
            None,
            state.config.secure_cookies(),
        )),
    }
}

/// `POST /account/2fa/disable`: turns two-factor sign-in off with the password and a code
/// (or a recovery code).
#[handler]
#[tracing::instrument(skip_all, fields(account_id = user.account_id))]
pub async fn two_factor_disable(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireSignedIn(user): RequireSignedIn,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    let account = load(state, &user).await?;
    let mut errors = FieldErrors::new();
    if !current_password_ok(state, ctx, &account, &form.current_password).await? {
        errors.add("current_password", WRONG_PASSWORD);
    } else {
        let now = state.clock.now();
        let off = two_factor::disable(
            &state.db,
            &state.totp_key,
            account.id,
            form.code.trim(),
            now,
        )
        .await?;
        if !off {
            let key = state
                .limits
                .account_key(&state.db, &account.username)
                .await?;
            state.limits.record_failure(&state.db, key, now).await?;
            errors.add("code", "That code is not valid.");
        }
    }
    let view = if errors.is_empty() {
        tracing::info!("two-factor sign-in turned off");
        views::account::TwoFactorView::Disabled
    } else {
        views::account::TwoFactorView::On { errors: &errors }
    };
    let status = form_status(&errors);
    Ok(with_status(
        views::account::two_factor_page(&ctx.page(), &view),
        status,
    ))
}
