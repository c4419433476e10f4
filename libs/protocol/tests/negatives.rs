//! Bad input gets an error with the spec's code that names the field.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use baohan_protocol::ely::codec;
use baohan_protocol::ely::{ResponseCode, Transcode};
use baohan_protocol::fujian::{self, Interface, Rejection, sign};
use baohan_protocol::wire::{Map, Value, WireMessage};
use baohan_protocol::{Fen, Problem};
use common::*;
use proptest::prelude::*;

fn plain(spec: &str, name: &str) -> Map {
    let mut m = read_map(repo().join(format!("tests/fixtures/plain/{spec}/{name}.request.json")));
    // The plaintext Fujian examples leave the sign empty; any value parses.
    if m.contains_key("sign") {
        m.insert("sign".into(), Value::String("0".repeat(64)));
    }
    m
}

/// Removing a required field fails naming exactly it; removing an optional
/// one either passes or fails naming it (a conditional requirement).
fn check_fields<M: WireMessage>(label: &str, base: &Map) {
    M::from_map(base).unwrap_or_else(|e| panic!("{label} fixture must parse: {e}"));
    for f in M::FIELDS {
        let mut m = base.clone();
        m.remove(f.name);
        match M::from_map(&m) {
            Ok(_) => assert!(
                !f.required,
                "{label}: missing required {} was accepted",
                f.name
            ),
            Err(e) => {
                let named: Vec<&str> = e.fields().collect();
                assert_eq!(named, [f.name], "{label}: removing {} gave {e}", f.name);
            }
        }
        // An empty string counts as missing, exactly like an absent key.
        m.insert(f.name.to_owned(), Value::String(String::new()));
        assert_eq!(
            M::from_map(&m).is_ok(),
            !f.required && M::from_map(&without(base, f.name)).is_ok(),
            "{label}: {} = \"\"",
            f.name
        );
    }
}

#[test]
fn every_missing_required_field_is_named_in_fujian_requests() {
    use baohan_protocol::fujian::messages::*;
    check_fields::<BaohanApply>("baohanapply", &plain("fujian", "baohanapply"));
    check_fields::<BaohanNotice>("baohannotice", &plain("fujian", "baohannotice"));
    check_fields::<GetBaohanInfo>("getbaohaninfo", &plain("fujian", "getbaohaninfo"));
    check_fields::<GiveupNotice>("giveupnotice", &plain("fujian", "giveupnotice"));
    check_fields::<QuitApply>("quitapply", &plain("fujian", "quitapply"));
    check_fields::<QuitNotice>("quitnotice", &plain("fujian", "quitnotice"));
    check_fields::<ClaimsNotice>("claimsnotice", &plain("fujian", "claimsnotice"));
    check_fields::<ClaimsResultNotice>(
        "claimsresultnotice",
        &plain("fujian", "claimsresultnotice"),
    );
}

#[test]
fn every_missing_required_field_is_named_in_ely_requests() {
    use baohan_protocol::ely::messages::*;
    check_fields::<Ely101>("ELY101", &plain("ely", "ELY101"));
    check_fields::<Ely102>("ELY102", &plain("ely", "ELY102"));
    check_fields::<Ely103>("ELY103", &plain("ely", "ELY103"));
    check_fields::<Ely104>("ELY104", &plain("ely", "ELY104"));
    check_fields::<Ely105>("ELY105", &plain("ely", "ELY105"));
    check_fields::<Ely106>("ELY106", &plain("ely", "ELY106"));
    check_fields::<Ely107>("ELY107", &plain("ely", "ELY107"));
    check_fields::<Ely108>("ELY108", &plain("ely", "ELY108"));
    check_fields::<Ely109>("ELY109", &plain("ely", "ELY109"));
}

#[test]
fn all_problems_are_reported_at_once_with_their_fields() {
    use baohan_protocol::ely::messages::Ely101;
    let mut m = plain("ely", "ELY101");
    m.insert("performanceBou".into(), Value::String("12.345".into()));
    m.insert("needPaper".into(), Value::String("2".into()));
    m.insert("bidDate".into(), Value::String("2026-04-01".into()));
    m.insert("supplier".into(), Value::String("长".repeat(257)));
    let e = Ely101::from_map(&m).unwrap_err();
    let named: Vec<&str> = e.fields().collect();
    assert_eq!(
        named,
        ["supplier", "performanceBou", "needPaper", "bidDate"]
    );
    assert!(matches!(
        e.0[0].problem,
        Problem::TooLong { max: 256, got: 257 }
    ));
    assert!(
        e.to_string().contains("needPaper: must be one of 1/0"),
        "{e}"
    );
}

