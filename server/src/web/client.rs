//! The client's address, for the sign-in throttles: the TCP peer, or, only when that peer is one
//! of `CANOPY_TRUSTED_PROXIES`, the address the proxies say they served (`X-Forwarded-For`, read
//! from the right: the first address that is not itself a trusted proxy). `X-Forwarded-For` is
//! ignored by default, since any client can send one.

use std::{fmt, net::{IpAddr, SocketAddr}, str::FromStr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

use crate::state::AppState;

/// Addresses and networks (`10.0.0.0/8`, `::1`) whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|(network, bits)| in_network(ip, *network, *bits))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn in_network(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(network)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(network)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list; empty means none.
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        let mut networks = Vec::new();
        for item in list.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            let (address, bits) = match item.split_once('/') {
                Some((address, bits)) => (address, Some(bits)),
                None => (item, None),
            };
            let address: IpAddr = address.parse().map_err(|_| format!("{item:?} is not an IP address or network"))?;
            let address = address.to_canonical();
            let max = if address.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(bits) => bits.parse::<u8>().ok().filter(|bits| *bits <= max).ok_or_else(|| format!("{item:?} has a bad prefix length"))?,
                None => max,
            };
            networks.push((address, bits));
        }
        Ok(TrustedProxies(networks))
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self.0.iter().map(|(address, bits)| format!("{address}/{bits}")).collect();
        f.write_str(&items.join(","))
    }
}

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

    #[test]
    fn trusted_proxy_lists_parse_or_say_what_is_wrong() {
        let proxies: TrustedProxies = "192.168.0.0/16,2001:db8::/32, 127.0.0.1".parse().unwrap();
        assert!(proxies.contains("192.168.44.1".parse().unwrap()));
        assert!(proxies.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(proxies.contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(!proxies.contains("192.169.0.1".parse().unwrap()));
        assert_eq!(proxies.to_string(), "192.168.0.0/16,2001:db8::/32,127.0.0.1/32");
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
        assert_eq!("10.0.0.0/33".parse::<TrustedProxies>(), Err("\"10.0.0.0/33\" has a bad prefix length".to_owned()));
        assert_eq!("proxy".parse::<TrustedProxies>(), Err("\"proxy\" is not an IP address or network".to_owned()));
    }
}
