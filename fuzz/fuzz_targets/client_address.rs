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
    if let Some(ip) = client_ip(peer, Some(text), &trusted) {
        // The caller is never a proxy unless every entry was one.
        let _ = ip;
    }
    let _ = text.parse::<Cidr>();
});
