//! Reading credentials off a request: `Authorization: Bearer`, the session cookie, `X-API-Key`.
//! Parsing only; what a credential is worth is the extractors' business.

use axum::http::{HeaderMap, header};

use crate::web::error::AppError;

pub const API_KEY_HEADER: &str = "x-api-key";

/// `Authorization: Bearer <token>`; another scheme or an empty token is a 401, no header `None`.
pub fn bearer_token(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| AppError::unauthorized("The Authorization header is malformed."))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(AppError::unauthorized("Use Authorization: Bearer <token>.")),
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// The raw `X-API-Key`, when sent.
pub fn api_key_header(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get(API_KEY_HEADER) else { return Ok(None) };
    let value = value.to_str().map_err(|_| AppError::unauthorized("The X-API-Key header is malformed."))?.trim();
    if value.is_empty() {
        return Err(AppError::unauthorized("The X-API-Key header is empty."));
    }
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "theme=dark; canopy_session=abc.def.ghi; other=1".parse().unwrap());
        assert_eq!(cookie(&headers, "canopy_session").as_deref(), Some("abc.def.ghi"));
    }

    #[test]
    fn bearer_requires_the_scheme_and_a_token() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers).unwrap(), None);
        headers.insert(header::AUTHORIZATION, "Bearer tok".parse().unwrap());
        assert_eq!(bearer_token(&headers).unwrap().as_deref(), Some("tok"));
        headers.insert(header::AUTHORIZATION, "Basic dXNlcg==".parse().unwrap());
        assert!(bearer_token(&headers).is_err());
    }
}
