//! Who the client is, by address: the TCP peer, or behind a trusted proxy
//! the address that proxy reports. The throttle and the access log both ask
//! here, so they always agree.

use std::future::{ready, Ready};
use std::net::IpAddr;
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, FORWARDED};
use actix_web::{web, FromRequest, HttpRequest};

use crate::domain::{canonical_ip as canonical, Cidr};
use crate::error::ApiError;

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The proxies whose `X-Forwarded-For` and `Forwarded` headers are believed.
/// Empty by default: then no such header is ever read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and CIDRs; empty is none.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .filter(|item| !item.trim().is_empty())
            .map(|item| Cidr::from_str(item.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|cidr| cidr.contains(addr))
    }

    /// The client's address: the TCP `peer`, unless the peer is a trusted
    /// proxy. Then the forwarding chain is read from the right (the entry
    /// the nearest proxy added) past every trusted proxy, and the first
    /// address that is not one is the client. An entry that is not an
    /// address ends the walk there: whatever lies left of it was written by
    /// someone no trusted proxy vouches for.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer.map(canonical)?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let mut client = peer;
        for hop in forwarded_chain(headers).into_iter().rev() {
            let Some(addr) = hop else {
                break;
            };
            client = canonical(addr);
            if !self.trusts(client) {
                break;
            }
        }
        Some(client)
    }
}

/// The forwarding chain, leftmost (the original client) first: from
/// `X-Forwarded-For` if present, else from `Forwarded`'s `for=` parameters.
/// Several header lines make one list. `None` marks an entry that is not
/// an address (`unknown`, an obfuscated identifier, garbage).
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let lines = |name| {
        headers
            .get_all(name)
            .map(|v| v.to_str().unwrap_or("\u{0}"))
            .collect::<Vec<_>>()
    };
    let xff = lines(X_FORWARDED_FOR);
    if !xff.is_empty() {
        return xff
            .iter()
            .flat_map(|line| line.split(','))
            .map(|hop| parse_node(hop.trim()))
            .collect();
    }
    lines(FORWARDED.as_str())
        .iter()
        .flat_map(|line| line.split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, value)| parse_node(value.trim().trim_matches('"')))
        })
        .collect()
}

/// An address as a forwarding header writes it: `203.0.113.7`,
/// `203.0.113.7:4711`, `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(addr) = node.parse::<IpAddr>() {
        return Some(addr);
    }
    if let Some(rest) = node.strip_prefix('[') {
        let (addr, _) = rest.split_once(']')?;
        return addr.parse().ok();
    }
    let (addr, port) = node.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    addr.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The address of the client behind `req`, as [`TrustedProxies::client`]
/// decides it with the server's configured proxies.
pub fn address(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|addr| addr.ip());
    match req.app_data::<web::Data<TrustedProxies>>() {
        Some(proxies) => proxies.client(peer, req.headers()),
        None => peer,
    }
}

/// The client's [`address`], for a handler that needs it.
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(address(req))))
    }
}
