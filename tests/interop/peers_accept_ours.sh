#!/usr/bin/env bash
# Usage: peers_accept_ours.sh PATH_TO_BAOHANCTL
#
# The reverse direction of the fixtures: what baohan produces must be accepted by
# implementations that are independent of it. baohanctl makes keys, ciphertexts,
# signatures and digests; sm-crypto (peer.js), BouncyCastle (Peer.java) and the
# openssl CLI decrypt / verify / recompute them.
#
# The baohanctl contract used here:
#   gm sm2 keygen                       -> "private: <64 hex>" and "public: <130 hex>"
#   gm sm2 encrypt --public-key K [--format c1c3c2|c1c2c3|der] [--no-prefix]
#                  [--encoding base64|hex]   (stdin -> ciphertext; default c1c3c2+04, base64)
#   gm sm2 sign --private-key K [--id ID] [--der]   (stdin -> raw r||s hex, or DER hex)
#   gm sm3                              (stdin -> lowercase hex)
#   gm sm4 encrypt --key K [--mode ecb|cbc] [--iv IV] [--encoding base64|hex]
#                                       (stdin -> ciphertext; default ecb, base64)
#
# Every check prints "ok NAME" or "FAIL NAME: why"; the last line is exactly
# "N passed, M failed" and the exit code is non-zero when M > 0.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# --- baohanctl must exist: a missing binary is a failure, not a skip. -----------
ctl="${1:-}"
if [ -z "$ctl" ]; then
  echo "usage: $0 PATH_TO_BAOHANCTL" >&2
  fail "baohanctl given" "no path on the command line"
  finish || exit 1
fi
if [ -f "$ctl" ] && [ -x "$ctl" ]; then
  ctl="$(cd "$(dirname "$ctl")" && pwd)/$(basename "$ctl")"
elif command -v "$ctl" >/dev/null 2>&1; then
  ctl="$(command -v "$ctl")"
else
  fail "baohanctl exists" "'$ctl' is not an executable file"
  finish || exit 1
fi

# --- the peers (installs sm-crypto / bcprov on first use) --------------------------
# Probe in a subshell first, so that a broken install still ends with the summary line.
if ! (. "$here/peer_env.sh") >&2; then
  fail "peer implementations available" "peer_env.sh failed (see above)"
  finish || exit 1
fi
# shellcheck source=peer_env.sh
. "$here/peer_env.sh"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# --- small helpers ----------------------------------------------------------------
hex_of_file() { od -An -v -tx1 "$1" | tr -d ' \n'; }
hex_to_file() { printf '%s' "$1" | perl -e 'local $/; my $h = <STDIN>; print pack("H*", $h)' >"$2"; }
lower() { tr 'A-F' 'a-f'; }

# ctl IN_FILE ARGS...: runs baohanctl with IN_FILE on stdin; stdout -> $out, and on
# failure its stderr (shortened) -> $err. Returns baohanctl's status.
out=""
err=""
ctl() {
  local in="$1" rc=0
  shift
  out="$("$ctl" "$@" <"$in" 2>"$tmp/ctl.err")" || rc=$?
  if [ "$rc" -ne 0 ]; then
    err="baohanctl $* exited $rc: $(head -c 300 "$tmp/ctl.err" | tr '\n' ' ')"
    return 1
  fi
}

# check_eq NAME EXPECTED CMD...: the command must succeed and print exactly EXPECTED.
check_eq() {
  local name="$1" want="$2" got
  shift 2
  if got="$("$@" </dev/null 2>"$tmp/peer.err")"; then
    if [ "$got" = "$want" ]; then
      pass "$name"
    else
      fail "$name" "got ${got:0:80}, want ${want:0:80}"
    fi
  else
    fail "$name" "$(head -c 300 "$tmp/peer.err" | tr '\n' ' ')"
  fi
}

# check_rejects NAME CMD...: the peer must refuse (exit status 1 = a clean rejection).
check_rejects() {
  local name="$1" rc=0
  shift
  "$@" </dev/null >/dev/null 2>"$tmp/peer.err" || rc=$?
  if [ "$rc" -eq 1 ]; then pass "$name"; else fail "$name" "expected a rejection, got exit status $rc"; fi
}

