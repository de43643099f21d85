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
    let per_statement = (MAX_VALUES_PER_STATEMENT / width.max(1)).max(1);
    let mut inserted = 0;
    for chunk in rows.chunks(per_statement) {
        let mut statement = template.clone();
        for row in chunk {
            statement
                .values(row.iter().cloned())
                .map_err(|e| Error::internal(format_args!("batch insert: {e}")))?;
        }
        inserted += tx.execute(&statement).await?;
    }
    Ok(inserted)
}
