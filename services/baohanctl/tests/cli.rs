//! The binary as a shell user runs it: output and exit codes (0 ok, 1 the
//! check said no, 2 usage). Also makes `cargo test` build the binary that
//! tests/interop/peers_accept_ours.sh hands to the peers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baohanctl"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses its arguments exits before reading its input:
    // the pipe may be closed by then, which is no failure of the test.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

#[test]
fn sm3_of_abc_is_the_standard_vector() {
    let out = run(&["gm", "sm3"], "abc");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
}

#[test]
fn a_fujian_sign_verifies_and_a_changed_field_does_not() {
    let body = r#"{"appkey":"FJDEMO0001","applyno":"A1","timestamp":"2026-04-15 10:30:00"}"#;
    let signed = run(&["fujian", "sign", "--appsecret", "s3cret"], body);
    assert_eq!(signed.status.code(), Some(0));
    let text = String::from_utf8(signed.stdout).unwrap();
    let digest = text
        .split_whitespace()
        .find(|w| w.len() == 64 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .expect("the digest is printed");
    let with_sign = body.replacen('{', &format!(r#"{{"sign":"{digest}","#), 1);
    let ok = run(&["fujian", "verify", "--appsecret", "s3cret"], &with_sign);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let tampered = with_sign.replace("\"A1\"", "\"A2\"");
    let bad = run(&["fujian", "verify", "--appsecret", "s3cret"], &tampered);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
}

#[test]
fn a_bad_key_is_a_usage_error() {
    let out = run(&["gm", "sm4", "encrypt", "--key", "not-a-key"], "x");
    assert_eq!(out.status.code(), Some(2));
    assert!(!out.stderr.is_empty());
}

#[test]
fn replay_refuses_a_moment_it_cannot_read() {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/local.toml");
    let out = run(
        &[
            "replay",
            "--queue",
            "underwriting",
            "--since",
            "yesterday",
            "--config",
            config,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--since \"yesterday\""), "{err}");
}
