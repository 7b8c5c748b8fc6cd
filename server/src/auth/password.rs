//! Admin passwords: argon2id (the crate's defaults: 19 MiB, 2 passes), hashed and verified on
//! the blocking pool so a sign-in never stalls the async workers.

use std::sync::OnceLock;

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::web::error::AppError;

pub fn hash(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
}

pub async fn hash_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash(&password)).await.map_err(AppError::internal)?
}

/// Checks `password` against `stored`, or against a throwaway hash when there is no such admin,
/// so an unknown email costs the same time as a wrong password.
pub async fn verify_blocking(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = match stored {
            Some(phc) => phc,
            None => dummy_hash()?.to_owned(),
        };
        let parsed = PasswordHash::new(&phc).map_err(AppError::internal)?;
        let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(known && matches)
    })
    .await
    .map_err(AppError::internal)?
}

fn dummy_hash() -> Result<&'static str, AppError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let fresh = hash("canopy-timing-equaliser")?;
    Ok(DUMMY.get_or_init(|| fresh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_the_right_password_only() {
        let stored = hash_blocking("correct horse".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify_blocking("correct horse".into(), Some(stored.clone())).await.unwrap());
        assert!(!verify_blocking("wrong horse".into(), Some(stored)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_admin_never_verifies() {
        assert!(!verify_blocking("canopy-timing-equaliser".into(), None).await.unwrap());
    }
}
