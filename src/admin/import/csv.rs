//! Reading a CSV file (RFC 4180) into records.

/// RFC 4180 records: fields separated by commas, quoted with `"` (a quote inside doubled),
/// records ending in CRLF or LF; blank lines are skipped.
pub fn parse_csv(text: &str) -> std::result::Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    let mut field_started = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if !field_started => {
                quoted = true;
                field_started = true;
            }
            '"' => return Err(format!("Line {line}: a quote inside an unquoted field.")),
            ',' => {
                record.push(std::mem::take(&mut field));
                field_started = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if field_started || !field.is_empty() || !record.is_empty() {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                field_started = false;
                line += 1;
            }
            _ => {
                field.push(c);
                field_started = true;
            }
        }
    }
    if quoted {
        return Err(format!("Line {line}: a quoted field is not closed."));
    }
    if field_started || !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::parse_csv;

    #[test]
    fn csv_fields_quotes_and_line_ends() {
        let parsed = parse_csv("id,name\r\n1,\"Lumière, \"\"Paris\"\"\"\n\n2,\n,x").expect("csv");
        assert_eq!(
            parsed,
            vec![
                vec!["id".to_string(), "name".into()],
                vec!["1".into(), "Lumière, \"Paris\"".into()],
                vec!["2".into(), "".into()],
                vec!["".into(), "x".into()],
            ]
        );
        assert_eq!(
            parse_csv("a\n\"multi\nline\"").expect("csv")[1],
            vec!["multi\nline".to_string()]
        );
    }

    #[test]
    fn malformed_csv_is_refused_with_its_line() {
        assert!(parse_csv("a\n\"open").is_err_and(|m| m.contains("not closed")));
        assert!(parse_csv("a\nb\"c").is_err_and(|m| m.contains("Line 2")));
    }
}
