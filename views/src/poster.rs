//! Poster markup shared by the public pages and the staff panel: an uploaded poster's
//! renditions as one responsive `<img>`.

use maud::{html, Markup};

use crate::paths;

/// The stored widths of every uploaded poster (2:3, so heights are 1.5× these).
pub const WIDTHS: [u32; 3] = [160, 320, 640];

/// `<img>` choosing among the renditions of poster `key`; `sizes` says how wide it shows.
/// Width and height reserve its box before it loads (no layout shift).
pub fn picture(key: &str, sizes: &str, class: &str, eager: bool) -> Markup {
    let srcset = WIDTHS
        .iter()
        .map(|&w| {
            [
                paths::poster_rendition(key, w),
                " ".into(),
                w.to_string(),
                "w".into(),
            ]
            .concat()
        })
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        img class=(class) src=(paths::poster_rendition(key, 320)) srcset=(srcset) sizes=(sizes)
            width="320" height="480" alt="" decoding="async"
            loading=(if eager { "eager" } else { "lazy" });
    }
}
