//! The base document every page shares: head, header navigation, flash message, footer.

use maud::{html, Markup, DOCTYPE};

use crate::paths;

/// htmx settings: same-origin requests only, no eval, no script tags from
/// swapped content, no history cache of pages with personal data; validation (422) and
/// conflict (409) fragments are swapped into place, server errors are not.
const HTMX_CONFIG: &str = r#"{"selfRequestsOnly":true,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0,"refreshOnHistoryMiss":true,"includeIndicatorStyles":false,"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"422","swap":true},{"code":"409","swap":true},{"code":"[45]..","swap":false,"error":true}]}"#;

/// Who is signed in, as far as the header needs to know.
#[derive(Clone, Debug)]
pub struct Nav {
    pub username: String,
    pub is_employee: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashKind {
    Info,
    Success,
    Error,
}

#[derive(Clone, Debug)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

/// What every page needs besides its own content.
#[derive(Clone, Debug)]
pub struct PageContext {
    pub csrf_token: String,
    pub nav: Option<Nav>,
    pub flash: Option<Flash>,
    /// Appended to asset URLs so a new build busts long-lived caches.
    pub asset_version: &'static str,
    /// The path of the current page, to mark the active navigation link.
    pub current_path: String,
}

fn asset(path: &str, version: &str) -> String {
    [path, "?v=", version].concat()
}

pub fn page(ctx: &PageContext, title: &str, body: Markup) -> Markup {
    let headers = [r#"{"X-CSRF-Token":""#, &ctx.csrf_token, r#""}"#].concat();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="csrf-token" content=(ctx.csrf_token);
                meta name="htmx-config" content=(HTMX_CONFIG);
                title { (title) " · StreamVault" }
                link rel="stylesheet" href=(asset(paths::APP_CSS, ctx.asset_version));
                link rel="icon" type="image/svg+xml" href=(asset(paths::FAVICON, ctx.asset_version));
                script src=(asset(paths::HTMX_JS, ctx.asset_version)) defer {}
                script src=(asset(paths::APP_JS, ctx.asset_version)) defer {}
            }
            body hx-headers=(headers) {
                (header(ctx))
                // Staff tables use the whole window; other pages keep a readable width.
                main.container.container-wide[ctx.current_path.starts_with(paths::ADMIN)] id="main" {
                    @if let Some(flash) = &ctx.flash {
                        (flash_message(flash))
                    }
                    (body)
                }
                footer.site-footer {
                    div.container { "StreamVault — stream management for the people who run it." }
                }
            }
        }
    }
}

fn header(ctx: &PageContext) -> Markup {
    let active = |path: &str| ctx.current_path == path;
    html! {
        header.site-header {
            div.container.header-inner {
                a.brand href=(paths::HOME) aria-label="StreamVault home" { span.brand-mark aria-hidden="true" { "▶" } span.brand-name { "StreamVault" } }
                nav.main-nav aria-label="Main" {
                    a href=(paths::HOME) aria-current=[active(paths::HOME).then_some("page")] { "Catalog" }
                    @if let Some(nav) = &ctx.nav {
                        @if nav.is_employee {
                            a href=(paths::ADMIN) aria-current=[active(paths::ADMIN).then_some("page")] { "Staff" }
                        } @else {
                            a href=(paths::ACCOUNT) aria-current=[active(paths::ACCOUNT).then_some("page")] { "My account" }
                        }
                    }
                }
                div.session-nav {
                    @if let Some(nav) = &ctx.nav {
                        span.signed-in-as {
                            "Signed in as " strong { (nav.username) }
                            @if nav.is_employee { " " span.badge { "staff" } }
                        }
                        form method="post" action=(paths::LOGOUT) {
                            (crate::forms::csrf_field(&ctx.csrf_token))
                            button.button.button-quiet type="submit" { "Sign out" }
                        }
                    } @else {
                        a.button.button-quiet href=(paths::LOGIN) { "Sign in" }
                        a.button href=(paths::REGISTER) { "Create account" }
                    }
                }
            }
        }
    }
}

pub fn flash_message(flash: &Flash) -> Markup {
    let class = match flash.kind {
        FlashKind::Info => "flash flash-info",
        FlashKind::Success => "flash flash-success",
        FlashKind::Error => "flash flash-error",
    };
    html! { div class=(class) role="status" { (flash.message) } }
}
