//! Multi-row INSERTs: many rows of one shape sent as few statements, each kept well below the
//! bound-parameter limits of SQLite (32,766) and MySQL (65,535).

use sea_query::{InsertStatement, SimpleExpr};

use super::Tx;
use crate::error::{Error, Result};

/// Bound values per statement; large enough that round trips stop mattering.
const MAX_VALUES_PER_STATEMENT: usize = 8_000;

/// Inserts `rows` with `template` (its table and columns set, no values), as many rows per
/// statement as fit in [`MAX_VALUES_PER_STATEMENT`]. Returns the number of rows inserted.
/// Every row must have one value per column of the template.
pub async fn insert_rows(
    tx: &mut Tx,
    template: &InsertStatement,
    rows: &[Vec<SimpleExpr>],
) -> Result<u64> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(0);
    };
    insert_each(tx, template, width, rows.iter().cloned()).await
}

/// Like [`insert_rows`], for rows made as they are sent (`width` values each): a large table
/// is then never in memory twice, once as data and once as bound values.
pub async fn insert_each(
    tx: &mut Tx,
    template: &InsertStatement,
    width: usize,
    rows: impl Iterator<Item = Vec<SimpleExpr>> + Send,
) -> Result<u64> {
    let per_statement = (MAX_VALUES_PER_STATEMENT / width.max(1)).max(1);
    let mut rows = rows.peekable();
    let mut inserted = 0;
    while rows.peek().is_some() {
        let mut statement = template.clone();
        for row in rows.by_ref().take(per_statement) {
            statement
                .values(row)
                .map_err(|e| Error::internal(format_args!("batch insert: {e}")))?;
        }
        inserted += tx.execute(&statement).await?;
    }
    Ok(inserted)
}
