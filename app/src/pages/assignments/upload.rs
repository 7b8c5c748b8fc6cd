//! `/a/:account/:app/:env/assignments/upload`: bulk upload of assignments from a CSV or JSON
//! file, through the shared wizard ([`crate::components::upload`]). This is what is particular
//! to assignments: the columns, and turning emails, node paths and role names into ids with
//! three kinds of request (roles, nodes, `identities/lookup`) before the rows are checked.

use std::{collections::HashSet, sync::Arc};

use leptos::prelude::*;

use super::{
    assignments_path,
    import::{self, COLUMNS, Directory},
    load_roles,
};
use crate::{
    api::{self, ApiError},
    components::{
        picker::{identities_path, nodes_path},
        upload::{Prepared, UploadSpec, UploadWizard, rows::Mapping},
        when::from_input_value,
    },
    dto::{IdentityLookupRequest, IdentityLookupResponse, IdentityStatus, NodeResponse, fold_case},
    scope::Scope,
    tabular::Table,
};

const SPEC: UploadSpec = UploadSpec {
    title: "Upload assignments",
    intro: "Add many assignments at once from a CSV or JSON file. Nothing is written until you upload; you can check every row with Canopy first.",
    item: "assignment",
    items: "assignments",
    row_hint: "One assignment per row, with a header row.",
    back: ("assignments", "Assignments"),
    columns: COLUMNS,
    list_key: "assignments",
    bulk_path: |scope| format!("{}/bulk-create", assignments_path(scope)),
    template: (
        "data:text/csv;charset=utf-8,identity,node,role,from,to%0D%0Aada%40example.com,Acme %2F EMEA,viewer,2026-01-01,%0D%0A",
        "canopy-assignments-template.csv",
    ),
    dates: true,
    in_environment: true,
    preparing: "Matching emails, paths and roles…",
    prepare_failed: "Could not read the environment's roles, nodes and identities",
    prepare,
};

#[component]
pub fn BulkUploadPage() -> impl IntoView {
    view! { <UploadWizard spec=SPEC/> }
}

fn prepare(scope: Scope, table: Arc<Table>, mapping: Mapping) -> Prepared {
    Box::pin(async move {
        let directory = directory(&scope, &table, &mapping).await?;
        let to_utc = |raw: &str| import::date_cell_to_utc(raw, &from_input_value);
        Ok(import::prepare(&table, &mapping, &directory, &to_utc))
    })
}

/// Roles, nodes, and the identities the file names.
async fn directory(scope: &Scope, table: &Table, mapping: &Mapping) -> Result<Directory, ApiError> {
    let mut directory = Directory::default();
    for role in load_roles(scope.clone()).await? {
        directory.roles.insert(fold_case(&role.name), role.id.clone());
        directory.role_ids.insert(role.id);
    }
    for node in api::get_all::<NodeResponse>(&nodes_path(scope), 1_000).await? {
        directory.nodes.insert(import::normalize_path(&node.path), node.id.clone());
        directory.node_ids.insert(node.id);
    }
    let mut request = IdentityLookupRequest::default();
    let mut seen = HashSet::new();
    for index in 0..table.rows.len() {
        let value = table.cell(index, mapping.get(import::IDENTITY));
        if value.is_empty() || !seen.insert(fold_case(value)) {
            continue;
        }
        if import::is_email(value) { request.emails.push(value.to_owned()) } else { request.ids.push(value.to_owned()) }
    }
    if !request.emails.is_empty() || !request.ids.is_empty() {
        let found: IdentityLookupResponse = api::post_json(&format!("{}/lookup", identities_path(scope)), &request).await?;
        for identity in found.items {
            let active = identity.status == IdentityStatus::Active;
            directory.identities.insert(fold_case(&identity.email), (identity.id.clone(), active));
            directory.identity_ids.insert(identity.id, active);
        }
    }
    Ok(directory)
}
