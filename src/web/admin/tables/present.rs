//! Pure presenters of the staff tables: a description, its rows and a request's parameters in,
//! view models out. No database and no request here, so each is unit-tested on its own.

use std::collections::HashMap;

use views::admin::row::{CellView, RowView};
use views::admin::table::{Input, SelectOption, TableMeta};
use views::{paths, Flash, FlashKind};

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::admin::crud::{self, DateRange, FormData, Labels, ListQuery, Record, Sort};
use crate::admin::entity::{Column, ColumnKind, Derived, EntityDef};
use crate::admin::values::{self, Value};
use crate::analytics::table::Cell;
use crate::db::page::Page;
use crate::error::{Error, Result};
use crate::validation::FieldErrors;

/// Rows per page unless `per_page` says otherwise.
pub const PAGE_SIZE: u32 = 25;

pub fn flash(kind: FlashKind, message: impl Into<String>) -> Option<Flash> {
    Some(Flash {
        kind,
        message: message.into(),
    })
}

/// The input a column is typed into.
pub fn input_for(column: &Column) -> Input {
    match column.kind {
        ColumnKind::Text { max } => Input::Text { max },
        ColumnKind::Username => Input::Text { max: 32 },
        ColumnKind::Email => Input::Email,
        ColumnKind::Url => Input::Url,
        ColumnKind::Int { min, max } => Input::Number { min, max },
        ColumnKind::Count => Input::Number {
            min: 0,
            max: 1_000_000_000_000_000,
        },
        ColumnKind::Cents { .. } => Input::Money,
        ColumnKind::Date => Input::Date,
        ColumnKind::Bool => Input::Checkbox,
        ColumnKind::Ref(_) => Input::Select {
            options: Vec::new(),
            search: None,
        },
        ColumnKind::Timestamp => Input::None,
    }
}

/// The text shown for a value in a table cell (money, dates and counts as `views::format`
/// writes them, referenced rows by name).
pub fn cell_text(column: &Column, value: &Value, labels: &Labels, index: usize) -> String {
    match (column.kind, value) {
        (_, Value::Null) => String::new(),
        (ColumnKind::Ref(_), Value::Int(id)) => labels
            .get(index, *id)
            .map_or_else(|| ["#", &id.to_string()].concat(), str::to_owned),
        (ColumnKind::Count, Value::Int(n)) => views::format::thousands(*n),
        (ColumnKind::Cents { .. }, Value::Int(n)) => views::format::dollars(*n),
        (ColumnKind::Date, Value::Date(d)) => views::format::short_date(*d),
        (ColumnKind::Bool, Value::Bool(b)) => if *b { "Yes" } else { "No" }.to_owned(),
        // The day is what a table needs; the row's history has the minute.
        (ColumnKind::Timestamp, Value::Timestamp(at)) => views::format::short_date(at.date_naive()),
        _ => value.input_text(),
    }
}

/// A blank new row, with the table's filters preset (a series' episodes → that series).
pub fn blank_row(
    def: &EntityDef,
    filters: &[(usize, Value)],
    labels: &HashMap<usize, String>,
) -> RowView {
    let cells = def
        .columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let preset = filters.iter().find(|(i, _)| *i == index).map(|(_, v)| v);
            let value = match (preset, column.kind) {
                (Some(value), _) => value.input_text(),
                (None, ColumnKind::Count) => "0".to_owned(),
                _ => String::new(),
            };
            CellView {
                display: labels.get(&index).cloned().unwrap_or_default(),
                value,
                ..CellView::default()
            }
        })
        .collect();
    RowView {
        cells,
        ..RowView::default()
    }
}

pub fn to_options(rows: Vec<crud::OptionRow>) -> Vec<SelectOption> {
    rows.into_iter()
        .map(|r| SelectOption {
            value: r.id,
            label: r.label,
        })
        .collect()
}

/// "Upcoming" before the day in `starts`, "Expired" after the one in `ends`, else "Active".
pub fn status(
    def: &EntityDef,
    record: &Record,
    today: chrono::NaiveDate,
    (starts, ends): (&str, &str),
) -> &'static str {
    let day = |name| match record.value(def, name) {
        Some(Value::Date(d)) => Some(*d),
        _ => None,
    };
    match (day(starts), day(ends)) {
        (Some(start), _) if today < start => "Upcoming",
        (_, Some(end)) if today > end => "Expired",
        _ => "Active",
    }
}

