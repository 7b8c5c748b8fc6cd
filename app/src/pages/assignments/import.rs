//! The bulk upload's data work, free of the browser so it is unit-tested: reading a CSV or JSON
//! file into a table, guessing which column is which, and turning each row into the
//! [`CreateAssignmentRequest`] the API takes, with every problem the shared validation (and the
//! directory the page loaded) can find before anything is sent.

use std::collections::{HashMap, HashSet};


use crate::tabular::{Cells, Table, push_record};
use crate::dto::{CreateAssignmentRequest, Timestamp, Validate, fold_case};

/// The columns the upload needs; identity, node and role are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Identity,
    Node,
    Role,
    From,
    To,
}

impl Field {
    pub const ALL: [Field; 5] = [Field::Identity, Field::Node, Field::Role, Field::From, Field::To];

    pub fn label(self) -> &'static str {
        match self {
            Field::Identity => "Identity (email or id)",
            Field::Node => "Node (path or id)",
            Field::Role => "Role (name or id)",
            Field::From => "Effective from",
            Field::To => "Effective to",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Field::Identity => "identity",
            Field::Node => "node",
            Field::Role => "role",
            Field::From => "from",
            Field::To => "to",
        }
    }

    pub fn required(self) -> bool {
        matches!(self, Field::Identity | Field::Node | Field::Role)
    }

    /// Header names this field is recognised by (compared lowercased, without spaces, `_`, `-`).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Identity => &["identity", "email", "identityemail", "identityid", "user", "useremail", "userid"],
            Field::Node => &["node", "nodepath", "path", "nodeid", "scope"],
            Field::Role => &["role", "rolename", "roleid"],
            Field::From => &["from", "effectivefrom", "start", "starts", "startsat", "validfrom"],
            Field::To => &["to", "effectiveto", "end", "ends", "endsat", "until", "validto", "expires"],
        }
    }
}

/// Which column (by index) feeds each field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mapping {
    pub identity: Option<usize>,
    pub node: Option<usize>,
    pub role: Option<usize>,
    pub from: Option<usize>,
    pub to: Option<usize>,
}

impl Mapping {
    pub fn get(&self, field: Field) -> Option<usize> {
        match field {
            Field::Identity => self.identity,
            Field::Node => self.node,
            Field::Role => self.role,
            Field::From => self.from,
            Field::To => self.to,
        }
    }

    pub fn set(&mut self, field: Field, column: Option<usize>) {
        let slot = match field {
            Field::Identity => &mut self.identity,
            Field::Node => &mut self.node,
            Field::Role => &mut self.role,
            Field::From => &mut self.from,
            Field::To => &mut self.to,
        };
        *slot = column;
    }

    /// Each field from the first header that names it.
    pub fn guess(headers: &[String]) -> Self {
        let squash = |h: &str| h.to_lowercase().chars().filter(|c| !matches!(c, ' ' | '_' | '-' | '.')).collect::<String>();
        let squashed: Vec<String> = headers.iter().map(|h| squash(h)).collect();
        let mut mapping = Mapping::default();
        for field in Field::ALL {
            let column = field.aliases().iter().find_map(|alias| squashed.iter().position(|h| h == alias));
            mapping.set(field, column);
        }
        mapping
    }

    /// The required fields without a column.
    pub fn missing(&self) -> Vec<Field> {
        Field::ALL.into_iter().filter(|f| f.required() && self.get(*f).is_none()).collect()
    }
}

/// What the page knows of the environment, to turn names into ids.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Lowercased role name → id, and the ids themselves.
    pub roles: HashMap<String, String>,
    pub role_ids: HashSet<String>,
    /// Normalised path (`acme / emea / payments`) → id, and the ids.
    pub nodes: HashMap<String, String>,
    pub node_ids: HashSet<String>,
    /// Lowercased email → (id, active), and the ids found.
    pub identities: HashMap<String, (String, bool)>,
    pub identity_ids: HashMap<String, bool>,
}