#[test]
fn control_characters_are_refused_but_line_breaks_are_not() {
    use baohan_protocol::ely::messages::Ely109;
    let mut m = plain("ely", "ELY109");
    m.insert(
        "refundReason".into(),
        Value::String("line one\r\nline two\t.".into()),
    );
    assert!(Ely109::from_map(&m).is_ok());
    for bad in ["nul\u{0}inside", "bell\u{7}", "escape\u{1b}[0m"] {
        m.insert("refundReason".into(), Value::String(bad.into()));
        let e = Ely109::from_map(&m).unwrap_err();
        assert_eq!(e.fields().collect::<Vec<_>>(), ["refundReason"], "{bad:?}");
        assert!(e.to_string().contains("control characters"), "{e}");
    }
}

#[test]
fn conditional_requirements_name_the_field_and_the_reason() {
    use baohan_protocol::ely::messages::{Ely101, Ely102};
    let mut m = plain("ely", "ELY101");
    m.insert("needPaper".into(), Value::String("1".into()));
    let e = Ely101::from_map(&m).unwrap_err();
    assert_eq!(
        e.to_string(),
        "mailAddress: is required when needPaper is 1"
    );

    let mut n = Map::new();
    n.insert("applicationId".into(), Value::String("A1".into()));
    n.insert("applicationStatus".into(), Value::String("02".into()));
    assert_eq!(
        Ely102::from_map(&n).unwrap_err().to_string(),
        "failReason: is required when applicationStatus is 02 or 04"
    );
    n.insert("applicationStatus".into(), Value::String("05".into()));
    let fields: Vec<String> = Ely102::from_map(&n)
        .unwrap_err()
        .fields()
        .map(String::from)
        .collect();
    assert_eq!(fields, ["payTime", "payAmt", "payType"]);
}

fn fujian_wire(name: &str) -> Map {
    read_map(repo().join(format!("tests/fixtures/wire/fujian/{name}.request.json")))
}

fn receive(map: &Map, now: &str) -> Result<fujian::FujianRequest, Rejection> {
    fujian::receive(
        Interface::Baohanapply,
        Value::Object(map.clone()).to_string().as_bytes(),
        &fujian_profile(),
        at(now),
    )
}

#[test]
fn fujian_rejections_say_why_and_name_the_field() {
    let wire = fujian_wire("baohanapply");
    let ts = wire["timestamp"].as_str().unwrap().to_owned();
    assert!(receive(&wire, &ts).is_ok());

    let mut bad_sign = wire.clone();
    bad_sign.insert("bzjamount".into(), Value::String("1.00".into()));
    assert!(matches!(
        receive(&bad_sign, &ts),
        Err(Rejection::BadSign(_))
    ));

    assert_eq!(
        receive(&wire, "2026-03-16 09:30:00").unwrap_err(),
        Rejection::Stale
    );

    let mut other_key = wire.clone();
    other_key.insert("appkey".into(), Value::String("SOMEONE".into()));
    assert_eq!(
        receive(&other_key, &ts).unwrap_err(),
        Rejection::UnknownAppkey
    );

    // A ciphertext that does not decrypt, correctly signed, is named.
    let profile = fujian_profile();
    let mut tampered = wire.clone();
    tampered.insert(
        "zbr".into(),
        Value::String("AAAAAAAAAAAAAAAAAAAAAA==".into()),
    );
    tampered.insert(
        "sign".into(),
        Value::String(sign::sign(
            &tampered,
            profile.appsecret.expose(),
            profile.sort,
        )),
    );
    let e = receive(&tampered, &ts).unwrap_err();
    let Rejection::Invalid(inv) = &e else {
        panic!("{e}")
    };
    assert_eq!(inv.fields().collect::<Vec<_>>(), ["zbr"]);
    assert!(e.reply().message.unwrap().contains("zbr"));

    for body in [&b"not json"[..], b"[1,2]", b""] {
        let r = fujian::receive(Interface::Baohanapply, body, &profile, at(&ts));
        assert_eq!(r.unwrap_err(), Rejection::NotJson);
    }
    let huge = vec![b' '; fujian::MAX_BODY + 1];
    assert!(matches!(
        fujian::receive(Interface::Baohanapply, &huge, &profile, at(&ts)),
        Err(Rejection::TooLarge(_))
    ));
}

fn ely_wire(t: &str) -> Map {
    read_map(repo().join(format!("tests/fixtures/wire/ely/{t}.request.json")))
}

fn open(map: &Map) -> Result<codec::OpenedRequest, codec::Rejection> {
    codec::open_request(
        Value::Object(map.clone()).to_string().as_bytes(),
        &ely_profile("fi"),
        ely_fixture_now(),
    )
}

