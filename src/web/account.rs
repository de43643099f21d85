//! A customer's own account: profile, password, deletion. Every query is keyed by the
//! signed-in account's id, never by an id from the request.

use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{handler, Response};
use serde::Deserialize;
use views::account::{AccountView, ProfileValues};

use super::access::RequireCustomer;
use super::catalog::country_choices;
use super::common::{form_status, see_other, with_status};
use super::cookies;
use super::middleware::{FlashCode, RequestContext};
use super::state::State;
use crate::auth::accounts::{self, Account, ProfileInput};
use crate::auth::{password, sessions, CurrentUser};
use crate::error::{Error, Result};
use crate::queue;
use crate::validation::FieldErrors;

fn profile_values(account: &Account) -> ProfileValues {
    ProfileValues {
        username: account.username.clone(),
        email: account.email.clone(),
        first_name: account.first_name.clone(),
        last_name: account.last_name.clone(),
        country_id: account.country_id,
        monthly_subscription_cents: account.monthly_subscription_cents,
    }
}

async fn load(state: &State, user: &CurrentUser) -> Result<Account> {
    accounts::find_by_id(&state.db, user.account_id)
        .await?
        .ok_or(Error::NotFound)
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
    password_saved: bool,
}

impl Outcome {
    fn showing(account: &Account) -> Self {
        Outcome {
            profile: profile_values(account),
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
    let view = AccountView {
        profile: &outcome.profile,
        countries: &countries,
        profile_errors: &outcome.profile_errors,
        password_errors: &outcome.password_errors,
        delete_errors: &outcome.delete_errors,
        profile_saved: outcome.profile_saved,
        password_saved: outcome.password_saved,
    };
    let page = ctx.page();
    let markup = match (ctx.is_htmx, fragment) {
        (true, Fragment::Profile) => views::account::profile_form(&page, &view),
        (true, Fragment::Password) => {
            views::account::password_form(&page, view.password_errors, view.password_saved)
        }
        _ => views::account::account_page(&page, &view),
    };
    Ok(with_status(markup, status))
}

#[derive(Clone, Copy)]
enum Fragment {
    Page,
    Profile,
    Password,
}

#[handler]
pub async fn show(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireCustomer(user): RequireCustomer,
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

#[handler]
#[tracing::instrument(skip_all, fields(account_id = user.account_id))]
pub async fn update_profile(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireCustomer(user): RequireCustomer,
    Form(form): Form<ProfileInput>,
) -> Result<Response> {
    let account = load(state, &user).await?;
    let (profile, mut errors) =
        accounts::validate_profile(&state.db, &form, Some(account.id)).await?;
    let mut values = profile_values(&account);
    values.email = profile.email.clone();
    values.first_name = profile.first_name.clone();
    values.last_name = profile.last_name.clone();
    values.country_id = profile.country_id;

    if errors.is_empty() {
        match accounts::update_profile(&state.db, account.id, &profile).await {
            Ok(_) => {}
            Err(e) if e.is_unique_violation() => {
                errors.add("email", "Another account already uses this e-mail address.")
            }
            Err(e) => return Err(e),
        }
    }
    let saved = errors.is_empty();
    let status = form_status(&errors);
    let outcome = Outcome {
        profile: values,
        profile_errors: errors,
        profile_saved: saved,
        ..Outcome::default()
    };
    render(state, ctx, outcome, Fragment::Profile, status).await
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

/// Changes the password, ends every other session of the account and e-mails a notice after
/// the commit. This browser stays signed in (its page keeps a valid CSRF token).
#[handler]
#[tracing::instrument(skip_all, fields(account_id = user.account_id))]
pub async fn change_password(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireCustomer(user): RequireCustomer,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    let account = load(state, &user).await?;
    let mut errors = FieldErrors::new();
    if !password::verify(&form.current_password, Some(&account.password_hash)).await? {
        errors.add("current_password", "That is not your current password.");
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
    let (account_id, this_session) = (account.id, user.session_id);
    state
        .db
        .transaction(move |tx| {
            let password_hash = password_hash.clone();
            Box::pin(async move {
                accounts::set_password(tx, account_id, &password_hash).await?;
                sessions::delete_for_account(tx, account_id, Some(this_session)).await
            })
        })
        .await?;
    queue::notify_password_changed(&state.queue, account_id).await;

    let outcome = Outcome {
        password_saved: true,
        ..Outcome::showing(&account)
    };
    render(state, ctx, outcome, Fragment::Password, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    current_password: String,
}

#[handler]
#[tracing::instrument(skip_all, fields(account_id = user.account_id))]
pub async fn delete(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireCustomer(user): RequireCustomer,
    Form(form): Form<DeleteForm>,
) -> Result<Response> {
    let account = load(state, &user).await?;
    if !password::verify(&form.current_password, Some(&account.password_hash)).await? {
        let mut errors = FieldErrors::new();
        errors.add("current_password", "That is not your current password.");
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
    // Sessions, feedback and tokens go with the account (ON DELETE CASCADE).
    accounts::delete(&state.db, account.id).await?;
    tracing::info!("account deleted");
    let secure = state.config.secure_cookies();
    let mut response = see_other(views::paths::HOME, Some(FlashCode::AccountDeleted), secure);
    cookies::clear(&mut response, cookies::SESSION, secure);
    Ok(response)
}
