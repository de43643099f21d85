//! `GET /healthz`: 200 when the database answers, 503 when it does not.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{handler, IntoResponse, Response};

use super::state::State;

#[handler]
pub async fn healthz(Data(state): Data<&State>) -> Response {
    match state.db.ping().await {
        Ok(()) => "ok".with_status(StatusCode::OK).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            "database unavailable"
                .with_status(StatusCode::SERVICE_UNAVAILABLE)
                .with_header(poem::http::header::RETRY_AFTER, 5)
                .into_response()
        }
    }
}
