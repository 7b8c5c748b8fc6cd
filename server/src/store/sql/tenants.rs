//! Accounts, admins and their sessions, applications and environments: who the tenants are.

use sqlx::FromRow;

use super::audit::insert_audit_events;
use crate::store::{
    Account, Admin, AdminSession, Application, AuditEvent, Environment, EnvironmentPath, EnvironmentStats, Membership,
    StoreResult,
    db::{Db, map_db_error, on_db, on_tx},
};

/// An account with the admin's membership of it (`admin_memberships`).
#[derive(FromRow)]
struct AccountMembership {
    #[sqlx(flatten)]
    account: Account,
    account_id: String,
    admin_id: String,
    role: app::dto::MembershipRole,
    member_since: i64,
}

/// An environment with its application and account, each column prefixed by its table.
#[derive(FromRow)]
struct EnvironmentPathRow {
    e_id: String,
    e_application_id: String,
    e_slug: String,
    e_name: String,
    e_created_at: i64,
    p_id: String,
    p_account_id: String,
    p_slug: String,
    p_name: String,
    p_created_at: i64,
    c_id: String,
    c_slug: String,
    c_name: String,
    c_created_at: i64,
}

pub async fn account_by_slug(db: &Db, slug: &str) -> StoreResult<Option<Account>> {
    db.fetch_optional("SELECT id, slug, name, created_at FROM accounts WHERE slug = $1", &[slug]).await
}

pub async fn admin_by_id(db: &Db, id: &str) -> StoreResult<Option<Admin>> {
    db.fetch_optional("SELECT * FROM admins WHERE id = $1", &[id]).await
}

pub async fn admin_by_email(db: &Db, email_normalized: &str) -> StoreResult<Option<Admin>> {
    db.fetch_optional("SELECT * FROM admins WHERE email_normalized = $1", &[email_normalized]).await
}

pub async fn admin_memberships(db: &Db, admin_id: &str) -> StoreResult<Vec<(Account, Membership)>> {
    let rows: Vec<AccountMembership> = db.fetch_all(
        "SELECT a.id, a.slug, a.name, a.created_at, m.account_id, m.admin_id, m.role, m.created_at AS member_since \
         FROM account_members m JOIN accounts a ON a.id = m.account_id WHERE m.admin_id = $1 ORDER BY a.name, a.id",
        &[admin_id],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let membership = Membership { account_id: row.account_id, admin_id: row.admin_id, role: row.role, created_at: row.member_since };
            (row.account, membership)
        })
        .collect())
}

pub async fn membership(db: &Db, account_id: &str, admin_id: &str) -> StoreResult<Option<Membership>> {
    db.fetch_optional("SELECT account_id, admin_id, role, created_at FROM account_members WHERE account_id = $1 AND admin_id = $2", &[account_id, admin_id]).await
}

pub async fn create_session(db: &Db, new: &AdminSession, audit: &[AuditEvent]) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |conn| sqlx::query(
        "INSERT INTO admin_sessions (id, admin_id, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(&new.id)
    .bind(&new.admin_id)
    .bind(new.created_at)
    .bind(new.expires_at)
    .bind(new.revoked_at)
    .execute(&mut *conn)
    .await
    .map(drop))
    .map_err(map_db_error)?;
    insert_audit_events(&mut tx, audit).await?;
    tx.commit().await
}

pub async fn session_by_id(db: &Db, id: &str) -> StoreResult<Option<AdminSession>> {
    db.fetch_optional("SELECT * FROM admin_sessions WHERE id = $1", &[id]).await
}

pub async fn revoke_session(db: &Db, id: &str, at: i64, audit: &[AuditEvent]) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |conn| sqlx::query("UPDATE admin_sessions SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(drop))
    .map_err(map_db_error)?;
    insert_audit_events(&mut tx, audit).await?;
    tx.commit().await
}

pub async fn applications(db: &Db, account_id: &str) -> StoreResult<Vec<Application>> {
    db.fetch_all("SELECT * FROM applications WHERE account_id = $1 ORDER BY name, id", &[account_id]).await
}

pub async fn application_by_slug(db: &Db, account_id: &str, slug: &str) -> StoreResult<Option<Application>> {
    db.fetch_optional("SELECT * FROM applications WHERE account_id = $1 AND slug = $2", &[account_id, slug]).await
}

pub async fn environments(db: &Db, application_id: &str) -> StoreResult<Vec<Environment>> {
    db.fetch_all("SELECT * FROM environments WHERE application_id = $1 ORDER BY created_at, id", &[application_id]).await
}

