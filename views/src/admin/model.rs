//! What the staff-table fragments know about a table and its columns: plain data the web
//! layer fills in from an entity's description, read by `table` (the list) and `row` (one row).

/// How a column is typed into.
#[derive(Clone, Debug)]
pub enum Input {
    Text {
        max: usize,
    },
    Email,
    Url,
    Number {
        min: i64,
        max: i64,
    },
    /// Dollars and cents, typed freely (`1,975.00`, `$1975`) and checked by the server.
    Money,
    Date,
    Checkbox,
    Password,
    /// A list to choose from; `search` is the URL of matching `<option>`s when the list is
    /// too long to send whole.
    Select {
        options: Vec<SelectOption>,
        search: Option<String>,
    },
    /// Shown, never typed.
    None,
}

#[derive(Clone, Debug)]
pub struct SelectOption {
    pub value: i64,
    pub label: String,
}

#[derive(Clone, Debug)]
pub struct ColumnView {
    /// The form field (a money column's name without `_cents`) and sort key.
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub required: bool,
    /// A column of the table (otherwise only in the edit form).
    pub listed: bool,
    pub numeric: bool,
    pub sortable: bool,
    pub on_create: bool,
    pub on_update: bool,
}

/// What every fragment of one table needs to know.
#[derive(Clone, Debug)]
pub struct TableMeta {
    pub slug: &'static str,
    pub singular: &'static str,
    pub plural: &'static str,
    pub list_path: &'static str,
    pub bulk_path: &'static str,
    /// Where a delete's Undo posts.
    pub undo_path: &'static str,
    pub columns: Vec<ColumnView>,
    pub csrf_token: String,
    /// Where plain (no-JavaScript) forms come back to: the list URL with its query.
    pub return_to: String,
    pub delete_note: &'static str,
    /// Rows can be disabled and enabled (accounts).
    pub toggles: bool,
    /// New rows need a password (accounts).
    pub password_on_create: bool,
    /// Embedded in another row's page: paging and sorting do not change the address.
    pub embedded: bool,
    /// Rows have a poster (series): their actions lead to its upload form.
    pub poster: bool,
}

impl TableMeta {
    pub fn table_id(&self) -> String {
        [self.slug, "-table"].concat()
    }

    pub fn row_id(&self, id: Option<i64>) -> String {
        match id {
            Some(id) => [self.slug, "-row-", &id.to_string()].concat(),
            None => [self.slug, "-new"].concat(),
        }
    }

    /// The "N rows" count above the table, replaced out of band after a create or delete.
    pub fn count_id(&self) -> String {
        [self.slug, "-count"].concat()
    }

    /// The message area above the table (after a delete: its Undo).
    pub fn message_id(&self) -> String {
        [self.slug, "-message"].concat()
    }

    pub fn bulk_form_id(&self) -> String {
        [self.slug, "-bulk"].concat()
    }

    /// Table columns: a selection box, the listed columns, the actions.
    pub fn width(&self) -> usize {
        self.columns.iter().filter(|c| c.listed).count() + 2
    }
}
