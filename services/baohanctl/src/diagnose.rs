//! Tries the known variants of sign and cipher on one captured request and
//! says which match. This is what settles an integration dispute: instead
//! of "your sign is wrong", "you sort case-insensitively and keep empty
//! values".

use crate::cli::DiagnoseCommand;
use crate::gm::{private_key, sm4_key};
use crate::io::{key_text, stdin_json, usage};
use crate::{Failure, Outcome};
use baohan_gm::sm2::{self, Accept};
use baohan_gm::sm4::{self, Mode, Sm4Key};
use baohan_gm::{Encoding, encoding, envelope, sm3};
use baohan_protocol::ely::codec::{WireRequest, is_digest};
use baohan_protocol::fujian::sign::{SecretForm, Variant, sign_string_with};
use baohan_protocol::fujian::{Interface, SortOrder};
use baohan_protocol::wire::{Map, Value, WireMessage};

pub fn run(cmd: DiagnoseCommand) -> Outcome {
    match cmd {
        DiagnoseCommand::Fujian {
            appsecret,
            sm4_key: key,
            iv,
            interface,
        } => {
            let key = key.as_deref().map(sm4_key).transpose()?;
            let iv = iv
                .as_deref()
                .map(|t| Mode::cbc_from_text(t).map_err(usage))
                .transpose()?;
            let map = stdin_json()?;
            let iface = match interface {
                Some(name) => crate::fujian::interface(&name)?,
                None => guess_interface(&map),
            };
            fujian(&map, &key_text(&appsecret)?, key.as_ref(), iv, iface)
        }
        DiagnoseCommand::Ely {
            appkey,
            appsecret,
            private_key: sk,
        } => ely(
            &stdin_json()?,
            &key_text(&appkey)?,
            &key_text(&appsecret)?,
            &private_key(&sk)?,
        ),
    }
}

/// baohanapply is the only interface with 密文 fields; anything else is
/// diagnosed for its sign alone, which does not depend on the interface.
fn guess_interface(map: &Map) -> Interface {
    if map.contains_key("biddername") || map.contains_key("biaoduanno") {
        Interface::Baohanapply
    } else if map.contains_key("compensatestatus") {
        Interface::Claimsresultnotice
    } else if map.contains_key("applyusername") {
        Interface::Claimsnotice
    } else {
        Interface::Getbaohaninfo
    }
}

struct CipherVariant {
    name: String,
    mode: Mode,
    encoding: Encoding,
}

fn cipher_variants(iv: Option<Mode>) -> Vec<CipherVariant> {
    let mut v = Vec::new();
    for (enc, enc_name) in [(Encoding::Base64, "Base64"), (Encoding::Hex, "hex")] {
        v.push(CipherVariant {
            name: format!("SM4-ECB, {enc_name}"),
            mode: Mode::Ecb,
            encoding: enc,
        });
        if let Some(mode) = &iv {
            v.push(CipherVariant {
                name: format!("SM4-CBC with the given IV, {enc_name}"),
                mode: mode.clone(),
                encoding: enc,
            });
        }
    }
    v
}

fn describe(v: &Variant) -> String {
    let order = match v.order {
        SortOrder::Bytes => "byte order",
        SortOrder::IgnoreCase => "case-insensitive order",
    };
    let empty = if v.keep_empty {
        "empty values kept"
    } else {
        "empty values dropped"
    };
    let secret = match v.secret {
        SecretForm::Appsecret => "&appsecret=S",
        SecretForm::Key => "&key=S",
        SecretForm::Bare => "&S",
    };
    format!("{order}, {empty}, {secret}")
}

