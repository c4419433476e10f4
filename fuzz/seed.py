#!/usr/bin/env python3
"""Writes each fuzz target's seed corpus (fuzz/seeds/<target>/) from the
wire and plain fixtures under tests/fixtures, with the mode byte each
target reads first. Run by tests/run.sh before fuzzing; the seeds are
made, not committed."""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
fixtures = root / "tests" / "fixtures"
out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "fuzz" / "seeds"
ELY = ["ELY101", "ELY102", "ELY103", "ELY104", "ELY105", "ELY106", "ELY107", "ELY108", "ELY109"]
FUJIAN = ["baohanapply", "baohannotice", "getbaohaninfo", "giveupnotice", "quitapply",
          "quitnotice", "claimsnotice", "claimsresultnotice"]


def put(target, name, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


for i, t in enumerate(ELY):
    for kind in ("request", "response"):
        wire = fixtures / "wire" / "ely" / f"{t}.{kind}.json"
        if wire.exists():
            body = wire.read_bytes()
            put("ely_request", f"wire-{t}-{kind}", b"\x00" + body)
            put("peek_transcode", f"{t}-{kind}", body)
            w = json.loads(body)
            if "data" in w and "sign" in w:
                put("envelope_open", f"{t}-{kind}", (w["data"] + "\0" + w["sign"]).encode())
    plain = fixtures / "plain" / "ely" / f"{t}.request.json"
    if plain.exists():
        put("ely_request", f"plain-{t}", b"\x01" + bytes([i]) + plain.read_bytes())
        put("ely_request", f"envelope-{t}", b"\x02" + plain.read_bytes())

for i, t in enumerate(FUJIAN):
    wire = fixtures / "wire" / "fujian" / f"{t}.request.json"
    if wire.exists():
        put("fujian_request", f"wire-{t}", bytes([i << 1]) + wire.read_bytes())
    plain = fixtures / "plain" / "fujian" / f"{t}.request.json"
    if plain.exists():
        put("fujian_request", f"plain-{t}", bytes([(i << 1) | 1]) + plain.read_bytes())

profile = {"payername": "示范建设有限公司", "payeraccount": "35050100000000000002",
           "biddercontact": "张三", "biddercontacttel": "13800138000", "bidderaddress": "福州市",
           "bidderemail": "a@example.com", "bidderpersonname": "李四",
           "bidderpersoncard": "350102199001011234", "bidderpersontel": "13900139000",
           "bidder": "示范建设有限公司"}
put("portal_profile", "complete", json.dumps(profile, ensure_ascii=False).encode())
put("portal_multipart", "two-parts",
    b"--XyZ\r\nContent-Disposition: form-data; name=\"payername\"\r\n\r\n\xe7\xa4\xba\xe8\x8c\x83\r\n"
    b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"q.pdf\"\r\n"
    b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--XyZ--\r\n")
put("download_link", "signed", b"\x01fujian-demo\nFJ-1\nletter\n1800000000")
put("download_link", "raw", b"\x00Zm9v.YmFy")
# Found by peek_transcode (the key twice): kept as a seed, pinned in peek.rs.
put("peek_transcode", "duplicate-key", b'{\n    "transcode": "ELY109","transcode": "ELY1c-3e4520"\n}\n')
put("client_address", "chain", b"198.51.100.1, 203.0.113.9:443, [2001:db8::1]:80, 10.0.0.2")
put("sm2_decrypt", "empty", b"")
put("pdf_verify", "tiny", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
for pdf in (root / "target").glob("letter-signed.pdf"):
    put("pdf_verify", "letter-signed", pdf.read_bytes())
for pdf in (fixtures / "plain").rglob("*.pdf"):
    put("pdf_verify", pdf.name, pdf.read_bytes())
