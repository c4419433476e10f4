//! `X-Forwarded-For` behind a trusted proxy, and CIDR ranges: any header
//! value gives a caller, or none, without panicking.
#![no_main]

use baohan_http::{Cidr, client_ip};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let trusted: Vec<Cidr> = ["10.0.0.0/8", "fd00::/8"]
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let peer = "10.1.2.3"
        .parse()
        .unwrap_or(std::net::IpAddr::from([10, 1, 2, 3]));
    // The caller is a trusted proxy only when every entry was one: an
    // untrusted entry, or one that is no address, must win or refuse.
    if let Some(ip) = client_ip(peer, Some(text), &trusted)
        && baohan_http::client::within(&trusted, ip)
    {
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let addr = entry
                .parse::<std::net::IpAddr>()
                .ok()
                .or_else(|| entry.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()));
            assert!(
                addr.is_some_and(|a| baohan_http::client::within(&trusted, a)),
                "{text:?} gave the trusted {ip} past {entry:?}"
            );
        }
    }
    let _ = text.parse::<Cidr>();
});
