//! What a staff table is, as data: an entity's columns (labels, kinds, validation), sort keys,
//! search columns, filters, uniqueness and cross-field rules, what its deletes do to other
//! tables, and the few behaviours the generic path must add (per-series figures, accounts).
//! The descriptions live in `entities/`; `crud` serves every one of them the same way.

use sea_query::{Iden, SimpleExpr};

use crate::auth::Role;
use crate::db::schema::{
    Accounts, AuditLog, Contracts, Countries, Episodes, Feedback, Genres, Languages,
    PasswordResetTokens, ProducerAlliances, Producers, ProductionHouses, Schedules, Series,
    SeriesDubbings, SeriesGenres, SeriesReleases, SeriesStats, SeriesSubtitles, Sessions,
};

/// A table or column identifier of any staff table. It wraps the schema enums so that
/// descriptions can be `static`, and every identifier still comes from `db::schema`.
#[derive(Clone, Copy)]
pub enum Col {
    Countries(Countries),
    Languages(Languages),
    Genres(Genres),
    ProductionHouses(ProductionHouses),
    Producers(Producers),
    ProducerAlliances(ProducerAlliances),
    Series(Series),
    SeriesGenres(SeriesGenres),
    SeriesSubtitles(SeriesSubtitles),
    SeriesDubbings(SeriesDubbings),
    SeriesReleases(SeriesReleases),
    SeriesStats(SeriesStats),
    Episodes(Episodes),
    Schedules(Schedules),
    Contracts(Contracts),
    Accounts(Accounts),
    Feedback(Feedback),
    Sessions(Sessions),
    PasswordResetTokens(PasswordResetTokens),
    AuditLog(AuditLog),
}

impl Iden for Col {
    fn unquoted(&self, s: &mut dyn std::fmt::Write) {
        match self {
            Col::Countries(c) => c.unquoted(s),
            Col::Languages(c) => c.unquoted(s),
            Col::Genres(c) => c.unquoted(s),
            Col::ProductionHouses(c) => c.unquoted(s),
            Col::Producers(c) => c.unquoted(s),
            Col::ProducerAlliances(c) => c.unquoted(s),
            Col::Series(c) => c.unquoted(s),
            Col::SeriesGenres(c) => c.unquoted(s),
            Col::SeriesSubtitles(c) => c.unquoted(s),
            Col::SeriesDubbings(c) => c.unquoted(s),
            Col::SeriesReleases(c) => c.unquoted(s),
            Col::SeriesStats(c) => c.unquoted(s),
            Col::Episodes(c) => c.unquoted(s),
            Col::Schedules(c) => c.unquoted(s),
            Col::Contracts(c) => c.unquoted(s),
            Col::Accounts(c) => c.unquoted(s),
            Col::Feedback(c) => c.unquoted(s),
            Col::Sessions(c) => c.unquoted(s),
            Col::PasswordResetTokens(c) => c.unquoted(s),
            Col::AuditLog(c) => c.unquoted(s),
        }
    }
}

/// What a column holds, which decides how it is parsed, checked, stored and shown.
#[derive(Clone, Copy)]
pub enum Kind {
    /// Trimmed text of at most `max` characters, no control characters.
    Text {
        max: usize,
    },
    /// An account's username (`auth::accounts::check_username`), stored in lower case.
    Username,
    /// An e-mail address (`auth::accounts::check_email`), stored in lower case.
    Email,
    /// An `http(s)://` address of at most 500 characters.
    Url,
    /// A whole number within bounds, shown as typed (years, episode numbers).
    Int {
        min: i64,
        max: i64,
    },
    /// A non-negative count, shown with thousands separators.
    Count,
    /// Money in integer cents, at least `min`; shown as dollars.
    Cents {
        min: i64,
    },
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    Bool,
    /// A row of another entity, chosen from a list.
    Ref(&'static EntityDef),
    /// A moment, shown only (never typed).
    Timestamp,
}

/// When a column can be typed into.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Always,
    /// Set when the row is created, fixed afterwards (usernames).
    CreateOnly,
    /// Shown only (creation dates, the disabled flag, which has its own actions).
    Never,
}

#[derive(Clone, Copy)]
pub struct Column {
    /// The form field and the database column: the same name (CONTRACT §4).
    pub name: &'static str,
    pub col: Col,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub edit: Edit,
    /// Shown as a column of the table (every editable column is in the edit form).
    pub listed: bool,
    pub searchable: bool,
    pub sortable: bool,
}

