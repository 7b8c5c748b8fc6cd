//! Validation that runs the same in the browser and on the server.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Field name → human message, in a stable order so error bodies are deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        // The first problem found for a field is the one worth telling.
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// `Ok(())` when nothing was added, so a `validate` body can end with `errors.into_result()`.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// A request body that knows what makes it valid.
pub trait Validate {
    fn validate(&self) -> Result<(), FieldErrors>;
}

/// An email address as Canopy accepts it: trimmed, one `@`, something on each side, a dot in
/// the domain, no spaces. Comparison elsewhere is case-insensitive via [`EmailAddress::normalized`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let email = raw.trim();
        if email.is_empty() {
            return Err("Email is required.");
        }
        if email.len() > Self::MAX_LEN {
            return Err("Email is too long.");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err("Enter an email address like name@example.com.");
        };
        let well_formed = !local.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(char::is_whitespace);
        if !well_formed {
            return Err("Enter an email address like name@example.com.");
        }
        Ok(Self(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for uniqueness and look-ups.
    pub fn normalized(&self) -> String {
        fold_case(&self.0)
    }
}

/// The one case folding of Canopy: what searches, case-insensitive sorts and email uniqueness
/// compare. Unicode lowercasing, one character at a time (so `Σ` is always `σ`, and the fold of
/// a joined path is the join of the folded names). The server stores it beside each searchable
/// column at write time, so SQLite (whose `LOWER()` folds ASCII only), PostgreSQL (whose
/// `LOWER()` follows the database's locale) and the in-memory index all compare the same text.
pub fn fold_case(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// A URL-safe slug: lowercase letters, digits and single dashes, 1–63 characters.
pub fn check_slug(slug: &str) -> Result<(), &'static str> {
    let valid = !slug.is_empty()
        && slug.len() <= 63
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if valid { Ok(()) } else { Err("Use 1–63 lowercase letters, digits and single dashes.") }
}

/// Integers as JSON Schema has them: `10109.0` is the integer 10109 (2020-12 counts any number
/// with a zero fractional part), which serde would refuse for an `i64` field.
pub mod whole_number {
    use serde::{Deserialize, Deserializer, de::Error};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Integer(i64),
        Float(f64),
    }

    fn whole<E: Error>(number: Number) -> Result<i64, E> {
        match number {
            Number::Integer(value) => Ok(value),
            Number::Float(value) if value.fract() == 0.0 && value >= i64::MIN as f64 && value < i64::MAX as f64 => Ok(value as i64),
            Number::Float(value) => Err(E::custom(format!("invalid value: {value}, expected a whole number"))),
        }
    }

    pub fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        whole(Number::deserialize(deserializer)?)
    }

    pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
        Option::<Number>::deserialize(deserializer)?.map(whole).transpose()
    }
}

/// The schemas of lists whose items follow a rule of this module, for the OpenAPI document
/// (a field attribute cannot constrain a list's items).
#[cfg(feature = "ssr")]
pub mod schemas {
    use utoipa::openapi::schema::{Array, ArrayBuilder, ObjectBuilder, Type};

    fn strings(pattern: &str, max_length: usize) -> Array {
        let item = ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern)).max_length(Some(max_length));
        ArrayBuilder::new().items(item).build()
    }

    /// `resource.action` keys ([`super::super::check_permission_key`]).
    pub fn permission_keys() -> Array {
        strings(r"^[a-z][a-z0-9_-]{0,63}\.[a-z][a-z0-9_-]{0,63}$", 129)
    }

    /// Resource and action names ([`super::super::check_identifier`]).
    pub fn identifiers() -> Array {
        let mut array = strings(r"^[a-z][a-z0-9_-]{0,63}$", 64);
        array.min_items = Some(1);
        array
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_case_lowercases_unicode_one_character_at_a_time() {
        assert_eq!(fold_case("Émile ZOLA"), "émile zola");
        assert_eq!(fold_case("ÅSA Øster"), "åsa øster");
        // Context-free: a final capital sigma folds like any other, so folding a joined path
        // equals joining the folded names.
        assert_eq!(fold_case("ΟΔΟΣ"), "οδοσ");
        assert_eq!(fold_case("Acme / ΟΔΟΣ / Team"), format!("{} / {} / {}", fold_case("Acme"), fold_case("ΟΔΟΣ"), fold_case("Team")));
    }

    #[test]
    fn email_parse_accepts_ordinary_addresses_and_trims() {
        let email = EmailAddress::parse("  Ada.Lovelace@Acme.example ").unwrap();
        assert_eq!(email.as_str(), "Ada.Lovelace@Acme.example");
        assert_eq!(email.normalized(), "ada.lovelace@acme.example");
    }

    #[test]
    fn email_parse_rejects_malformed_addresses() {
        for bad in ["", "ada", "ada@", "@acme.example", "ada@acme", "a b@acme.example", "a@b@c.d", "a@.acme"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn slugs_are_lowercase_dashed_words() {
        assert!(check_slug("billing-eu-2").is_ok());
        for bad in ["", "Billing", "-a", "a-", "a--b", "a_b", &"x".repeat(64)] {
            assert!(check_slug(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
