//! Pages and fragments for failed requests. Messages are safe to show; causes stay in the logs.

use maud::{html, Markup};

use crate::layout::{page, PageContext};
use crate::paths;

/// A short message for htmx requests, swapped where the content would have gone.
pub fn error_fragment(heading: &str, message: &str) -> Markup {
    html! {
        div.flash.flash-error role="alert" { strong { (heading) } " " (message) }
    }
}

pub fn error_page(ctx: &PageContext, status: u16, heading: &str, message: &str) -> Markup {
    page(
        ctx,
        heading,
        html! {
            section.error-page {
                p.error-code { (status) }
                h1 { (heading) }
                p { (message) }
                a.button href=(paths::HOME) { "Back to the catalog" }
            }
        },
    )
}