/// `Acme/EMEA / Payments` and `acme / emea / payments` are the same path.
pub fn normalize_path(path: &str) -> String {
    path.split('/').map(|part| fold_case(part.trim())).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" / ")
}

/// Whether an identity cell is an email (otherwise it is an id).
pub fn is_email(value: &str) -> bool {
    value.contains('@')
}

/// One row of the file, ready to send or with its problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRow {
    /// Index in [`Table::rows`].
    pub index: usize,
    pub request: CreateAssignmentRequest,
    pub errors: Vec<String>,
}

impl PreparedRow {
    pub fn is_ready(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Turns every row into a request, with the problems found without asking the server:
/// unknown references, inactive identities, malformed dates, a window that ends before it starts,
/// and a row repeating an earlier one. `to_utc` reads a date cell (in the admin's zone when it
/// has no offset) as the RFC 3339 instant the API takes.
pub fn prepare(table: &Table, mapping: &Mapping, directory: &Directory, to_utc: &dyn Fn(&str) -> Option<String>) -> Vec<PreparedRow> {
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    (0..table.rows.len())
        .map(|index| {
            let mut errors = Vec::new();
            let identity = table.cell(index, mapping.identity);
            let identity_id = if identity.is_empty() {
                errors.push("Identity is missing.".to_owned());
                String::new()
            } else if is_email(identity) {
                match directory.identities.get(&fold_case(identity)) {
                    Some((id, active)) => {
                        if !active {
                            errors.push(format!("{identity} is deactivated."));
                        }
                        id.clone()
                    }
                    None => {
                        errors.push(format!("No identity with the email {identity}."));
                        String::new()
                    }
                }
            } else {
                match directory.identity_ids.get(identity) {
                    Some(active) => {
                        if !active {
                            errors.push(format!("Identity {identity} is deactivated."));
                        }
                        identity.to_owned()
                    }
                    None => {
                        errors.push(format!("No identity with the id {identity}."));
                        String::new()
                    }
                }
            };
            let node = table.cell(index, mapping.node);
            let node_id = if node.is_empty() {
                errors.push("Node is missing.".to_owned());
                String::new()
            } else if directory.node_ids.contains(node) {
                node.to_owned()
            } else if let Some(id) = directory.nodes.get(&normalize_path(node)) {
                id.clone()
            } else {
                errors.push(format!("No node at the path “{node}”."));
                String::new()
            };
            let role = table.cell(index, mapping.role);
            let role_id = if role.is_empty() {
                errors.push("Role is missing.".to_owned());
                String::new()
            } else if directory.role_ids.contains(role) {
                role.to_owned()
            } else if let Some(id) = directory.roles.get(&fold_case(role)) {
                id.clone()
            } else {
                errors.push(format!("No role named “{role}”."));
                String::new()
            };
            let date = |column: Option<usize>| {
                let raw = table.cell(index, column);
                (!raw.is_empty()).then(|| to_utc(raw).unwrap_or_else(|| raw.to_owned()))
            };
            let request = CreateAssignmentRequest {
                identity_id,
                node_id,
                role_id,
                effective_from: date(mapping.from),
                effective_to: date(mapping.to),
            };
            // The shared validation, as the server will run it; reference problems are reported
            // above in the file's own words, so only the dates are taken from here.
            if errors.is_empty()
                && let Err(problems) = request.validate()
            {
                for (field, message) in &problems.0 {
                    if message == "effective_to must be after effective_from." {
                        errors.push("“to” must be after “from”.".to_owned());
                        continue;
                    }
                    let name = match field.as_str() {
                        "effective_from" => "Effective from",
                        "effective_to" => "Effective to",
                        other => other,
                    };
                    errors.push(format!("{name}: {message}"));
                }
            }
            if errors.is_empty() {
                let key = (request.identity_id.clone(), request.node_id.clone(), request.role_id.clone());
                if let Some(first) = seen.get(&key) {
                    errors.push(format!("Repeats row {}.", first + 2));
                } else {
                    seen.insert(key, index);
                }
            }
            PreparedRow { index, request, errors }
        })
        .collect()
}

/// A date cell as an instant: RFC 3339 as it is; `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` and
/// `YYYY-MM-DDTHH:MM` through `local` (the admin's zone). `None` when it is none of these, so
/// the shared validation names the problem.
pub fn date_cell_to_utc(raw: &str, local: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let raw = raw.trim();
    if Timestamp::parse(raw).is_ok() {
        return Some(raw.to_owned());
    }
    let with_t = raw.replacen(' ', "T", 1);
    let candidate = if raw.len() == 10 { format!("{raw}T00:00") } else { with_t };
    local(&candidate).filter(|v| Timestamp::parse(v).is_ok())
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

    fn utc(raw: &str) -> Option<String> {
        crate::components::when::from_input_value(raw)
    }

    fn directory() -> Directory {
        let mut d = Directory::default();
        d.roles.insert("editor".into(), "r-editor".into());
        d.role_ids.insert("r-editor".into());
        d.nodes.insert("acme / emea".into(), "n-emea".into());
        d.node_ids.insert("n-emea".into());
        d.identities.insert("ada@acme.example".into(), ("i-ada".into(), true));
        d.identities.insert("old@acme.example".into(), ("i-old".into(), false));
        d.identity_ids.insert("i-ada".into(), true);
        d
    }

    #[test]
    fn columns_are_guessed_from_common_headers() {
        let headers: Vec<String> = ["Email", "Node Path", "role_id", "Effective From", "until"].into_iter().map(String::from).collect();
        let mapping = Mapping::guess(&headers);
        assert_eq!(mapping, Mapping { identity: Some(0), node: Some(1), role: Some(2), from: Some(3), to: Some(4) });
        assert_eq!(Mapping::guess(&["email".to_owned()]).missing(), vec![Field::Node, Field::Role]);
    }

    #[test]
    fn rows_resolve_names_and_report_every_problem() {
        let table = parse_csv(
            "email,node,role,from,to\n\
             ADA@acme.example, acme/EMEA ,Editor,2026-05-01,2026-06-01T12:00:00Z\n\
             nobody@acme.example,Acme / Nowhere,owner,,\n\
             old@acme.example,n-emea,r-editor,,\n\
             i-ada,n-emea,editor,2026-06-01,2026-05-01\n\
             i-ada,n-emea,editor,soon,\n\
             ada@acme.example,Acme / EMEA,editor,,\n",
        )
        .unwrap();
        let mapping = Mapping::guess(&table.headers);
        let rows = prepare(&table, &mapping, &directory(), &|raw| date_cell_to_utc(raw, &utc));
        assert_eq!(rows[0].errors, Vec::<String>::new());
        assert_eq!(
            rows[0].request,
            CreateAssignmentRequest {
                identity_id: "i-ada".into(),
                node_id: "n-emea".into(),
                role_id: "r-editor".into(),
                effective_from: Some("2026-05-01T00:00:00Z".into()),
                effective_to: Some("2026-06-01T12:00:00Z".into()),
            }
        );
        assert_eq!(rows[1].errors, vec!["No identity with the email nobody@acme.example.", "No node at the path “Acme / Nowhere”.", "No role named “owner”."]);
        assert_eq!(rows[2].errors, vec!["old@acme.example is deactivated."]);
        assert_eq!(rows[3].errors, vec!["“to” must be after “from”."]);
        assert!(rows[4].errors[0].starts_with("Effective from: "), "{:?}", rows[4].errors);
        assert_eq!(rows[5].errors, vec!["Repeats row 2."]);
    }

    #[test]
    fn failed_rows_download_keeps_the_file_columns_and_adds_the_reason() {
        let table = parse_csv("email,node\na@x,\"Acme, Inc\"\nb@x,Acme\n").unwrap();
        let csv = failed_rows_csv(&table, &[(0, "No role named “x”.".into())]);
        assert_eq!(csv, "email,node,error\r\na@x,\"Acme, Inc\",No role named “x”.\r\n");
        assert_eq!(parse_csv(&csv).unwrap().rows[0], vec!["a@x", "Acme, Inc", "No role named “x”."]);
    }
}
