use crate::cli::{ElyCommand, Format};
use crate::gm::{format_of, private_key, public_key};
use crate::io::{key_text, print_json, stdin_json, usage};
use crate::{Failure, Outcome};
use baohan_gm::sm2::{CipherFormat, Layout, PrivateKey};
use baohan_masking::Secret;
use baohan_protocol::ely::codec::{self, ElyProfile};
use baohan_protocol::ely::{ResponseCode, Transcode};
use baohan_protocol::time::{self, Shape};
use baohan_protocol::wire::WireMessage;

pub fn transcode(code: &str) -> Result<Transcode, Failure> {
    Transcode::parse(code)
        .ok_or_else(|| Failure::Usage(format!("unknown transcode {code}; ELY101 to ELY109")))
}

pub fn run(cmd: ElyCommand) -> Outcome {
    match cmd {
        ElyCommand::Seal {
            transcode: t,
            appid,
            appkey,
            appsecret,
            peer_public_key,
            reqtime,
            msgcode,
            envelope,
            format,
            no_prefix,
            version,
        } => {
            let t = transcode(&t)?;
            let profile = ElyProfile {
                appid,
                appkey: key_text(&appkey)?,
                appsecret: Secret::new(key_text(&appsecret)?),
                version,
                ..sender_profile(&peer_public_key, format, no_prefix)?
            };
            let at = match reqtime {
                None => time::now(),
                Some(t) => Shape::Compact
                    .parse(&t)
                    .ok_or_else(|| Failure::Usage("--reqtime must be yyyyMMddHHmmss".into()))?,
            };
            let msgcode = msgcode.unwrap_or_else(codec::new_msgcode);
            if msgcode.len() != 32 || !msgcode.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Failure::Usage("--msgcode must be 32 hex characters".into()));
            }
            let business = stdin_json()?;
            if let Err(e) = t.parse_request(&business) {
                eprintln!(
                    "warning: the business JSON is not a valid {}: {e}",
                    t.code()
                );
            }
            let wire = codec::seal_request(
                t,
                &business,
                &profile,
                at,
                msgcode,
                envelope || t.request_envelope(),
            )
            .map_err(usage)?;
            print_json(&wire.to_map());
            Ok(())
        }
        ElyCommand::SealResponse {
            transcode: t,
            peer_public_key,
            code,
            message,
            format,
            no_prefix,
        } => {
            let t = transcode(&t)?;
            let code = ResponseCode::from_code(&code).ok_or_else(|| {
                Failure::Usage(format!(
                    "--code must be one of {}",
                    ResponseCode::CODES.join(", ")
                ))
            })?;
            // A response carries no appid, appkey or sign over them.
            let profile = sender_profile(&peer_public_key, format, no_prefix)?;
            let business = stdin_json()?;
            let data = (!business.is_empty()).then_some(&business);
            let wire = codec::seal_response(code, message, data, t.response_envelope(), &profile)
                .map_err(usage)?;
            print_json(&wire.to_map());
            Ok(())
        }
        ElyCommand::Open {
            appkey,
            appsecret,
            private_key: sk,
            clock_window,
        } => open(
            key_text(&appkey)?,
            key_text(&appsecret)?,
            private_key(&sk)?,
            clock_window,
        ),
    }
}

/// A profile for sealing to `peer`. Sealing never uses our own key, so a
/// throwaway fills the slot; the credentials are the caller's to set.
fn sender_profile(peer: &str, format: Format, no_prefix: bool) -> Result<ElyProfile, Failure> {
    Ok(ElyProfile {
        appid: String::new(),
        appkey: String::new(),
        appsecret: Secret::new(""),
        our_key: PrivateKey::generate(),
        peer_key: public_key(peer)?,
        send_layout: Layout::new(format_of(format), !no_prefix),
        accept_first: CipherFormat::C1C3C2,
        clock_window_secs: 600,
        version: String::new(),
        envelope_transcodes: Vec::new(),
    })
}

/// Opens step by step, reporting each check on stderr, so a failure says
/// exactly where it stopped.
fn open(
    appkey: String,
    appsecret: String,
    our_key: PrivateKey,
    clock_window: Option<i64>,
) -> Outcome {
    let map = stdin_json()?;
    let wire = codec::WireRequest::from_map(&map)
        .map_err(|e| Failure::Check(format!("envelope fields: {e}")))?;
    eprintln!("ok    envelope fields present");
    let t = transcode(&wire.transcode)?;
    let profile = ElyProfile {
        appid: wire.appid.clone(),
        appkey,
        appsecret: Secret::new(appsecret),
        peer_key: our_key.public_key(),
        our_key,
        send_layout: Layout::DEFAULT,
        accept_first: CipherFormat::C1C3C2,
        clock_window_secs: clock_window.unwrap_or(600),
        version: wire.version.clone(),
        // This opens what it is given, to say what is inside; the ingress
        // is stricter, and the note below says how.
        envelope_transcodes: Transcode::ALL.to_vec(),
    };
    if !codec::is_digest(&wire.sign) && !ElyProfile::DEFAULT_ENVELOPE_TRANSCODES.contains(&t) {
        eprintln!(
            "note  {} in a digital envelope: the ingress refuses it (101) unless the platform's envelope_transcodes lists it",
            t.code()
        );
    }
    match Shape::Compact.parse(&wire.reqtime) {
        None => return Err(Failure::Check("fail  reqtime is not yyyyMMddHHmmss".into())),
        Some(at) => {
            let skew = (at - time::now()).num_seconds();
            let inside = skew.abs() <= profile.clock_window_secs;
            let verdict = if inside {
                "ok   "
            } else if clock_window.is_some() {
                "fail "
            } else {
                "note "
            };
            eprintln!(
                "{verdict} reqtime {} is {skew} s from now (window ±{} s)",
                wire.reqtime, profile.clock_window_secs
            );
            if !inside && clock_window.is_some() {
                return Err(Failure::Check("reqtime is outside the clock window".into()));
            }
        }
    }
    let (plain, security) = codec::unprotect(t, &wire.data, &wire.sign, &wire.reqtime, &profile)
        .map_err(|r| Failure::Check(format!("fail  {r}")))?;
    if codec::is_digest(&wire.sign) {
        eprintln!("ok    sign: SM3(data&reqtime&appkey&appsecret) matches");
    }
    eprintln!("ok    decrypted: {security}");
    let business: baohan_protocol::wire::Map = serde_json::from_slice(&plain)
        .map_err(|_| Failure::Check("fail  the plaintext is not a JSON object".into()))?;
    print_json(&business);
    match t.parse_request(&business) {
        Ok(_) => {
            eprintln!("ok    {} business fields valid", t.code());
            Ok(())
        }
        Err(e) => Err(Failure::Check(format!(
            "fail  {} business fields: {e}",
            t.code()
        ))),
    }
}
