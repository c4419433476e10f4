use crate::cli::{
    CertCommand, Enc, EncAuto, Format, FormatAuto, GmCommand, Sm2Command, Sm4Args, Sm4Command,
    Sm4Mode,
};
use crate::io::{key_text, stdin_bytes, stdin_trimmed, usage, write_raw};
use crate::{Failure, Outcome};
use baohan_gm::sm2::{self, Accept, CipherFormat, Layout, PrivateKey, PublicKey};
use baohan_gm::sm4::{self, Mode, Sm4Key};
use baohan_gm::{Encoding, encoding, sm3};

pub fn encoding_of(e: Enc) -> Encoding {
    match e {
        Enc::Base64 => Encoding::Base64,
        Enc::Hex => Encoding::Hex,
    }
}

pub fn format_of(f: Format) -> CipherFormat {
    match f {
        Format::C1c3c2 => CipherFormat::C1C3C2,
        Format::C1c2c3 => CipherFormat::C1C2C3,
        Format::Der => CipherFormat::Der,
    }
}

pub fn sm4_mode(mode: Sm4Mode, iv: Option<&str>) -> Result<Mode, Failure> {
    match (mode, iv) {
        (Sm4Mode::Ecb, None) => Ok(Mode::Ecb),
        (Sm4Mode::Ecb, Some(_)) => Err(Failure::Usage("--iv is only for --mode cbc".into())),
        (Sm4Mode::Cbc, Some(iv)) => Mode::cbc_from_text(&key_text(iv)?).map_err(usage),
        (Sm4Mode::Cbc, None) => Err(Failure::Usage("--mode cbc needs --iv".into())),
    }
}

pub fn private_key(arg: &str) -> Result<PrivateKey, Failure> {
    PrivateKey::parse(&key_text(arg)?).map_err(usage)
}

pub fn public_key(arg: &str) -> Result<PublicKey, Failure> {
    PublicKey::parse(&key_text(arg)?).map_err(usage)
}

pub fn sm4_key(arg: &str) -> Result<Sm4Key, Failure> {
    Sm4Key::parse(&key_text(arg)?).map_err(usage)
}

pub fn run(cmd: GmCommand) -> Outcome {
    match cmd {
        GmCommand::Sm3 => {
            println!("{}", sm3::hex_digest(&stdin_bytes()?));
            Ok(())
        }
        GmCommand::Sm4(Sm4Command::Encrypt(a)) => sm4_encrypt(a),
        GmCommand::Sm4(Sm4Command::Decrypt(a)) => sm4_decrypt(a),
        GmCommand::Sm2(c) => sm2_run(c),
        GmCommand::Cert(c) => cert_run(c),
    }
}

fn sm4_encrypt(a: Sm4Args) -> Outcome {
    let key = sm4_key(&a.key)?;
    let mode = sm4_mode(a.mode, a.iv.as_deref())?;
    let ct = sm4::encrypt(&key, &mode, &stdin_bytes()?);
    println!("{}", encoding_of(a.encoding).encode(&ct));
    Ok(())
}

fn sm4_decrypt(a: Sm4Args) -> Outcome {
    let key = sm4_key(&a.key)?;
    let mode = sm4_mode(a.mode, a.iv.as_deref())?;
    let ct = encoding_of(a.encoding)
        .decode(&stdin_trimmed()?)
        .map_err(usage)?;
    let pt = sm4::decrypt(&key, &mode, &ct).map_err(|e| Failure::Check(e.to_string()))?;
    write_raw(&pt)
}