# OpenSSL loads raw keys wrapped as PKCS#8 / SubjectPublicKeyInfo (see shared/interop/README.md).
pkcs8_head=308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420
spki_head=3059301306072a8648ce3d020106082a811ccf5501822d034200

# These run inside `if` / command substitutions, where set -e does not apply: every
# step is chained with && so that a failing openssl cannot be followed by a stale "ok".
openssl_decrypt() { # D PUB DER_HEX -> plaintext hex
  rm -f "$tmp/pt.bin"
  hex_to_file "$pkcs8_head$1a144034200$2" "$tmp/key.der" &&
    openssl pkey -inform DER -in "$tmp/key.der" -out "$tmp/key.pem" &&
    hex_to_file "$3" "$tmp/ct.der" &&
    openssl pkeyutl -decrypt -inkey "$tmp/key.pem" -in "$tmp/ct.der" -out "$tmp/pt.bin" &&
    hex_of_file "$tmp/pt.bin"
}

openssl_verify() { # PUB ID MSG_FILE DER_SIG_HEX -> "true"
  hex_to_file "$spki_head$1" "$tmp/pub.der" &&
    hex_to_file "$4" "$tmp/sig.der" &&
    openssl pkeyutl -verify -pubin -keyform DER -inkey "$tmp/pub.der" -rawin -digest sm3 \
      -pkeyopt "distid:$2" -sigfile "$tmp/sig.der" -in "$3" >/dev/null &&
    echo true
}

# r||s -> DER SEQUENCE { INTEGER r, INTEGER s }, built by OpenSSL itself (minimal INTEGERs).
raw_sig_to_der() {
  rm -f "$tmp/sig-conv.der"
  printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "${1:0:64}" "${1:64:64}" >"$tmp/sig.cnf" &&
    openssl asn1parse -genconf "$tmp/sig.cnf" -noout -out "$tmp/sig-conv.der" >/dev/null &&
    hex_of_file "$tmp/sig-conv.der"
}

hexid() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; } # the peers take IDs as hex

# --- messages (exact bytes on stdin: no trailing newline) --------------------------
cn_json='{"applicationId":"AP1","supplier":"福建某某公司","performanceBou":"12345.60"}'
printf '%s' "$cn_json" >"$tmp/cn.txt"
printf '%s' 'abc' >"$tmp/abc.txt"
: >"$tmp/empty.txt"
printf '%s' '国密杂凑算法 SM3，福建省财政厅接口测试' >"$tmp/zh.txt"
perl -e 'print map { chr($_ & 0xff) } 0 .. 999' >"$tmp/bytes1000.bin"
printf '%s' '0123456789abcdeffedcba9876543210' | perl -e 'local $/; print pack("H*", <STDIN>)' >"$tmp/exact16.bin"
openssl rand 16 >"$tmp/raw16.bin"
cn_hex="$(hex_of_file "$tmp/cn.txt")"

default_id=1234567812345678
custom_id=baohan-fi-0001

# ================================================================ SM2 keys
d=""
pub=""
if ctl /dev/null gm sm2 keygen; then
  d="$(printf '%s\n' "$out" | sed -n 's/^private: *//p' | lower)"
  pub="$(printf '%s\n' "$out" | sed -n 's/^public: *//p' | lower)"
fi
if [[ "$d" =~ ^[0-9a-f]{64}$ ]] && [[ "$pub" =~ ^04[0-9a-f]{128}$ ]]; then
  pass "sm2 keygen prints 'private: <64 hex>' and 'public: <130 hex>'"
  check_eq "sm2 keygen: BouncyCastle d·G = public" "$pub" peer_bc pub "$d"
  check_eq "sm2 keygen: sm-crypto d·G = public" "$pub" peer_js pub "$d"
else
  fail "sm2 keygen prints 'private: <64 hex>' and 'public: <130 hex>'" "${err:-got: $(printf '%s' "$out" | head -c 200 | tr '\n' '|')}"
  # Carry on with a BouncyCastle key, so the encrypt/sign checks still say something.
  read -r d pub < <(peer_bc keygen)
fi

