//! SM2 certificates: a self-signed test CA, a certificate it issues (the
//! institution's, for signing letters), PEM in and out, and what ELY104's
//! answer reports of one.

use crate::{SM2_WITH_SM3, SignError};
use baohan_gm::sm2::{self, PrivateKey, PublicKey};
use der::asn1::{Any, BitString, ObjectIdentifier as Oid, OctetString};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use std::str::FromStr;
use std::time::{Duration, SystemTime};
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::BasicConstraints;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const SM2_CURVE: Oid = Oid::new_unwrap("1.2.156.10197.1.301");
const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");

pub fn sm2_with_sm3() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: SM2_WITH_SM3,
        parameters: None,
    }
}

/// An SM2 public key as X.509 carries it: id-ecPublicKey on the SM2 curve.
pub fn spki(key: &PublicKey) -> Result<SubjectPublicKeyInfoOwned, SignError> {
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: EC_PUBLIC_KEY,
            parameters: Some(Any::encode_from(&SM2_CURVE)?),
        },
        subject_public_key: BitString::from_bytes(&key.to_uncompressed())?,
    })
}

/// The public key in a certificate.
pub fn public_key(cert: &Certificate) -> Result<PublicKey, baohan_gm::GmError> {
    PublicKey::from_bytes(
        cert.tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    )
}

fn name(text: &str) -> Result<Name, SignError> {
    Name::from_str(text).map_err(|e| SignError::Name(text.into(), e.to_string()))
}

/// What a certificate asks for.
pub struct Request<'a> {
    /// RFC 4514, e.g. `CN=示范融资担保有限公司,O=示范融资担保有限公司,C=CN`.
    pub subject: &'a str,
    pub key: &'a PublicKey,
    pub days: u64,
    /// A CA (basicConstraints cA) or an end entity.
    pub ca: bool,
}

/// A certificate for `request`, signed by `issuer_key` in the name of
/// `issuer` (the subject itself for a self-signed CA).
pub fn issue(
    request: &Request<'_>,
    issuer: &str,
    issuer_key: &PrivateKey,
) -> Result<Certificate, SignError> {
    // Positive, unpredictable enough for a test CA, and unique per key and
    // moment.
    let mut seed = request.key.to_uncompressed().to_vec();
    seed.extend_from_slice(&nanos().to_be_bytes());
    let mut serial = baohan_gm::sm3::digest(&seed)[..16].to_vec();
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let extensions = request
        .ca
        .then(|| -> Result<Vec<Extension>, SignError> {
            Ok(vec![Extension {
                extn_id: BASIC_CONSTRAINTS,
                critical: true,
                extn_value: OctetString::new(
                    BasicConstraints {
                        ca: true,
                        path_len_constraint: Some(0),
                    }
                    .to_der()?,
                )?,
            }])
        })
        .transpose()?;
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&serial)?,
        signature: sm2_with_sm3(),
        issuer: name(issuer)?,
        validity: Validity::from_now(Duration::from_secs(request.days * 86_400))?,
        subject: name(request.subject)?,
        subject_public_key_info: spki(request.key)?,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions,
    };
    let raw = sm2::sign(issuer_key, sm2::DEFAULT_USER_ID, &tbs.to_der()?)?;
    Ok(Certificate {
        tbs_certificate: tbs,
        signature_algorithm: sm2_with_sm3(),
        signature: BitString::from_bytes(&sm2::sign::to_der(&raw))?,
    })
}

/// Whether `cert` was signed by `issuer`'s key.
pub fn signed_by(cert: &Certificate, issuer: &Certificate) -> bool {
    let Ok(key) = public_key(issuer) else {
        return false;
    };
    let Ok(tbs) = cert.tbs_certificate.to_der() else {
        return false;
    };
    sm2::verify(&key, sm2::DEFAULT_USER_ID, &tbs, cert.signature.raw_bytes()).is_ok()
}

fn nanos() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// PEM `CERTIFICATE`.
pub fn to_pem(cert: &Certificate) -> Result<String, SignError> {
    let b64 = baohan_gm::Encoding::Base64.encode(&cert.to_der()?);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    Ok(out)
}

/// A certificate from PEM or DER.
pub fn parse(bytes: &[u8]) -> Result<Certificate, SignError> {
    let text = std::str::from_utf8(bytes).unwrap_or_default();
    if let Some(body) = text
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .and_then(|rest| rest.split("-----END CERTIFICATE-----").next())
    {
        let b64: String = body.split_whitespace().collect();
        let der = baohan_gm::Encoding::Base64.decode(&b64)?;
        return Ok(Certificate::from_der(&der)?);
    }
    Ok(Certificate::from_der(bytes)?)
}

/// The `CN` of a distinguished name as [`Summary`] writes it, else the
/// whole name.
pub fn common_name(dn: &str) -> &str {
    dn.split(',')
        .find_map(|part| part.trim().strip_prefix("CN="))
        .unwrap_or(dn)
}

/// What ELY104 reports of the signer's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Upper-case hex.
    pub serial: String,
    pub subject: String,
    pub issuer: String,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
}

pub fn summary(cert: &Certificate) -> Summary {
    let t = &cert.tbs_certificate;
    Summary {
        serial: t
            .serial_number
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect(),
        subject: t.subject.to_string(),
        issuer: t.issuer.to_string(),
        not_before: t.validity.not_before.to_system_time(),
        not_after: t.validity.not_after.to_system_time(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_ca_issues_the_institutions_certificate() {
        let ca_key = PrivateKey::generate();
        let ca_name = "CN=baohan test CA,O=示范融资担保有限公司,C=CN";
        let ca = issue(
            &Request {
                subject: ca_name,
                key: &ca_key.public_key(),
                days: 3650,
                ca: true,
            },
            ca_name,
            &ca_key,
        )
        .unwrap();
        let key = PrivateKey::generate();
        let leaf = issue(
            &Request {
                subject: "CN=示范融资担保有限公司,O=示范融资担保有限公司,C=CN",
                key: &key.public_key(),
                days: 365,
                ca: false,
            },
            ca_name,
            &ca_key,
        )
        .unwrap();
        assert!(signed_by(&ca, &ca));
        assert!(signed_by(&leaf, &ca));
        assert!(!signed_by(&ca, &leaf));
        let again = parse(to_pem(&leaf).unwrap().as_bytes()).unwrap();
        assert_eq!(again, leaf);
        let s = summary(&leaf);
        assert!(s.subject.contains("示范融资担保有限公司"), "{}", s.subject);
        assert!(s.issuer.contains("baohan test CA"), "{}", s.issuer);
        assert_eq!(s.serial.len(), 32);
        assert!(s.not_after > s.not_before);
        assert_eq!(
            public_key(&leaf).unwrap().to_uncompressed(),
            key.public_key().to_uncompressed()
        );
    }
}
