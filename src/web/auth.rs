//! Sign in, sign out, register.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{handler, IntoResponse, Response};
use serde::Deserialize;
use views::auth::RegisterValues;
use views::forms::NoMessages;

use super::access::safe_next;
use super::common::{country_choices, see_other, with_status};
use super::cookies;
use super::form::Form;
use super::middleware::{FlashCode, RequestContext};
use super::state::State;
use crate::auth::accounts::{self, NewAccount, ProfileInput};
use crate::auth::registration::{self, Registered};
use crate::auth::{password, sessions, two_factor, Role};
use crate::db::schema::Accounts;
use crate::validation::FieldErrors;
use crate::web::errors::Result;

/// Starts a fresh session (a new id, so a planted pre-login id is worthless) and ends the
/// previous one, if any.
pub async fn start_session(
    state: &State,
    ctx: &RequestContext,
    account_id: i64,
    response: &mut Response,
) -> Result<()> {
    let previous = ctx
        .user
        .as_ref()
        .map(|user| user.session_id)
        .or(ctx.pending_sign_in.as_ref().map(|p| p.session_id));
    let now = state.clock.now();
    let kind = sessions::NewSession::SignedIn { password_at: now };
    let raw = sessions::create(&state.db, account_id, previous, kind, now).await?;
    set_session_cookie(state, response, &raw);
    Ok(())
}

/// The new session's cookie, and the pre-login cookie gone.
fn set_session_cookie(state: &State, response: &mut Response, raw_session: &str) {
    let secure = state.config.secure_cookies();
    cookies::set(response, cookies::SESSION, raw_session, secure);
    cookies::clear(response, cookies::PRE_SESSION, secure);
}

#[derive(Debug, Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

