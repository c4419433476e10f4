//! How the sections read secrets, masked values and CIDRs.

use baohan_masking::Secret;
use serde::Deserialize;

pub(crate) fn empty_secret() -> Secret {
    Secret::new("")
}

pub(crate) fn optional_secret<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Secret>, D::Error> {
    secret(d).map(Some)
}

pub(crate) fn masked<'de, D: serde::Deserializer<'de>, S: baohan_masking::Strategy>(
    d: D,
) -> Result<baohan_masking::Masked<S>, D::Error> {
    String::deserialize(d).map(baohan_masking::Masked::new)
}

pub(crate) fn empty_masked<S: baohan_masking::Strategy>() -> baohan_masking::Masked<S> {
    baohan_masking::Masked::new("")
}

pub(crate) fn cidrs<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<baohan_http::Cidr>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| s.parse().map_err(serde::de::Error::custom))
        .collect()
}

pub(crate) fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}
