"""An independent check of the guarantee letter's signature.

Usage: verify_letter.py SIGNED.pdf

Nothing of baohan's is used: asn1crypto parses the CMS SignedData and the
certificate, gmssl computes SM3 and verifies the SM2 signature (default ID
1234567812345678, DER signature). The checks:

- the last /ByteRange covers the whole file but its /Contents;
- the digest algorithm is SM3 and the signed message digest is the SM3 of
  the covered bytes;
- the SM2 signature over the signed attributes (as a SET OF) verifies with
  the embedded certificate's key;
- a changed byte is caught: the digest of a copy with one byte flipped
  differs from the signed one.

Prints "ok NAME" or "FAIL NAME: why" per check; the last line is exactly
"N passed, M failed", and the exit code is non-zero when M > 0.
"""

import binascii
import re
import sys

from asn1crypto import cms
from gmssl import func, sm2, sm3

SM3_OID = "1.2.156.10197.1.401"
MESSAGE_DIGEST = "1.2.840.113549.1.9.4"

passed = 0
failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {why}")


def finish():
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def sm3_hex(data):
    return sm3.sm3_hash(func.bytes_to_list(data))


def main(path):
    try:
        pdf = open(path, "rb").read()
    except OSError as e:
        check("the signed letter exists", False, str(e))
        finish()
    ranges = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf))
    check("the letter carries a /ByteRange", bool(ranges), "none found")
    if not ranges:
        finish()
    a0, a1, b0, b1 = map(int, ranges[-1].groups())
    check(
        "the signature covers the whole file but its value",
        a0 == 0 and a1 < b0 and b0 + b1 == len(pdf),
        f"[{a0} {a1} {b0} {b1}] for {len(pdf)} bytes",
    )
    contents = pdf[a1:b0].strip(b"<>")
    info = cms.ContentInfo.load(binascii.unhexlify(contents))
    signed = info["content"]
    signer = signed["signer_infos"][0]
    check(
        "the digest algorithm is SM3",
        signer["digest_algorithm"]["algorithm"].dotted == SM3_OID,
        signer["digest_algorithm"]["algorithm"].dotted,
    )
    attrs = signer["signed_attrs"]
    digest = [a for a in attrs if a["type"].dotted == MESSAGE_DIGEST][0]["values"][0].native
    covered = pdf[a0 : a0 + a1] + pdf[b0 : b0 + b1]
    check(
        "the signed digest is the SM3 of the covered bytes",
        digest.hex() == sm3_hex(covered),
        f"{digest.hex()} vs {sm3_hex(covered)}",
    )
    cert = signed["certificates"][0].chosen
    point = cert.public_key["public_key"].native
    xy = point[1:].hex() if len(point) == 65 else point.hex()
    verifier = sm2.CryptSM2(private_key="", public_key=xy, asn1=True)
    # gmssl strips leading "0" and "4" characters from the key it is
    # given, taking them for the 04 prefix: set it again, as it is.
    verifier.public_key = xy
    signed_bytes = attrs.untag().dump()
    check(
        "the SM2 signature verifies with the embedded certificate",
        signed_bytes[0] == 0x31
        and verifier.verify_with_sm3(signer["signature"].native.hex(), signed_bytes),
        cert.subject.human_friendly,
    )
    tampered = bytearray(covered)
    tampered[len(tampered) // 3] ^= 0x01
    check(
        "a changed byte changes the digest",
        sm3_hex(bytes(tampered)) != digest.hex(),
        "same digest",
    )
    finish()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: verify_letter.py SIGNED.pdf", file=sys.stderr)
        check("a letter given", False, "no path on the command line")
        finish()
    main(sys.argv[1])
