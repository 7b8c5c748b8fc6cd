//! A node's id path, `/root/emea/payments/`: the ids from the root down to the node itself,
//! each followed by `/`. Inheritance follows it (an assignment at a node applies to every node
//! whose id path starts with that node's), so it is parsed and built only here; so is the path
//! people read, `Acme / EMEA / Payments`.

/// The id path of a node `id` under `parent_id_path` (`None` for a root).
pub fn child(parent_id_path: Option<&str>, id: &str) -> String {
    format!("{}{id}/", parent_id_path.unwrap_or("/"))
}

/// The readable path of a node named `name` under `parent_path` (`None` for a root).
pub fn child_path(parent_path: Option<&str>, name: &str) -> String {
    match parent_path {
        Some(parent) => format!("{parent} / {name}"),
        None => name.to_owned(),
    }
}

/// The node's ancestors and itself, root first.
pub fn lineage(id_path: &str) -> impl Iterator<Item = &str> {
    id_path.split('/').filter(|id| !id.is_empty())
}

/// Whether the node at `id_path` is the node at `ancestor_id_path` or one of its descendants.
pub fn is_within(id_path: &str, ancestor_id_path: &str) -> bool {
    id_path.starts_with(ancestor_id_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_build_and_parse_back() {
        let root = child(None, "root");
        let team = child(Some(&root), "team");
        assert_eq!(team, "/root/team/");
        assert_eq!(lineage(&team).collect::<Vec<_>>(), ["root", "team"]);
        assert!(is_within(&team, &root) && is_within(&team, &team) && !is_within(&root, &team));
        assert_eq!(child_path(Some(&child_path(None, "Acme")), "EMEA"), "Acme / EMEA");
    }
}
