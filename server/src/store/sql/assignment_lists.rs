//! The assignment lists: the environment's app-wide list (filtered, searched, sorted, paged)
//! and one identity's assignments. The statements are built here and nowhere else: the
//! assignments bench times these very builders.

use app::dto::{AssignmentSort, AssignmentStatus, IdentityAssignmentSort};
use sqlx::{Database, Encode, QueryBuilder, Type};

use crate::store::{
    Assignment, AssignmentFilter, AssignmentView, IdentityAssignmentFilter, Slice, StoreResult,
    db::{Db, like_pattern, on_db, push_in_list, sort_direction},
    paging::{Page, Selecting, count_then_page, stream_rows},
};
use tokio::sync::mpsc;

const VIEW_COLUMNS: &str = "SELECT a.*, i.first_name AS identity_first_name, i.last_name AS identity_last_name, \
     i.name AS identity_name, i.email AS identity_email, i.avatar_url AS identity_avatar_url, \
     r.name AS role_name, n.name AS node_name, n.path AS node_path";
const VIEW_JOINS: &str = " JOIN identities i ON i.id = a.identity_id JOIN roles r ON r.id = a.role_id JOIN nodes n ON n.id = a.node_id";

/// Appends one of the app-wide list's two statements (see [`crate::store::paging`]): `SELECT ...
/// FROM ... WHERE ...` for the count or the rows, before ORDER BY. `search` is the LIKE pattern
/// of `filter.search`.
pub fn push_assignment_view_query<DB>(builder: &mut QueryBuilder<DB>, filter: &AssignmentFilter, search: Option<&str>, selecting: Selecting)
where
    DB: Database,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
{
    match selecting {
        // The count joins the other tables only when the search needs their names.
        Selecting::Count if search.is_none() => builder.push("SELECT COUNT(*) FROM assignments a"),
        Selecting::Count => builder.push(format!("SELECT COUNT(*) FROM assignments a{VIEW_JOINS}")),
        Selecting::Rows => builder.push(format!("{VIEW_COLUMNS} FROM assignments a{VIEW_JOINS}")),
    };
    push_assignment_filter(builder, filter, search);
}

/// The app-wide list's ORDER BY keys; `collation` is the backend's for text keys.
pub fn assignment_view_order(slice: &Slice, collation: &str) -> String {
    let dir = sort_direction(slice.order);
    let key = match slice.sort {
        AssignmentSort::Name => format!("i.name_folded {collation} {dir}, i.name {collation} {dir}, "),
        AssignmentSort::Role => format!("r.name_folded {collation} {dir}, r.name {collation} {dir}, "),
        AssignmentSort::CreatedAt => format!("a.created_at {dir}, "),
    };
    format!("{key}a.id {dir}")
}

/// The WHERE clause of the app-wide list (tables `a`, and `i`, `r`, `n` when searching).
fn push_assignment_filter<DB>(builder: &mut QueryBuilder<DB>, filter: &AssignmentFilter, search: Option<&str>)
where
    DB: Database,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
{
    builder.push(" WHERE a.environment_id = ").push_bind(filter.environment_id.as_str());
    if let Some(nodes) = &filter.on_nodes {
        let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
        if nodes.is_empty() {
            builder.push(" AND 1 = 0");
        } else {
            builder.push(" AND a.node_id IN");
            push_in_list(builder, &nodes);
        }
    }
    if let Some(role_id) = &filter.role_id {
        builder.push(" AND a.role_id = ").push_bind(role_id.as_str());
    }
    if let Some(node_id) = &filter.source_node_id {
        builder.push(" AND a.node_id = ").push_bind(node_id.as_str());
    }
    let now = filter.now_ms;
    match filter.status {
        None => {}
        Some(AssignmentStatus::Scheduled) => {
            builder.push(" AND a.effective_from > ").push_bind(now);
        }
        Some(AssignmentStatus::Expired) => {
            builder.push(" AND (a.effective_from IS NULL OR a.effective_from <= ").push_bind(now);
            builder.push(") AND a.effective_to <= ").push_bind(now);
        }
        Some(AssignmentStatus::Active) => {
            builder.push(" AND (a.effective_from IS NULL OR a.effective_from <= ").push_bind(now);
            builder.push(") AND (a.effective_to IS NULL OR a.effective_to > ").push_bind(now).push(")");
        }
    }
    if let Some(pattern) = search {
        builder.push(" AND (i.name_folded LIKE ").push_bind(pattern).push(" ESCAPE '\\'");
        builder.push(" OR i.email_normalized LIKE ").push_bind(pattern).push(" ESCAPE '\\'");
        builder.push(" OR r.name_folded LIKE ").push_bind(pattern).push(" ESCAPE '\\'");
        builder.push(" OR n.name_folded LIKE ").push_bind(pattern).push(" ESCAPE '\\')");
    }
}

