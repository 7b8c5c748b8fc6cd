//! `Idempotency-Key` on bulk writes: a retry with the same key and request within 24 hours gets
//! the first response again (marked `Idempotent-Replayed: true`) and writes nothing; the same key
//! with another request is a 422. Every bulk endpoint goes through this module: it reads the key,
//! fingerprints the request, finds an earlier answer to replay, documents the header, and makes
//! the record that the feature's service stores in its write's own transaction, so a response is
//! recorded exactly when its writes are.

use app::dto::{ApiErrorBody, Timestamp};
use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use crate::{
    domain::audit::Actor,
    ids::new_id,
    store::{IDEMPOTENCY_TTL_MS, IdempotencyRecord, Store, StoreError},
    web::{
        error::{AppError, AppResult},
        openapi::Op,
    },
};

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// The request's `Idempotency-Key` header as sent; read (1 to 255 visible characters, else a
/// 400) by [`Idempotency::new`], once the body has been accepted.
pub struct IdempotencyKey(Option<HeaderValue>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(IdempotencyKey(parts.headers.get(IDEMPOTENCY_HEADER).cloned()))
    }
}

impl IdempotencyKey {
    fn read(self) -> AppResult<Option<String>> {
        let Some(value) = self.0 else { return Ok(None) };
        let key = value.to_str().ok().map(str::trim).filter(|key| !key.is_empty() && key.len() <= MAX_IDEMPOTENCY_KEY_LEN);
        let key = key.ok_or_else(|| {
            AppError::bad_request("invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible characters.")
        })?;
        Ok(Some(key.to_owned()))
    }
}

/// One keyed request: the namespace its key is unique in (caller, the environment or application
/// it writes in, endpoint; the record's `scope`), the key, and the request's fingerprint.
pub struct Idempotency {
    pub namespace: String,
    pub key: Option<String>,
    pub request_hash: String,
}

impl Idempotency {
    /// `place_id` is the environment (or, for identities, the application) written in;
    /// `endpoint` names the operation (`assignments.bulk-create`); `query` and `body` are what
    /// the handler read, so another request under the same key is told apart.
    pub fn new(
        key: IdempotencyKey,
        actor: &Actor,
        place_id: &str,
        endpoint: &str,
        query: &impl serde::Serialize,
        body: &impl serde::Serialize,
    ) -> AppResult<Self> {
        let (actor_type, actor_id) = actor.parts();
        let actor_id = actor_id.unwrap_or_default();
        let mut hasher = Sha256::new();
        hasher.update(endpoint.rsplit('.').next().unwrap_or(endpoint).as_bytes());
        hasher.update(serde_json::to_vec(query).map_err(AppError::internal)?);
        hasher.update(serde_json::to_vec(body).map_err(AppError::internal)?);
        Ok(Self {
            namespace: format!("{actor_type}:{actor_id}:{place_id}:{endpoint}"),
            key: key.read()?,
            request_hash: hex::encode(hasher.finalize()),
        })
    }

    /// The first answer to a request under this key within 24 hours, to send again instead of
    /// writing (or the 422 when that request was another one); `None` when there is none.
    pub async fn earlier_reply(&self, store: &Store) -> AppResult<Option<Reply>> {
        let Some(key) = &self.key else { return Ok(None) };
        let since = Timestamp::now().as_millis() - IDEMPOTENCY_TTL_MS;
        match store.idempotency_record(&self.namespace, key, since).await? {
            Some(record) => self.replay(record).map(Some),
            None => Ok(None),
        }
    }

    /// What to answer when this request's write was refused by a unique constraint: when another
    /// request with the same key won the race (it committed first, which is why this write
    /// collided, so its record is visible now), that request's answer, as a replay; otherwise
    /// the refusal. Two identical keyed requests that arrive together thus write once and
    /// answer alike, on either database.
    pub async fn settle(&self, store: &Store, refused: StoreError) -> AppResult<Reply> {
        if matches!(refused, StoreError::Conflict(_)) {
            if let Some(reply) = self.earlier_reply(store).await? {
                return Ok(reply);
            }
        }
        Err(refused.into())
    }

    /// The answer of a request that wrote nothing (a dry run, an atomic batch with a failure, a
    /// batch of failures): when a request with the same key committed while this one was
    /// planning, so that this one's items collided with its writes, that request's answer as a
    /// replay; otherwise this one's.
    pub async fn unwritten(&self, store: &Store, status: StatusCode, body: String) -> AppResult<Reply> {
        if let Some(reply) = self.earlier_reply(store).await? {
            return Ok(reply);
        }
        Ok(Reply { status, body, replayed: false })
    }

    /// The stored answer to replay for `record`, or the 422 for a key reused with another request.
    fn replay(&self, record: IdempotencyRecord) -> AppResult<Reply> {
        if record.request_hash != self.request_hash {
            return Err(AppError::Item {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                body: ApiErrorBody::new("idempotency_key_reused", "This Idempotency-Key was used with a different request; use a new key."),
            });
        }
        let status = StatusCode::from_u16(record.status_code as u16).unwrap_or(StatusCode::OK);
        Ok(Reply { status, body: record.response_body, replayed: true })
    }

    /// The record to store with a write that answers `status` / `body`; none without a key.
    pub fn record(&self, status: StatusCode, body: &str) -> Option<IdempotencyRecord> {
        Some(IdempotencyRecord {
            id: new_id(),
            scope: self.namespace.clone(),
            key: self.key.clone()?,
            request_hash: self.request_hash.clone(),
            status_code: i32::from(status.as_u16()),
            response_body: body.to_owned(),
            created_at: Timestamp::now().as_millis(),
        })
    }
}

/// A bulk operation's `Idempotency-Key` header, its replay marker and its refusals, as the
/// OpenAPI document states them.
pub fn documented(op: Op) -> Op {
    const REPLAYED: &str = "`true` when this is the stored response of an earlier request with the same Idempotency-Key.";
    op.header_param("Idempotency-Key", "1-255 visible characters. A retry with the same key and request within 24 hours returns the first response (with `Idempotent-Replayed: true`) and writes nothing; the same key with another request is a 422 `idempotency_key_reused`.")
        .header(200, "Idempotent-Replayed", REPLAYED)
        .header(207, "Idempotent-Replayed", REPLAYED)
        .error(400, "The Idempotency-Key header is empty or too long (`invalid_idempotency_key`).")
        .error(422, "The Idempotency-Key was used with a different request (`idempotency_key_reused`).")
}

/// A bulk answer as JSON text: fresh, or replayed from an earlier request with the same key.
pub struct Reply {
    pub status: StatusCode,
    pub body: String,
    pub replayed: bool,
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], self.body).into_response();
        if self.replayed {
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        response
    }
}