#[test]
fn ely_rejections_carry_the_spec_code() {
    let wire = ely_wire("ELY101");
    assert!(open(&wire).is_ok());

    let mut bad_sign = wire.clone();
    bad_sign.insert("sign".into(), Value::String("0".repeat(64)));
    assert_eq!(open(&bad_sign).unwrap_err().code, ResponseCode::SignFailed);

    // Data that is not ours to decrypt, correctly signed: 102.
    let profile = ely_profile("fi");
    let mut foreign = wire.clone();
    let data = baohan_gm::Encoding::Base64.encode(
        &baohan_gm::sm2::encrypt(
            &baohan_gm::sm2::PrivateKey::generate().public_key(),
            baohan_gm::sm2::Layout::DEFAULT,
            b"{}",
        )
        .unwrap(),
    );
    let reqtime = wire["reqtime"].as_str().unwrap();
    let sign = baohan_gm::sm3::hex_digest(
        codec::sign_input(&data, reqtime, &profile.appkey, profile.appsecret.expose()).as_bytes(),
    );
    foreign.insert("data".into(), Value::String(data));
    foreign.insert("sign".into(), Value::String(sign));
    assert_eq!(
        open(&foreign).unwrap_err().code,
        ResponseCode::DecryptFailed
    );

    let mut bad_msgcode = wire.clone();
    bad_msgcode.insert("msgcode".into(), Value::String("not-a-uuid".into()));
    let e = open(&bad_msgcode).unwrap_err();
    assert_eq!(
        (e.code, e.detail.starts_with("msgcode")),
        (ResponseCode::InvalidParams, true)
    );

    let mut no_transcode = wire.clone();
    no_transcode.remove("transcode");
    let e = open(&no_transcode).unwrap_err();
    assert_eq!(e.code, ResponseCode::InvalidParams);
    assert!(
        e.response()
            .message
            .unwrap()
            .contains("transcode: is required")
    );
}

#[test]
fn ely_business_field_errors_are_103_and_named() {
    let profile = ely_profile("platform");
    let mut business = plain("ely", "ELY101");
    business.remove("legalIdNo");
    // The platform side seals to the FI's key.
    let wire = codec::seal_request(
        Transcode::Ely101,
        &business,
        &profile,
        ely_fixture_now(),
        codec::new_msgcode(),
        false,
    )
    .unwrap();
    let e = open(&wire.to_map()).unwrap_err();
    assert_eq!(e.code, ResponseCode::InvalidParams);
    assert_eq!(e.detail, "legalIdNo: is required");
}

proptest! {
    #[test]
    fn fen_round_trips_through_yuan_text(fen in 0i64..10_000_000_000_000) {
        let f = Fen::new(fen).unwrap();
        prop_assert_eq!(Fen::parse_yuan(&f.to_yuan()), Some(f));
    }

    #[test]
    fn the_sign_does_not_depend_on_field_order(pairs in prop::collection::btree_map("[a-zA-Z]{1,8}", "[^&=]{0,12}", 1..10)) {
        let forward: Map = pairs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let backward: Map = pairs.iter().rev().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        for order in [sign::SortOrder::Bytes, sign::SortOrder::IgnoreCase] {
            prop_assert_eq!(sign::sign(&forward, "s", order), sign::sign(&backward, "s", order));
        }
    }

    #[test]
    fn arbitrary_bodies_never_panic_and_are_rejected(body in prop::collection::vec(any::<u8>(), 0..400)) {
        prop_assert!(fujian::receive(Interface::Baohanapply, &body, &fujian_profile(), at("2026-03-16 09:12:45")).is_err());
        prop_assert!(codec::open_request(&body, &ely_profile("fi"), ely_fixture_now()).is_err());
    }
}

fn without(base: &Map, field: &str) -> Map {
    let mut m = base.clone();
    m.remove(field);
    m
}

/// A validly signed baohanapply body, posted unchanged to giveupnotice:
/// the sign covers fields, not the interface, so the fields must.
#[test]
fn a_body_signed_for_one_fujian_interface_is_refused_by_another() {
    let wire = fujian_wire("baohanapply");
    let ts = wire["timestamp"].as_str().unwrap().to_owned();
    let body = Value::Object(wire.clone()).to_string();
    for interface in [
        Interface::Giveupnotice,
        Interface::Quitapply,
        Interface::Claimsnotice,
        Interface::Getbaohaninfo,
    ] {
        let e =
            fujian::receive(interface, body.as_bytes(), &fujian_profile(), at(&ts)).unwrap_err();
        let Rejection::Invalid(inv) = &e else {
            panic!("{interface:?}: {e}")
        };
        let field = inv.fields().next().unwrap().to_owned();
        assert!(
            !interface.fields().iter().any(|f| f.name == field),
            "{field} is {interface:?}'s own"
        );
        let message = e.reply().message.unwrap();
        assert!(
            message.contains(&field) && message.contains(interface.name()),
            "{message}"
        );
    }
}

