//! What a staff table is, as data: an entity's columns (labels, kinds, validation), sort keys,
//! search columns, filters, uniqueness and cross-field rules, what its deletes do to other
//! tables, and the few behaviours the generic path must add (per-series figures, accounts).
//! The descriptions live in `entities/`; `crud` serves every one of them the same way.

use futures::future::BoxFuture;
use sea_query::{Iden, SimpleExpr};
use views::paths::AdminPaths;

use crate::admin::values::Value;
use crate::auth::Role;
use crate::db::schema::{
    Accounts, AuditLog, Contracts, Countries, Episodes, Feedback, Genres, Languages,
    PasswordResetTokens, ProducerAlliances, Producers, ProductionHouses, Schedules, Series,
    SeriesDubbings, SeriesGenres, SeriesReleases, SeriesStats, SeriesSubtitles, Sessions,
};
use crate::db::{Touched, Tx};
use crate::error::{Error, Result};

/// A table or column identifier of any staff table. It wraps the schema enums so that
/// descriptions can be `static`, and every identifier still comes from `db::schema`.
#[derive(Clone, Copy)]
pub enum TableIden {
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

impl Iden for TableIden {
    fn unquoted(&self, s: &mut dyn std::fmt::Write) {
        match self {
            TableIden::Countries(c) => c.unquoted(s),
            TableIden::Languages(c) => c.unquoted(s),
            TableIden::Genres(c) => c.unquoted(s),
            TableIden::ProductionHouses(c) => c.unquoted(s),
            TableIden::Producers(c) => c.unquoted(s),
            TableIden::ProducerAlliances(c) => c.unquoted(s),
            TableIden::Series(c) => c.unquoted(s),
            TableIden::SeriesGenres(c) => c.unquoted(s),
            TableIden::SeriesSubtitles(c) => c.unquoted(s),
            TableIden::SeriesDubbings(c) => c.unquoted(s),
            TableIden::SeriesReleases(c) => c.unquoted(s),
            TableIden::SeriesStats(c) => c.unquoted(s),
            TableIden::Episodes(c) => c.unquoted(s),
            TableIden::Schedules(c) => c.unquoted(s),
            TableIden::Contracts(c) => c.unquoted(s),
            TableIden::Accounts(c) => c.unquoted(s),
            TableIden::Feedback(c) => c.unquoted(s),
            TableIden::Sessions(c) => c.unquoted(s),
            TableIden::PasswordResetTokens(c) => c.unquoted(s),
            TableIden::AuditLog(c) => c.unquoted(s),
        }
    }
}

/// What a column holds, which decides how it is parsed, checked, stored and shown.
#[derive(Clone, Copy)]
pub enum ColumnKind {
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
    /// Money in integer cents, at least `min`; shown, typed and exported as dollars under
    /// the column's name without `_cents` (the `…_cents` field still takes whole cents).
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
    /// The form field and the database column: the same name.
    pub name: &'static str,
    pub col: TableIden,
    pub label: &'static str,
    pub kind: ColumnKind,
    pub required: bool,
    pub edit: Edit,
    /// Shown as a column of the table (every editable column is in the edit form).
    pub listed: bool,
    pub searchable: bool,
    pub sortable: bool,
}

impl Column {
    const fn new(
        name: &'static str,
        col: TableIden,
        label: &'static str,
        kind: ColumnKind,
    ) -> Self {
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

    pub const fn text(name: &'static str, col: TableIden, label: &'static str, max: usize) -> Self {
        Self::new(name, col, label, ColumnKind::Text { max })
    }

    pub const fn of(
        name: &'static str,
        col: TableIden,
        label: &'static str,
        kind: ColumnKind,
    ) -> Self {
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

    /// The name forms and files use: a money column's name without `_cents`, since its
    /// field holds dollars; every other column's own name.
    pub fn field(&self) -> &'static str {
        match self.kind {
            ColumnKind::Cents { .. } => self.name.strip_suffix("_cents").unwrap_or(self.name),
            _ => self.name,
        }
    }

    pub fn target(&self) -> Option<&'static EntityDef> {
        match self.kind {
            ColumnKind::Ref(target) => Some(target),
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
    pub table: TableIden,
    pub fk: TableIden,
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
    pub table: TableIden,
    pub owner: TableIden,
    pub target_col: TableIden,
    pub target: &'static EntityDef,
    pub date: Option<(TableIden, &'static str)>,
}

/// What a column of the page only shows (it is not stored in the table, nor typed in its
/// forms, nor written to its files).
#[derive(Clone, Copy)]
pub enum Derived {
    /// Whether the row is in force today: "Upcoming" before the date column `starts`,
    /// "Expired" after `ends`, else "Active".
    Status {
        starts: &'static str,
        ends: &'static str,
    },
    /// The row that a referenced row refers to, by name and linked: the reference column
    /// `via` of this table, then the reference column `column` of its target (a contract's
    /// series' production house).
    Through {
        via: &'static str,
        column: &'static str,
    },
}

/// A column of the table's page after the described ones, computed when shown.
pub struct PageColumn {
    pub name: &'static str,
    pub label: &'static str,
    pub derived: Derived,
}

/// What a write to one row must also do inside its transaction (the per-series figures an
/// episode moves), declared by the entity's description and run by the generic write path.
pub type RowHook =
    for<'a> fn(&'a mut Tx, &'static EntityDef, &'a Record) -> BoxFuture<'a, Result<()>>;
/// The same for an update, with the row before and after.
pub type ChangeHook =
    for<'a> fn(&'a mut Tx, &'static EntityDef, &'a Record, &'a Record) -> BoxFuture<'a, Result<()>>;

#[derive(Clone, Copy, Default)]
pub struct Hooks {
    pub created: Option<RowHook>,
    pub updated: Option<ChangeHook>,
    /// Before a delete removes the row and its dependents (they can still be read).
    pub deleting: Option<RowHook>,
    pub deleted: Option<RowHook>,
}

impl Hooks {
    pub const NONE: Hooks = Hooks {
        created: None,
        updated: None,
        deleting: None,
        deleted: None,
    };
}

/// One row of a described table: its key, its version and a value per column (in the
/// description's order).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub id: i64,
    pub version: i64,
    pub values: Vec<Value>,
    /// How the row is named (the description's label expression).
    pub label: String,
}

impl Record {
    pub fn value(&self, def: &EntityDef, name: &str) -> Option<&Value> {
        def.column(name).and_then(|(i, _)| self.values.get(i))
    }

