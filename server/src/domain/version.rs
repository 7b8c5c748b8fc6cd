//! Versions of editable objects (assignments, identities, nodes, roles), for optimistic
//! concurrency: an object's version is its `updated_at`, and every write moves it forward by at
//! least a millisecond, so two writes in the same millisecond are still two versions and an
//! `ETag` read before the first no longer matches after the second.

/// The `updated_at` a write gives an object whose current one is `previous`, at `now`.
pub fn next(previous: i64, now: i64) -> i64 {
    now.max(previous.saturating_add(1))
}

/// The strong entity tag of the version `updated_at`, quoted as the `ETag` header carries it.
/// Opaque to clients; derived from the version alone, so every replica computes the same one.
pub fn etag(updated_at: i64) -> String {
    format!("\"v{updated_at:x}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_in_the_same_millisecond_is_still_a_new_version() {
        assert_eq!(next(1_000, 1_000), 1_001);
        assert_eq!(next(1_000, 999), 1_001, "a clock behind the stored version still moves it forward");
        assert_eq!(next(1_000, 5_000), 5_000);
    }

    #[test]
    fn etags_are_quoted_and_differ_per_version() {
        assert_eq!(etag(255), "\"vff\"");
        assert_ne!(etag(next(255, 255)), etag(255));
    }
}