#[test]
fn fields_a_platform_is_allowed_to_add_are_signed_and_accepted() {
    let profile = fujian_profile();
    let mut wire = fujian_wire("giveupnotice");
    let ts = wire["timestamp"].as_str().unwrap().to_owned();
    wire.insert("platformtrace".into(), Value::String("T-1".into()));
    wire.insert(
        "sign".into(),
        Value::String(sign::sign(&wire, profile.appsecret.expose(), profile.sort)),
    );
    let body = Value::Object(wire.clone()).to_string();
    let refused = fujian::receive(Interface::Giveupnotice, body.as_bytes(), &profile, at(&ts));
    assert!(
        matches!(&refused, Err(Rejection::Invalid(inv)) if inv.fields().eq(["platformtrace"])),
        "{refused:?}"
    );
    let allowed = fujian::FujianProfile {
        extra_fields: vec!["platformtrace".into()],
        ..profile
    };
    assert!(fujian::receive(Interface::Giveupnotice, body.as_bytes(), &allowed, at(&ts)).is_ok());
    // Signed with the rest: changing it breaks the sign.
    wire.insert("platformtrace".into(), Value::String("T-2".into()));
    let body = Value::Object(wire).to_string();
    assert!(matches!(
        fujian::receive(Interface::Giveupnotice, body.as_bytes(), &allowed, at(&ts)),
        Err(Rejection::BadSign(_))
    ));
}

#[test]
fn an_unknown_appkey_and_a_wrong_sign_get_the_same_answer() {
    let wire = fujian_wire("baohanapply");
    let ts = wire["timestamp"].as_str().unwrap().to_owned();
    let mut other_key = wire.clone();
    other_key.insert("appkey".into(), Value::String("SOMEONE".into()));
    let mut bad_sign = wire.clone();
    bad_sign.insert("sign".into(), Value::String("0".repeat(64)));
    let a = receive(&other_key, &ts).unwrap_err().reply();
    let b = receive(&bad_sign, &ts).unwrap_err().reply();
    assert_eq!(a, b);
    assert_eq!(a.message.as_deref(), Some(fujian::NOT_AUTHENTICATED));
}

/// Anyone holding our public key can seal an envelope: only the
/// transcodes a platform is allowed to send that way are opened.
#[test]
fn an_ely_envelope_is_opened_only_for_the_transcodes_allowed_one() {
    let platform = ely_profile("platform");
    let now = ely_fixture_now();
    let seal = |t: Transcode| {
        let business = plain("ely", t.code());
        let wire =
            codec::seal_request(t, &business, &platform, now, codec::new_msgcode(), true).unwrap();
        Value::Object(wire.to_map()).to_string()
    };
    let bad_sign = {
        let mut w = ely_wire("ELY101");
        w.insert("sign".into(), Value::String("0".repeat(64)));
        codec::open_request(
            Value::Object(w).to_string().as_bytes(),
            &ely_profile("fi"),
            now,
        )
        .unwrap_err()
    };
    for t in [
        Transcode::Ely101,
        Transcode::Ely103,
        Transcode::Ely105,
        Transcode::Ely107,
        Transcode::Ely109,
    ] {
        let e = codec::open_request(seal(t).as_bytes(), &ely_profile("fi"), now).unwrap_err();
        assert_eq!(e.code, ResponseCode::SignFailed, "{t:?}");
        // The same answer as a wrong sign: nothing says why.
        assert_eq!(e.response(), bad_sign.response(), "{t:?}");
        assert_eq!(
            e.response().message.as_deref(),
            Some(ResponseCode::SignFailed.text())
        );
        // Allowed by configuration, it opens.
        let mut fi = ely_profile("fi");
        fi.envelope_transcodes = vec![t];
        assert!(
            codec::open_request(seal(t).as_bytes(), &fi, now).is_ok(),
            "{t:?}"
        );
    }
    let ely104 = codec::open_request(seal(Transcode::Ely104).as_bytes(), &ely_profile("fi"), now);
    assert!(ely104.is_ok(), "{ely104:?}");
}

#[test]
fn an_envelope_that_does_not_open_says_nothing_of_why() {
    let mut wire = ely_wire("ELY104");
    wire.insert("sign".into(), Value::String("AAAA".into()));
    let e = open(&wire).unwrap_err();
    assert_eq!(e.code, ResponseCode::DecryptFailed);
    assert!(!e.detail.is_empty());
    assert_eq!(
        e.response().message.as_deref(),
        Some(ResponseCode::DecryptFailed.text())
    );
}
