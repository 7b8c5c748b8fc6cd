//! Stored instants (epoch milliseconds) as the API's timestamps.

use app::dto::Timestamp;

/// A stored instant as a [`Timestamp`]; one out of range (never written by Canopy) reads as
/// the epoch rather than failing the response.
pub fn timestamp(millis: i64) -> Timestamp {
    Timestamp::from_millis(millis).unwrap_or_else(|| Timestamp::from_millis(0).expect("the epoch is representable"))
}
