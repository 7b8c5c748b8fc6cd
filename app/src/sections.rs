//! The dashboard's pages, in sidebar order, with what each one is for.
//!
//! One list feeds the sidebar and the overview's links, so a new page is added in one place.

use crate::components::icons::IconName;

pub struct Section {
    /// The path segment after `/a/:account/:app/:env`; empty for the overview.
    pub slug: &'static str,
    pub label: &'static str,
    pub icon: IconName,
    /// One sentence: what an admin does on this page.
    pub purpose: &'static str,
}

pub const OVERVIEW: Section = Section {
    slug: "",
    label: "Overview",
    icon: IconName::Overview,
    purpose: "Counts and health of this environment at a glance.",
};

pub const SECTIONS: &[Section] = &[
    OVERVIEW,
    Section {
        slug: "assignments",
        label: "Assignments",
        icon: IconName::Assignments,
        purpose: "Give identities roles at nodes of the tree, now or between two dates.",
    },
    Section {
        slug: "identities",
        label: "Identities",
        icon: IconName::Identities,
        purpose: "The people in your application, shared by all of its environments.",
    },
    Section {
        slug: "nodes",
        label: "Nodes",
        icon: IconName::Nodes,
        purpose: "The tree (org → region → team → project) that assignments apply to.",
    },
    Section {
        slug: "roles",
        label: "Roles & permissions",
        icon: IconName::Roles,
        purpose: "Resources and actions make permissions; roles group them.",
    },
    Section {
        slug: "api-keys",
        label: "API keys",
        icon: IconName::ApiKeys,
        purpose: "Keys your services use to call the management API for this environment.",
    },
    Section {
        slug: "audit",
        label: "Audit log",
        icon: IconName::Audit,
        purpose: "Every change, by whom and when, with what it was before and after.",
    },
];

/// The section a path segment names, if any.
pub fn section(slug: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|section| section.slug == slug)
}
