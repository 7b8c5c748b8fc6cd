//! `assignments/app-wide/export` and `nodes/{id}/assignments/export`: the list's rows under the
//! same filters and order, every page, as CSV (see `web::export`). Its columns are the bulk
//! upload's, so an export edited in a spreadsheet can be uploaded again.

use app::dto::{AssignmentListQuery, Timestamp};
use axum::{extract::State, response::Response};

use super::service::{ListTarget, Selection};
use crate::{
    state::AppState,
    store::AssignmentView,
    web::{
        callers::EnvironmentCaller,
        error::AppResult,
        export::{csv_download, file_name, refuse_paging},
        extract::{AppQuery, IdParam},
    },
};

const COLUMNS: &[&str] = &[
    "assignment_id",
    "identity_id",
    "identity_name",
    "identity_email",
    "role_id",
    "role",
    "node_id",
    "node",
    "node_path",
    "access_type",
    "status",
    "effective_from",
    "effective_to",
    "created_at",
];

pub async fn environment<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    AppQuery(query): AppQuery<AssignmentListQuery>,
) -> AppResult<Response> {
    export(&state, &caller, &query, ListTarget::Environment, &[]).await
}

pub async fn node<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(node_id): IdParam,
    AppQuery(query): AppQuery<AssignmentListQuery>,
) -> AppResult<Response> {
    let scope = ["node".to_owned(), node_id.clone()];
    export(&state, &caller, &query, ListTarget::Node(node_id), &scope).await
}

async fn export<C: EnvironmentCaller>(
    state: &AppState,
    caller: &C,
    query: &AssignmentListQuery,
    target: ListTarget,
    scope: &[String],
) -> AppResult<Response> {
    refuse_paging(query.page, query.take)?;
    query.page_request().map_err(crate::web::error::AppError::invalid_query)?;
    let tenancy = caller.tenancy();
    let selection = Selection::of(state.store.as_ref(), tenancy, query, target).await?;
    let mut names = vec![tenancy.account.slug.as_str(), tenancy.application.slug.as_str(), tenancy.environment.slug.as_str()];
    names.extend(scope.iter().map(String::as_str));
    let name = file_name("assignments", &names);
    let store = state.store.clone();
    let (filter, order) = (selection.filter.clone(), selection.order);
    csv_download(
        &state.exports,
        &name,
        COLUMNS,
        move |rows| async move { store.stream_assignment_views(&filter, order, &rows).await },
        move |view: AssignmentView, cells| {
            let mut view = view;
            let path = std::mem::take(&mut view.node_path);
            let row = selection.row(view);
            let (a, time) = (row.assignment, |t: Option<Timestamp>| t.map(|t| t.to_string()).unwrap_or_default());
            cells.extend([
                a.id,
                row.identity.id,
                row.identity.name,
                row.identity.email,
                row.role.id,
                row.role.name,
                a.source_node_id,
                a.source_node_name,
                path,
                a.access_type.as_str().to_owned(),
                a.status.as_str().to_owned(),
                time(a.effective_from),
                time(a.effective_to),
                a.created_at.to_string(),
            ]);
        },
    )
}
