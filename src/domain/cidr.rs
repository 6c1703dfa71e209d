//! Networks in CIDR notation: the trusted proxies, and keys' allowlists.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), or one address.
///
/// Parsing normalises: the bits past the prefix are cleared
/// (`10.1.2.3/8` is `10.0.0.0/8`), one address is a network of its own
/// (`192.0.2.7` is `192.0.2.7/32`), and an IPv4-mapped IPv6 network whose
/// prefix covers the mapping (`::ffff:10.0.0.0/104`) is the IPv4 network
/// it maps (`10.0.0.0/8`). `Display` writes that normal form, IPv6
/// compressed and in lower case.
///
/// ```
/// use keyward::domain::Cidr;
///
/// let net: Cidr = "10.1.2.3/8".parse().unwrap();
/// assert_eq!(net.to_string(), "10.0.0.0/8");
/// assert!(net.contains("10.200.0.1".parse().unwrap()));
/// assert_eq!("2001:DB8::1".parse::<Cidr>().unwrap().to_string(), "2001:db8::1/128");
/// assert!("10.0.0.0/33".parse::<Cidr>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `addr` is in the network: its bits up to the prefix are the
    /// network's (whose other bits are clear). A few integer operations, on
    /// every request with a key that has an allowlist.
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.network, canonical(addr)) {
            (IpAddr::V4(net), IpAddr::V4(addr)) => {
                u32::from(addr) & v4_mask(self.prefix) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(addr)) => {
                u128::from(addr) & v6_mask(self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    /// Exactly an address, or an address, `/` and a prefix length written
    /// in decimal without a sign or a leading zero; no spaces.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not an IP address or a CIDR such as 10.0.0.0/8");
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr = addr.parse::<IpAddr>().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => parse_prefix(p).filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        let (network, prefix) = match addr {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) if prefix >= 96 => (IpAddr::V4(v4), prefix - 96),
                _ => (addr, prefix),
            },
            v4 => (v4, prefix),
        };
        Ok(Self {
            network: masked(network, prefix),
            prefix,
        })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// A prefix length as written: 1 to 3 decimal digits, no leading zero
/// (`0` itself is fine).
fn parse_prefix(p: &str) -> Option<u8> {
    let digits = !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
    if !digits || (p.len() > 1 && p.starts_with('0')) {
        return None;
    }
    p.parse().ok()
}

/// `addr` with every bit past `prefix` cleared.
fn masked(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4) & v4_mask(prefix))),
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & v6_mask(prefix))),
    }
}

/// The first `prefix` bits of 32 set (none for 0).
fn v4_mask(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

/// The first `prefix` bits of 128 set (none for 0).
fn v6_mask(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

/// An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as the IPv4 address it is.
pub fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn normal(s: &str) -> String {
        s.parse::<Cidr>().unwrap().to_string()
    }

    #[test]
    fn cidrs_parse_and_match() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")));
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: Cidr = "2001:db8::/33".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:7fff::1")) && !v6.contains(ip("2001:db8:8000::1")));
        assert!("0.0.0.0/0"
            .parse::<Cidr>()
            .unwrap()
            .contains(ip("203.0.113.1")));
        for bad in [
            "10.0.0.0/33",
            "10.0.0/8",
            "host",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/08",
            "10.0.0.0/+8",
            " 10.0.0.0/8",
            "10.0.0.0/8 ",
            "010.0.0.0/8",
            "fe80::1%eth0",
            "",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn cidrs_are_normalised() {
        assert_eq!(normal("10.1.2.3/8"), "10.0.0.0/8");
        assert_eq!(normal("192.0.2.7"), "192.0.2.7/32");
        assert_eq!(normal("0.0.0.0/0"), "0.0.0.0/0");
        assert_eq!(normal("2001:DB8:0:0::1/32"), "2001:db8::/32");
        assert_eq!(normal("::1"), "::1/128");
        assert_eq!(normal("::/0"), "::/0");
        assert_eq!(normal("::ffff:10.1.2.3/104"), "10.0.0.0/8");
        assert_eq!(normal("::ffff:10.1.2.3"), "10.1.2.3/32");
        // A prefix shorter than the mapping spans more than IPv4.
        assert_eq!(normal("::ffff:10.1.2.3/80"), "::/80");
        let mapped: Cidr = "::ffff:10.0.0.0/104".parse().unwrap();
        assert!(mapped.contains(ip("10.9.9.9")) && mapped.contains(ip("::ffff:10.9.9.9")));
    }
}
