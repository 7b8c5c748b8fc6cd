//! Which peers are trusted proxies (`CANOPY_TRUSTED_PROXIES`): addresses and networks whose
//! `X-Forwarded-For` the server believes (see `web/client.rs`). A setting's rule, without I/O.

use std::{fmt, net::IpAddr, str::FromStr};

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

#[cfg(test)]
mod tests {
    use super::*;

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
