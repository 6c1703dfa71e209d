//! Which address is the client's: `TrustedProxies::client` believes a
//! forwarding header only from a trusted peer, and walks a chain of them.

use std::net::IpAddr;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use keyward::http::client::TrustedProxies;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn forwarded_addresses_count_only_from_trusted_peers() {
    assert!(TrustedProxies::parse("").unwrap().is_empty());
    assert!(TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").is_ok());
    let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
    let xff = headers(&[("x-forwarded-for", "198.51.100.9, 203.0.113.7")]);
    // The nearest untrusted hop is the client; what it claims is not believed.
    assert_eq!(
        proxies.client(Some(ip("10.0.0.2")), &xff),
        Some(ip("203.0.113.7"))
    );
    // An untrusted peer's header is ignored.
    assert_eq!(
        proxies.client(Some(ip("192.0.2.1")), &xff),
        Some(ip("192.0.2.1"))
    );
    assert_eq!(
        TrustedProxies::default().client(Some(ip("10.0.0.2")), &xff),
        Some(ip("10.0.0.2"))
    );
    // Chains of trusted proxies are walked past; lines make one list.
    let chain = headers(&[
        ("x-forwarded-for", "203.0.113.7"),
        ("x-forwarded-for", "10.0.0.5"),
    ]);
    assert_eq!(
        proxies.client(Some(ip("10.0.0.2")), &chain),
        Some(ip("203.0.113.7"))
    );
    // Garbage stops the walk at the last address a proxy vouched for.
    let garbage = headers(&[("x-forwarded-for", "203.0.113.7, nonsense, 10.0.0.5")]);
    assert_eq!(
        proxies.client(Some(ip("10.0.0.2")), &garbage),
        Some(ip("10.0.0.5"))
    );
    // RFC 7239.
    let forwarded = headers(&[(
        "forwarded",
        "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"",
    )]);
    assert_eq!(
        proxies.client(Some(ip("10.0.0.2")), &forwarded),
        Some(ip("2001:db8:cafe::17"))
    );
    // No header from a trusted proxy: the proxy itself.
    assert_eq!(
        proxies.client(Some(ip("10.0.0.2")), &HeaderMap::new()),
        Some(ip("10.0.0.2"))
    );
}
