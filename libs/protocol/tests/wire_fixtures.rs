//! Every interface's wire example in tests/fixtures/wire/ is received,
//! verified, decrypted, typed, and re-serialised to its plaintext example.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use baohan_protocol::ely::codec;
use baohan_protocol::ely::messages::{Ely103Response, Ely104Response};
use baohan_protocol::ely::{ResponseCode, Transcode};
use baohan_protocol::fujian::messages::{BaohanApplyReply, GetBaohanInfoReply, Reply};
use baohan_protocol::fujian::{self, Interface};
use baohan_protocol::wire::{Map, Value, WireMessage};
use common::*;

fn fixture(kind: &str, spec: &str, name: &str) -> Map {
    read_map(repo().join(format!("tests/fixtures/{kind}/{spec}/{name}.json")))
}

fn without(mut m: Map, keys: &[&str]) -> Map {
    for k in keys {
        m.remove(*k);
    }
    m
}

#[test]
fn every_fujian_request_is_received_typed_and_reserialised() {
    let profile = fujian_profile();
    for iface in Interface::ALL {
        let name = format!("{}.request", iface.name());
        let wire = fixture("wire", "fujian", &name);
        let plain = fixture("plain", "fujian", &name);
        let ts = wire["timestamp"].as_str().unwrap().to_owned();
        let body = Value::Object(wire.clone()).to_string();
        let request = fujian::receive(*iface, body.as_bytes(), &profile, at(&ts))
            .unwrap_or_else(|e| panic!("{}: {e}", iface.name()));
        assert_eq!(request.interface(), *iface);
        assert_eq!(
            without(request.to_map(), &["sign"]),
            without(plain, &["sign"]),
            "{}",
            iface.name()
        );
        // Sealing the typed request again gives a body that is received again.
        let sealed = fujian::seal(&request, &profile, at(&ts));
        let again = fujian::receive(
            *iface,
            Value::Object(sealed).to_string().as_bytes(),
            &profile,
            at(&ts),
        )
        .unwrap();
        assert_eq!(again, request);
    }
}

#[test]
fn every_fujian_reply_parses_and_reserialises() {
    for iface in Interface::ALL {
        let plain = fixture("wire", "fujian", &format!("{}.response", iface.name()));
        let back = match iface {
            Interface::Baohanapply => BaohanApplyReply::from_map(&plain).map(|r| r.to_map()),
            Interface::Getbaohaninfo => GetBaohanInfoReply::from_map(&plain).map(|r| r.to_map()),
            _ => Reply::from_map(&plain).map(|r| r.to_map()),
        };
        assert_eq!(
            back.unwrap_or_else(|e| panic!("{}: {e}", iface.name())),
            plain,
            "{}",
            iface.name()
        );
    }
}

#[test]
fn every_ely_request_is_opened_typed_and_reserialised() {
    for t in Transcode::ALL {
        let wire = fixture("wire", "ely", &format!("{}.request", t.code()));
        let plain = fixture("plain", "ely", &format!("{}.request", t.code()));
        let receiver = if t.provider() == baohan_protocol::Provider::Fi {
            "fi"
        } else {
            "platform"
        };
        let body = Value::Object(wire).to_string();
        let opened =
            codec::open_request(body.as_bytes(), &ely_profile(receiver), ely_fixture_now())
                .unwrap_or_else(|e| panic!("{}: {e}", t.code()));
        assert_eq!(opened.transcode, *t);
        assert_eq!(
            t.request_envelope(),
            matches!(opened.security, codec::Security::Envelope { .. })
        );
        assert_eq!(opened.request.to_map(), plain, "{}", t.code());
    }
}

#[test]
fn every_ely_response_is_opened_and_its_data_reserialised() {
    for t in Transcode::ALL {
        let wire = fixture("wire", "ely", &format!("{}.response", t.code()));
        let plain = fixture("plain", "ely", &format!("{}.response", t.code()));
        // Responses go back to whoever called: the platform for inbound ones.
        let reader = if t.provider() == baohan_protocol::Provider::Fi {
            "platform"
        } else {
            "fi"
        };
        let body = Value::Object(wire).to_string();
        let (response, data) = codec::open_response(body.as_bytes(), &ely_profile(reader)).unwrap();
        assert_eq!(response.code, ResponseCode::Success);
        let business = without(plain, &["code", "message"]);
        match t {
            Transcode::Ely103 => {
                assert!(
                    response.sign.is_some(),
                    "ELY103's response travels in an envelope"
                );
                assert_eq!(
                    Ely103Response::from_map(&data.unwrap()).unwrap().to_map(),
                    business
                );
            }
            Transcode::Ely104 => assert_eq!(
                Ely104Response::from_map(&data.unwrap()).unwrap().to_map(),
                business
            ),
            _ => {
                assert!(business.is_empty());
                assert_eq!(data, None);
            }
        }
    }
}
