//! The upload wizard's data work, free of the browser so it is unit-tested: the columns a kind
//! of upload reads, which column of the file feeds each (guessed from the header, changeable),
//! each row as the item the API will be sent with its problems, and the failed rows as a CSV.

use serde_json::Value;

use crate::tabular::{Cells, Table, push_record};

/// A column an upload reads from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The name in the template and the key of its select (`map-<key>`).
    pub key: &'static str,
    /// The select's label.
    pub label: &'static str,
    pub required: bool,
    /// Header names it is recognised by, compared lowercased without spaces, `_`, `-` and `.`.
    pub aliases: &'static [&'static str],
    /// What the file holds in it; text in backticks is shown as code.
    pub help: &'static str,
}

/// Which column of the file (by index) feeds each of an upload's [`Column`]s, in their order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping(pub Vec<Option<usize>>);

impl Mapping {
    /// The file column feeding the upload's column at `position`.
    pub fn get(&self, position: usize) -> Option<usize> {
        self.0.get(position).copied().flatten()
    }

    pub fn set(&mut self, position: usize, column: Option<usize>) {
        if self.0.len() <= position {
            self.0.resize(position + 1, None);
        }
        self.0[position] = column;
    }

    /// Each column from the first header that names it.
    pub fn guess(columns: &[Column], headers: &[String]) -> Self {
        let squash = |h: &str| h.to_lowercase().chars().filter(|c| !matches!(c, ' ' | '_' | '-' | '.')).collect::<String>();
        let squashed: Vec<String> = headers.iter().map(|h| squash(h)).collect();
        Self(columns.iter().map(|column| column.aliases.iter().find_map(|alias| squashed.iter().position(|h| h == alias))).collect())
    }

    /// The keys of the required columns without a file column.
    pub fn missing(&self, columns: &[Column]) -> Vec<&'static str> {
        columns.iter().enumerate().filter(|(i, c)| c.required && self.get(*i).is_none()).map(|(_, c)| c.key).collect()
    }
}

/// One row of the file: the item it will be sent as, or its problems.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedRow {
    /// Index in [`Table::rows`].
    pub index: usize,
    /// The bulk request's item, as JSON.
    pub item: Value,
    pub errors: Vec<String>,
}

impl PreparedRow {
    pub fn is_ready(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Remembers each row's key and answers "Repeats row N." for a key seen before (the row number
/// as a spreadsheet shows it: the header is row 1).
#[derive(Debug, Default)]
pub struct Repeats<K>(std::collections::HashMap<K, usize>);

impl<K: std::hash::Hash + Eq> Repeats<K> {
    pub fn check(&mut self, key: K, index: usize) -> Option<String> {
        match self.0.get(&key) {
            Some(first) => Some(format!("Repeats row {}.", first + 2)),
            None => {
                self.0.insert(key, index);
                None
            }
        }
    }
}

/// A CSV of the rows that failed: the file's own columns plus `error`, ready to fix and upload.
pub fn failed_rows_csv(table: &Table, failures: &[(usize, String)]) -> String {
    let mut out = String::new();
    push_record(&mut out, table.headers.iter().map(String::as_str).chain(std::iter::once("error")), Cells::AsIs);
    for (index, error) in failures {
        if let Some(row) = table.rows.get(*index) {
            let mut cells: Vec<&str> = row.iter().map(String::as_str).collect();
            cells.resize(table.headers.len(), "");
            push_record(&mut out, cells.into_iter().chain(std::iter::once(error.as_str())), Cells::AsIs);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::parse_csv;

    const COLUMNS: &[Column] = &[
        Column { key: "email", label: "Email", required: true, aliases: &["email", "mail"], help: "" },
        Column { key: "name", label: "Name", required: false, aliases: &["name", "fullname"], help: "" },
        Column { key: "role", label: "Role", required: true, aliases: &["role"], help: "" },
    ];

    #[test]
    fn columns_are_guessed_from_the_header_and_the_required_ones_named_when_missing() {
        let headers: Vec<String> = ["Full Name", "E-Mail", "mail"].into_iter().map(String::from).collect();
        let mapping = Mapping::guess(COLUMNS, &headers);
        assert_eq!(mapping, Mapping(vec![Some(1), Some(0), None]), "the first alias that matches wins");
        assert_eq!(mapping.missing(COLUMNS), vec!["role"]);
        let mut changed = mapping.clone();
        changed.set(2, Some(2));
        assert!(changed.missing(COLUMNS).is_empty());
        assert_eq!(Mapping::default().get(1), None);
    }

    #[test]
    fn repeats_name_the_first_row_as_a_spreadsheet_numbers_it() {
        let mut repeats = Repeats::default();
        assert_eq!(repeats.check("a", 0), None);
        assert_eq!(repeats.check("b", 1), None);
        assert_eq!(repeats.check("a", 4).as_deref(), Some("Repeats row 2."));
    }

    #[test]
    fn failed_rows_download_keeps_the_file_columns_and_adds_the_reason() {
        let table = parse_csv("email,node\na@x,\"Acme, Inc\"\nb@x,Acme\n").unwrap();
        let csv = failed_rows_csv(&table, &[(0, "No role named “x”.".into())]);
        assert_eq!(csv, "email,node,error\r\na@x,\"Acme, Inc\",No role named “x”.\r\n");
        assert_eq!(parse_csv(&csv).unwrap().rows[0], vec!["a@x", "Acme, Inc", "No role named “x”."]);
    }
}
