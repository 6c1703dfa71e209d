//! A key's allowlist: the networks its credential is accepted from.

use std::net::IpAddr;

use super::{Cidr, Invalid};

/// The networks (IPv4 and IPv6, CIDRs or single addresses) a key may be
/// used from: at least one, at most [`AllowedCidrs::MAX`], normalised as
/// [`Cidr`] does and without repeats, in the order given. A key without an
/// allowlist (`None` where one is optional) may be used from anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedCidrs(Vec<Cidr>);

impl AllowedCidrs {
    /// The most entries an allowlist may have.
    pub const MAX: usize = 32;

    /// The allowlist as a request gives it: each entry an address or a
    /// CIDR, written as [`pattern`] says. No entries is `None`: no allowlist.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Option<Self>, Invalid> {
        if entries.len() > Self::MAX {
            return Err(Invalid(format!(
                "allowedCidrs must have at most {} entries",
                Self::MAX
            )));
        }
        let mut cidrs: Vec<Cidr> = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let cidr = entry
                .as_ref()
                .parse::<Cidr>()
                .map_err(|e| Invalid(format!("allowedCidrs[{i}]: {e}")))?;
            if !cidrs.contains(&cidr) {
                cidrs.push(cidr);
            }
        }
        Ok((!cidrs.is_empty()).then_some(Self(cidrs)))
    }

    /// Whether a request from `addr` may use the key. An unknown address
    /// is admitted by no allowlist.
    pub fn admits(&self, addr: Option<IpAddr>) -> bool {
        addr.is_some_and(|addr| self.0.iter().any(|cidr| cidr.contains(addr)))
    }

    /// The entries in their normal form (`10.0.0.0/8`, `2001:db8::/32`).
    pub fn entries(&self) -> impl Iterator<Item = String> + '_ {
        self.0.iter().map(Cidr::to_string)
    }

    /// As stored: the normal forms, separated by commas.
    pub fn to_db(&self) -> String {
        self.entries().collect::<Vec<_>>().join(",")
    }

    /// An allowlist as [`to_db`](Self::to_db) stored it.
    pub fn from_db(text: &str) -> Result<Self, Invalid> {
        let entries: Vec<&str> = text.split(',').collect();
        Self::parse(&entries)?.ok_or_else(|| Invalid("an empty allowlist".into()))
    }
}

/// What [`AllowedCidrs::parse`] accepts as an entry, as a regular
/// expression (ECMA 262, for the OpenAPI document): an IPv4 address in
/// dotted decimal (no leading zeros) or an IPv6 address in any of its
/// text forms (`::` once, an embedded IPv4 address last), each optionally
/// followed by `/` and a prefix length within the family's bits, in
/// decimal without a leading zero. It is the grammar of Rust's address
/// parser, which decides; a unit test holds the two together.
///
/// ```
/// let pattern = keyward::domain::allowlist::pattern();
/// assert!(pattern.starts_with('^') && pattern.ends_with('$'));
/// ```
pub fn pattern() -> String {
    let v4 = ip_v4_pattern();
    let v6 = ip_v6_pattern();
    format!("^(?:{v4}(?:/(?:3[0-2]|[12]?[0-9]))?|{v6}(?:/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$")
}

/// What verify's `ip` accepts: one address, IPv4 or IPv6, as [`pattern`]
/// writes them.
pub fn address_pattern() -> String {
    format!("^(?:{}|{})$", ip_v4_pattern(), ip_v6_pattern())
}

fn ip_v4_pattern() -> String {
    let octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    format!("{octet}(?:\\.{octet}){{3}}")
}

