//! `GET /admin/E.csv`: every row the table shows with the page's search, filters and sort, as
//! a file in the format imports read (the column names, money in dollars, ids for references).

use poem::Response;

use super::present;
use super::request::TableRequest;
use crate::admin::crud;
use crate::analytics::csv;
use crate::error::Error;
use crate::web::common::csv_download;
use crate::web::errors::Result;

pub async fn export(req: &TableRequest) -> Result<Response> {
    // `bom=1` (the page's link): a UTF-8 byte-order mark, so spreadsheets read "Lumière"
    // right; scripts' plain URLs get the bare file, like the analytics downloads.
    let bom = match req.form.one("bom")?.map(str::trim) {
        None | Some("" | "0") => false,
        Some("1") => true,
        Some(_) => return Err(Error::BadRequest("bom must be 0 or 1".into()).into()),
    };
    let query = present::list_query(req.def, &req.form)?;
    let records = crud::list_all(req.db(), req.def, &query).await?;
    let header = present::csv_header(req.def);
    let rows: Vec<_> = records
        .iter()
        .map(|record| present::csv_row(req.def, record))
        .collect();
    let day = req.state.clock.now().date_naive();
    Ok(csv_download(
        req.def.slug,
        day,
        csv::write(&header, &rows),
        bom,
    ))
}
