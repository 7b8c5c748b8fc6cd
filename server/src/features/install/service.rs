//! What installs Canopy's first data from the command line: the first admin (and its account),
//! and the demo data. (`create-api-key` is the API keys feature's.)

use app::dto::{EmailAddress, MembershipRole, PASSWORD_MAX_LEN, PASSWORD_MIN_LEN, Timestamp, check_slug};
use serde_json::json;

use crate::{
    auth::password,
    demo,
    domain::audit::{Actor, AuditContext, Change},
    ids::new_id,
    store::{Account, Admin, InsertBatch, Membership, Store},
    web::error::{AppError, AppResult},
};

/// Creates an admin who owns `account_slug`, creating the account when it does not exist yet
/// (how a fresh installation gets its first tenant).
pub async fn create_admin(store: &Store, email: &str, password_plain: &str, account_slug: &str) -> AppResult<Admin> {
    let email = EmailAddress::parse(email).map_err(|message| AppError::invalid_field("email", message))?;
    if password_plain.chars().count() < PASSWORD_MIN_LEN || password_plain.len() > PASSWORD_MAX_LEN {
        return Err(AppError::invalid_field(
            "password",
            format!("Use between {PASSWORD_MIN_LEN} and {PASSWORD_MAX_LEN} characters."),
        ));
    }
    check_slug(account_slug).map_err(|message| AppError::invalid_field("account", message))?;
    if store.admin_by_email(&email.normalized()).await?.is_some() {
        return Err(AppError::Conflict {
            code: "admin_exists",
            message: format!("An admin with the email {} already exists.", email.as_str()),
        });
    }

    let now = Timestamp::now().as_millis();
    let mut batch = InsertBatch::default();
    let account = match store.account_by_slug(account_slug).await? {
        Some(account) => account,
        None => {
            let account = Account { id: new_id(), slug: account_slug.to_owned(), name: title_case(account_slug), created_at: now };
            batch.accounts.push(account.clone());
            account
        }
    };
    let admin = Admin {
        id: new_id(),
        email: email.as_str().to_owned(),
        email_normalized: email.normalized(),
        name: email.as_str().split('@').next().unwrap_or_default().to_owned(),
        password_hash: password::hash_blocking(password_plain.to_owned()).await?,
        created_at: now,
    };
    batch.admins.push(admin.clone());
    batch.memberships.push(Membership { account_id: account.id.clone(), admin_id: admin.id.clone(), role: MembershipRole::Owner, created_at: now });
    let context = AuditContext::new(Actor::System, None, now);
    batch.audit_events.push(context.event(Change {
        account_id: &account.id,
        environment_id: None,
        action: "admin.create",
        target_type: "admin",
        target_id: Some(&admin.id),
        before: None,
        after: Some(json!({ "email": admin.email, "role": "owner" })),
    }));
    store.insert_batch(&batch).await?;
    Ok(admin)
}

/// Whether the demo data went in now or was there already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedOutcome {
    Seeded,
    AlreadyPresent,
}

/// Loads the demo data unless its account already exists (so it is safe to run on every start).
pub async fn seed_demo(store: &Store) -> AppResult<SeedOutcome> {
    if store.account_by_slug(demo::DEMO_ACCOUNT).await?.is_some() {
        return Ok(SeedOutcome::AlreadyPresent);
    }
    let hash = password::hash_blocking(demo::DEMO_ADMIN_PASSWORD.to_owned()).await?;
    store.insert_batch(&demo::demo_data(Timestamp::now().as_millis(), &hash)).await?;
    Ok(SeedOutcome::Seeded)
}

fn title_case(slug: &str) -> String {
    slug.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_come_from_slugs() {
        assert_eq!(title_case("acme-labs"), "Acme Labs");
    }
}
