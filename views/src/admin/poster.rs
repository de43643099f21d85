//! A series' poster panel on its staff page: the current poster, the upload form and removal.

use maud::{html, Markup};

use super::{admin_page, NavLink};
use crate::forms::csrf_field;
use crate::layout::PageContext;
use crate::paths;

/// Element id of the panel; every poster action swaps it whole.
pub const POSTER_ID: &str = "poster";

pub struct PosterPanel<'a> {
    pub series_id: i64,
    pub csrf_token: &'a str,
    pub poster_key: Option<&'a str>,
    pub poster_url: Option<&'a str>,
    pub error: Option<String>,
    pub notice: Option<&'static str>,
}

pub fn poster_panel(panel: &PosterPanel) -> Markup {
    let upload = paths::admin_series_poster(panel.series_id);
    let remove = paths::admin_series_poster_delete(panel.series_id);
    let target = ["#", POSTER_ID].concat();
    html! {
        section.panel.poster-panel id=(POSTER_ID) {
            h2 { "Poster" }
            div.poster-panel-body {
                div.poster-panel-current {
                    @if let Some(key) = panel.poster_key {
                        (crate::poster::picture(key, "160px", "poster-thumb", true))
                    } @else {
                        p.muted {
                            @if let Some(url) = panel.poster_url {
                                "No uploaded poster; the pages show the image at " code { (url) } "."
                            } @else {
                                "No poster yet."
                            }
                        }
                    }
                }
                div.poster-panel-forms {
                    @if let Some(notice) = panel.notice {
                        p.form-notice role="status" { (notice) }
                    }
                    form.poster-upload method="post" action=(upload) enctype="multipart/form-data"
                        hx-post=(upload) hx-encoding="multipart/form-data" hx-target=(target) hx-swap="outerHTML" {
                        (csrf_field(panel.csrf_token))
                        label for="poster-file" { @if panel.poster_key.is_some() { "Replace the poster" } @else { "Upload a poster" } }
                        p.hint id="poster-hint" { "PNG, JPEG or WebP, at most 5 MB and 6,000 pixels a side. It is cropped to 2:3." }
                        input id="poster-file" type="file" name="poster" accept="image/png,image/jpeg,image/webp" required
                            aria-describedby="poster-hint" aria-invalid=[panel.error.as_ref().map(|_| "true")];
                        @if let Some(error) = &panel.error { p.field-error role="alert" { (error) } }
                        button.button.button-small type="submit" { "Upload" }
                        span.htmx-indicator.spinner aria-hidden="true" {}
                    }
                    @if panel.poster_key.is_some() {
                        form method="post" action=(remove) hx-delete=(upload) hx-params="none" hx-target=(target) hx-swap="outerHTML"
                            hx-confirm="Remove this poster?" {
                            (csrf_field(panel.csrf_token))
                            button.button.button-danger.button-small type="submit" { "Remove poster" }
                        }
                    }
                }
            }
        }
    }
}

/// The panel as a page of its own: a refused upload without JavaScript.
pub fn poster_page(ctx: &PageContext, nav: &[NavLink], title: &str, panel: &PosterPanel) -> Markup {
    admin_page(
        ctx,
        title,
        nav,
        html! {
            p.breadcrumb {
                a href=(paths::ADMIN) { "Staff" } " › "
                a href=(paths::admin_list("series")) { "Series" } " › "
                a href=(paths::admin_row("series", panel.series_id)) { (title) }
            }
            h1 { "Poster of “" (title) "”" }
            (poster_panel(panel))
        },
    )
}