/// The cell of a page column (`EntityDef::page_columns`, number `index`) for `record`.
fn page_cell(
    def: &EntityDef,
    index: usize,
    derived: Derived,
    record: &Record,
    labels: &Labels,
    today: chrono::NaiveDate,
) -> CellView {
    match derived {
        Derived::Status { starts, ends } => {
            let status = status(def, record, today, (starts, ends));
            CellView {
                display: status.to_owned(),
                value: status.to_owned(),
                ..CellView::default()
            }
        }
        Derived::Through { via, column } => {
            let found = record
                .value(def, via)
                .and_then(Value::as_int)
                .and_then(|id| labels.through(index, id));
            let target = def
                .column(via)
                .and_then(|(_, c)| c.target())
                .and_then(|middle| middle.column(column))
                .and_then(|(_, c)| c.target());
            match (found, target) {
                (Some((id, label)), Some(target)) => CellView {
                    display: label.to_owned(),
                    value: label.to_owned(),
                    link: Some(paths::admin_row(target.slug, id)),
                    ..CellView::default()
                },
                _ => CellView::default(),
            }
        }
    }
}

/// A row as shown, its inputs holding the stored values, then the page's own columns
/// (a contract's production house and status on `today`).
pub fn row_view(
    def: &'static EntityDef,
    record: &Record,
    labels: &Labels,
    today: chrono::NaiveDate,
) -> RowView {
    let mut row = described_row_view(def, record, labels);
    for (index, column) in def.page_columns.iter().enumerate() {
        row.cells
            .push(page_cell(def, index, column.derived, record, labels, today));
    }
    row
}

fn described_row_view(def: &'static EntityDef, record: &Record, labels: &Labels) -> RowView {
    let cells = def
        .columns
        .iter()
        .zip(&record.values)
        .enumerate()
        .map(|(index, (column, value))| CellView {
            display: cell_text(column, value, labels, index),
            link: match (column.kind, value) {
                (ColumnKind::Ref(target), Value::Int(id)) => {
                    Some(paths::admin_row(target.slug, *id))
                }
                _ => None,
            },
            value: values::field_text(column, value),
            error: None,
            note: None,
        })
        .collect();
    RowView {
        id: Some(record.id),
        version: record.version,
        label: record.label.clone(),
        cells,
        disabled: def
            .role()
            .map(|_| record.value(def, "disabled") == Some(&Value::Bool(true))),
        ..RowView::default()
    }
}

/// Makes sure each reference column's current value is among its choices (long lists are
/// sent in part).
pub fn keep_choices(meta: &mut TableMeta, row: &RowView) {
    for (column, cell) in meta.columns.iter_mut().zip(&row.cells) {
        if let Input::Select { options, .. } = &mut column.input {
            if let Ok(id) = cell.value.parse::<i64>() {
                if !options.iter().any(|o| o.value == id) {
                    let label = if cell.display.is_empty() {
                        ["#", &cell.value].concat()
                    } else {
                        cell.display.clone()
                    };
                    options.insert(0, SelectOption { value: id, label });
                }
            }
        }
    }
}

/// A row's form shown again: what was typed where it was typed, messages beside fields.
pub fn with_typed(
    def: &EntityDef,
    mut row: RowView,
    typed: &[Option<String>],
    errors: &FieldErrors,
) -> RowView {
    for (index, (column, cell)) in def.columns.iter().zip(row.cells.iter_mut()).enumerate() {
        if let Some(Some(text)) = typed.get(index) {
            cell.value = text.clone();
        }
        cell.error = errors.get(column.name).map(str::to_owned);
    }
    row.password_error = errors
        .get("password")
        .or_else(|| errors.get("password_confirm"))
        .map(str::to_owned);
    row.message = flash(
        FlashKind::Error,
        errors
            .get("version")
            .unwrap_or("Please correct the fields marked."),
    );
    row.open = true;
    row
}

/// The header of a table's CSV file: `id`, then each column's field name (money without
/// `_cents`).
pub fn csv_header(def: &EntityDef) -> Vec<&'static str> {
    std::iter::once("id")
        .chain(def.columns.iter().map(Column::field))
        .collect()
}

