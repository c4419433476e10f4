//! Who is calling: the socket's peer, or behind proxies we trust, the
//! right-most address in `X-Forwarded-For` that is not one of them.
//! Entries left of that were written by the caller and prove nothing.

use ipnet::IpNet;
use std::net::IpAddr;
use std::str::FromStr;

/// An address range, `10.0.0.0/8` or `2001:db8::/32`; a bare address is
/// a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr(IpNet);

impl Cidr {
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.0.contains(&addr.to_canonical())
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        let text = text.trim();
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(Cidr(canonical(net.trunc())));
        }
        text.parse::<IpAddr>()
            .map(|a| Cidr(IpNet::from(a.to_canonical())))
            .map_err(|_| format!("{text:?} is not an address or a CIDR range"))
    }
}

/// `::ffff:10.0.0.0/104` is `10.0.0.0/8`: peers are compared in their
/// canonical form, so ranges must be too.
fn canonical(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(net, IpNet::V4),
            None => net,
        },
        other => other,
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Whether `addr` is in any of `ranges`.
pub fn within(ranges: &[Cidr], addr: IpAddr) -> bool {
    ranges.iter().any(|r| r.contains(addr))
}

/// The caller's address. When the peer is a trusted proxy, the right-most
/// `X-Forwarded-For` entry that is not a trusted proxy; `None` when that
/// entry is not an address (a caller cannot be placed, so it is refused
/// wherever its address matters).
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[Cidr]) -> Option<IpAddr> {
    let peer = peer.to_canonical();
    if !within(trusted, peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    let mut client = peer;
    for entry in header.rsplit(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let addr = parse_entry(entry)?.to_canonical();
        client = addr;
        if !within(trusted, addr) {
            break;
        }
    }
    Some(client)
}

/// `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1` or `[2001:db8::1]:80`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    if let Ok(a) = entry.parse::<IpAddr>() {
        return Some(a);
    }
    entry.parse::<std::net::SocketAddr>().ok().map(|s| s.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn ranges(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn ranges_parse_and_match() {
        let r: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(r.contains(ip("10.1.200.3")));
        assert!(!r.contains(ip("10.2.0.1")));
        // A v4 peer seen on a dual-stack socket.
        assert!(r.contains(ip("::ffff:10.1.0.9")));
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let mapped: Cidr = "::ffff:10.0.0.0/104".parse().unwrap();
        assert!(mapped.contains(ip("10.200.0.1")) && !mapped.contains(ip("11.0.0.1")));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("example.com".parse::<Cidr>().is_err());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = ranges(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("203.0.113.9"), Some("198.51.100.1"), &trusted),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_entry_is_the_client() {
        let trusted = ranges(&["10.0.0.0/8"]);
        // The caller wrote 198.51.100.1 itself; the proxy appended its peer.
        let header = "198.51.100.1, 203.0.113.9, 10.0.0.2";
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some(header), &trusted),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some("[2001:db8::1]:443"), &trusted),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), None, &trusted),
            Some(ip("10.0.0.1"))
        );
        assert_eq!(client_ip(ip("10.0.0.1"), Some("not-an-ip"), &trusted), None);
    }
}
