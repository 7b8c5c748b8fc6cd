//! Timestamps as the contract writes them: UTC, RFC 3339 with milliseconds
//! (`2026-04-20T12:00:00.000Z`). Inputs accept any RFC 3339 offset.
//!
//! Storage keeps milliseconds since the Unix epoch in both databases, so the conversion lives
//! here, once.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339, macros::format_description};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The current instant, truncated to milliseconds (the precision that is stored).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn now() -> Self {
        Self::from_millis(OffsetDateTime::now_utc().unix_timestamp_nanos().div_euclid(1_000_000) as i64)
            .expect("the system clock is within the representable range")
    }

    pub fn from_millis(millis: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok().map(Self)
    }

    pub fn as_millis(&self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// Parses any RFC 3339 timestamp, whatever its offset, into UTC.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let parsed = OffsetDateTime::parse(raw.trim(), &Rfc3339)
            .map_err(|_| "Use an RFC 3339 timestamp such as 2026-04-20T12:00:00Z.")?;
        let utc = parsed.to_offset(UtcOffset::UTC);
        // Sub-millisecond precision is not stored; drop it now so what is echoed is what is kept.
        Self::from_millis((utc.unix_timestamp_nanos() / 1_000_000) as i64).ok_or("Timestamp is out of range.")
    }

    pub fn to_rfc3339(&self) -> String {
        let format = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        self.0
            .to_offset(UtcOffset::UTC)
            .format(&format)
            .unwrap_or_else(|_| self.as_millis().to_string())
    }

    pub fn add_days(&self, days: i64) -> Self {
        Self(self.0 + time::Duration::days(days))
    }

    pub fn inner(&self) -> OffsetDateTime {
        self.0
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Timestamp::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// In the OpenAPI document: a `date-time` string, never the inner `OffsetDateTime`'s shape.
#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some("UTC, RFC 3339 with milliseconds. Inputs accept any RFC 3339 offset."))
            .examples(["2026-04-20T12:00:00.000Z"])
            .into()
    }
}

#[cfg(feature = "ssr")]
impl utoipa::ToSchema for Timestamp {
    fn name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_milliseconds() {
        let ts = Timestamp::parse("2026-04-20T14:00:00.5+02:00").unwrap();
        assert_eq!(ts.to_rfc3339(), "2026-04-20T12:00:00.500Z");
        assert_eq!(serde_json::to_string(&ts).unwrap(), "\"2026-04-20T12:00:00.500Z\"");
    }

    #[test]
    fn round_trips_through_millis() {
        let ts = Timestamp::parse("2026-04-20T12:00:00.123Z").unwrap();
        assert_eq!(Timestamp::from_millis(ts.as_millis()), Some(ts));
    }

    #[test]
    fn rejects_non_rfc3339() {
        assert!(Timestamp::parse("2026-04-20").is_err());
        assert!(Timestamp::parse("yesterday").is_err());
    }
}
