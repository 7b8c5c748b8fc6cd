//! `identities/export`: the identity list under the same search, filter and order, every page,
//! as CSV (see `web::export`). Its columns are the identity import's, so an export edited in a
//! spreadsheet can be imported again.

use app::dto::IdentityListQuery;
use axum::{extract::State, response::Response};

use super::service::list_spec;
use crate::{
    domain::time::timestamp,
    state::AppState,
    store::Identity,
    web::{
        callers::ApplicationCaller,
        error::{AppError, AppResult},
        export::{csv_download, file_name, refuse_paging},
        extract::AppQuery,
    },
};

const COLUMNS: &[&str] = &["id", "first_name", "last_name", "name", "email", "avatar_url", "status", "created_at", "updated_at"];

pub async fn export<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    AppQuery(query): AppQuery<IdentityListQuery>,
) -> AppResult<Response> {
    refuse_paging(query.page, query.take)?;
    query.page_request().map_err(AppError::invalid_query)?;
    let tenancy = caller.application();
    let name = file_name("identities", &[tenancy.account.slug.as_str(), tenancy.application.slug.as_str()]);
    let (store, application_id, spec) = (state.store.clone(), tenancy.application.id.clone(), list_spec(&query));
    let time = |millis: i64| timestamp(millis).to_string();
    csv_download(
        &state.exports,
        &name,
        COLUMNS,
        move |rows| async move { store.stream_identities(&application_id, &spec, &rows).await },
        move |identity: Identity, cells| {
            cells.extend([
                identity.id,
                identity.first_name,
                identity.last_name,
                identity.name,
                identity.email,
                identity.avatar_url.unwrap_or_default(),
                identity.status.as_str().to_owned(),
                time(identity.created_at),
                time(identity.updated_at),
            ]);
        },
    )
}
