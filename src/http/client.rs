//! Who the client is, by address: the TCP peer, or behind a trusted proxy
//! the address that proxy reports. The throttle and the access log both ask
//! here, so they always agree. Also whether the client spoke HTTPS and
//! which origin it addressed, by the same trust: the session cookie's
//! `Secure` flag, the HTTPS rule of sign-in and the `Origin` check ask here.

use std::future::{ready, Ready};
use std::net::IpAddr;
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, FORWARDED, HOST};
use actix_web::{web, FromRequest, HttpRequest};

use crate::domain::{canonical_ip as canonical, Cidr};
use crate::error::ApiError;

const X_FORWARDED_FOR: &str = "x-forwarded-for";
const X_FORWARDED_PROTO: &str = "x-forwarded-proto";
const X_FORWARDED_HOST: &str = "x-forwarded-host";

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

impl TrustedProxies {
    /// Whether the client's request came over HTTPS: `direct` when this
    /// server's own listener speaks TLS; otherwise only when the peer is a
    /// trusted proxy and the nearest proxy says so, in the last value of
    /// `X-Forwarded-Proto` or, when that is absent, the `proto=` of the last
    /// element of `Forwarded`. From any other peer the headers are ignored,
    /// so a client cannot claim HTTPS it did not use.
    pub fn https(&self, peer: Option<IpAddr>, headers: &HeaderMap, direct: bool) -> bool {
        if direct {
            return true;
        }
        if !peer.map(canonical).is_some_and(|peer| self.trusts(peer)) {
            return false;
        }
        let proto = match last_value(headers, X_FORWARDED_PROTO) {
            Some(proto) => Some(proto),
            None => last_value(headers, FORWARDED.as_str()).and_then(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case("proto"))
                    .map(|(_, value)| value.trim().trim_matches('"').to_owned())
            }),
        };
        proto.is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
    }

    /// The host the client addressed: from a trusted proxy, the last value
    /// of `X-Forwarded-Host` if it sent one; else the `Host` header (or the
    /// request's authority).
    pub fn host(
        &self,
        peer: Option<IpAddr>,
        headers: &HeaderMap,
        authority: Option<&str>,
    ) -> Option<String> {
        let trusted = peer.map(canonical).is_some_and(|peer| self.trusts(peer));
        if let Some(host) = last_value(headers, X_FORWARDED_HOST).filter(|_| trusted) {
            return Some(host);
        }
        let host = headers
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .or(authority)?;
        Some(host.trim().to_owned())
    }
}

impl TrustedProxies {
    /// Whether the client is this very host: the TCP `peer` is a loopback
    /// address and says it forwards for no one. A peer that sends
    /// `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host` or
    /// `Forwarded` without being a trusted proxy is most likely a proxy on
    /// this host left out of `--trusted-proxies`: every client would look
    /// like loopback through it, so it is not taken for one. Behind a
    /// trusted proxy, the client address the chain gives decides.
    pub fn loopback(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        let Some(peer) = peer.map(canonical) else {
            return false;
        };
        if self.trusts(peer) {
            return self
                .client(Some(peer), headers)
                .is_some_and(|a| a.is_loopback());
        }
        if forwards(headers) {
            warn_untrusted_forwarder(peer);
            return false;
        }
        peer.is_loopback()
    }
}

/// Whether the request carries any forwarding header.
fn forwards(headers: &HeaderMap) -> bool {
    [
        X_FORWARDED_FOR,
        X_FORWARDED_PROTO,
        X_FORWARDED_HOST,
        FORWARDED.as_str(),
    ]
    .iter()
    .any(|name| headers.contains_key(*name))
}

/// Logs, once per process, that forwarding headers came from a peer
/// `--trusted-proxies` does not list (they are ignored).
fn warn_untrusted_forwarder(peer: IpAddr) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        log::warn!(
            "forwarding headers (X-Forwarded-*, Forwarded) came from {peer}, which \
             --trusted-proxies does not list: they are ignored, and a sign-in through it \
             is not taken for a loopback client. List the proxy if it is one."
        );
    }
}

