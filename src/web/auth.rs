//! Sign in, sign out, register.

use poem::http::{header, StatusCode};
use poem::web::{Data, Form, Query};
use poem::{handler, IntoResponse, Response};
use serde::Deserialize;
use views::auth::RegisterValues;
use views::forms::FieldErrors;

use super::access::safe_next;
use super::catalog::optional_id;
use super::context::{FlashCode, RequestContext};
use super::{cookies, State};
use crate::accounts::{self, NewAccount, Profile};
use crate::error::Result;
use crate::password;
use crate::schema::Accounts;
use crate::sessions::{self, Role};

/// A 303 to `location`, optionally leaving a flash message for the next page.
pub fn see_other(location: &str, flash: Option<FlashCode>, secure: bool) -> Response {
    let mut response = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .finish();
    if let Some(flash) = flash {
        cookies::set(&mut response, cookies::FLASH, flash.code(), secure);
    }
    response
}

/// Starts a fresh session (a new id, so a planted pre-login id is worthless) and ends the
/// previous one, if any.
pub async fn start_session(
    state: &State,
    ctx: &RequestContext,
    account_id: i64,
    response: &mut Response,
) -> Result<()> {
    if let Some(previous) = &ctx.user {
        sessions::delete_by_id(&state.db, previous.session_id).await?;
    }
    let raw = sessions::create(&state.db, account_id, state.clock.now()).await?;
    let secure = state.config.secure_cookies();
    cookies::set(response, cookies::SESSION, &raw, secure);
    cookies::clear(response, cookies::PRE_SESSION, secure);
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

#[handler]
pub async fn login_form(
    Data(ctx): Data<&RequestContext>,
    Query(params): Query<NextParam>,
) -> Response {
    let next = params.next.as_deref().and_then(safe_next);
    views::auth::login_page(&ctx.page(), "", next, None).into_response()
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Wrong password, unknown user and disabled account get the same answer, after the same
/// bcrypt work.
#[handler]
#[tracing::instrument(skip_all)]
pub async fn login(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    state.limits.login_attempt(ctx.client_ip)?;
    let username = accounts::normalize_username(&form.username);
    state.limits.account_unlocked(&username)?;

    let account = if username.is_empty() || username.len() > 254 {
        None
    } else {
        accounts::find_by_username(&state.db, &username).await?
    };
    let verified = password::verify(
        &form.password,
        account.as_ref().map(|a| a.password_hash.as_str()),
    )
    .await?;
    let account = account.filter(|a| verified && !a.disabled && a.role().is_some());

    let Some(account) = account else {
        state.limits.record_failure(&username);
        tracing::info!("failed sign-in");
        let next = form.next.as_deref().and_then(safe_next);
        let mut response = views::auth::login_page(
            &ctx.page(),
            &username,
            next,
            Some("Wrong username or password."),
        )
        .into_response();
        response.set_status(StatusCode::UNAUTHORIZED);
        return Ok(response);
    };
    state.limits.record_success(&username);

    let default_landing = if account.role() == Some(Role::Employee) {
        views::paths::ADMIN
    } else {
        views::paths::HOME
    };
    let target = form
        .next
        .as_deref()
        .and_then(safe_next)
        .unwrap_or(default_landing);
    let mut response = see_other(
        target,
        Some(FlashCode::SignedIn),
        state.config.secure_cookies(),
    );
    start_session(state, ctx, account.id, &mut response).await?;
    tracing::info!(account_id = account.id, "signed in");
    Ok(response)
}

#[handler]
pub async fn logout(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
) -> Result<Response> {
    let secure = state.config.secure_cookies();
    let mut response = see_other(views::paths::HOME, Some(FlashCode::SignedOut), secure);
    if let Some(user) = &ctx.user {
        sessions::delete_by_id(&state.db, user.session_id).await?;
    }
    cookies::clear(&mut response, cookies::SESSION, secure);
    Ok(response)
}

#[handler]
pub async fn register_form(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
) -> Result<Response> {
    let choices = state.caches.choices(&state.db).await?;
    let countries = &choices.countries;
    Ok(views::auth::register_page(
        &ctx.page(),
        &RegisterValues::default(),
        countries,
        &FieldErrors::new(),
    )
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    country_id: Option<String>,
}

#[handler]
#[tracing::instrument(skip_all)]
pub async fn register(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Form(form): Form<RegisterForm>,
) -> Result<Response> {
    let mut errors = FieldErrors::new();
    let username = accounts::normalize_username(&form.username);
    let country_id = match optional_id(form.country_id.as_deref(), "country_id") {
        Ok(id) => id,
        Err(_) => {
            errors.add("country_id", "Choose a country from the list.");
            None
        }
    };
    let profile = Profile {
        email: accounts::normalize_email(&form.email),
        first_name: form.first_name.trim().to_owned(),
        last_name: form.last_name.trim().to_owned(),
        country_id,
    };
    accounts::check_username(&mut errors, &username);
    accounts::check_profile(&mut errors, &profile);
    accounts::check_new_password(&mut errors, &form.password, &form.password_confirm);
    if let Some(id) = country_id {
        if !accounts::country_exists(&state.db, id).await? {
            errors.add("country_id", "Choose a country from the list.");
        }
    }
    if errors.get("username").is_none()
        && accounts::taken(&state.db, Accounts::Username, &username, None).await?
    {
        errors.add("username", "That username is taken.");
    }
    if errors.get("email").is_none()
        && accounts::taken(&state.db, Accounts::Email, &profile.email, None).await?
    {
        errors.add("email", "An account already uses this e-mail address.");
    }

    let values = RegisterValues {
        username: username.clone(),
        email: profile.email.clone(),
        first_name: profile.first_name.clone(),
        last_name: profile.last_name.clone(),
        country_id,
    };
    if !errors.is_empty() {
        return register_invalid(state, ctx, &values, &errors).await;
    }

    // bcrypt outside the transaction: it is slow and needs no locks.
    let password_hash = password::hash(&form.password).await?;
    let account = NewAccount {
        username,
        profile,
        password_hash,
        role: Role::Customer,
        monthly_subscription_cents: 0,
    };
    let now = state.clock.now();
    let created = state
        .db
        .transaction(move |tx| {
            let account = account.clone();
            Box::pin(async move { accounts::insert(tx, &account, now).await })
        })
        .await;
    let account_id = match created {
        Ok(id) => id,
        // Someone took the name or address between the check and the insert.
        Err(e) if e.is_unique_violation() => {
            errors.add(
                "username",
                "That username or e-mail address is already registered.",
            );
            return register_invalid(state, ctx, &values, &errors).await;
        }
        Err(e) => return Err(e),
    };
    tracing::info!(account_id, "registered");
    let mut response = see_other(
        views::paths::HOME,
        Some(FlashCode::Registered),
        state.config.secure_cookies(),
    );
    start_session(state, ctx, account_id, &mut response).await?;
    Ok(response)
}

/// The registration form again, with messages beside the fields (422).
async fn register_invalid(
    state: &State,
    ctx: &RequestContext,
    values: &RegisterValues,
    errors: &FieldErrors,
) -> Result<Response> {
    let choices = state.caches.choices(&state.db).await?;
    let countries = &choices.countries;
    let mut response =
        views::auth::register_page(&ctx.page(), values, countries, errors).into_response();
    response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    Ok(response)
}
