//! Forgot-password and reset-password pages.

use poem::http::{header, HeaderValue, StatusCode};
use poem::web::{Data, Path};
use poem::{handler, IntoResponse, Response};
use serde::Deserialize;
use views::forms::NoMessages;

use super::common::see_other;
use super::form::Form;
use super::middleware::{FlashCode, RequestContext};
use super::state::State;
use crate::auth::accounts;
use crate::auth::{password, resets};
use crate::validation::FieldErrors;
use crate::web::errors::Result;

#[handler]
pub fn forgot_form(Data(ctx): Data<&RequestContext>) -> Response {
    views::auth::forgot_password_page(&ctx.page(), "", &NoMessages).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Answers the same page, status and cookies for every well-formed address: the request only
/// queues a job, and the worker finds out whether an account uses the address.
#[handler]
#[tracing::instrument(skip_all)]
pub async fn forgot(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Form(form): Form<ForgotForm>,
) -> Result<Response> {
    let email = accounts::normalize_email(&form.email);
    let mut errors = FieldErrors::new();
    accounts::check_email(&mut errors, &email);
    if !errors.is_empty() {
        let mut response =
            views::auth::forgot_password_page(&ctx.page(), &email, &errors).into_response();
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
        return Ok(response);
    }
    let address = state.limits.account_key(&state.db, &email).await?;
    state.limits.reset_request(ctx.client_ip, address)?;
    resets::request(&state.db, &email).await?;
    Ok(views::auth::forgot_password_sent_page(&ctx.page()).into_response())
}

/// The token is in the URL, so the page must not leak it through the Referer header.
fn no_referrer(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn invalid(ctx: &RequestContext) -> Response {
    let mut response = views::auth::reset_password_invalid_page(&ctx.page()).into_response();
    response.set_status(StatusCode::BAD_REQUEST);
    no_referrer(response)
}

#[handler]
pub async fn reset_form(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Path(token): Path<String>,
) -> Result<Response> {
    state.limits.reset_token_attempt(ctx.client_ip)?;
    match resets::account_for(&state.db, &token, state.clock.now()).await? {
        Some(_) => Ok(no_referrer(
            views::auth::reset_password_page(&ctx.page(), &token, &NoMessages).into_response(),
        )),
        None => Ok(invalid(ctx)),
    }
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// Sets the new password, retires the token, ends every session of the account, and queues
/// a "password changed" notice (`resets::reset_password`, one unit of work). The visitor is not signed in: they sign in with the new
/// password.
#[handler]
#[tracing::instrument(skip_all)]
pub async fn reset(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response> {
    state.limits.reset_token_attempt(ctx.client_ip)?;
    if resets::account_for(&state.db, &token, state.clock.now())
        .await?
        .is_none()
    {
        return Ok(invalid(ctx));
    }
    let mut errors = FieldErrors::new();
    accounts::check_new_password(&mut errors, &form.password, &form.password_confirm);
    if !errors.is_empty() {
        let mut response =
            views::auth::reset_password_page(&ctx.page(), &token, &errors).into_response();
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
        return Ok(no_referrer(response));
    }

    // bcrypt before the transaction; the token is redeemed inside it.
    let password_hash = password::hash(&form.password).await?;
    let redeemed =
        resets::reset_password(&state.db, &token, &password_hash, state.clock.now()).await?;
    let Some(account_id) = redeemed else {
        return Ok(invalid(ctx));
    };
    tracing::info!(account_id, "password reset");
    Ok(no_referrer(see_other(
        views::paths::LOGIN,
        Some(FlashCode::PasswordReset),
        state.config.secure_cookies(),
    )))
}
