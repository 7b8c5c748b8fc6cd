//! Changing an index in place: what each kind of change in the feed does to it. Every change is
//! applied as "this object is now as SQL has it" (the follower reads the objects the feed names),
//! so applying one twice, or a newer state than the event, is harmless.

use std::collections::HashSet;

use app::dto::fold_case;

use super::env::{EnvIndex, IdentityEntry, NodeEntry, RoleEntry};
use crate::store::{Assignment, Identity, Node, Permission, Role};

/// The delta may grow to this many rows, or an eighth of the base, before it is compacted.
const COMPACT_AT: usize = 16_384;

impl EnvIndex {
    /// The assignment as stored now. `false` when its identity, node or role is not known yet
    /// (written after the objects were read): the feed brings that write, and this one again.
    pub(super) fn upsert_assignment(&mut self, a: &Assignment) -> bool {
        let Some(row) = self.row(a) else { return false };
        self.remove_assignment(&a.id);
        let n = self.delta.rows.len() as u32;
        self.delta.by_id.insert(row.id.clone(), n);
        self.delta.rows.push(row);
        true
    }

    pub(super) fn remove_assignment(&mut self, id: &str) {
        if let Some(n) = self.delta.by_id.remove(id) {
            self.delta.rows.swap_remove(n as usize);
            if let Some(moved) = self.delta.rows.get(n as usize) {
                self.delta.by_id.insert(moved.id.clone(), n);
            }
        } else if let Some(n) = self.base_row(id)
            && !self.base.dead[n as usize]
        {
            self.base.dead[n as usize] = true;
            self.base.dead_count += 1;
        }
    }

    /// Moves base rows into the delta, where they are sorted anew (their sort key changed).
    fn resort(&mut self, rows: Vec<u32>) {
        for n in rows {
            let row = self.base.rows[n as usize].clone();
            self.base.dead[n as usize] = true;
            self.base.dead_count += 1;
            let at = self.delta.rows.len() as u32;
            self.delta.by_id.insert(row.id.clone(), at);
            self.delta.rows.push(row);
        }
    }

    pub(super) fn put_identity(&mut self, identity: &Identity) {
        let entry = IdentityEntry::new(identity);
        match self.identity_by_id.get(&identity.id) {
            Some(&n) => {
                let old = &self.identities[n as usize];
                let renamed = old.name != entry.name;
                self.identities[n as usize] = entry;
                if renamed {
                    let rows: Vec<u32> = self.base_rows_of(n).collect();
                    self.resort(rows);
                }
            }
            None => {
                self.identity_by_id.insert(identity.id.clone(), self.identities.len() as u32);
                self.identities.push(entry);
            }
        }
    }

    /// A deleted identity (its assignments went with it, each a change of its own).
    pub(super) fn remove_identity(&mut self, id: &str) {
        if let Some(&n) = self.identity_by_id.get(id) {
            let entry = &mut self.identities[n as usize];
            entry.present = false;
            entry.active = false;
        }
    }

    /// The environment's whole node table as stored now (a move changes its subtree's lineage).
    pub(super) fn put_nodes(&mut self, nodes: &[Node]) {
        let stored: HashSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
        for entry in &mut self.nodes {
            entry.present = stored.contains(entry.id.as_str());
        }
        for node in nodes {
            let entry = NodeEntry { id: node.id.clone(), name: node.name.clone(), path: node.path.clone(), name_folded: fold_case(&node.name), lineage: Vec::new(), present: true };
            match self.node_by_id.get(&node.id) {
                Some(&n) => self.nodes[n as usize] = entry,
                None => {
                    self.node_by_id.insert(node.id.clone(), self.nodes.len() as u32);
                    self.nodes.push(entry);
                }
            }
        }
        for node in nodes {
            let lineage = self.lineage_of(node);
            let n = self.node_by_id[&node.id];
            self.nodes[n as usize].lineage = lineage;
        }
    }

    /// The environment's roles, their permissions and the permission catalogue as stored now.
    pub(super) fn put_roles(&mut self, roles: &[Role], keys: &[(String, String)], permissions: &[Permission]) {
        for permission in permissions {
            let next = self.permission_by_key.len() as u32;
            self.permission_by_key.entry(permission.key.clone()).or_insert(next);
        }
        let mut renamed = Vec::new();
        for role in roles {
            let entry = RoleEntry { id: role.id.clone(), name: role.name.clone(), name_folded: fold_case(&role.name), permissions: HashSet::new() };
            match self.role_by_id.get(&role.id) {
                Some(&n) => {
                    if self.roles[n as usize].name != role.name {
                        renamed.push(n);
                    }
                    self.roles[n as usize] = entry;
                }
                None => {
                    self.role_by_id.insert(role.id.clone(), self.roles.len() as u32);
                    self.roles.push(entry);
                }
            }
        }
        // A deleted role has no assignments (the API refuses to delete one in use); it keeps
        // its slot with no permissions.
        let stored: HashSet<&str> = roles.iter().map(|r| r.id.as_str()).collect();
        for entry in &mut self.roles {
            if !stored.contains(entry.id.as_str()) {
                entry.permissions.clear();
            }
        }
        for (role_id, key) in keys {
            if let (Some(role), Some(permission)) = (self.role_by_id.get(role_id), self.permission_by_key.get(key)) {
                self.roles[*role as usize].permissions.insert(*permission);
            }
        }
        if !renamed.is_empty() {
            let rows: Vec<u32> =
                (0..self.base.rows.len() as u32).filter(|n| !self.base.dead[*n as usize] && renamed.contains(&self.base.rows[*n as usize].role)).collect();
            self.resort(rows);
        }
    }

    /// After a batch of changes: the delta sorted, and the layers compacted into a new base
    /// when the delta has grown large.
    pub(super) fn settle(&mut self) {
        let changed = self.delta.rows.len() + self.base.dead_count;
        if changed > COMPACT_AT.max(self.base.rows.len() / 8) {
            let mut rows: Vec<_> = std::mem::take(&mut self.base.rows)
                .into_iter()
                .zip(std::mem::take(&mut self.base.dead))
                .filter_map(|(row, dead)| (!dead).then_some(row))
                .collect();
            rows.append(&mut self.delta.rows);
            self.delta = Default::default();
            self.base = self.build_base(rows);
        }
        self.sort_delta();
    }
}
