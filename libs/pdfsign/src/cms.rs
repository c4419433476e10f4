//! A detached CMS SignedData (RFC 5652) with SM2 and SM3: the signed
//! attributes carry the content type, the signing time and the content's
//! SM3 digest; the SM2 signature (DER) is over those attributes as a
//! `SET OF`, with the default ID `1234567812345678`.

use crate::cert::{public_key, sm2_with_sm3};
use crate::{SM2_WITH_SM3, SM3, SignError, VerifyError};
use baohan_gm::sm2::{self, PrivateKey};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier as Oid, OctetString, SetOfVec};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use std::time::SystemTime;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::time::Time;

const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
/// GM/T 0010 names the algorithm by the SM2 curve's OID with `.1`; some
/// verifiers write that, so it is read too.
const SM2_SIGN_GMT0010: Oid = Oid::new_unwrap("1.2.156.10197.1.301.1");

fn sm3() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: SM3,
        parameters: None,
    }
}

fn attribute(oid: Oid, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// Signs `digest` (the SM3 of the content) as `cert`'s holder.
pub fn sign_detached(
    cert: &Certificate,
    key: &PrivateKey,
    digest: &[u8; 32],
    at: SystemTime,
) -> Result<Vec<u8>, SignError> {
    let attrs = SetOfVec::try_from(vec![
        attribute(CONTENT_TYPE, Any::encode_from(&ID_DATA)?)?,
        attribute(SIGNING_TIME, Any::encode_from(&Time::try_from(at)?)?)?,
        attribute(
            MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.to_vec())?)?,
        )?,
    ])?;
    // Signed as a SET OF; carried as [0] IMPLICIT in the SignerInfo.
    let raw = sm2::sign(key, sm2::DEFAULT_USER_ID, &attrs.to_der()?)?;
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sm3(),
        signed_attrs: Some(attrs),
        signature_algorithm: sm2_with_sm3(),
        signature: OctetString::new(sm2::sign::to_der(&raw))?,
        unsigned_attrs: None,
    };
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sm3()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet::try_from(vec![
            CertificateChoices::Certificate(cert.clone()),
        ])?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer])?,
    };
    Ok(ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed)?,
    }
    .to_der()?)
}

/// A signature that verified: who signed, and when they said they did.
#[derive(Debug, Clone, PartialEq)]
pub struct Signed {
    pub cert: Certificate,
    pub signing_time: Option<SystemTime>,
}

/// Verifies a detached SignedData against the content's SM3 `digest`.
pub fn verify_detached(der: &[u8], digest: &[u8; 32]) -> Result<Signed, VerifyError> {
    let info = ContentInfo::from_der(der)?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(VerifyError::Malformed(format!(
            "content type {}, not signed data",
            info.content_type
        )));
    }
    let signed: SignedData = info.content.decode_as()?;
    let mut signers = signed.signer_infos.0.iter();
    let (Some(signer), None) = (signers.next(), signers.next()) else {
        return Err(VerifyError::Malformed("not exactly one signer".into()));
    };
    let SignerIdentifier::IssuerAndSerialNumber(id) = &signer.sid else {
        return Err(VerifyError::Malformed(
            "the signer is not named by issuer and serial".into(),
        ));
    };
    let cert = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .find_map(|c| match c {
            CertificateChoices::Certificate(c)
                if c.tbs_certificate.issuer == id.issuer
                    && c.tbs_certificate.serial_number == id.serial_number =>
            {
                Some(c.clone())
            }
            _ => None,
        })
        .ok_or_else(|| VerifyError::Malformed("the signer's certificate is missing".into()))?;
    if signer.digest_alg.oid != SM3 {
        return Err(VerifyError::Algorithm(signer.digest_alg.oid.to_string()));
    }
    let alg = signer.signature_algorithm.oid;
    if alg != SM2_WITH_SM3 && alg != SM2_SIGN_GMT0010 {
        return Err(VerifyError::Algorithm(alg.to_string()));
    }
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| VerifyError::Malformed("no signed attributes".into()))?;
    let value = |oid: Oid| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next())
    };
    let signed_digest: OctetString = value(MESSAGE_DIGEST)
        .ok_or_else(|| VerifyError::Malformed("no message digest".into()))?
        .decode_as()?;
    if value(CONTENT_TYPE).is_none() {
        return Err(VerifyError::Malformed("no content type attribute".into()));
    }
    if signed_digest.as_bytes() != digest {
        return Err(VerifyError::Modified);
    }
    let key = public_key(&cert).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    sm2::verify(
        &key,
        sm2::DEFAULT_USER_ID,
        &attrs.to_der()?,
        signer.signature.as_bytes(),
    )
    .map_err(|_| VerifyError::BadSignature)?;
    let signing_time = value(SIGNING_TIME)
        .and_then(|v| v.to_der().ok())
        .and_then(|der| Time::from_der(&der).ok())
        .map(|t| t.to_system_time());
    Ok(Signed { cert, signing_time })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cert::{Request, issue};

    pub fn identity() -> (Certificate, PrivateKey) {
        let key = PrivateKey::generate();
        let name = "CN=示范融资担保有限公司,C=CN";
        let cert = issue(
            &Request {
                subject: name,
                key: &key.public_key(),
                days: 30,
                ca: false,
            },
            name,
            &key,
        )
        .unwrap();
        (cert, key)
    }

    #[test]
    fn a_detached_signature_verifies_and_names_its_signer_and_time() {
        let (cert, key) = identity();
        let digest = baohan_gm::sm3::digest(b"the letter");
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_776_400_000);
        let der = sign_detached(&cert, &key, &digest, at).unwrap();
        let signed = verify_detached(&der, &digest).unwrap();
        assert_eq!(signed.cert, cert);
        assert_eq!(signed.signing_time, Some(at));
        let other = baohan_gm::sm3::digest(b"another letter");
        assert_eq!(verify_detached(&der, &other), Err(VerifyError::Modified));
        // A flipped bit in the signature value.
        let mut bad = der.clone();
        let n = bad.len();
        bad[n - 5] ^= 1;
        assert!(verify_detached(&bad, &digest).is_err());
    }
}