    /// A whole-number column's value; a column the description does not have, or one that is
    /// not a number, is an error rather than a silent 0.
    pub fn int(&self, def: &EntityDef, name: &str) -> Result<i64> {
        self.value(def, name)
            .and_then(Value::as_int)
            .ok_or_else(|| Error::internal(format_args!("{}.{name} is not a number", def.slug)))
    }

    /// A flag column's value (a missing column is an error).
    pub fn flag(&self, def: &EntityDef, name: &str) -> Result<bool> {
        match self.value(def, name) {
            Some(Value::Bool(flag)) => Ok(*flag),
            _ => Err(Error::internal(format_args!(
                "{}.{name} is not a flag",
                def.slug
            ))),
        }
    }
}

pub struct EntityDef {
    /// URL segment, audit entity name.
    pub slug: &'static str,
    /// Its routes (`slug` is theirs too).
    pub paths: &'static AdminPaths,
    pub singular: &'static str,
    pub plural: &'static str,
    pub table: TableIden,
    pub id: TableIden,
    pub version: TableIden,
    pub columns: &'static [Column],
    /// Columns of the page only, after `columns` (a contract's status and production house).
    pub page_columns: &'static [PageColumn],
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
    /// Rows of `accounts` with this role: created with a password, never showing its hash,
    /// with disable and enable actions.
    pub account: Option<Role>,
    pub hooks: Hooks,
    /// What its writes change for the public pages and analytics (`Tx::touch`); `None` when
    /// nothing they show depends on it.
    pub touches: Option<Touched>,
}

impl EntityDef {
    pub fn column(&self, name: &str) -> Option<(usize, &'static Column)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }

    pub fn role(&self) -> Option<Role> {
        self.account
    }

    pub fn link(&self, name: &str) -> Option<&'static Link> {
        self.links.iter().find(|l| l.name == name)
    }
}
