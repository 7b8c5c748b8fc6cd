//! The client's address, for the sign-in throttles: the TCP peer, or, only when that peer is one
//! of `CANOPY_TRUSTED_PROXIES`, the address the proxies say they served (`X-Forwarded-For`, read
//! from the right: the first address that is not itself a trusted proxy). `X-Forwarded-For` is
//! ignored by default, since any client can send one.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

use crate::{domain::proxies::TrustedProxies, state::AppState};

/// The client's address as far as this server can tell; `None` for an in-process call.
pub fn client_address(parts: &Parts, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip().to_canonical();
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let mut client = peer;
    let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok()).collect::<Vec<_>>();
    for hop in forwarded.iter().rev().flat_map(|value| value.rsplit(',')) {
        match hop.trim().parse::<IpAddr>() {
            Ok(hop) => {
                client = hop.to_canonical();
                if !trusted.contains(client) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Some(client)
}

/// [`client_address`] as an extractor.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_address(parts, &state.config.trusted_proxies)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(peer: &str, forwarded: &[&str]) -> Parts {
        let mut builder = axum::http::Request::builder();
        for value in forwarded {
            builder = builder.header("x-forwarded-for", *value);
        }
        let (mut parts, ()) = builder.body(()).unwrap().into_parts();
        parts.extensions.insert(ConnectInfo::<SocketAddr>(peer.parse().unwrap()));
        parts
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_trusted() {
        let none = TrustedProxies::default();
        assert_eq!(client_address(&parts("203.0.113.9:5000", &["198.51.100.1"]), &none), ip("203.0.113.9"));
        let proxies: TrustedProxies = "10.0.0.0/8, ::1".parse().unwrap();
        assert_eq!(client_address(&parts("203.0.113.9:5000", &["198.51.100.1"]), &proxies), ip("203.0.113.9"));
        assert_eq!(client_address(&parts("10.1.2.3:5000", &["198.51.100.1"]), &proxies), ip("198.51.100.1"));
        assert_eq!(client_address(&parts("[::1]:5000", &["198.51.100.1"]), &proxies), ip("198.51.100.1"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client_and_a_spoofed_left_part_is_not() {
        let proxies: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        // The client sent "1.1.1.1" itself; the proxy appended what it saw.
        let spoofed = parts("10.0.0.2:80", &["1.1.1.1, 198.51.100.7, 10.0.0.5"]);
        assert_eq!(client_address(&spoofed, &proxies), ip("198.51.100.7"));
        let split = parts("10.0.0.2:80", &["1.1.1.1", "198.51.100.7"]);
        assert_eq!(client_address(&split, &proxies), ip("198.51.100.7"));
        let garbage = parts("10.0.0.2:80", &["junk"]);
        assert_eq!(client_address(&garbage, &proxies), ip("10.0.0.2"));
    }

    #[test]
    fn no_peer_is_an_in_process_call() {
        let (parts, ()) = axum::http::Request::builder().body(()).unwrap().into_parts();
        assert_eq!(client_address(&parts, &TrustedProxies::default()), None);
    }
}
