//! Optimistic concurrency over HTTP: an `ETag` on every read and write of an assignment,
//! identity, node or role, and `If-Match` on their PATCH / PUT / DELETE (anchor: GCP IAM's
//! `etag`). The tag is the object's version ([`crate::domain::version`]); a request whose
//! `If-Match` names another version is a 412 and writes nothing, whether the object changed
//! before the request was read or while it was being written (the store re-checks the version
//! in the write's own transaction). Without `If-Match` a write is unconditional, as before.

use app::dto::{AssignmentResponse, IdentityResponse, NodeResponse, RoleResponse};
use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, header, request::Parts},
    response::{IntoResponse, Response},
};

use crate::{
    domain::version,
    store::{Expected, Versioned},
    web::error::{AppError, AppResult},
};

/// What the request's `If-Match` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`: the write happens whatever the version.
    Unconditional,
    /// `If-Match: *`: the object must exist (it must anyway: otherwise 404).
    Exists,
    /// The object must be at one of these versions (strong comparison: a weak tag never matches).
    OneOf(Vec<String>),
}

impl<S: Send + Sync> FromRequestParts<S> for Precondition {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut tags = Vec::new();
        let mut any = false;
        for value in parts.headers.get_all(header::IF_MATCH) {
            let text = value.to_str().map_err(|_| malformed())?;
            for element in text.split(',').map(str::trim).filter(|element| !element.is_empty()) {
                if element == "*" {
                    any = true;
                } else if is_entity_tag(element) {
                    tags.push(element.to_owned());
                } else {
                    return Err(malformed());
                }
            }
        }
        Ok(match (any, tags.is_empty()) {
            (false, true) if parts.headers.contains_key(header::IF_MATCH) => return Err(malformed()),
            (false, true) => Precondition::Unconditional,
            (true, true) => Precondition::Exists,
            (true, false) => return Err(malformed()),
            (false, false) => Precondition::OneOf(tags),
        })
    }
}

/// `"…"` or `W/"…"` with the characters RFC 9110 allows inside (no quotes, no controls).
fn is_entity_tag(element: &str) -> bool {
    let quoted = element.strip_prefix("W/").unwrap_or(element);
    quoted.len() >= 2
        && quoted.starts_with('"')
        && quoted.ends_with('"')
        && quoted[1..quoted.len() - 1].bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80)
}

fn malformed() -> AppError {
    AppError::bad_request(
        "invalid_if_match",
        "If-Match must be `*` or a comma-separated list of entity tags as the ETag header sends them, such as \"v19ad3c2f1e0\".",
    )
}

impl Precondition {
    /// Whether a write to `kind` `id`, now at version `updated_at`, may go ahead: the version
    /// its transaction must still find (`None` when the write is unconditional), or the 412.
    pub fn check(&self, kind: Versioned, id: &str, updated_at: i64) -> AppResult<Option<Expected>> {
        match self {
            Precondition::Unconditional | Precondition::Exists => Ok(None),
            Precondition::OneOf(tags) if tags.iter().any(|tag| *tag == version::etag(updated_at)) => {
                Ok(Some(Expected { kind, id: id.to_owned(), updated_at }))
            }
            Precondition::OneOf(_) => Err(AppError::precondition_failed(kind.noun())),
        }
    }
}

/// An object that has a version: its `updated_at`.
pub trait HasVersion {
    fn version(&self) -> i64;
}

macro_rules! has_version {
    ($($dto:ty),*) => {
        $(impl HasVersion for $dto {
            fn version(&self) -> i64 {
                self.updated_at.as_millis()
            }
        })*
    };
}

has_version!(AssignmentResponse, IdentityResponse, NodeResponse, RoleResponse);

/// A JSON answer with the object's `ETag`.
pub struct Tagged<T>(pub T);

impl<T: HasVersion + serde::Serialize> IntoResponse for Tagged<T> {
    fn into_response(self) -> Response {
        let tag = HeaderValue::from_str(&version::etag(self.0.version())).expect("an etag is a valid header value");
        ([(header::ETAG, tag)], axum::Json(self.0)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    async fn read(values: &[&str]) -> AppResult<Precondition> {
        let mut request = Request::builder();
        for value in values {
            request = request.header(header::IF_MATCH, *value);
        }
        let (mut parts, ()) = request.body(()).unwrap().into_parts();
        Precondition::from_request_parts(&mut parts, &()).await
    }

    #[tokio::test]
    async fn if_match_reads_star_lists_and_weak_tags_and_refuses_the_rest() {
        assert_eq!(read(&[]).await.unwrap(), Precondition::Unconditional);
        assert_eq!(read(&["*"]).await.unwrap(), Precondition::Exists);
        assert_eq!(
            read(&["\"va\", W/\"vb\"", "\"vc\""]).await.unwrap(),
            Precondition::OneOf(vec!["\"va\"".into(), "W/\"vb\"".into(), "\"vc\"".into()])
        );
        for bad in ["va", "\"va", "*, \"va\"", "", " , ", "\"v\"a\""] {
            let err = read(&[bad]).await.expect_err(bad);
            assert_eq!(err.body().code, "invalid_if_match", "{bad:?}");
        }
    }

    #[test]
    fn only_the_current_strong_tag_lets_a_write_through() {
        let current = 0x19ad_3c2f_1e0;
        let tag = version::etag(current);
        let expected = Precondition::OneOf(vec!["\"other\"".into(), tag.clone()]).check(Versioned::Role, "r1", current).unwrap();
        assert_eq!(expected, Some(Expected { kind: Versioned::Role, id: "r1".into(), updated_at: current }));
        let weak = Precondition::OneOf(vec![format!("W/{tag}")]).check(Versioned::Role, "r1", current).unwrap_err();
        assert_eq!(weak.status().as_u16(), 412);
        let stale = Precondition::OneOf(vec![version::etag(current - 1)]).check(Versioned::Node, "n1", current).unwrap_err();
        assert_eq!((stale.status().as_u16(), stale.body().code.as_str()), (412, "precondition_failed"));
        assert_eq!(Precondition::Exists.check(Versioned::Node, "n1", current).unwrap(), None);
        assert_eq!(Precondition::Unconditional.check(Versioned::Node, "n1", current).unwrap(), None);
    }
}