#[handler]
pub async fn login_form(
    Data(ctx): Data<&RequestContext>,
    Form(params): Form<NextParam>,
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
    // Keyed as the database compares names: `alicé` is `alice` on MariaDB.
    let account_key = state.limits.account_key(&state.db, &username).await?;
    let now = state.clock.now();
    state
        .limits
        .account_unlocked(&state.db, account_key, now)
        .await?;

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
    let account = account.filter(|a| verified && !a.disabled);

    let Some(account) = account else {
        state
            .limits
            .record_failure(&state.db, account_key, now)
            .await?;
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
    state.limits.record_success(&state.db, account_key).await?;

    if two_factor::is_on(&state.db, account.id).await? {
        // The password was right; the session grants nothing until the code is given.
        let previous = ctx
            .user
            .as_ref()
            .map(|user| user.session_id)
            .or(ctx.pending_sign_in.as_ref().map(|p| p.session_id));
        let raw = sessions::create(
            &state.db,
            account.id,
            previous,
            sessions::NewSession::AwaitingSecondFactor,
            now,
        )
        .await?;
        let target = match form.next.as_deref().and_then(safe_next) {
            Some(next) => {
                let query: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", next)
                    .finish();
                [views::paths::LOGIN_2FA, "?", &query].concat()
            }
            None => views::paths::LOGIN_2FA.to_owned(),
        };
        let mut response = see_other(&target, None, state.config.secure_cookies());
        set_session_cookie(state, &mut response, &raw);
        tracing::info!(
            account_id = account.id,
            "password right; waiting for the second factor"
        );
        return Ok(response);
    }

    let default_landing = if account.role == Role::Employee {
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

/// The second step of a sign-in with two-factor on: the code form. Without a sign-in
/// waiting for it, back to the login page.
#[handler]
pub async fn second_factor_form(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Form(params): Form<NextParam>,
) -> Response {
    if ctx.pending_sign_in.is_none() {
        return see_other(views::paths::LOGIN, None, state.config.secure_cookies());
    }
    let next = params.next.as_deref().and_then(safe_next);
    views::auth::second_factor_page(&ctx.page(), next, None).into_response()
}

#[derive(Debug, Deserialize)]
pub struct SecondFactorForm {
    #[serde(default)]
    code: String,
    next: Option<String>,
}

/// Completes a sign-in with a current TOTP code or an unused recovery code (spent). Wrong
/// codes count toward the account's lockout, like wrong passwords.
#[handler]
#[tracing::instrument(skip_all)]
pub async fn second_factor(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Form(form): Form<SecondFactorForm>,
) -> Result<Response> {
    let secure = state.config.secure_cookies();
    let Some(pending) = &ctx.pending_sign_in else {
        return Ok(see_other(views::paths::LOGIN, None, secure));
    };
    state.limits.login_attempt(ctx.client_ip)?;
    let now = state.clock.now();
    let account_key = state
        .limits
        .account_key(&state.db, &pending.username)
        .await?;
    state
        .limits
        .account_unlocked(&state.db, account_key, now)
        .await?;
    let next = form.next.as_deref().and_then(safe_next);
    let completed =
        two_factor::complete_sign_in(&state.db, &state.totp_key, pending, form.code.trim(), now)
            .await?;
    let Some(raw) = completed else {
        state
            .limits
            .record_failure(&state.db, account_key, now)
            .await?;
        tracing::info!(account_id = pending.account_id, "wrong second-factor code");
        let mut response = views::auth::second_factor_page(
            &ctx.page(),
            next,
            Some("That code is not valid. Enter the current code from your app, or an unused recovery code."),
        )
        .into_response();
        response.set_status(StatusCode::UNAUTHORIZED);
        return Ok(response);
    };
    state.limits.record_success(&state.db, account_key).await?;
    let role = accounts::find_by_id(&state.db, pending.account_id)
        .await?
        .map(|a| a.role);
    let default_landing = if role == Some(Role::Employee) {
        views::paths::ADMIN
    } else {
        views::paths::HOME
    };
    let mut response = see_other(
        next.unwrap_or(default_landing),
        Some(FlashCode::SignedIn),
        secure,
    );
    set_session_cookie(state, &mut response, &raw);
    tracing::info!(
        account_id = pending.account_id,
        "signed in with a second factor"
    );
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
    if let Some(pending) = &ctx.pending_sign_in {
        sessions::delete_by_id(&state.db, pending.session_id).await?;
    }
    cookies::clear(&mut response, cookies::SESSION, secure);
    Ok(response)
}

#[handler]
pub async fn register_form(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
) -> Result<Response> {
    let countries = country_choices(state).await?;
    Ok(views::auth::register_page(
        &ctx.page(),
        &RegisterValues::default(),
        &countries,
        &NoMessages,
    )
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(flatten)]
    profile: ProfileInput,
}

const USERNAME_TAKEN: &str = "That username is taken.";

/// Creates a customer account and sends the visitor to sign in. The answer is the same
/// whether or not another account uses the address (its owner is e-mailed instead), so the
/// form cannot be used to find out who has an account; usernames are public and a taken one
/// is reported.
#[handler]
#[tracing::instrument(skip_all)]
pub async fn register(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Form(form): Form<RegisterForm>,
) -> Result<Response> {
    let username = accounts::normalize_username(&form.username);
    // Before any lookup: "taken" answers and bcrypt work are only reachable within the throttle.
    state.limits.register_attempt(
        ctx.client_ip,
        &username,
        &accounts::normalize_email(&form.profile.email),
    )?;
    let (profile, mut errors) = accounts::validate_profile(&state.db, &form.profile).await?;
    accounts::check_username(&mut errors, &username);
    accounts::check_new_password(&mut errors, &form.password, &form.password_confirm);
    if !errors.has("username")
        && accounts::taken(&state.db, Accounts::Username, &username, None).await?
    {
        errors.add("username", USERNAME_TAKEN);
    }
    let country_id = profile.country_id;

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

    // bcrypt outside the transaction, and whether or not the address is in use: the two
    // outcomes must cost the same.
    let password_hash = password::hash(&form.password).await?;
    let account = NewAccount {
        username,
        profile,
        password_hash,
        role: Role::Customer,
        monthly_subscription_cents: 0,
    };
    match registration::register(&state.db, &account, state.clock.now()).await? {
        Registered::Created { account_id } => tracing::info!(account_id, "registered"),
        // The address's owner gets an e-mail; the visitor sees what a new account shows.
        Registered::EmailInUse => tracing::info!("registration with an address in use"),
        Registered::UsernameTaken => {
            errors.add("username", USERNAME_TAKEN);
            return register_invalid(state, ctx, &values, &errors).await;
        }
    }
    // Not signed in here: a session cookie would tell a new account from an address in use.
    Ok(see_other(
        views::paths::LOGIN,
        Some(FlashCode::Registered),
        state.config.secure_cookies(),
    ))
}

/// The registration form again, with messages beside the fields (422).
async fn register_invalid(
    state: &State,
    ctx: &RequestContext,
    values: &RegisterValues,
    errors: &FieldErrors,
) -> Result<Response> {
    let countries = country_choices(state).await?;
    Ok(with_status(
        views::auth::register_page(&ctx.page(), values, &countries, errors),
        StatusCode::UNPROCESSABLE_ENTITY,
    ))
}