/// One row of a table's CSV file: values as forms take them (ids for references, dates as
/// `YYYY-MM-DD`, money in dollars); text goes through the CSV writer's formula guard.
pub fn csv_row(def: &EntityDef, record: &Record) -> Vec<Cell> {
    std::iter::once(Cell::Int(record.id))
        .chain(
            def.columns
                .iter()
                .zip(&record.values)
                .map(|(column, value)| match (column.kind, value) {
                    (_, Value::Null) => Cell::Empty,
                    (ColumnKind::Cents { .. }, Value::Int(cents)) => Cell::Hundredths(*cents),
                    (_, Value::Int(n)) => Cell::Int(*n),
                    _ => Cell::Text(values::field_text(column, value)),
                }),
        )
        .collect()
}

/// One audited change as a person reads it on a row's history: the column's label instead
/// of its name, money in dollars (the log keeps cents, as stored).
pub fn readable_change(
    def: &EntityDef,
    (field, before, after): (String, Option<String>, Option<String>),
) -> (String, Option<String>, Option<String>) {
    let Some((_, column)) = def.column(&field) else {
        return (field, before, after);
    };
    let shown = |text: Option<String>| match (column.kind, text) {
        (ColumnKind::Cents { .. }, Some(text)) => {
            Some(text.parse::<i64>().map_or(text, views::format::dollars))
        }
        (_, text) => text,
    };
    (column.label.to_owned(), shown(before), shown(after))
}

/// An audited value of `def`'s `field` with its days and moments written the house way
/// (`views::format`), as the audit log and a row's history show it; the log keeps
/// `YYYY-MM-DD` (and `YYYY-MM-DD HH:MM`), as forms and files do. A release's date sits at
/// the end of its link's description ("Canada (#2) 2024-03-07").
pub fn readable_dates(def: &EntityDef, field: &str, text: String) -> String {
    let day = |t: &str| {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .filter(|_| t.len() == 10)
    };
    match def.column(field).map(|(_, c)| c.kind) {
        Some(ColumnKind::Date) => day(&text).map_or(text, views::format::short_date),
        Some(ColumnKind::Timestamp) => NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M")
            .map_or(text, |at| views::format::timestamp(at.and_utc())),
        Some(_) => text,
        None if def.link(field).is_some_and(|l| l.date.is_some()) => {
            match text
                .rsplit_once(' ')
                .and_then(|(rest, d)| Some((rest, day(d)?)))
            {
                Some((rest, d)) => [rest, " ", &views::format::short_date(d)].concat(),
                None => text,
            }
        }
        None => text,
    }
}

/// The list query from request parameters (`q`, `sort`, `page`, `per_page`, filters).
pub fn list_query(def: &'static EntityDef, form: &FormData) -> Result<ListQuery> {
    let q = form.one("q")?.unwrap_or_default().trim().to_owned();
    if q.chars().count() > 100 {
        return Err(Error::BadRequest(
            "search text is limited to 100 characters".into(),
        ));
    }
    let sort = Sort::parse(def, form.one("sort")?)?;
    let page = Page::parse(form.one("page")?, form.one("per_page")?, PAGE_SIZE)?;
    let mut filters = Vec::new();
    for name in def.filters {
        let Some((index, column)) = def.column(name) else {
            continue;
        };
        let Some(text) = form.one(name)?.map(str::trim).filter(|t| !t.is_empty()) else {
            continue;
        };
        let value = match column.kind {
            ColumnKind::Bool => match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(Error::BadRequest([name, " must be true or false"].concat())),
            },
            _ => match text.parse::<i64>() {
                Ok(id) if id > 0 => Value::Int(id),
                _ => {
                    return Err(Error::BadRequest(
                        [name, " must be a positive whole number"].concat(),
                    ))
                }
            },
        };
        filters.push((index, value));
    }
    let mut ranges = Vec::new();
    for (index, column) in def.columns.iter().enumerate() {
        let Some((from_name, to_name)) = range_names(column) else {
            continue;
        };
        let (from, to) = (range_day(form, &from_name)?, range_day(form, &to_name)?);
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                return Err(Error::BadRequest(
                    [to_name.as_str(), " must not be before ", &from_name].concat(),
                ));
            }
        }
        if from.is_some() || to.is_some() {
            ranges.push(DateRange {
                column: index,
                from,
                to,
            });
        }
    }
    Ok(ListQuery {
        q,
        sort,
        filters,
        ranges,
        page,
    })
}

