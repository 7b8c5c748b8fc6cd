//! An environment's node tree in memory, built once from the flat `GET nodes` list: children by
//! parent, ancestors, subtrees, paths, search, and the rows a tree view shows.
//!
//! A tree of thousands of nodes stays responsive because nothing here is per-node reactive: the
//! view asks for the rows that are visible now (the roots, and the children of expanded nodes
//! only), a flat list it renders keyed, and a search walks the names once.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::dto::{NodeResponse, fold_case};

/// What a tree needs of a node: the page's data travels from the server to the hydrating browser
/// in this shape, a third of a full `NodeResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeNode {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub kind: String,
}

impl From<NodeResponse> for TreeNode {
    fn from(node: NodeResponse) -> Self {
        Self { id: node.id, parent_id: node.parent_id, name: node.name, kind: node.kind }
    }
}

/// Children listed under one parent before "show all" is asked for: one expanded node with
/// thousands of children must not draw thousands of rows.
pub const CHILDREN_SHOWN: usize = 200;

/// Matches drawn for one search (with their ancestors); typing more narrows them.
pub const MATCHES_SHOWN: usize = 200;

/// One visible row of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    pub index: usize,
    pub depth: usize,
    pub has_children: bool,
    pub expanded: bool,
    /// 1-based position among the siblings drawn, and how many siblings there are.
    pub position: usize,
    pub siblings: usize,
    /// The search matched this node (rather than showing it as a match's ancestor).
    pub matched: bool,
}

/// "Show all N" under a parent whose children were cut at [`CHILDREN_SHOWN`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeLine {
    Node(TreeRow),
    More { parent: usize, depth: usize, hidden: usize },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Forest {
    nodes: Vec<TreeNode>,
    folded: Vec<String>,
    index: HashMap<String, usize>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    roots: Vec<usize>,
}

