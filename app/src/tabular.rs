//! Files of rows: reading an uploaded CSV or JSON file into a [`Table`] (the upload wizards of
//! assignments and identities), and writing CSV (their failed rows, the server's exports). One
//! quoting rule and one reader, here.

use std::collections::HashMap;

use serde_json::Value;

use crate::dto::MAX_BULK_ITEMS;

/// A file read into rows of text cells, with its header row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn cell(&self, row: usize, column: Option<usize>) -> &str {
        column.and_then(|c| self.rows.get(row).and_then(|r| r.get(c))).map(|s| s.trim()).unwrap_or("")
    }
}

/// Reads a file by its name: `.json` as JSON, anything else as CSV. A JSON object may carry its
/// rows under `list_key` (the API's own bulk body: `assignments`, `identities`).
pub fn read_file(name: &str, text: &str, list_key: &str) -> Result<Table, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let table = if name.to_ascii_lowercase().ends_with(".json") { parse_json(text, list_key)? } else { parse_csv(text)? };
    if table.rows.is_empty() {
        return Err("The file has a header but no rows.".to_owned());
    }
    if table.rows.len() > MAX_UPLOAD_ROWS {
        return Err(format!("The file has {} rows; upload at most {} at a time.", table.rows.len(), MAX_UPLOAD_ROWS));
    }
    Ok(table)
}

/// The largest file the page accepts: what one atomic request may carry.
pub const MAX_UPLOAD_ROWS: usize = MAX_BULK_ITEMS;

/// RFC 4180 CSV: commas, `"quoted, fields"` with `""` for a quote, CRLF or LF line ends. Blank
/// lines are skipped; the first line is the header. A semicolon-separated file (as some
/// spreadsheet locales write) is read too, when its header has semicolons and no commas.
pub fn parse_csv(text: &str) -> Result<Table, String> {
    let first_line = text.lines().next().unwrap_or("");
    let separator = if !first_line.contains(',') && first_line.contains(';') { ';' } else { ',' };
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1usize;
    let mut chars = text.chars().peekable();
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
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            c if c == separator => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                record.push(std::mem::take(&mut field));
                if !record.iter().all(|f| f.trim().is_empty()) {
                    records.push(std::mem::take(&mut record));
                }
                record.clear();
                line += 1;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("A quoted field that starts before line {line} is never closed."));
    }
    record.push(field);
    if !record.iter().all(|f| f.trim().is_empty()) {
        records.push(record);
    }
    let mut records = records.into_iter();
    let headers: Vec<String> = records.next().ok_or("The file is empty.")?.into_iter().map(|h| h.trim().to_owned()).collect();
    Ok(Table { headers, rows: records.collect() })
}

/// A JSON array of objects (or `{ "<list_key>": [...] }`, the API's own body); the columns are
/// the keys, in the order they first appear (alphabetical within one object).
pub fn parse_json(text: &str, list_key: &str) -> Result<Table, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("The file is not valid JSON: {e}."))?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut object) => match object.remove(list_key) {
            Some(Value::Array(items)) => items,
            _ => return Err(format!("Expected a JSON array of objects, or an object with an \"{list_key}\" array.")),
        },
        _ => return Err("Expected a JSON array of objects.".to_owned()),
    };
    let mut headers: Vec<String> = Vec::new();
    let mut positions: HashMap<String, usize> = HashMap::new();
    let mut objects = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let Value::Object(object) = item else {
            return Err(format!("Item {} is not an object.", index + 1));
        };
        for key in object.keys() {
            if !positions.contains_key(key) {
                positions.insert(key.clone(), headers.len());
                headers.push(key.clone());
            }
        }
        objects.push(object);
    }
    let rows = objects
        .into_iter()
        .map(|object| {
            let mut row = vec![String::new(); headers.len()];
            for (key, value) in object {
                row[positions[&key]] = match value {
                    Value::Null => String::new(),
                    Value::String(s) => s,
                    other => other.to_string(),
                };
            }
            row
        })
        .collect();
    Ok(Table { headers, rows })
}

/// How a record's cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cells {
    /// As they are: the user's own data going back to them (the failed rows of their file).
    AsIs,
    /// Canopy's data opened in a spreadsheet: a cell that a spreadsheet would run as a formula
    /// (`=`, `+`, `-`, `@`, a tab or a carriage return first) gets a leading `'`, the OWASP
    /// defence against CSV injection. A name such as `=HYPERLINK(...)` reads as text.
    Exported,
}

/// Appends one record and its CRLF: a cell with a comma, quote, line break or edge space is
/// quoted, with `""` for a quote.
pub fn push_record<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>, how: Cells) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let guard = how == Cells::Exported && cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
        if guard || cell.contains([',', '"', '\n', '\r']) || cell.starts_with(' ') || cell.ends_with(' ') {
            out.push('"');
            if guard {
                out.push('\'');
            }
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reads_quotes_crlf_blank_lines_and_a_bom() {
        let table = read_file("a.csv", "\u{feff}email,node,role\r\n\"ada@acme.example\",\"Acme / EMEA, Ltd\",\"say \"\"hi\"\"\"\r\n\r\nb@x,\"two\nlines\",r\n", "assignments").unwrap();
        assert_eq!(table.headers, vec!["email", "node", "role"]);
        assert_eq!(table.rows, vec![vec!["ada@acme.example", "Acme / EMEA, Ltd", "say \"hi\""], vec!["b@x", "two\nlines", "r"]]);
        assert_eq!(parse_csv("a;b\n1;2").unwrap().rows, vec![vec!["1", "2"]]);
        assert!(parse_csv("a\n\"open").unwrap_err().contains("never closed"));
        assert_eq!(read_file("a.csv", "a,b\n", "assignments").unwrap_err(), "The file has a header but no rows.");
    }

    #[test]
    fn json_reads_arrays_and_the_api_body() {
        let table = read_file("a.json", r#"[{"email":"a@x","role":"editor"},{"role":"viewer","node":"Acme","to":null,"n":3}]"#, "assignments").unwrap();
        assert_eq!(table.headers, vec!["email", "role", "n", "node", "to"]);
        assert_eq!(table.rows[1], vec!["", "viewer", "3", "Acme", ""]);
        let body = read_file("b.JSON", r#"{"assignments":[{"identity_id":"i","node_id":"n","role_id":"r"}]}"#, "assignments").unwrap();
        assert_eq!(body.headers, vec!["identity_id", "node_id", "role_id"]);
        assert!(read_file("c.json", "[1]", "assignments").is_err());
        assert!(read_file("c.json", "{", "assignments").unwrap_err().starts_with("The file is not valid JSON"));
    }

    fn record(cells: &[&str], how: Cells) -> String {
        let mut out = String::new();
        push_record(&mut out, cells.iter().copied(), how);
        out
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(record(&["a", "b c", "", "x,y", "say \"hi\"", "two\nlines", " edge"], Cells::AsIs), "a,b c,,\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\",\" edge\"\r\n");
    }

    #[test]
    fn exported_formulas_read_as_text() {
        assert_eq!(record(&["=1+2", "+x", "-3", "@SUM(A1)", "Émile"], Cells::Exported), "\"'=1+2\",\"'+x\",\"'-3\",\"'@SUM(A1)\",Émile\r\n");
        assert_eq!(record(&["=1+2"], Cells::AsIs), "=1+2\r\n");
    }
}
