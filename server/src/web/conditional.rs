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
        let mut elements = Vec::new();
        for value in parts.headers.get_all(header::IF_MATCH) {
            elements.extend(elements_of(value.to_str().map_err(|_| malformed())?).ok_or_else(malformed)?);
        }
        let any = elements.iter().any(|element| element == "*");
        Ok(match (any, elements.len()) {
            (false, 0) if parts.headers.contains_key(header::IF_MATCH) => return Err(malformed()),
            (false, 0) => Precondition::Unconditional,
            (true, 1) => Precondition::Exists,
            (true, _) => return Err(malformed()),
            (false, _) => Precondition::OneOf(elements),
        })
    }
}

/// The elements of one `If-Match` value: `*`, or entity tags (`"…"` or `W/"…"`, where a tag may
/// hold any visible character but `"`, commas included) separated by commas and optional
/// whitespace; `None` when it is not that.
fn elements_of(value: &str) -> Option<Vec<String>> {
    let mut elements = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return Some(elements);
        }
        let length = if rest.starts_with('*') {
            1
        } else {
            let quoted = rest.strip_prefix("W/").unwrap_or(rest);
            let inner = quoted.strip_prefix('"')?;
            let close = inner.find('"')?;
            let etagc = |b: u8| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80;
            if !inner[..close].bytes().all(etagc) {
                return None;
            }
            (rest.len() - quoted.len()) + 1 + close + 1
        };
        elements.push(rest[..length].to_owned());
        rest = &rest[length..];
        // An element ends at a separator or the end of the value.
        if !(rest.is_empty() || rest.starts_with([' ', '\t', ','])) {
            return None;
        }
    }
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
        assert_eq!(
            read(&["\"a,b\", W/\"c\",\"d\""]).await.unwrap(),
            Precondition::OneOf(vec!["\"a,b\"".into(), "W/\"c\"".into(), "\"d\"".into()]),
            "a comma inside a tag belongs to the tag"
        );
        for bad in ["va", "\"va", "*, \"va\"", "", " , ", "\"v\"a\"", "0", "\"a\"b"] {
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
