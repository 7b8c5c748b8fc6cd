//! The assignment upload's rows, free of the browser so they are unit-tested: the columns it
//! reads, and each row turned into the [`CreateAssignmentRequest`] the API takes, with every
//! problem the shared validation (and the directory the page loaded) can find before anything
//! is sent.

use std::collections::{HashMap, HashSet};

use crate::{
    components::upload::rows::{Column, Mapping, PreparedRow, Repeats},
    dto::{CreateAssignmentRequest, Timestamp, Validate, fold_case},
    tabular::Table,
};

/// The columns an assignment upload reads; identity, node and role are required.
pub const COLUMNS: &[Column] = &[
    Column {
        key: "identity",
        label: "Identity (email or id)",
        required: true,
        aliases: &["identity", "email", "identityemail", "identityid", "user", "useremail", "userid"],
        help: "The identity's email or id.",
    },
    Column {
        key: "node",
        label: "Node (path or id)",
        required: true,
        aliases: &["node", "nodepath", "path", "nodeid", "scope"],
        help: "The node's path, like `Acme / EMEA / Payments`, or its id.",
    },
    Column { key: "role", label: "Role (name or id)", required: true, aliases: &["role", "rolename", "roleid"], help: "The role's name or id." },
    Column {
        key: "from",
        label: "Effective from",
        required: false,
        aliases: &["from", "effectivefrom", "start", "starts", "startsat", "validfrom"],
        help: "When it starts: `2026-05-01` or `2026-05-01 09:00` in your time zone, or a full UTC instant.",
    },
    Column {
        key: "to",
        label: "Effective to",
        required: false,
        aliases: &["to", "effectiveto", "end", "ends", "endsat", "until", "validto", "expires"],
        help: "When it ends, written the same way.",
    },
];

/// Positions in [`COLUMNS`].
pub const IDENTITY: usize = 0;
const NODE: usize = 1;
const ROLE: usize = 2;
const FROM: usize = 3;
const TO: usize = 4;

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

/// Turns every row into a request, with the problems found without asking the server:
/// unknown references, inactive identities, malformed dates, a window that ends before it starts,
/// and a row repeating an earlier one. `to_utc` reads a date cell (in the admin's zone when it
/// has no offset) as the RFC 3339 instant the API takes.
pub fn prepare(table: &Table, mapping: &Mapping, directory: &Directory, to_utc: &dyn Fn(&str) -> Option<String>) -> Vec<PreparedRow> {
    let mut repeats = Repeats::default();
    (0..table.rows.len())
        .map(|index| {
            let mut errors = Vec::new();
            let identity = table.cell(index, mapping.get(IDENTITY));
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
            let node = table.cell(index, mapping.get(NODE));
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
            let role = table.cell(index, mapping.get(ROLE));
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
                effective_from: date(mapping.get(FROM)),
                effective_to: date(mapping.get(TO)),
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
                errors.extend(repeats.check(key, index));
            }
            let item = serde_json::to_value(&request).unwrap_or_default();
            PreparedRow { index, item, errors }
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
        let mapping = Mapping::guess(COLUMNS, &headers);
        assert_eq!(mapping, Mapping(vec![Some(0), Some(1), Some(2), Some(3), Some(4)]));
        assert_eq!(Mapping::guess(COLUMNS, &["email".to_owned()]).missing(COLUMNS), vec!["node", "role"]);
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
        let mapping = Mapping::guess(COLUMNS, &table.headers);
        let rows = prepare(&table, &mapping, &directory(), &|raw| date_cell_to_utc(raw, &utc));
        assert_eq!(rows[0].errors, Vec::<String>::new());
        assert_eq!(
            serde_json::from_value::<CreateAssignmentRequest>(rows[0].item.clone()).unwrap(),
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
}