/// Every environment of every account, with where it belongs: `(environment, application, account)`.
pub async fn all_environments(db: &Db) -> StoreResult<Vec<(String, String, String)>> {
    db.fetch_all(
        "SELECT e.id, e.application_id, a.account_id FROM environments e JOIN applications a ON a.id = e.application_id ORDER BY e.created_at, e.id",
        &[],
    )
    .await
}

pub async fn environment_by_slug(db: &Db, application_id: &str, slug: &str) -> StoreResult<Option<Environment>> {
    db.fetch_optional("SELECT * FROM environments WHERE application_id = $1 AND slug = $2", &[application_id, slug]).await
}

pub async fn environment_stats(db: &Db, env: &Environment, now_ms: i64) -> StoreResult<EnvironmentStats> {
    const WEEK_MS: i64 = 7 * 24 * 60 * 60 * 1000;
    on_db!(db, |pool| sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM nodes WHERE environment_id = $1) AS nodes, \
           (SELECT COUNT(*) FROM identities WHERE application_id = $2) AS identities, \
           (SELECT COUNT(*) FROM roles WHERE environment_id = $1) AS roles, \
           (SELECT COUNT(*) FROM permissions WHERE environment_id = $1) AS permissions, \
           COUNT(CASE WHEN a.effective_from > $3 THEN 1 END) AS assignments_scheduled, \
           COUNT(CASE WHEN (a.effective_from IS NULL OR a.effective_from <= $3) AND a.effective_to <= $3 THEN 1 END) AS assignments_expired, \
           COUNT(CASE WHEN (a.effective_from IS NULL OR a.effective_from <= $3) AND (a.effective_to IS NULL OR a.effective_to > $3) THEN 1 END) AS assignments_active, \
           COUNT(CASE WHEN (a.effective_from IS NULL OR a.effective_from <= $3) AND a.effective_to > $3 AND a.effective_to <= $4 THEN 1 END) AS assignments_expiring_7d, \
           COUNT(CASE WHEN (a.effective_from IS NULL OR a.effective_from <= $3) AND a.effective_to > $3 AND a.effective_to <= $5 THEN 1 END) AS assignments_expiring_30d \
         FROM assignments a WHERE a.environment_id = $1"
    )
    .bind(&env.id)
    .bind(&env.application_id)
    .bind(now_ms)
    .bind(now_ms + WEEK_MS)
    .bind(now_ms + 30 * DAY_MS)
    .fetch_one(pool)
    .await)
    .map_err(map_db_error)
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Active assignments of the environment ending in each of the next `days` days: `(day, count)`
/// for the days that have any, day 0 being `(now, now + 24 h]`.
pub async fn expiring_by_day(db: &Db, environment_id: &str, now_ms: i64, days: i64) -> StoreResult<Vec<(i64, i64)>> {
    // `effective_to - now - 1` so that an end at exactly now + 24 h is still day 0, as the
    // windows are closed at their end like the counts above.
    on_db!(db, |pool| sqlx::query_as(
        "SELECT (a.effective_to - $2 - 1) / $3 AS day, COUNT(*) AS assignments FROM assignments a \
         WHERE a.environment_id = $1 AND (a.effective_from IS NULL OR a.effective_from <= $2) \
           AND a.effective_to > $2 AND a.effective_to <= $4 \
         GROUP BY 1 ORDER BY 1"
    )
    .bind(environment_id)
    .bind(now_ms)
    .bind(DAY_MS)
    .bind(now_ms + days * DAY_MS)
    .fetch_all(pool)
    .await)
    .map_err(map_db_error)
}

pub async fn environment_path(db: &Db, environment_id: &str) -> StoreResult<Option<EnvironmentPath>> {
    let row: Option<EnvironmentPathRow> = db
        .fetch_optional(
            "SELECT e.id AS e_id, e.application_id AS e_application_id, e.slug AS e_slug, e.name AS e_name, e.created_at AS e_created_at, \
                    p.id AS p_id, p.account_id AS p_account_id, p.slug AS p_slug, p.name AS p_name, p.created_at AS p_created_at, \
                    c.id AS c_id, c.slug AS c_slug, c.name AS c_name, c.created_at AS c_created_at \
             FROM environments e JOIN applications p ON p.id = e.application_id JOIN accounts c ON c.id = p.account_id \
             WHERE e.id = $1",
            &[environment_id],
        )
        .await?;
    Ok(row.map(|row| EnvironmentPath {
        account: Account { id: row.c_id, slug: row.c_slug, name: row.c_name, created_at: row.c_created_at },
        application: Application { id: row.p_id, account_id: row.p_account_id, slug: row.p_slug, name: row.p_name, created_at: row.p_created_at },
        environment: Environment {
            id: row.e_id,
            application_id: row.e_application_id,
            slug: row.e_slug,
            name: row.e_name,
            created_at: row.e_created_at,
        },
    }))
}