/// The last comma-separated value of the last `name` header line, trimmed:
/// the one the nearest proxy wrote. `None` when absent, empty or not text.
fn last_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let line = headers.get_all(name).last()?.to_str().ok()?;
    let value = line.rsplit(',').next()?.trim();
    (!value.is_empty()).then(|| value.to_owned())
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

fn proxies(req: &HttpRequest) -> TrustedProxies {
    req.app_data::<web::Data<TrustedProxies>>()
        .map(|proxies| proxies.get_ref().clone())
        .unwrap_or_default()
}

/// Whether the client behind `req` used HTTPS (see [`TrustedProxies::https`]).
pub fn is_https(req: &HttpRequest) -> bool {
    let peer = req.peer_addr().map(|addr| addr.ip());
    proxies(req).https(peer, req.headers(), req.app_config().secure())
}

/// Whether the client behind `req` is on this host (see
/// [`TrustedProxies::loopback`]).
pub fn is_loopback(req: &HttpRequest) -> bool {
    let peer = req.peer_addr().map(|addr| addr.ip());
    proxies(req).loopback(peer, req.headers())
}

/// The origin the client addressed, `https://host[:port]` or
/// `http://host[:port]`, lower-cased: what a browser sends as `Origin` from
/// a page this server served.
pub fn own_origin(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr().map(|addr| addr.ip());
    let authority = req.uri().authority().map(|a| a.as_str());
    let host = proxies(req).host(peer, req.headers(), authority)?;
    let scheme = if is_https(req) { "https" } else { "http" };
    Some(format!("{scheme}://{host}").to_ascii_lowercase())
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

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn https_is_believed_only_from_a_trusted_proxy_and_from_its_nearest_word() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let proxy = Some("10.1.2.3".parse().unwrap());
        let stranger = Some("203.0.113.9".parse().unwrap());
        let https = headers(&[("x-forwarded-proto", "https")]);
        assert!(proxies.https(proxy, &https, false));
        assert!(!proxies.https(stranger, &https, false));
        assert!(proxies.https(stranger, &HeaderMap::new(), true));
        assert!(!proxies.https(proxy, &HeaderMap::new(), false));
        let forged = headers(&[("x-forwarded-proto", "https, http")]);
        assert!(!proxies.https(proxy, &forged, false));
        let forwarded = headers(&[(
            "forwarded",
            "for=1.2.3.4;proto=http, for=5.6.7.8;proto=https",
        )]);
        assert!(proxies.https(proxy, &forwarded, false));
    }

    #[test]
    fn loopback_is_a_peer_on_this_host_that_forwards_for_no_one() {
        let none = TrustedProxies::default();
        let local = Some("127.0.0.1".parse().unwrap());
        let stranger = Some("203.0.113.9".parse().unwrap());
        assert!(none.loopback(local, &HeaderMap::new()));
        assert!(!none.loopback(stranger, &HeaderMap::new()));
        for forwarded in [
            headers(&[("x-forwarded-for", "203.0.113.5")]),
            headers(&[("x-forwarded-proto", "https")]),
            headers(&[("x-forwarded-host", "keys.example")]),
            headers(&[("forwarded", "for=203.0.113.5")]),
        ] {
            assert!(!none.loopback(local, &forwarded), "{forwarded:?}");
        }
        let trusted = TrustedProxies::parse("127.0.0.1").unwrap();
        let via = headers(&[("x-forwarded-for", "203.0.113.5")]);
        assert!(!trusted.loopback(local, &via));
        assert!(trusted.loopback(local, &HeaderMap::new()));
    }

    #[test]
    fn the_host_is_the_forwarded_one_only_from_a_trusted_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let sent = headers(&[
            ("host", "internal:8080"),
            ("x-forwarded-host", "keys.example"),
        ]);
        let proxy = Some("10.1.2.3".parse().unwrap());
        let stranger = Some("203.0.113.9".parse().unwrap());
        assert_eq!(
            proxies.host(proxy, &sent, None).as_deref(),
            Some("keys.example")
        );
        assert_eq!(
            proxies.host(stranger, &sent, None).as_deref(),
            Some("internal:8080")
        );
        assert_eq!(
            proxies
                .host(stranger, &HeaderMap::new(), Some("a:1"))
                .as_deref(),
            Some("a:1")
        );
    }
}
