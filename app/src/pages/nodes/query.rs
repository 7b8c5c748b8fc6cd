//! The node tree's view as it lives in the URL (`?q=pay&node=<id>&open=<id>,<id>`): the search,
//! the selected node and the expanded ones, so a reload, the back button and a shared link show
//! the same tree. Without `open` the roots are expanded; the selected node's ancestors always are,
//! so a selected node is always on screen.

use std::collections::HashSet;

use leptos_router::params::ParamsMap;

use crate::{components::tree::Forest, dto::MAX_SEARCH_LEN, scope::encode_query_value};

/// Longest `open` list read from a URL (ids are 36 characters; the server refuses query strings
/// over 8 KiB).
const MAX_OPEN: usize = 150;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeQuery {
    pub q: String,
    pub node: Option<String>,
    /// `None`: the default (the roots open). `Some(ids)`: exactly these.
    pub open: Option<Vec<String>>,
}

impl TreeQuery {
    pub fn from_params(params: &ParamsMap) -> Self {
        let mut q = params.get("q").unwrap_or_default();
        if q.len() > MAX_SEARCH_LEN {
            q = q.chars().take(MAX_SEARCH_LEN / 4).collect();
        }
        let node = params.get("node").map(|n| n.trim().to_owned()).filter(|n| !n.is_empty() && n.len() <= 200);
        let open = params.get("open").map(|raw| {
            let mut seen = HashSet::new();
            raw.split(',').map(str::trim).filter(|id| !id.is_empty() && id.len() <= 200 && seen.insert(id.to_owned())).take(MAX_OPEN).map(str::to_owned).collect()
        });
        Self { q, node, open }
    }

    pub fn to_search(&self) -> String {
        let mut parts = Vec::new();
        let q = self.q.trim();
        if !q.is_empty() {
            parts.push(format!("q={}", encode_query_value(q)));
        }
        if let Some(node) = &self.node {
            parts.push(format!("node={}", encode_query_value(node)));
        }
        if let Some(open) = &self.open {
            parts.push(format!("open={}", open.iter().map(|id| encode_query_value(id)).collect::<Vec<_>>().join(",")));
        }
        if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
    }

    pub fn is_searching(&self) -> bool {
        !self.q.trim().is_empty()
    }

    /// The expanded nodes of `forest`: the `open` list (or the roots), and the selected node's
    /// ancestors.
    pub fn expanded(&self, forest: &Forest) -> HashSet<usize> {
        let mut open: HashSet<usize> = match &self.open {
            None => forest.roots().iter().copied().filter(|r| !forest.children(*r).is_empty()).collect(),
            Some(ids) => ids.iter().filter_map(|id| forest.find(id)).collect(),
        };
        if let Some(selected) = self.node.as_deref().and_then(|id| forest.find(id)) {
            open.extend(forest.ancestors(selected));
        }
        open
    }

    /// The same view with `index` expanded or collapsed. Collapsing a node above the selected
    /// one selects it instead (the selection would be hidden). The list names only nodes that
    /// have children, in tree order, so links stay short and stable.
    pub fn toggled(&self, forest: &Forest, index: usize, expand: bool) -> Self {
        let mut open = self.expanded(forest);
        let mut next = self.clone();
        if expand {
            open.insert(index);
        } else {
            // What is open inside the collapsed node closes with it.
            open.retain(|&i| !forest.is_within(i, index));
            if let Some(selected) = self.node.as_deref().and_then(|id| forest.find(id))
                && selected != index
                && forest.is_within(selected, index)
            {
                next.node = Some(forest.node(index).id.clone());
            }
        }
        next.open = Some(Self::ordered(forest, &open));
        next
    }

    /// Every node with children open (or none): "expand all" is for trees small enough to read.
    pub fn all(&self, forest: &Forest, expand: bool) -> Self {
        let open: HashSet<usize> = if expand { (0..forest.len()).filter(|i| !forest.children(*i).is_empty()).collect() } else { HashSet::new() };
        let mut next = self.clone();
        if !expand && let Some(selected) = self.node.as_deref().and_then(|id| forest.find(id)) {
            // The selection moves up to its root, which stays on screen.
            let root = forest.ancestors(selected).first().copied().unwrap_or(selected);
            next.node = Some(forest.node(root).id.clone());
        }
        next.open = Some(Self::ordered(forest, &open).into_iter().take(MAX_OPEN).collect());
        next
    }

    fn ordered(forest: &Forest, open: &HashSet<usize>) -> Vec<String> {
        let mut ids: Vec<usize> = open.iter().copied().filter(|i| !forest.children(*i).is_empty()).collect();
        ids.sort_unstable();
        ids.into_iter().map(|i| forest.node(i).id.clone()).collect()
    }

    pub fn selecting(&self, id: Option<String>) -> Self {
        Self { node: id, ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{components::tree::TreeNode, pages::list_query::params_of as params};

    fn forest() -> Forest {
        let node = |id: &str, parent: Option<&str>| TreeNode { id: id.into(), parent_id: parent.map(Into::into), name: id.to_uppercase(), kind: "k".into() };
        Forest::new(vec![node("a", None), node("b", Some("a")), node("c", Some("b")), node("d", Some("c"))])
    }

    #[test]
    fn tree_state_round_trips_through_the_url() {
        let state = TreeQuery { q: "pay ments".into(), node: Some("n-1".into()), open: Some(vec!["a".into(), "b".into()]) };
        assert_eq!(state.to_search(), "?q=pay%20ments&node=n-1&open=a,b");
        let read = TreeQuery::from_params(&params(&[("q", "pay ments"), ("node", "n-1"), ("open", "a,b,,a")]));
        assert_eq!(read, state);
        assert_eq!(TreeQuery::default().to_search(), "");
        assert_eq!(TreeQuery::from_params(&params(&[("open", "")])).open, Some(vec![]), "an empty list means all collapsed");
    }

    #[test]
    fn the_selected_node_is_always_visible() {
        let f = forest();
        let state = TreeQuery { node: Some("d".into()), open: Some(vec![]), ..Default::default() };
        let open = state.expanded(&f);
        assert_eq!(open, [0, 1, 2].into());
        assert_eq!(TreeQuery::default().expanded(&f), [0].into(), "the roots by default");
    }

    #[test]
    fn collapsing_above_the_selection_selects_the_collapsed_node() {
        let f = forest();
        let state = TreeQuery { node: Some("d".into()), ..Default::default() };
        let next = state.toggled(&f, f.find("b").unwrap(), false);
        assert_eq!(next.node.as_deref(), Some("b"));
        assert_eq!(next.open, Some(vec!["a".into()]));
        let expanded = TreeQuery::default().toggled(&f, f.find("c").unwrap(), true);
        assert_eq!(expanded.open, Some(vec!["a".into(), "c".into()]));
    }
}