impl Forest {
    /// Siblings keep the list's order (the API sorts by path, so by name). A node whose parent is
    /// not in the list is shown as a root rather than lost.
    pub fn new(nodes: Vec<TreeNode>) -> Self {
        let index: HashMap<String, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id.clone(), i)).collect();
        let mut children = vec![Vec::new(); nodes.len()];
        let mut parent = vec![None; nodes.len()];
        let mut roots = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            match node.parent_id.as_ref().and_then(|p| index.get(p)).copied().filter(|p| *p != i) {
                Some(p) => {
                    children[p].push(i);
                    parent[i] = Some(p);
                }
                None => roots.push(i),
            }
        }
        let folded = nodes.iter().map(|n| fold_case(&n.name)).collect();
        let mut forest = Self { nodes, folded, index, parent, children, roots };
        forest.break_cycles();
        forest
    }

    /// Data that names a cycle (it cannot come from the API, which refuses such moves) would make
    /// every walk below loop: the nodes no root reaches become roots.
    fn break_cycles(&mut self) {
        let mut reached = vec![false; self.nodes.len()];
        let mut stack = self.roots.clone();
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut reached[i], true) {
                stack.extend(self.children[i].iter().copied());
            }
        }
        for i in 0..self.nodes.len() {
            if !reached[i] {
                if let Some(p) = self.parent[i].take() {
                    self.children[p].retain(|c| *c != i);
                }
                self.roots.push(i);
                let mut stack = vec![i];
                while let Some(j) = stack.pop() {
                    if !std::mem::replace(&mut reached[j], true) {
                        stack.extend(self.children[j].iter().copied());
                    }
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn node(&self, index: usize) -> &TreeNode {
        &self.nodes[index]
    }

    pub fn find(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn roots(&self) -> &[usize] {
        &self.roots
    }

    pub fn children(&self, index: usize) -> &[usize] {
        &self.children[index]
    }

    pub fn parent(&self, index: usize) -> Option<usize> {
        self.parent[index]
    }

    /// From the root down to the node's parent.
    pub fn ancestors(&self, index: usize) -> Vec<usize> {
        let mut chain = Vec::new();
        let mut at = self.parent[index];
        while let Some(p) = at {
            chain.push(p);
            at = self.parent[p];
        }
        chain.reverse();
        chain
    }

    pub fn depth(&self, index: usize) -> usize {
        self.ancestors(index).len()
    }

    /// `Acme / EMEA / Payments`, as the API writes paths.
    pub fn path(&self, index: usize) -> String {
        let mut names: Vec<&str> = self.ancestors(index).into_iter().map(|i| self.nodes[i].name.as_str()).collect();
        names.push(&self.nodes[index].name);
        names.join(" / ")
    }

    /// The node and everything below it.
    pub fn subtree(&self, index: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![index];
        while let Some(i) = stack.pop() {
            out.push(i);
            stack.extend(self.children[i].iter().rev().copied());
        }
        out
    }

    /// Nodes below it, at any depth.
    pub fn descendant_count(&self, index: usize) -> usize {
        self.subtree(index).len() - 1
    }

    /// Whether `candidate` is `of` or one of its descendants: where `of` may not move.
    pub fn is_within(&self, candidate: usize, of: usize) -> bool {
        candidate == of || self.ancestors(candidate).contains(&of)
    }

    /// Nodes whose name or path contains `term` (case-folded like the API's searches), in tree
    /// order.
    pub fn search(&self, term: &str) -> Vec<usize> {
        let term = fold_case(term.trim());
        if term.is_empty() {
            return Vec::new();
        }
        let mut found = Vec::new();
        self.walk(&mut |i, _| {
            if self.folded[i].contains(&term) || (term.contains(" / ") && fold_case(&self.path(i)).contains(&term)) {
                found.push(i);
            }
            true
        });
        found
    }

    /// Depth-first from the roots in sibling order; `visit` returns whether to go below a node.
    fn walk(&self, visit: &mut dyn FnMut(usize, usize) -> bool) {
        let mut stack: Vec<(usize, usize)> = self.roots.iter().rev().map(|r| (*r, 0)).collect();
        while let Some((i, depth)) = stack.pop() {
            if visit(i, depth) {
                stack.extend(self.children[i].iter().rev().map(|c| (*c, depth + 1)));
            }
        }
    }

    /// The rows of the tree as it is browsed: the roots, and below each expanded node its
    /// children (the first [`CHILDREN_SHOWN`] unless `show_all` names it).
    pub fn browse(&self, expanded: &HashSet<usize>, show_all: &HashSet<usize>) -> Vec<TreeLine> {
        let mut lines = Vec::new();
        self.lines_under(None, 0, &mut lines, &|i| expanded.contains(&i), &|_| true, &|_| false, show_all);
        lines
    }

    /// The rows of a search: every match (the first [`MATCHES_SHOWN`]) under its ancestors, all
    /// of them open. Returns the lines and how many nodes matched in all.
    pub fn filtered(&self, term: &str) -> (Vec<TreeLine>, usize) {
        let matches = self.search(term);
        let total = matches.len();
        let mut shown: HashSet<usize> = HashSet::new();
        let matched: HashSet<usize> = matches.iter().take(MATCHES_SHOWN).copied().collect();
        for &m in &matched {
            shown.insert(m);
            shown.extend(self.ancestors(m));
        }
        let mut lines = Vec::new();
        let everything: HashSet<usize> = (0..self.nodes.len()).collect();
        self.lines_under(None, 0, &mut lines, &|i| shown.contains(&i), &|i| shown.contains(&i), &|i| matched.contains(&i), &everything);
        (lines, total)
    }

    #[allow(clippy::too_many_arguments)]
    fn lines_under(
        &self,
        parent: Option<usize>,
        depth: usize,
        lines: &mut Vec<TreeLine>,
        open: &dyn Fn(usize) -> bool,
        include: &dyn Fn(usize) -> bool,
        matched: &dyn Fn(usize) -> bool,
        show_all: &HashSet<usize>,
    ) {
        let siblings: Vec<usize> = match parent {
            None => self.roots.clone(),
            Some(p) => self.children[p].clone(),
        };
        let siblings: Vec<usize> = siblings.into_iter().filter(|i| include(*i)).collect();
        let cut = match parent {
            Some(p) if !show_all.contains(&p) => CHILDREN_SHOWN,
            _ => usize::MAX,
        };
        let count = siblings.len();
        for (position, &i) in siblings.iter().enumerate().take(cut) {
            let has_children = !self.children[i].is_empty();
            let expanded = has_children && open(i);
            lines.push(TreeLine::Node(TreeRow { index: i, depth, has_children, expanded, position: position + 1, siblings: count, matched: matched(i) }));
            if expanded {
                self.lines_under(Some(i), depth + 1, lines, open, include, matched, show_all);
            }
        }
        if let Some(p) = parent
            && count > cut
        {
            lines.push(TreeLine::More { parent: p, depth, hidden: count - cut });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, parent: Option<&str>, name: &str) -> TreeNode {
        TreeNode { id: id.into(), parent_id: parent.map(Into::into), name: name.into(), kind: "node".into() }
    }

    /// Acme → (EMEA → Payments, Ledger), (Americas → Payments)
    fn acme() -> Forest {
        Forest::new(vec![
            node("acme", None, "Acme"),
            node("emea", Some("acme"), "EMEA"),
            node("pay-eu", Some("emea"), "Payments"),
            node("ledger", Some("emea"), "Ledger"),
            node("amer", Some("acme"), "Americas"),
            node("pay-us", Some("amer"), "Payments"),
        ])
    }

    fn ids(forest: &Forest, lines: &[TreeLine]) -> Vec<String> {
        lines
            .iter()
            .map(|line| match line {
                TreeLine::Node(row) => format!("{}{}", "  ".repeat(row.depth), forest.node(row.index).id),
                TreeLine::More { hidden, .. } => format!("+{hidden}"),
            })
            .collect()
    }

    #[test]
    fn only_expanded_nodes_show_their_children() {
        let f = acme();
        let none = HashSet::new();
        assert_eq!(ids(&f, &f.browse(&none, &none)), ["acme"]);
        let open: HashSet<usize> = [f.find("acme").unwrap(), f.find("emea").unwrap()].into();
        assert_eq!(ids(&f, &f.browse(&open, &none)), ["acme", "  emea", "    pay-eu", "    ledger", "  amer"]);
        let TreeLine::Node(emea) = &f.browse(&open, &none)[1] else { panic!() };
        assert_eq!((emea.position, emea.siblings, emea.expanded, emea.has_children), (1, 2, true, true));
    }

    #[test]
    fn paths_ancestors_and_subtrees() {
        let f = acme();
        let pay = f.find("pay-eu").unwrap();
        assert_eq!(f.path(pay), "Acme / EMEA / Payments");
        assert_eq!(f.depth(pay), 2);
        let emea = f.find("emea").unwrap();
        assert_eq!(f.descendant_count(emea), 2);
        assert_eq!(f.descendant_count(f.find("acme").unwrap()), 5);
        assert!(f.is_within(pay, emea));
        assert!(f.is_within(emea, emea));
        assert!(!f.is_within(f.find("amer").unwrap(), emea));
    }

    #[test]
    fn search_shows_matches_under_their_ancestors() {
        let f = acme();
        let (lines, total) = f.filtered("payMENTS");
        assert_eq!(total, 2);
        assert_eq!(ids(&f, &lines), ["acme", "  emea", "    pay-eu", "  amer", "    pay-us"]);
        let matched: Vec<bool> = lines.iter().map(|l| matches!(l, TreeLine::Node(r) if r.matched)).collect();
        assert_eq!(matched, [false, false, true, false, true]);
        assert_eq!(f.filtered("emea / led").1, 1, "a path searches across levels");
        assert_eq!(f.filtered("   ").1, 0);
    }

    #[test]
    fn many_children_are_cut_until_asked_for() {
        let mut nodes = vec![node("root", None, "Root")];
        nodes.extend((0..CHILDREN_SHOWN + 5).map(|i| node(&format!("c{i:04}"), Some("root"), &format!("Child {i:04}"))));
        let f = Forest::new(nodes);
        let open: HashSet<usize> = [0].into();
        let lines = f.browse(&open, &HashSet::new());
        assert_eq!(lines.len(), 1 + CHILDREN_SHOWN + 1);
        assert_eq!(lines.last(), Some(&TreeLine::More { parent: 0, depth: 1, hidden: 5 }));
        assert_eq!(f.browse(&open, &[0].into()).len(), 1 + CHILDREN_SHOWN + 5);
    }

    #[test]
    fn orphans_and_cycles_become_roots() {
        let f = Forest::new(vec![node("a", Some("b"), "A"), node("b", Some("a"), "B"), node("c", Some("gone"), "C")]);
        assert_eq!(f.roots().len(), 2, "the orphan, and one node of the cycle");
        let all: HashSet<usize> = (0..3).collect();
        assert_eq!(f.browse(&all, &HashSet::new()).len(), 3, "every node once");
    }
}