/// Years a range's ends may name (MariaDB's DATE and DATETIME hold no others).
pub const RANGE_YEARS: std::ops::RangeInclusive<i32> = crate::validation::STORABLE_YEARS;

/// The parameters that narrow a date (or moment) column to a range of days, inclusive:
/// `<name>_from` and `<name>_to`; `None` for other columns.
pub fn range_names(column: &Column) -> Option<(String, String)> {
    matches!(column.kind, ColumnKind::Date | ColumnKind::Timestamp).then(|| {
        (
            [column.name, "_from"].concat(),
            [column.name, "_to"].concat(),
        )
    })
}

/// One end of a range: empty is open, `YYYY-MM-DD` is that day, anything else is a 400
/// naming the parameter.
fn range_day(form: &FormData, name: &str) -> Result<Option<NaiveDate>> {
    let Some(text) = form.one(name)?.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(day) if text.len() == 10 && RANGE_YEARS.contains(&day.year()) => Ok(Some(day)),
        _ => Err(Error::BadRequest(
            [name, " must be a date (YYYY-MM-DD)"].concat(),
        )),
    }
}

/// The value of the conflict note beside a field: what the editor typed, when it differs
/// from the current value they are now shown.
pub fn conflict_note(current: &str, typed: Option<&str>) -> Option<String> {
    typed
        .filter(|t| t.trim() != current)
        .map(|t| ["You typed: ", t].concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::entities::{EPISODES, SERIES};

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn list_queries_take_known_filters_and_refuse_bad_ones() {
        let query =
            list_query(&EPISODES, &form(&[("series_id", "3"), ("q", " pilot ")])).expect("valid");
        assert_eq!(query.q, "pilot");
        assert_eq!(query.filters.len(), 1);
        assert_eq!(query.filters[0].1, Value::Int(3));
        assert_eq!(query.page.size, PAGE_SIZE);
        use crate::admin::entities::{CONTRACTS, CUSTOMERS};
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let query = list_query(
            &CONTRACTS,
            &form(&[
                ("starts_on_from", "2026-01-01"),
                ("starts_on_to", "2026-12-31"),
                ("ends_on_to", ""),
            ]),
        )
        .expect("valid");
        let (starts, _) = CONTRACTS.column("starts_on").expect("starts_on");
        assert_eq!(
            query.ranges,
            vec![DateRange {
                column: starts,
                from: day(2026, 1, 1),
                to: day(2026, 12, 31)
            }]
        );
        let (created, _) = CUSTOMERS.column("created_at").expect("created_at");
        let query =
            list_query(&CUSTOMERS, &form(&[("created_at_to", "2026-03-07")])).expect("valid");
        assert_eq!(query.ranges[0].column, created);
        assert_eq!(query.ranges[0].from, None);
        for bad in [
            &[("starts_on_from", "2026-13-01")][..],
            &[("starts_on_from", "1-1-2026")],
            &[("starts_on_to", "99999-01-01")],
            &[
                ("starts_on_from", "2026-02-01"),
                ("starts_on_to", "2026-01-31"),
            ],
        ] {
            let Err(Error::BadRequest(message)) = list_query(&CONTRACTS, &form(bad)) else {
                panic!("{bad:?} is refused");
            };
            assert!(message.starts_with("starts_on_"), "{message}");
        }
        for bad in [
            &[("series_id", "x")][..],
            &[("series_id", "-1")],
            &[("q", &"x".repeat(101))],
            &[("sort", "password_hash")],
            &[("page", "0")],
        ] {
            assert!(list_query(&EPISODES, &form(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_blank_row_keeps_the_filter_and_starts_counts_at_zero() {
        let (series, _) = EPISODES.column("series_id").expect("series_id");
        let (viewers, _) = EPISODES.column("total_viewers").expect("total_viewers");
        let labels = HashMap::from([(series, "Northern Lights".to_owned())]);
        let row = blank_row(&EPISODES, &[(series, Value::Int(7))], &labels);
        assert_eq!(row.cells[series].value, "7");
        assert_eq!(row.cells[series].display, "Northern Lights");
        assert_eq!(row.cells[viewers].value, "0");
        assert!(row.id.is_none());
    }

    #[test]
    fn typed_values_and_messages_go_back_to_their_fields() {
        let (title, _) = SERIES.column("title").expect("title");
        let row = blank_row(&SERIES, &[], &HashMap::new());
        let mut typed = vec![None; SERIES.columns.len()];
        typed[title] = Some("<b>x</b>".to_owned());
        let mut errors = FieldErrors::new();
        errors.add("title", "Too short.");
        let row = with_typed(&SERIES, row, &typed, &errors);
        assert_eq!(row.cells[title].value, "<b>x</b>");
        assert_eq!(row.cells[title].error.as_deref(), Some("Too short."));
        assert!(row.open);
        assert!(row.message.is_some());
    }

    #[test]
    fn a_reference_outside_the_sent_choices_is_kept() {
        let mut meta = TableMeta {
            slug: "episodes",
            singular: "Episode",
            plural: "Episodes",
            list_path: "/admin/episodes",
            bulk_path: "/admin/episodes/bulk-delete",
            undo_path: "/admin/episodes/undo",
            columns: vec![views::admin::table::ColumnView {
                name: "series_id",
                label: "Series",
                input: Input::Select {
                    options: vec![SelectOption {
                        value: 1,
                        label: "One".into(),
                    }],
                    search: None,
                },
                required: true,
                listed: true,
                numeric: false,
                sortable: false,
                on_create: true,
                on_update: true,
            }],
            csrf_token: String::new(),
            return_to: String::new(),
            delete_note: "",
            toggles: false,
            password_on_create: false,
            embedded: false,
            poster: false,
        };
        let row = RowView {
            cells: vec![CellView {
                value: "9".into(),
                display: "Nine".into(),
                ..CellView::default()
            }],
            ..RowView::default()
        };
        keep_choices(&mut meta, &row);
        let Input::Select { options, .. } = &meta.columns[0].input else {
            panic!("a select");
        };
        assert_eq!(options[0].value, 9);
        assert_eq!(options[0].label, "Nine");
        assert_eq!(options.len(), 2);
    }

    #[test]
    fn history_reads_labels_and_dollars() {
        use crate::admin::entities::CONTRACTS;
        assert_eq!(
            readable_change(
                &CONTRACTS,
                (
                    "per_episode_charge_cents".into(),
                    Some("197500".into()),
                    Some("5".into())
                )
            ),
            (
                "Per-episode charge ($)".into(),
                Some("1,975.00".into()),
                Some("0.05".into())
            )
        );
        assert_eq!(
            readable_change(&CONTRACTS, ("links".into(), None, Some("x".into()))),
            ("links".into(), None, Some("x".into()))
        );
    }

    #[test]
    fn audited_days_and_moments_read_the_house_way() {
        use crate::admin::entities::{CONTRACTS, CUSTOMERS, SERIES};
        assert_eq!(
            readable_dates(&CONTRACTS, "starts_on", "2024-03-07".into()),
            "7 Mar 2024"
        );
        assert_eq!(
            readable_dates(&CUSTOMERS, "created_at", "2024-03-07 14:05".into()),
            "7 Mar 2024, 14:05 UTC"
        );
        assert_eq!(
            readable_dates(&SERIES, "releases", "Canada (#2) 2024-03-07".into()),
            "Canada (#2) 7 Mar 2024"
        );
        for (def, field, text) in [
            (&CONTRACTS, "starts_on", "7 Mar 2024"),
            (&SERIES, "title", "2024-03-07"),
            (&SERIES, "genres", "Drama (#1) 2024-03-07"),
            (&SERIES, "releases", "Canada (#2)"),
        ] {
            assert_eq!(readable_dates(def, field, text.into()), text, "{field}");
        }
    }

    #[test]
    fn conflict_notes_show_only_what_differs() {
        assert_eq!(conflict_note("a", Some(" a ")), None);
        assert_eq!(
            conflict_note("a", Some("b")).as_deref(),
            Some("You typed: b")
        );
        assert_eq!(conflict_note("a", None), None);
    }
}
