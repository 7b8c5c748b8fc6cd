//! Roles, and the resources and permissions they are made of.

use sqlx::{AssertSqlSafe, QueryBuilder};

use crate::store::{
    PageSpec, Permission, Resource, Role, RoleUsage, StoreResult,
    db::{Db, like_pattern, map_db_error, on_db, push_in_list, sort_direction},
    paging::{Page, Selecting, count_then_page},
};

pub async fn roles(db: &Db, environment_id: &str) -> StoreResult<Vec<Role>> {
    db.fetch_all("SELECT * FROM roles WHERE environment_id = $1 ORDER BY name", &[environment_id]).await
}

pub async fn role_by_id(db: &Db, environment_id: &str, id: &str) -> StoreResult<Option<Role>> {
    db.fetch_optional("SELECT * FROM roles WHERE environment_id = $1 AND id = $2", &[environment_id, id]).await
}

pub async fn role_page(db: &Db, environment_id: &str, spec: &PageSpec) -> StoreResult<(Vec<Role>, i64)> {
    let pattern = spec.search.as_deref().map(like_pattern);
    let order_by = format!("name_folded {} {}, id", db.sort_collation(), sort_direction(spec.order));
    let page = Page { order_by, limit: spec.limit, offset: spec.offset };
    on_db!(db, |pool| {
        let query = |selecting: Selecting| {
            let select = selecting.pick("SELECT COUNT(*)", "SELECT *");
            let mut builder = QueryBuilder::new(format!("{select} FROM roles WHERE environment_id = "));
            builder.push_bind(environment_id);
            if let Some(pattern) = &pattern {
                builder.push(" AND name_folded LIKE ").push_bind(pattern.as_str()).push(" ESCAPE '\\'");
            }
            builder
        };
        count_then_page(pool, query, &page).await
    })
}

/// `(role_id, permission key)` for these roles, by key.
pub async fn role_permission_keys(db: &Db, role_ids: &[&str]) -> StoreResult<Vec<(String, String)>> {
    if role_ids.is_empty() {
        return Ok(Vec::new());
    }
    let order_by = format!(" ORDER BY p.key {}", db.sort_collation());
    on_db!(db, |pool| {
        let mut builder = QueryBuilder::new(
            "SELECT rp.role_id, p.key FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id WHERE rp.role_id IN",
        );
        push_in_list(&mut builder, role_ids);
        builder.push(&order_by);
        builder.build_query_as().persistent(false).fetch_all(pool).await
    })
    .map_err(map_db_error)
}

pub async fn role_assignment_count(db: &Db, role_id: &str) -> StoreResult<i64> {
    on_db!(db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE role_id = $1").bind(role_id).fetch_one(pool).await)
        .map_err(map_db_error)
}

/// Every role of the environment with its number of assignments, most used first.
pub async fn role_usage(db: &Db, environment_id: &str) -> StoreResult<Vec<RoleUsage>> {
    db.fetch_all(
        "SELECT r.id AS role_id, r.name AS role_name, COUNT(a.id) AS assignments FROM roles r LEFT JOIN assignments a ON a.role_id = r.id \
         WHERE r.environment_id = $1 GROUP BY r.id, r.name ORDER BY COUNT(a.id) DESC, r.name, r.id",
        &[environment_id],
    )
    .await
}

pub async fn resources(db: &Db, environment_id: &str) -> StoreResult<Vec<Resource>> {
    let sql = format!("SELECT * FROM resources WHERE environment_id = $1 ORDER BY name {}", db.sort_collation());
    on_db!(db, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(environment_id).fetch_all(pool).await).map_err(map_db_error)
}

pub async fn permissions(db: &Db, environment_id: &str) -> StoreResult<Vec<Permission>> {
    let sql = format!("SELECT * FROM permissions WHERE environment_id = $1 ORDER BY key {}", db.sort_collation());
    on_db!(db, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(environment_id).fetch_all(pool).await).map_err(map_db_error)
}
