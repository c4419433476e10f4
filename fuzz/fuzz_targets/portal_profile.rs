//! The bidder's profile as the portal takes it (JSON or a form): every
//! field checked, each problem named.
#![no_main]

use baohan_domain::profile::Profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice::<serde_json::Value>(input)
    else {
        return;
    };
    let bidder = fields
        .get("bidder")
        .and_then(|v| v.as_str())
        .unwrap_or("示范建设有限公司");
    let _ = Profile::parse(|k| fields.get(k).and_then(|v| v.as_str()), bidder);
});