# ================================================================ SM2 encryption
# name | baohanctl options | format | prefix
while IFS='|' read -r name opts fmt prefix; do
  # shellcheck disable=SC2086 # $opts is a list of options
  if ! ctl "$tmp/cn.txt" gm sm2 encrypt --public-key "$pub" $opts --encoding hex; then
    fail "sm2 encrypt $name" "$err"
    continue
  fi
  ct="$(printf '%s' "$out" | lower)"
  # Shape: DER starts with a SEQUENCE; raw is C1(64) C3(32) C2(len M), plus 1 byte for the 04.
  if [ "$fmt" = der ]; then
    shape_ok=$([[ "$ct" =~ ^30[0-9a-f]+$ ]] && echo y || echo n)
  else
    want_len=$((2 * (${#cn_hex} / 2 + 96)))
    [ "$prefix" = 04 ] && want_len=$((want_len + 2))
    shape_ok=$([[ "$ct" =~ ^[0-9a-f]+$ ]] && [ "${#ct}" -eq "$want_len" ] && echo y || echo n)
    [ "$prefix" = 04 ] && [ "${ct:0:2}" != 04 ] && shape_ok=n
  fi
  if [ "$shape_ok" = y ]; then pass "sm2 encrypt $name: shape"; else fail "sm2 encrypt $name: shape" "${ct:0:80}… (${#ct} hex)"; fi

  check_eq "sm2 encrypt $name: BouncyCastle decrypts" "$cn_hex" peer_bc sm2-decrypt "$d" "$fmt" "$prefix" "$ct"
  check_eq "sm2 encrypt $name: sm-crypto decrypts" "$cn_hex" peer_js sm2-decrypt "$d" "$fmt" "$prefix" "$ct"
  case "$fmt" in
    der) check_eq "sm2 encrypt $name: openssl pkeyutl decrypts" "$cn_hex" openssl_decrypt "$d" "$pub" "$ct" ;;
    # The C3 check fails in the other order: this proves the format label, not just the bytes.
    c1c3c2) check_rejects "sm2 encrypt $name: BouncyCastle rejects it as c1c2c3" peer_bc sm2-decrypt "$d" c1c2c3 "$prefix" "$ct" ;;
    c1c2c3) check_rejects "sm2 encrypt $name: BouncyCastle rejects it as c1c3c2" peer_bc sm2-decrypt "$d" c1c3c2 "$prefix" "$ct" ;;
  esac
done <<'EOF'
c1c3c2+04|--format c1c3c2|c1c3c2|04
c1c3c2 --no-prefix|--format c1c3c2 --no-prefix|c1c3c2|none
c1c2c3+04|--format c1c2c3|c1c2c3|04
der|--format der|der|none
EOF

# The defaults: no --format, no --encoding -> c1c3c2 with 04, Base64.
if ctl "$tmp/cn.txt" gm sm2 encrypt --public-key "$pub"; then
  if ct="$(printf '%s' "$out" | base64 -d 2>/dev/null | od -An -v -tx1 | tr -d ' \n')" && [ -n "$ct" ]; then
    check_eq "sm2 encrypt defaults (c1c3c2+04, base64): BouncyCastle decrypts" "$cn_hex" peer_bc sm2-decrypt "$d" c1c3c2 04 "$ct"
  else
    fail "sm2 encrypt defaults (c1c3c2+04, base64): output is Base64" "${out:0:80}"
  fi
else
  fail "sm2 encrypt defaults" "$err"
fi

# Binary plaintext (an SM4 key, as in digital envelopes): stdin must be read as bytes.
raw16_hex="$(hex_of_file "$tmp/raw16.bin")"
if ctl "$tmp/raw16.bin" gm sm2 encrypt --public-key "$pub" --encoding hex; then
  ct="$(printf '%s' "$out" | lower)"
  check_eq "sm2 encrypt 16 raw bytes: BouncyCastle decrypts" "$raw16_hex" peer_bc sm2-decrypt "$d" c1c3c2 04 "$ct"
  check_eq "sm2 encrypt 16 raw bytes: sm-crypto decrypts" "$raw16_hex" peer_js sm2-decrypt "$d" c1c3c2 04 "$ct"
else
  fail "sm2 encrypt 16 raw bytes" "$err"
fi

# ================================================================ SM2 signatures
# name | message file | user ID (empty: baohanctl's default) | der?
while IFS='|' read -r name file uid der; do
  args=(gm sm2 sign --private-key "$d")
  [ -n "$uid" ] && args+=(--id "$uid")
  [ "$der" = der ] && args+=(--der)
  if ! ctl "$tmp/$file" "${args[@]}"; then
    fail "sm2 sign $name" "$err"
    continue
  fi
  sig="$(printf '%s' "$out" | lower)"
  id="${uid:-$default_id}"
  msg_hex="$(hex_of_file "$tmp/$file")"
  [ -n "$msg_hex" ] || msg_hex=-
  if [ "$der" = der ]; then
    enc=der
    if [[ "$sig" =~ ^30[0-9a-f]+$ ]]; then pass "sm2 sign $name: shape"; else fail "sm2 sign $name: shape" "${sig:0:80}"; fi
    sig_der="$sig"
  else
    enc=raw
    if [[ "$sig" =~ ^[0-9a-f]{128}$ ]]; then pass "sm2 sign $name: shape (128 hex)"; else fail "sm2 sign $name: shape (128 hex)" "${sig:0:80}… (${#sig} hex)"; fi
    sig_der="$(raw_sig_to_der "$sig" 2>/dev/null || echo 00)"
  fi
  check_eq "sm2 sign $name: BouncyCastle verifies" true peer_bc sm2-verify "$pub" "$(hexid "$id")" "$enc" "$sig" "$msg_hex"
  check_eq "sm2 sign $name: sm-crypto verifies" true peer_js sm2-verify "$pub" "$(hexid "$id")" "$enc" "$sig" "$msg_hex"
  check_eq "sm2 sign $name: openssl pkeyutl verifies (distid:$id)" true openssl_verify "$pub" "$id" "$tmp/$file" "$sig_der"
  if [ "$name" = "cnjson default-id raw" ]; then
    # Shows that the ID really enters the digest (and that the verifiers can say no).
    check_rejects "sm2 sign $name: BouncyCastle rejects it under ID $custom_id" \
      peer_bc sm2-verify "$pub" "$(hexid "$custom_id")" raw "$sig" "$msg_hex"
  fi
done <<EOF
cnjson default-id raw|cn.txt||raw
cnjson default-id der|cn.txt||der
cnjson id=$custom_id raw|cn.txt|$custom_id|raw
cnjson id=$custom_id der|cn.txt|$custom_id|der
empty message default-id raw|empty.txt||raw
EOF

# ================================================================ SM3
while IFS='|' read -r name file; do
  if ctl "$tmp/$file" gm sm3; then
    check_eq "sm3 $name = sm-crypto" "$(peer_js sm3 "$(hex_of_file "$tmp/$file")")" printf '%s' "$out"
  else
    fail "sm3 $name" "$err"
  fi
done <<'EOF'
abc|abc.txt
empty|empty.txt
chinese|zh.txt
1000 bytes|bytes1000.bin
EOF

# ================================================================ SM4
key="$(openssl rand -hex 16)"
iv="$(openssl rand -hex 16)"
while IFS='|' read -r name file mode; do
  msg_hex="$(hex_of_file "$tmp/$file")"
  [ -n "$msg_hex" ] || msg_hex=-
  args=(gm sm4 encrypt --key "$key" --mode "$mode" --encoding hex)
  [ "$mode" = cbc ] && args+=(--iv "$iv")
  if ctl "$tmp/$file" "${args[@]}"; then
    check_eq "sm4 $mode $name = sm-crypto" "$(peer_js sm4-encrypt "$mode" "$key" "$iv" "$msg_hex")" \
      printf '%s' "$(printf '%s' "$out" | lower)"
  else
    fail "sm4 $mode $name" "$err"
  fi
done <<'EOF'
cnjson|cn.txt|ecb
exact 16 bytes|exact16.bin|ecb
empty|empty.txt|ecb
cnjson|cn.txt|cbc
exact 16 bytes|exact16.bin|cbc
empty|empty.txt|cbc
EOF

# The defaults: no --mode, no --encoding -> ECB, Base64.
if ctl "$tmp/cn.txt" gm sm4 encrypt --key "$key"; then
  hex_to_file "$(peer_js sm4-encrypt ecb "$key" - "$cn_hex")" "$tmp/sm4-default.bin"
  want="$(base64 -w0 "$tmp/sm4-default.bin")"
  check_eq "sm4 defaults (ecb, base64) = sm-crypto" "$want" printf '%s' "$out"
else
  fail "sm4 defaults (ecb, base64)" "$err"
fi

finish