fn fujian(
    map: &Map,
    secret: &str,
    key: Option<&Sm4Key>,
    iv: Option<Mode>,
    iface: Interface,
) -> Outcome {
    println!("interface: {}", iface.name());
    let received = map.get("sign").and_then(Value::as_str).unwrap_or("");
    // 1. Which cipher variant opens the 密文 fields?
    let mut plain_map = None;
    if let Some(key) = key {
        let present: Vec<&str> = iface
            .encrypted_fields()
            .iter()
            .copied()
            .filter(|f| {
                map.get(*f)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            })
            .collect();
        for cv in cipher_variants(iv) {
            let opened = present
                .iter()
                .filter(|f| {
                    let ct = map.get(**f).and_then(Value::as_str).unwrap_or("");
                    sm4::decrypt_text(key, &cv.mode, cv.encoding, ct).is_ok()
                })
                .count();
            let verdict = if opened == present.len() && opened > 0 {
                "MATCH"
            } else {
                "     "
            };
            println!(
                "{verdict} 密文 fields, {}: {opened} of {} decrypt",
                cv.name,
                present.len()
            );
            if opened == present.len() && opened > 0 && plain_map.is_none() {
                let mut m = map.clone();
                let cipher = baohan_protocol::fujian::FieldCipher {
                    key: key.clone(),
                    mode: cv.mode.clone(),
                    encoding: cv.encoding,
                };
                if cipher.decrypt_fields(iface, &mut m).is_ok() {
                    plain_map = Some(m);
                }
            }
        }
    }
    // 2. Which sign construction gives the received sign?
    let mut matched = false;
    let inputs: Vec<(&str, &Map)> = std::iter::once(("over the ciphertext as sent", map))
        .chain(
            plain_map
                .as_ref()
                .map(|m| ("over the decrypted plaintext", m)),
        )
        .collect();
    for (over, m) in &inputs {
        for order in [SortOrder::Bytes, SortOrder::IgnoreCase] {
            for keep_empty in [false, true] {
                for secret_form in [SecretForm::Appsecret, SecretForm::Key, SecretForm::Bare] {
                    let v = Variant {
                        order,
                        keep_empty,
                        secret: secret_form,
                    };
                    let digest = sm3::digest(sign_string_with(m, secret, v).as_bytes());
                    if sm3::hex_digest_matches(received, &digest) {
                        let spec =
                            v == Variant::spec(SortOrder::Bytes) && over.contains("ciphertext");
                        let tag = if spec {
                            " (the spec's rule)"
                        } else {
                            " (a deviation from the spec)"
                        };
                        println!("MATCH sign: {}, {over}{tag}", describe(&v));
                        matched = true;
                    }
                }
            }
        }
    }
    let spec = sign_string_with(map, secret, Variant::spec(SortOrder::Bytes));
    println!("spec sign string: {spec}");
    println!("spec sign:        {}", sm3::hex_digest(spec.as_bytes()));
    println!("received sign:    {received}");
    if matched {
        Ok(())
    } else {
        Err(Failure::Check(
            "no known sign variant matches: check the appsecret, and that the body was captured byte for byte".into(),
        ))
    }
}

fn ely(map: &Map, appkey: &str, appsecret: &str, key: &baohan_gm::sm2::PrivateKey) -> Outcome {
    let wire =
        WireRequest::from_map(map).map_err(|e| Failure::Check(format!("envelope fields: {e}")))?;
    println!("transcode: {}", wire.transcode);
    let mut ok = true;
    if is_digest(&wire.sign) {
        println!("mode: standard (sign is a 64-hex digest)");
        let (bytes, enc) =
            encoding::decode_auto(&wire.data).map_err(|e| Failure::Check(format!("data: {e}")))?;
        let plain = match sm2::decrypt(key, &bytes, Accept::default()) {
            Ok((p, layout)) => {
                println!("MATCH data: SM2 {layout}, {enc:?}");
                Some(p)
            }
            Err(e) => {
                println!("FAIL  data: {e} (wrong key pair, or not SM2 to our public key)");
                ok = false;
                None
            }
        };
        let plain_text = plain
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let (d, r, k, s) = (wire.data.as_str(), wire.reqtime.as_str(), appkey, appsecret);
        let candidates = [
            (
                "{data}&{reqtime}&{appkey}&{appsecret} (the spec's rule)",
                format!("{d}&{r}&{k}&{s}"),
            ),
            (
                "{data}&{appkey}&{appsecret} (reqtime left out)",
                format!("{d}&{k}&{s}"),
            ),
            (
                "{data}{reqtime}{appkey}{appsecret} (no & separators)",
                format!("{d}{r}{k}{s}"),
            ),
            (
                "{plaintext JSON}&{reqtime}&{appkey}&{appsecret} (signed before encrypting)",
                format!("{plain_text}&{r}&{k}&{s}"),
            ),
        ];
        let matched: Vec<_> = candidates
            .iter()
            .filter(|(_, input)| {
                sm3::hex_digest_matches(&wire.sign, &sm3::digest(input.as_bytes()))
            })
            .collect();
        for (name, _) in &matched {
            println!("MATCH sign: SM3 of {name}");
        }
        if matched.is_empty() {
            println!("FAIL  sign: no known construction matches (check appkey and appsecret)");
            println!(
                "expected (spec): {}",
                sm3::hex_digest(candidates[0].1.as_bytes())
            );
            ok = false;
        }
    } else {
        println!("mode: digital envelope (sign is not a 64-hex digest)");
        match envelope::open(key, Accept::default(), &wire.data, &wire.sign) {
            Ok(o) => println!(
                "MATCH envelope: key SM2 {}, key written as {}, data SM4-ECB",
                o.key_layout, o.key_form
            ),
            Err(e) => {
                println!("FAIL  envelope: {e}");
                ok = false;
            }
        }
    }
    if ok {
        Ok(())
    } else {
        Err(Failure::Check("some checks failed".into()))
    }
}