fn sm2_run(cmd: Sm2Command) -> Outcome {
    match cmd {
        Sm2Command::Keygen { out_dir } => keygen(out_dir),
        Sm2Command::Encrypt {
            public_key: pk,
            format,
            no_prefix,
            encoding,
        } => {
            let pk = public_key(&pk)?;
            let layout = Layout::new(format_of(format), !no_prefix);
            let ct = sm2::encrypt(&pk, layout, &stdin_bytes()?).map_err(usage)?;
            println!("{}", encoding_of(encoding).encode(&ct));
            Ok(())
        }
        Sm2Command::Decrypt {
            private_key: sk,
            format,
            encoding: enc,
            explain,
        } => {
            let sk = private_key(&sk)?;
            let text = stdin_trimmed()?;
            let (bytes, used) = match enc {
                EncAuto::Auto => encoding::decode_auto(&text).map_err(usage)?,
                EncAuto::Base64 => (
                    Encoding::Base64.decode(&text).map_err(usage)?,
                    Encoding::Base64,
                ),
                EncAuto::Hex => (Encoding::Hex.decode(&text).map_err(usage)?, Encoding::Hex),
            };
            let accept = match format {
                FormatAuto::Auto => Accept::default(),
                FormatAuto::C1c3c2 => Accept::Only(CipherFormat::C1C3C2),
                FormatAuto::C1c2c3 => Accept::Only(CipherFormat::C1C2C3),
                FormatAuto::Der => Accept::Only(CipherFormat::Der),
            };
            let (pt, layout) =
                sm2::decrypt(&sk, &bytes, accept).map_err(|e| Failure::Check(e.to_string()))?;
            if explain {
                eprintln!("format: {layout} (input {used:?})");
            }
            write_raw(&pt)
        }
        Sm2Command::Sign {
            private_key: sk,
            id,
            der,
        } => {
            let sk = private_key(&sk)?;
            let sig = sm2::sign(&sk, &id, &stdin_bytes()?).map_err(usage)?;
            let out = if der {
                sm2::sign::to_der(&sig)
            } else {
                sig.to_vec()
            };
            println!("{}", Encoding::Hex.encode(&out));
            Ok(())
        }
        Sm2Command::Verify {
            public_key: pk,
            signature,
            id,
        } => {
            let pk = public_key(&pk)?;
            let sig = Encoding::Hex
                .decode(&key_text(&signature)?)
                .map_err(usage)?;
            match sm2::verify(&pk, &id, &stdin_bytes()?, &sig) {
                Ok(()) => {
                    println!("ok");
                    Ok(())
                }
                Err(e) => {
                    println!("mismatch");
                    Err(Failure::Check(e.to_string()))
                }
            }
        }
    }
}

fn keygen(out_dir: Option<std::path::PathBuf>) -> Outcome {
    let sk = PrivateKey::generate();
    let pk = sk.public_key();
    println!("private: {}", sk.to_hex());
    println!("public: {}", pk.to_hex());
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(&dir).map_err(usage)?;
        let private = dir.join("sm2_private.pem");
        write_private(&private, &sk.to_pkcs8_pem().map_err(usage)?)?;
        let public = dir.join("sm2_public.pem");
        std::fs::write(&public, pk.to_pem().map_err(usage)?).map_err(usage)?;
        eprintln!(
            "wrote {} (PKCS#8, mode 0600) and {}",
            private.display(),
            public.display()
        );
    }
    Ok(())
}

fn cert_run(cmd: CertCommand) -> Outcome {
    use baohan_pdfsign::cert::{self, Request};
    let (subject, days, out_dir, issuer) = match &cmd {
        CertCommand::Ca {
            subject,
            days,
            out_dir,
        } => (subject, *days, out_dir, None),
        CertCommand::Issue {
            ca_cert,
            ca_key,
            subject,
            days,
            out_dir,
        } => {
            let ca = cert::parse(&std::fs::read(ca_cert).map_err(usage)?).map_err(usage)?;
            let key = std::fs::read_to_string(ca_key).map_err(usage)?;
            let key = PrivateKey::parse(&key).map_err(usage)?;
            (subject, *days, out_dir, Some((ca, key)))
        }
    };
    let key = PrivateKey::generate();
    let request = Request {
        subject,
        key: &key.public_key(),
        days,
        ca: issuer.is_none(),
    };
    let made = match &issuer {
        None => cert::issue(&request, subject, &key),
        Some((ca, ca_key)) => {
            cert::issue(&request, &ca.tbs_certificate.subject.to_string(), ca_key)
        }
    }
    .map_err(usage)?;
    let (cert_name, key_name) = if issuer.is_none() {
        ("ca-cert.pem", "ca-key.pem")
    } else {
        ("cert.pem", "key.pem")
    };
    std::fs::create_dir_all(out_dir).map_err(usage)?;
    std::fs::write(out_dir.join(cert_name), cert::to_pem(&made).map_err(usage)?).map_err(usage)?;
    write_private(&out_dir.join(key_name), &key.to_pkcs8_pem().map_err(usage)?)?;
    let s = cert::summary(&made);
    println!("subject: {}", s.subject);
    println!("issuer: {}", s.issuer);
    println!("serial: {}", s.serial);
    eprintln!(
        "wrote {} and {} (mode 0600) in {}",
        cert_name,
        key_name,
        out_dir.display()
    );
    Ok(())
}

/// Private keys are written readable by the owner only.
fn write_private(path: &std::path::Path, pem: &str) -> Outcome {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(usage)?;
    f.write_all(pem.as_bytes()).map_err(usage)
}
