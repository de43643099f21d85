//! A named table of figures staff can open, sort, page and download: one of the six analytics
//! queries ([`super::queries::AnalyticsQuery`]) or one of the two reports
//! ([`super::reports::Report`]). Pages, CSV files and the dashboard read these four facts
//! through this one trait, so both kinds are listed and served the same way.

pub trait Dataset: Copy + PartialEq + Sized + 'static {
    /// Every dataset of this kind, in the order staff see them.
    const ALL: &'static [Self];

    /// The name in URLs (`…/{slug}` and `…/{slug}.csv`).
    fn slug(self) -> &'static str;

    /// A short title for headings and menus.
    fn title(self) -> &'static str;

    /// One or two sentences for staff: what it shows and how it is computed.
    fn description(self) -> &'static str;

    /// The CSV header and the table's column names, in order.
    fn header(self) -> &'static [&'static str];

    fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|d| d.slug() == slug)
    }
}
