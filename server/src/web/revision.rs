//! Consistency tokens: `Canopy-Revision`.
//!
//! Every response to a request that committed a write carries the write's revision as an opaque
//! `Canopy-Revision` header. A read that sends one back is answered at least that fresh: from
//! memory once this process has applied the revision (it waits up to
//! [`crate::index::CATCH_UP_WAIT`] for that), else from SQL, which has it. A token of another
//! database, one this database has not reached, or one that is not a token, is a 400
//! `invalid_revision`.
//!
//! The portal does not handle tokens itself: a write made with the session cookie also sets a
//! `canopy_revision` cookie, which the browser (and the server-side render, which forwards the
//! admin's cookies) sends with the next reads, so an admin always sees their own edit. A stale or
//! foreign cookie (a reset database) is ignored rather than refused.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{HeaderValue, header, request::Parts},
    middleware::Next,
    response::Response,
};

use crate::{
    auth::{SESSION_COOKIE, credentials::cookie},
    state::AppState,
    store::{Revision, recording_revision, revision::TokenError},
    web::error::AppError,
};

pub const REVISION_HEADER: &str = "canopy-revision";
const REVISION_COOKIE: &str = "canopy_revision";

/// The revision a read must be at least as fresh as, if the caller sent one. Read after the
/// caller's credentials (list it after them in a handler), so a bad token of an unauthenticated
/// request is still a 401.
#[derive(Debug, Clone, Default)]
pub struct Wanted(pub Option<Revision>);

impl Wanted {
    pub fn revision(&self) -> Option<&Revision> {
        self.0.as_ref()
    }
}

/// What the request sent: the header's token (refused when bad), or the portal's cookie's
/// (ignored when bad).
#[derive(Debug, Clone)]
enum Sent {
    Header(String),
    Cookie(String),
}

impl FromRequestParts<AppState> for Wanted {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let database = state.store.identity().unwrap_or_default().to_owned();
        match parts.extensions.get::<Sent>().cloned() {
            Some(Sent::Header(token)) => Ok(Wanted(Some(read(state, &token, &database).await?))),
            Some(Sent::Cookie(token)) => Ok(Wanted(read(state, &token, &database).await.ok())),
            None => Ok(Wanted(None)),
        }
    }
}

fn refused(err: TokenError) -> AppError {
    let mut error = AppError::bad_request("invalid_revision", err.message());
    if let AppError::BadRequest { details, .. } = &mut error {
        details.insert("header".into(), "Canopy-Revision".into());
    }
    error
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Token(err) => refused(err),
            Refusal::Store(err) => err.into(),
        }
    }
}

/// Keeps a sent token for [`Wanted`], and answers a write with its revision.
pub async fn revisions(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let database = state.store.identity().unwrap_or_default().to_owned();
    let sent = match request.headers().get(REVISION_HEADER) {
        Some(value) => Some(Sent::Header(value.to_str().map(str::trim).unwrap_or("\u{0}").to_owned())),
        None => cookie(request.headers(), REVISION_COOKIE).map(Sent::Cookie),
    };
    let with_session = cookie(request.headers(), SESSION_COOKIE).is_some();
    if let Some(sent) = sent {
        request.extensions_mut().insert(sent);
    }
    let (mut response, written) = recording_revision(next.run(request)).await;
    if let Some(revision) = written {
        let token = revision.token(&database);
        if let Ok(value) = HeaderValue::from_str(&token) {
            response.headers_mut().insert(REVISION_HEADER, value);
        }
        if with_session {
            let secure = if state.config.secure_cookies { "; Secure" } else { "" };
            if let Ok(value) = HeaderValue::from_str(&format!("{REVISION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}")) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
    }
    response
}

/// A token sent in a request body (`revision` of a batch check): as the header would be.
pub async fn from_body(state: &AppState, token: &str) -> Result<Revision, AppError> {
    let database = state.store.identity().unwrap_or_default().to_owned();
    Ok(read(state, token, &database).await?)
}

enum Refusal {
    Token(TokenError),
    Store(crate::store::StoreError),
}

/// A token of this database, for a revision it has reached.
async fn read(state: &AppState, token: &str, database: &str) -> Result<Revision, Refusal> {
    let revision = Revision::from_token(token, database).map_err(Refusal::Token)?;
    if state.feed.covers(&revision) {
        return Ok(revision);
    }
    // Not applied here yet: committed through another process a moment ago, or never.
    let now = state.store.feed_position().await.map_err(Refusal::Store)?;
    if now.covers(&revision) { Ok(revision) } else { Err(Refusal::Token(TokenError::Future)) }
}
