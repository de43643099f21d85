//! CSV files as spreadsheets should read them: RFC 4180 quoting, CRLF line ends, and text
//! cells that a spreadsheet would run as a formula neutralized (OWASP "CSV injection").

use super::table::Cell;

/// A whole file: the header line, then one line per row.
pub fn write(header: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut out = String::with_capacity(64 * (rows.len() + 1));
    line(&mut out, header.iter().map(|h| field(h)));
    for row in rows {
        line(&mut out, row.iter().map(cell));
    }
    out
}

fn line(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, value) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&value);
    }
    out.push_str("\r\n");
}

fn cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => field(&neutralize(text)),
        other => other.display(),
    }
}

/// Text a spreadsheet would treat as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return that hides one) gets a leading apostrophe, so it shows as the text it is; so does
/// text that starts with an apostrophe, so that [`restore`] gives every text back exactly.
fn neutralize(text: &str) -> String {
    match text.chars().next() {
        Some(first) if guarded(first) => ["'", text].concat(),
        _ => text.to_owned(),
    }
}

/// What a cell may not start with unguarded: a formula's first character, a tab or carriage
/// return that hides one, or the apostrophe that is the guard itself.
fn guarded(first: char) -> bool {
    matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r' | '\'')
}

/// The text a cell of our own files stands for: the apostrophe [`neutralize`] put before it
/// comes off (an import of an exported file changes nothing). A hand-written cell such as
/// `'Tis` keeps its apostrophe: only one followed by what the writer guards is taken off.
pub fn restore(cell: String) -> String {
    let mut chars = cell.chars();
    match (chars.next(), chars.next()) {
        (Some('\''), Some(next)) if guarded(next) => cell[1..].to_owned(),
        _ => cell,
    }
}

/// A field, quoted when it holds a comma, a quote or a line break (quotes doubled).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        ["\"", &text.replace('"', "\"\""), "\""].concat()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_neutralizes() {
        let rows = vec![
            vec![Cell::Int(1), Cell::text("Plain"), Cell::Hundredths(433)],
            vec![
                Cell::Int(2),
                Cell::text("=HYPERLINK(\"http://x\",\"y\")"),
                Cell::Empty,
            ],
            vec![Cell::Int(3), Cell::text("a, b\nc"), Cell::text("@SUM(A1)")],
            vec![Cell::Int(4), Cell::text("-2+3"), Cell::text("+1")],
        ];
        assert_eq!(
            write(&["id", "title", "avg"], &rows),
            "id,title,avg\r\n\
             1,Plain,4.33\r\n\
             2,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\r\n\
             3,\"a, b\nc\",'@SUM(A1)\r\n\
             4,'-2+3,'+1\r\n"
        );
    }

    #[test]
    fn restore_gives_every_text_back_and_leaves_hand_written_apostrophes() {
        for text in [
            "+33 3 20 55 01 74",
            "=1+1",
            "-dash",
            "@at",
            "\tTab",
            "'",
            "''",
            "'+x",
            "'Tis",
            "plain",
            "",
        ] {
            assert_eq!(restore(neutralize(text)), text, "{text:?}");
        }
        assert_eq!(restore("'Tis".to_owned()), "'Tis");
        assert_eq!(restore("'+47 22".to_owned()), "+47 22");
    }
}
