use crate::cli::{FieldCipherArgs, FujianCommand, Sort};
use crate::gm::{encoding_of, sm4_key, sm4_mode};
use crate::io::{key_text, print_json, stdin_json};
use crate::{Failure, Outcome};
use baohan_gm::sm3;
use baohan_protocol::fujian::{FieldCipher, Interface, SortOrder, sign};

pub fn sort_of(s: Sort) -> SortOrder {
    match s {
        Sort::Bytes => SortOrder::Bytes,
        Sort::IgnoreCase => SortOrder::IgnoreCase,
    }
}

pub fn interface(name: &str) -> Result<Interface, Failure> {
    Interface::parse(name).ok_or_else(|| {
        let names: Vec<_> = Interface::ALL.iter().map(|i| i.name()).collect();
        Failure::Usage(format!(
            "unknown interface {name}; one of {}",
            names.join(", ")
        ))
    })
}

pub fn field_cipher(a: &FieldCipherArgs) -> Result<FieldCipher, Failure> {
    Ok(FieldCipher {
        key: sm4_key(&a.sm4_key)?,
        mode: sm4_mode(a.mode, a.iv.as_deref())?,
        encoding: encoding_of(a.encoding),
    })
}

pub fn run(cmd: FujianCommand) -> Outcome {
    match cmd {
        FujianCommand::Sign { appsecret, sort } => {
            let secret = key_text(&appsecret)?;
            let map = stdin_json()?;
            let s = sign::sign_string(&map, &secret, sort_of(sort));
            println!("sign string: {s}");
            println!("sign: {}", sm3::hex_digest(s.as_bytes()));
            Ok(())
        }
        FujianCommand::Verify { appsecret, sort } => {
            let secret = key_text(&appsecret)?;
            let map = stdin_json()?;
            let s = sign::sign_string(&map, &secret, sort_of(sort));
            let result = sign::verify(&map, &secret, sort_of(sort));
            println!("{}", if result.is_ok() { "ok" } else { "mismatch" });
            println!("expected: {}", sm3::hex_digest(s.as_bytes()));
            println!(
                "received: {}",
                map.get("sign").and_then(|v| v.as_str()).unwrap_or("(none)")
            );
            println!("sign string: {s}");
            result.map_err(|_| Failure::Check("the sign does not match".into()))
        }
        FujianCommand::EncryptFields(a) => {
            let cipher = field_cipher(&a)?;
            let mut map = stdin_json()?;
            cipher.encrypt_fields(interface(&a.interface)?, &mut map);
            print_json(&map);
            Ok(())
        }
        FujianCommand::DecryptFields(a) => {
            let cipher = field_cipher(&a)?;
            let mut map = stdin_json()?;
            cipher
                .decrypt_fields(interface(&a.interface)?, &mut map)
                .map_err(|e| Failure::Check(e.to_string()))?;
            print_json(&map);
            Ok(())
        }
    }
}
