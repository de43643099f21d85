//! `POST /admin/employees/{id}/two-factor/reset`: staff turn off another employee's
//! two-factor sign-in (a lost phone), with recent authentication; audited, the owner told,
//! their sessions ended. One's own is turned off on `/account/2fa`, with a code.

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{handler, Response};

use crate::admin::crud::FormData;
use crate::auth::two_factor::{self, StaffReset};
use crate::error::Error;
use crate::web::access::RequireEmployee;
use crate::web::common::{path_id, see_other};
use crate::web::errors::Result;
use crate::web::form::Form;
use crate::web::middleware::RequestContext;
use crate::web::reauth;
use crate::web::state::State;

#[handler]
#[tracing::instrument(skip_all, fields(actor = user.account_id))]
pub async fn reset(
    Data(state): Data<&State>,
    Data(ctx): Data<&RequestContext>,
    RequireEmployee(user): RequireEmployee,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let id = path_id(&id)?;
    if id == user.account_id {
        return Err(Error::BadRequest(
            "Turn off your own two-factor sign-in on your account page.".into(),
        )
        .into());
    }
    let form = FormData(fields);
    if let Some(refusal) =
        reauth::require_recent_password(state, ctx, &user, &form, &ctx.path).await?
    {
        return Ok(refusal);
    }
    match two_factor::reset_by_staff(&state.db, user.account_id, id, state.clock.now()).await? {
        StaffReset::NotFound => Err(Error::NotFound.into()),
        outcome => {
            tracing::info!(employee = id, ?outcome, "two-factor reset by staff");
            let row = views::paths::admin_row("employees", id);
            if ctx.is_htmx {
                return Ok(Response::builder()
                    .status(StatusCode::OK)
                    .header("HX-Redirect", row)
                    .finish());
            }
            Ok(see_other(&row, None, state.config.secure_cookies()))
        }
    }
}
