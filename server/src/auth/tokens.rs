//! JWTs: HS256 only (pinned, never taken from the token's header), with issuer, audience per
//! principal type, expiry and a required subject.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use app::dto::{Timestamp, TokenResponse};

use crate::web::error::AppError;

pub const ISSUER: &str = "canopy";

/// The audience of a token says which kind of principal it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrincipalKind {
    #[serde(rename = "canopy:admin")]
    Admin,
    #[serde(rename = "canopy:management")]
    Management,
    #[serde(rename = "canopy:identity")]
    Identity,
}

impl PrincipalKind {
    pub fn audience(&self) -> &'static str {
        match self {
            PrincipalKind::Admin => "canopy:admin",
            PrincipalKind::Management => "canopy:management",
            PrincipalKind::Identity => "canopy:identity",
        }
    }

    fn all() -> [PrincipalKind; 3] {
        [PrincipalKind::Admin, PrincipalKind::Management, PrincipalKind::Identity]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: PrincipalKind,
    /// Admin id, API key id or identity id, by audience.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    /// Admin session id (admin tokens), so sign-out ends the token at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Environment id (management and identity tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
}

impl Claims {
    /// A token for `sub` as a principal of kind `aud`, issued at `iat` and expiring at `exp`
    /// (epoch seconds), bound to nothing else until `sid` / `env` are set.
    pub fn new(aud: PrincipalKind, sub: String, iat: i64, exp: i64) -> Self {
        Claims { iss: ISSUER.into(), aud, sub, iat, exp, sid: None, env: None }
    }
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&PrincipalKind::all().map(|kind| kind.audience()));
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation }
    }

    pub fn issue(&self, claims: &Claims) -> Result<String, AppError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(AppError::internal)
    }

    /// The signed token as every principal's token endpoint answers it: a Bearer token with its
    /// lifetime in seconds and its expiry.
    pub fn bearer(&self, claims: &Claims) -> Result<TokenResponse, AppError> {
        Ok(TokenResponse {
            access_token: self.issue(claims)?,
            token_type: "Bearer".into(),
            expires_in: (claims.exp - claims.iat).max(0),
            expires_at: Timestamp::from_millis(claims.exp * 1000).ok_or_else(|| AppError::internal("token expiry out of range"))?,
        })
    }

    /// Verifies signature, algorithm, issuer, audience and expiry, then requires `expected`:
    /// a well-formed token of another principal type is a 403, anything else wrong a 401.
    pub fn verify(&self, token: &str, expected: PrincipalKind) -> Result<Claims, AppError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => AppError::unauthorized("The token has expired."),
                _ => AppError::unauthorized("The token is invalid."),
            })?
            .claims;
        if claims.aud != expected {
            return Err(AppError::wrong_principal(format!(
                "This endpoint does not accept {} tokens.",
                match claims.aud {
                    PrincipalKind::Admin => "admin",
                    PrincipalKind::Management => "management",
                    PrincipalKind::Identity => "identity",
                }
            )));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(aud: PrincipalKind, exp_offset: i64) -> Claims {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Claims { iss: ISSUER.into(), aud, sub: "adm_1".into(), iat: now, exp: now + exp_offset, sid: None, env: None }
    }

    #[test]
    fn a_token_verifies_for_its_own_principal_only() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let token = keys.issue(&claims(PrincipalKind::Admin, 60)).unwrap();
        assert_eq!(keys.verify(&token, PrincipalKind::Admin).unwrap().sub, "adm_1");
        let err = keys.verify(&token, PrincipalKind::Identity).unwrap_err();
        assert_eq!(err.status(), 403);
        assert_eq!(err.body().code, "wrong_principal_type");
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_401() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let expired = keys.issue(&claims(PrincipalKind::Admin, -600)).unwrap();
        assert_eq!(keys.verify(&expired, PrincipalKind::Admin).unwrap_err().status(), 401);

        let other = TokenKeys::new(b"another-secret-another-secret-xx");
        let foreign = other.issue(&claims(PrincipalKind::Admin, 60)).unwrap();
        assert_eq!(keys.verify(&foreign, PrincipalKind::Admin).unwrap_err().status(), 401);

        assert_eq!(keys.verify("not.a.jwt", PrincipalKind::Admin).unwrap_err().status(), 401);
    }

    #[test]
    fn the_none_algorithm_is_refused() {
        use base64_like::encode;
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let header = encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = encode(serde_json::to_string(&claims(PrincipalKind::Admin, 60)).unwrap().as_bytes());
        let token = format!("{header}.{body}.");
        assert_eq!(keys.verify(&token, PrincipalKind::Admin).unwrap_err().status(), 401);
    }

    /// Just enough base64url to forge an unsigned token in a test.
    mod base64_like {
        pub fn encode(input: &[u8]) -> String {
            const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut out = String::new();
            for chunk in input.chunks(3) {
                let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
                let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
                for i in 0..=chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        }
    }
}
