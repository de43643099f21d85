//! `GET /admin/E.csv`: every row the table shows with the page's search, filters and sort, as
//! a file in the format imports read (the column names, money in dollars, ids for references).

use poem::Response;

use super::present;
use super::request::TableRequest;
use crate::admin::crud;
use crate::analytics::csv;
use crate::web::common::csv_download;
use crate::web::errors::Result;

pub async fn export(req: &TableRequest) -> Result<Response> {
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
        true,
    ))
}
