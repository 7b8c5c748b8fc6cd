//! The management API key format, `cnp_<8 random>_<32 random>`: generated and parsed only here.
//! The part before the second underscore is the look-up prefix (stored in clear); the whole
//! secret is stored only as its SHA-256 (a 190-bit random secret needs no slow hash, and a fast
//! one keeps every request cheap).

use rand::{Rng, distributions::Alphanumeric};
use sha2::{Digest, Sha256};

const SCHEME: &str = "cnp";

/// A fresh `(prefix, secret)`.
pub fn generate() -> (String, String) {
    let mut rng = rand::thread_rng();
    let mut random = |len: usize| -> String { (&mut rng).sample_iter(Alphanumeric).take(len).map(char::from).collect() };
    let prefix = format!("{SCHEME}_{}", random(8));
    let secret = format!("{prefix}_{}", random(32));
    (prefix, secret)
}

/// The look-up prefix of a presented secret, or `None` when it cannot be a key.
pub fn prefix(secret: &str) -> Option<&str> {
    secret.match_indices('_').nth(1).map(|(at, _)| &secret[..at])
}

/// What is stored and compared: the secret's SHA-256, hex.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_secrets_start_with_their_prefix_and_hash_stably() {
        let (key_prefix, secret) = generate();
        assert!(key_prefix.starts_with("cnp_") && key_prefix.len() == 12);
        assert!(secret.starts_with(&format!("{key_prefix}_")) && secret.len() == 45);
        assert_eq!(prefix(&secret), Some(key_prefix.as_str()));
        assert_eq!(prefix("cnp_nounderscore"), None);
        assert_eq!(hash(&secret), hash(&secret));
        assert_ne!(hash(&secret), hash("cnp_other"));
    }
}