impl Column {
    const fn new(name: &'static str, col: Col, label: &'static str, kind: Kind) -> Self {
        Self {
            name,
            col,
            label,
            kind,
            required: true,
            edit: Edit::Always,
            listed: true,
            searchable: false,
            sortable: false,
        }
    }

    pub const fn text(name: &'static str, col: Col, label: &'static str, max: usize) -> Self {
        Self::new(name, col, label, Kind::Text { max })
    }

    pub const fn of(name: &'static str, col: Col, label: &'static str, kind: Kind) -> Self {
        Self::new(name, col, label, kind)
    }

    pub const fn optional(self) -> Self {
        Self {
            required: false,
            ..self
        }
    }

    pub const fn search(self) -> Self {
        Self {
            searchable: true,
            ..self
        }
    }

    pub const fn sort(self) -> Self {
        Self {
            sortable: true,
            ..self
        }
    }

    pub const fn unlisted(self) -> Self {
        Self {
            listed: false,
            ..self
        }
    }

    pub const fn edit(self, edit: Edit) -> Self {
        Self { edit, ..self }
    }

    pub fn target(&self) -> Option<&'static EntityDef> {
        match self.kind {
            Kind::Ref(target) => Some(target),
            _ => None,
        }
    }
}

/// Columns whose values together name at most one row, checked before every write (compared
/// case-insensitively, as MariaDB's collation does) and mapped from the database's refusal.
pub struct Unique {
    pub columns: &'static [&'static str],
    /// The field the message is shown beside.
    pub field: &'static str,
    pub message: &'static str,
}

/// A rule between two fields: `later` must be after `earlier` when both are given.
pub struct After {
    pub later: &'static str,
    pub earlier: &'static str,
    pub message: &'static str,
}

/// What deleting a row does to rows of another table that point at it.
#[derive(Clone, Copy)]
pub enum OnDelete {
    /// The delete is refused while such rows exist; the message names them.
    Refuse(&'static str),
    /// Such rows are deleted in the same transaction.
    Cascade,
}

/// Rows of another table that point at this entity's rows. They are handled in the order
/// listed, which follows the lock order of ARCHITECTURE.md.
pub struct Dependent {
    pub table: Col,
    pub fk: Col,
    /// Plural noun for messages and the audit entry ("episodes").
    pub what: &'static str,
    pub on_delete: OnDelete,
}

/// A child entity shown (and edited) on a row's own page, filtered to that row.
pub struct Child {
    pub entity: &'static EntityDef,
    pub fk: &'static str,
}

/// A set of other rows attached to this one through a link table (a series' genres), with an
/// optional date per link (release dates).
pub struct Link {
    /// Path segment and audit field name.
    pub name: &'static str,
    pub label: &'static str,
    pub table: Col,
    pub owner: Col,
    pub target_col: Col,
    pub target: &'static EntityDef,
    pub date: Option<(Col, &'static str)>,
}

/// The few things the generic path adds for particular entities.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Plain,
    /// New series get their `series_stats` row.
    Series,
    /// Episode writes move the series' viewer and episode figures.
    Episodes,
    /// Rows of `accounts` with this role: created with a password, never showing its hash;
    /// deleting a customer also takes back their reviews' figures.
    Account(Role),
}

pub struct EntityDef {
    /// URL segment, audit entity name.
    pub slug: &'static str,
    pub singular: &'static str,
    pub plural: &'static str,
    pub table: Col,
    pub id: Col,
    pub version: Col,
    pub columns: &'static [Column],
    /// A column name, `-name` for descending, or `id`.
    pub default_sort: &'static str,
    /// Columns that can narrow the table with `?name=value` (references and flags).
    pub filters: &'static [&'static str],
    pub unique: &'static [Unique],
    pub rules: &'static [After],
    pub dependents: &'static [Dependent],
    /// Shown in the delete confirmation.
    pub delete_note: &'static str,
    pub children: &'static [Child],
    pub links: &'static [Link],
    /// How a row is named where another entity refers to it (and in messages).
    pub label: fn() -> SimpleExpr,
    pub behaviour: Behaviour,
}

impl EntityDef {
    pub fn column(&self, name: &str) -> Option<(usize, &'static Column)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }

    pub fn role(&self) -> Option<Role> {
        match self.behaviour {
            Behaviour::Account(role) => Some(role),
            _ => None,
        }
    }

    pub fn link(&self, name: &str) -> Option<&'static Link> {
        self.links.iter().find(|l| l.name == name)
    }
}
