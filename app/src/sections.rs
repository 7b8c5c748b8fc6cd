//! The dashboard's pages, in sidebar order, with what each one is for.
//!
//! One list feeds the sidebar, the routes and the "coming next" pages, so a new page is added
//! in one place.

use crate::components::icons::IconName;

pub struct Section {
    /// The path segment after `/a/:account/:app/:env`; empty for the overview.
    pub slug: &'static str,
    pub label: &'static str,
    pub icon: IconName,
    /// One sentence: what an admin does on this page.
    pub purpose: &'static str,
    /// What the page will offer, as short phrases.
    pub capabilities: &'static [&'static str],
}

pub const OVERVIEW: Section = Section {
    slug: "",
    label: "Overview",
    icon: IconName::Overview,
    purpose: "Counts and health of this environment at a glance.",
    capabilities: &[],
};

pub const SECTIONS: &[Section] = &[
    OVERVIEW,
    Section {
        slug: "assignments",
        label: "Assignments",
        icon: IconName::Assignments,
        purpose: "Give identities roles at nodes of the tree, now or between two dates.",
        capabilities: &[
            "Filter every assignment by status, role, node and identity",
            "Assign a role at a node, for its whole subtree, with optional start and end dates",
            "Bulk-create from a CSV, bulk-remove and change roles in one step",
        ],
    },
    Section {
        slug: "identities",
        label: "Identities",
        icon: IconName::Identities,
        purpose: "The people in your application, shared by all of its environments.",
        capabilities: &[
            "Search, add, edit, activate and deactivate identities",
            "Import identities in bulk with a guided wizard",
            "See each identity's assignments and effective permissions at any node",
        ],
    },
    Section {
        slug: "nodes",
        label: "Nodes",
        icon: IconName::Nodes,
        purpose: "The tree (org → region → team → project) that assignments apply to.",
        capabilities: &[
            "Browse the tree and everyone with access at each node",
            "Add, rename and move nodes; moving under a descendant is refused",
            "Delete nodes safely, with a cascade when you mean it",
        ],
    },
    Section {
        slug: "roles",
        label: "Roles & permissions",
        icon: IconName::Roles,
        purpose: "Resources and actions make permissions; roles group them.",
        capabilities: &[
            "Define resources and their actions (invoices.read, invoices.approve)",
            "Compose roles from permissions and see where each role is assigned",
            "System roles are shown but protected from edits",
        ],
    },
    Section {
        slug: "api-keys",
        label: "API keys",
        icon: IconName::ApiKeys,
        purpose: "Keys your services use to call the management API for this environment.",
        capabilities: &[
            "Create environment-scoped keys; the secret is shown once",
            "See when each key was created and last used",
            "Revoke a key immediately",
        ],
    },
    Section {
        slug: "audit",
        label: "Audit log",
        icon: IconName::Audit,
        purpose: "Every change, by whom and when, with what it was before and after.",
        capabilities: &[
            "Filter by environment, actor, target and time",
            "Compare the before and after of each change",
            "Follow a request id across the events it caused",
        ],
    },
];

/// The section a path segment names, if any.
pub fn section(slug: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|section| section.slug == slug)
}