pub async fn assignment_views(db: &Db, filter: &AssignmentFilter, slice: Slice) -> StoreResult<(Vec<AssignmentView>, i64)> {
    let pattern = filter.search.as_deref().map(like_pattern);
    let search = pattern.as_deref();
    let page = Page { order_by: assignment_view_order(&slice, db.sort_collation()), limit: slice.limit, offset: slice.offset };
    on_db!(db, |pool| {
        let query = |selecting| {
            let mut builder = QueryBuilder::new("");
            push_assignment_view_query(&mut builder, filter, search, selecting);
            builder
        };
        count_then_page(pool, query, &page).await
    })
}

/// Every row of the app-wide list under `filter`, in `slice`'s order (its bounds are not used),
/// sent to `rows` as they are read.
pub async fn stream_assignment_views(db: &Db, filter: &AssignmentFilter, slice: Slice, rows: &mpsc::Sender<AssignmentView>) -> StoreResult<()> {
    let pattern = filter.search.as_deref().map(like_pattern);
    let order_by = assignment_view_order(&slice, db.sort_collation());
    on_db!(db, |pool| {
        let mut builder = QueryBuilder::new("");
        push_assignment_view_query(&mut builder, filter, pattern.as_deref(), Selecting::Rows);
        stream_rows(pool, builder, &order_by, rows).await
    })
}

pub async fn identity_assignments(db: &Db, filter: &IdentityAssignmentFilter) -> StoreResult<(Vec<Assignment>, i64)> {
    if filter.environment_ids.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let pattern = filter.search.as_deref().map(like_pattern);
    let environments: Vec<&str> = filter.environment_ids.iter().map(String::as_str).collect();
    let (dir, collation) = (sort_direction(filter.order), db.sort_collation());
    // NULL bounds sort as "open": first for `from`, last for `to`, on both databases.
    let key = match filter.sort {
        IdentityAssignmentSort::CreatedAt => format!("a.created_at {dir}"),
        IdentityAssignmentSort::UpdatedAt => format!("a.updated_at {dir}"),
        IdentityAssignmentSort::EffectiveFrom => format!("COALESCE(a.effective_from, -9223372036854775807) {dir}"),
        IdentityAssignmentSort::EffectiveTo => format!("COALESCE(a.effective_to, 9223372036854775807) {dir}"),
        IdentityAssignmentSort::Role => format!("r.name_folded {collation} {dir}"),
        IdentityAssignmentSort::Node => format!("n.name_folded {collation} {dir}"),
    };
    let page = Page { order_by: format!("{key}, a.id {dir}"), limit: filter.limit, offset: filter.offset };
    on_db!(db, |pool| {
        let query = |selecting: Selecting| {
            let mut builder = QueryBuilder::new(selecting.pick("SELECT COUNT(*)", "SELECT a.*"));
            builder.push(" FROM assignments a JOIN roles r ON r.id = a.role_id JOIN nodes n ON n.id = a.node_id WHERE a.identity_id = ");
            builder.push_bind(filter.identity_id.as_str()).push(" AND a.environment_id IN");
            push_in_list(&mut builder, &environments);
            if let Some(pattern) = pattern.as_deref() {
                builder.push(" AND (r.name_folded LIKE ").push_bind(pattern).push(" ESCAPE '\\'");
                builder.push(" OR n.name_folded LIKE ").push_bind(pattern).push(" ESCAPE '\\')");
            }
            builder
        };
        count_then_page(pool, query, &page).await
    })
}