/// Every form of an IPv6 address: eight groups, or fewer around one `::`
/// (which stands for at least one zero group), the last two groups
/// possibly written as an IPv4 address.
fn ip_v6_pattern() -> String {
    let h = "[0-9A-Fa-f]{1,4}";
    let v4 = ip_v4_pattern();
    let mut forms = vec![
        format!("(?:{h}:){{7}}{h}"),
        format!("(?:{h}:){{6}}{v4}"),
        format!("::(?:{h}(?::{h}){{0,6}})?"),
        format!("::(?:{h}:){{0,5}}{v4}"),
    ];
    for head in 1..=7 {
        if head <= 6 {
            forms.push(format!("(?:{h}:){{{head}}}(?::{h}){{1,{}}}", 7 - head));
        }
        forms.push(format!("(?:{h}:){{{head}}}:"));
        if head <= 5 {
            forms.push(format!("(?:{h}:){{{head}}}(?::{h}){{0,{}}}:{v4}", 5 - head));
        }
    }
    format!("(?:{})", forms.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlists_are_normalised_bounded_and_admit_by_network() {
        let list = AllowedCidrs::parse(&["10.1.2.3/8", "2001:db8::/32", "10.0.0.0/8", "192.0.2.7"])
            .unwrap()
            .unwrap();
        assert_eq!(list.to_db(), "10.0.0.0/8,2001:db8::/32,192.0.2.7/32");
        assert_eq!(AllowedCidrs::from_db(&list.to_db()).unwrap(), list);
        assert!(list.admits(Some("10.9.9.9".parse().unwrap())));
        assert!(list.admits(Some("::ffff:10.9.9.9".parse().unwrap())));
        assert!(list.admits(Some("2001:db8:1::5".parse().unwrap())));
        assert!(!list.admits(Some("192.0.2.8".parse().unwrap())));
        assert!(!list.admits(None));
        assert_eq!(AllowedCidrs::parse::<&str>(&[]).unwrap(), None);
        let full: Vec<String> = (0..32).map(|i| format!("10.0.{i}.0/24")).collect();
        assert!(AllowedCidrs::parse(&full).is_ok());
        let over: Vec<String> = (0..33).map(|i| format!("10.0.{i}.0/24")).collect();
        assert_eq!(
            AllowedCidrs::parse(&over).unwrap_err().0,
            "allowedCidrs must have at most 32 entries"
        );
        assert_eq!(
            AllowedCidrs::parse(&["10.0.0.0/8", "10.0.0.0/33"])
                .unwrap_err()
                .0,
            "allowedCidrs[1]: \"10.0.0.0/33\" is not an IP address or a CIDR such as 10.0.0.0/8"
        );
    }

    /// The pattern accepts exactly what the parser does: on hand-picked
    /// edge cases, and on many strings made of the characters addresses
    /// are written with.
    #[test]
    fn the_pattern_is_the_parsers_grammar() {
        let entry = regex::Regex::new(&pattern()).unwrap();
        let address = regex::Regex::new(&address_pattern()).unwrap();
        let agree = |s: &str| {
            assert_eq!(entry.is_match(s), s.parse::<Cidr>().is_ok(), "entry {s:?}");
            assert_eq!(
                address.is_match(s),
                s.parse::<IpAddr>().is_ok(),
                "address {s:?}"
            );
        };
        for s in [
            "10.0.0.0/8",
            "0.0.0.0/0",
            "255.255.255.255/32",
            "1.2.3.4",
            "01.2.3.4",
            "1.2.3",
            "256.1.1.1",
            "1.2.3.4/33",
            "1.2.3.4/08",
            "1.2.3.4/",
            "::",
            "::/0",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
            "1:2:3:4:5:6::1.2.3.4",
            "::1.2.3.4",
            "::ffff:10.0.0.0/104",
            "1::2::3",
            ":1::",
            "1:::2",
            "00000::",
            "0000::/128",
            "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128",
            "::1.2.3.4:5",
            "1:1.2.3.4::",
            "2001:DB8::/32",
            "2001:db8::/129",
            "fe80::1%1",
            " ::1",
        ] {
            agree(s);
        }
        // A fixed sequence (xorshift), so a failure can be replayed.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"0123456789abcdefABCDEF:.:.::/1225f0";
        for _ in 0..200_000 {
            let len = 1 + (next() % 24) as usize;
            let s: String = (0..len)
                .map(|_| char::from(alphabet[(next() % alphabet.len() as u64) as usize]))
                .collect();
            agree(&s);
        }
        // Near misses: groups joined by colons, some empty, some too long,
        // an IPv4 tail with octets past 255, prefixes past the family's.
        for _ in 0..200_000 {
            let groups = 1 + next() % 10;
            let mut s = String::new();
            for i in 0..groups {
                if i > 0 {
                    s.push(':');
                }
                match next() % 8 {
                    0 => {}
                    1 => {
                        let octets: Vec<String> =
                            (0..4).map(|_| (next() % 300).to_string()).collect();
                        s.push_str(&octets.join("."));
                    }
                    n => {
                        let digits = 1 + (n as usize % 5);
                        let hex = format!("{:05x}", next() % 0x10_0000);
                        s.push_str(&hex[5 - digits..]);
                    }
                }
            }
            if next() % 2 == 0 {
                s.push_str(&format!("/{}", next() % 140));
            }
            agree(&s);
        }
    }
}
